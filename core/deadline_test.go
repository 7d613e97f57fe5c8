package core

import (
	"testing"
	"time"
)

func TestLazyDeadline(t *testing.T) {
	now := time.Unix(1000, 0)
	const d = time.Second // slack: 125 ms
	for _, tc := range []struct {
		name    string
		cur     time.Time
		d       time.Duration
		want    time.Time
		changed bool
	}{
		{"no timeout, none set", time.Time{}, 0, time.Time{}, false},
		{"no timeout clears one", now, 0, time.Time{}, true},
		{"first deadline takes the slack", time.Time{}, d, now.Add(d + 125*time.Millisecond), true},
		{"a deadline within the slack stays", now.Add(d + 100*time.Millisecond), d, now.Add(d + 100*time.Millisecond), false},
		{"exactly now+d stays", now.Add(d), d, now.Add(d), false},
		{"an earlier one moves: never fire before d", now.Add(d - time.Nanosecond), d, now.Add(d + 125*time.Millisecond), true},
		{"a later one moves back", now.Add(d + 125*time.Millisecond + time.Nanosecond), d, now.Add(d + 125*time.Millisecond), true},
		{"the slack is at most 250 ms", time.Time{}, time.Hour, now.Add(time.Hour + 250*time.Millisecond), true},
	} {
		got, changed := lazyDeadline(tc.cur, now, tc.d)
		if !got.Equal(tc.want) || changed != tc.changed {
			t.Errorf("%s: got %v, %v; want %v, %v", tc.name, got, changed, tc.want, tc.changed)
		}
	}
}

func TestLazyAt(t *testing.T) {
	now := time.Now()
	later := now.Add(10 * time.Second) // slack 250 ms
	if got, ok := lazyAt(time.Time{}, time.Time{}); ok || !got.IsZero() {
		t.Errorf("none to none: %v, %v; want no change", got, ok)
	}
	if got, ok := lazyAt(later, time.Time{}); !ok || !got.IsZero() {
		t.Errorf("clearing: %v, %v; want the zero time set", got, ok)
	}
	past := now.Add(-time.Second)
	if got, ok := lazyAt(later, past); !ok || !got.Equal(past) {
		t.Errorf("a deadline in the past (a kick): %v, %v; want it set exactly", got, ok)
	}
	got, ok := lazyAt(time.Time{}, later)
	if !ok || got.Before(later) || got.After(later.Add(maxDeadlineSlack)) {
		t.Errorf("first deadline: %v, %v; want within [t, t+250ms]", got, ok)
	}
	if again, ok := lazyAt(got, later.Add(time.Millisecond)); ok || !again.Equal(got) {
		t.Errorf("1 ms later: %v, %v; want the deadline kept", again, ok)
	}
}

func TestLazyTime(t *testing.T) {
	var l lazyTime
	now := time.Now()
	if !l.arm(now, 8*time.Second) || !l.at.Equal(now.Add(8*time.Second+250*time.Millisecond)) {
		t.Fatalf("first arm: at %v; want now+8.25s", l.at)
	}
	if l.ask(now.Add(8*time.Second + 100*time.Millisecond)) {
		t.Error("a deadline asked within the slack moved; want it kept")
	}
	if !l.ask(now.Add(time.Second)) || l.at.Before(now.Add(time.Second)) {
		t.Errorf("an earlier deadline: at %v; want it moved, never before what was asked", l.at)
	}
	if !l.ask(time.Time{}) || !l.at.IsZero() {
		t.Errorf("no deadline: at %v; want none", l.at)
	}
}
