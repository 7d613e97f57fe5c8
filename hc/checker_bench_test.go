//go:build linux && !race

// Built without -race, whose sync.Pool drops objects at random: the
// allocation test below lives here for that reason.

package hc

import (
	"bytes"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/bench/testbed"
	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/upstream"
)

// Benchmark sizes. The backends run in two processes of 5,000 listening
// ports each: with a keep-alive connection per port a backend holds 10,000
// descriptors, half the hard limit of one process here.
const (
	benchTargets    = 10000
	benchPerBackend = 5000
	// benchFirstPort starts the ports, below Linux's default ephemeral
	// range (32768-60999) so the probes' own sockets do not collide.
	benchFirstPort = 21000
	benchMeasure   = 5 * time.Second
)

// BenchmarkChecker10k probes 10,000 targets every second, with http
// probes over keep-alive connections and with tcp probes (connect and
// reset), and reports the checker process's CPU, user plus system, as a
// percentage of one core, measured over 5 s after a warm-up round. The
// backends are separate processes, so their CPU is not counted. Run it
// once:
//
//	go test -run '^$' -bench Checker10k -benchtime 1x ./hc
func BenchmarkChecker10k(b *testing.B) {
	raiseFileLimit(b, benchTargets+1000)
	bin := testbed.Binary(b, testbed.BackendPackage)
	addrs := make([]string, 0, benchTargets)
	for first := benchFirstPort; first < benchFirstPort+benchTargets; first += benchPerBackend {
		last := first + benchPerBackend - 1
		span := fmt.Sprintf("127.0.0.1:%d-%d", first, last)
		p := testbed.StartProcess(b, bin, "-listen-range", span)
		if _, err := p.WaitForLine("listening on ", 30*time.Second); err != nil {
			if strings.Contains(p.Output(), "bind:") {
				b.Skipf("cannot listen on %s: %s", span, strings.TrimSpace(p.Output()))
			}
			b.Fatal(err)
		}
		for port := first; port <= last; port++ {
			addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", port))
		}
	}

	for _, typ := range []string{"http", "tcp"} {
		b.Run(typ, func(b *testing.B) { benchChecker(b, activeCheck(b, "type: "+typ), addrs) })
	}
}

// benchChecker probes addrs every second with spec and reports the CPU
// it costs.
func benchChecker(b *testing.B, spec config.ActiveCheck, addrs []string) {
	var probes, failures atomic.Int64
	var lastErr atomic.Pointer[string]
	c := NewChecker(spec, CheckerOptions{Report: func(_ string, r Result) {
		probes.Add(1)
		if r.Err != "" {
			failures.Add(1)
			err := r.Err
			lastErr.Store(&err)
		}
	}})
	defer c.Stop()
	b.ReportAllocs()
	c.SetTargets(addrs)

	// Warm-up: the first round dials, the second runs on kept connections.
	deadline := time.Now().Add(10 * time.Second)
	for probes.Load() < benchTargets {
		if time.Now().After(deadline) {
			b.Fatalf("warm-up: %d of %d targets probed in 10 s", probes.Load(), benchTargets)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Second)

	b.ResetTimer()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	u0, s0 := cpuTime(b)
	n0, t0 := probes.Load(), time.Now()
	time.Sleep(benchMeasure)
	u1, s1 := cpuTime(b)
	n1, t1 := probes.Load(), time.Now()
	runtime.ReadMemStats(&m1)
	b.StopTimer()

	wall := t1.Sub(t0)
	n := n1 - n0
	b.ReportMetric(100*float64(u1-u0+s1-s0)/float64(wall), "cpu%")
	b.ReportMetric(100*float64(u1-u0)/float64(wall), "user%")
	b.ReportMetric(100*float64(s1-s0)/float64(wall), "sys%")
	b.ReportMetric(float64(n)/wall.Seconds(), "probes/s")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(n), "allocs/probe")
	if f := failures.Load(); f != 0 {
		b.Errorf("%d probes failed; last: %s", f, *lastErr.Load())
	}
}

// BenchmarkProbeKept is one http probe on a kept connection to an
// in-process server that answers without allocating.
func BenchmarkProbeKept(b *testing.B) {
	probe := probeOnce(b, activeCheck(b, ""), startRawServer(b), CheckerOptions{})
	probe() // dial
	b.ReportAllocs()
	for b.Loop() {
		if r := probe(); r.Counter != upstream.Successes {
			b.Fatalf("probe = %+v", r)
		}
	}
}

func TestProbeKeptConnectionAllocatesNothing(t *testing.T) {
	probe := probeOnce(t, activeCheck(t, ""), startRawServer(t), CheckerOptions{})
	probe() // dial
	if n := testing.AllocsPerRun(100, func() { probe() }); n != 0 {
		t.Errorf("a probe on a kept connection allocates %v times; want 0", n)
	}
}

// startRawServer serves "200 OK" to every request head, reading and
// writing with fixed buffers, and returns its address.
func startRawServer(tb testing.TB) string {
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	addr, _ := startServer(tb, func(conn net.Conn) {
		buf := make([]byte, 4096)
		n := 0
		for {
			m, err := conn.Read(buf[n:])
			if err != nil {
				return
			}
			n += m
			for {
				end := bytes.Index(buf[:n], []byte("\r\n\r\n"))
				if end < 0 {
					break
				}
				if _, err := conn.Write(resp); err != nil {
					return
				}
				n = copy(buf, buf[end+4:n])
			}
		}
	})
	return addr
}

// raiseFileLimit raises this process's open-file soft limit to the hard
// limit, and skips the benchmark when that is below need.
func raiseFileLimit(b *testing.B, need uint64) {
	b.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			b.Fatal(err)
		}
	}
	if lim.Cur < need {
		b.Skipf("open-file limit %d; the benchmark needs %d", lim.Cur, need)
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime(b *testing.B) (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}
