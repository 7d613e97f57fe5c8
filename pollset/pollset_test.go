//go:build linux

package pollset

import (
	"errors"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pipe returns a pipe whose read end is in s, edge-triggered.
func pipe(t *testing.T, s *Set) (r, w int) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(p[0])}
	if err := unix.EpollCtl(s.FD(), unix.EPOLL_CTL_ADD, p[0], &ev); err != nil {
		t.Fatal(err)
	}
	return p[0], p[1]
}

func newSet(t *testing.T) *Set {
	t.Helper()
	s, err := New(8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestWaitParksUntilReady(t *testing.T) {
	s := newSet(t)
	r, w := pipe(t, s)
	got := make(chan []unix.EpollEvent, 1)
	go func() {
		evs, err := s.Wait()
		if err != nil {
			t.Error(err)
		}
		got <- append([]unix.EpollEvent(nil), evs...)
	}()
	select {
	case evs := <-got:
		t.Fatalf("Wait returned %v before anything was ready", evs)
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := unix.Write(w, []byte("x")); err != nil {
		t.Fatal(err)
	}
	select {
	case evs := <-got:
		if len(evs) != 1 || int(evs[0].Fd) != r || evs[0].Events&unix.EPOLLIN == 0 {
			t.Fatalf("events %+v; want EPOLLIN on %d", evs, r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return once the pipe was readable")
	}
}

func TestWaitTakesWhatIsReady(t *testing.T) {
	// Readiness that came before the wait is not lost.
	s := newSet(t)
	_, w1 := pipe(t, s)
	_, w2 := pipe(t, s)
	unix.Write(w1, []byte("x"))
	unix.Write(w2, []byte("x"))
	evs, err := s.Wait()
	if err != nil || len(evs) != 2 {
		t.Fatalf("Wait = %v, %v; want both pipes", evs, err)
	}
}

func TestDeadline(t *testing.T) {
	s := newSet(t)
	pipe(t, s)
	start := time.Now()
	if err := s.SetDeadline(start.Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Wait(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Wait past the deadline: %v; want os.ErrDeadlineExceeded", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("deadline 50 ms fired after %v", d)
	}
	// A cleared deadline waits again, here until a close.
	s.SetDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, err := s.Wait()
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	s.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Wait on a closed set returned no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the Wait")
	}
}

func TestPollDoesNotWait(t *testing.T) {
	s := newSet(t)
	r, w := pipe(t, s)
	start := time.Now()
	if evs, err := s.Poll(); err != nil || len(evs) != 0 {
		t.Fatalf("Poll with nothing ready = %v, %v", evs, err)
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Fatalf("Poll took %v with nothing ready", d)
	}
	if _, err := unix.Write(w, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if evs, err := s.Poll(); err != nil || len(evs) != 1 || int(evs[0].Fd) != r {
		t.Fatalf("Poll with the pipe readable = %v, %v", evs, err)
	}
}
