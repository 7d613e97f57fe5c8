package core

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/jetwayhq/jetway/bench/testbed"
)

// TestMain runs the tests, then checks that no goroutine a test started
// outlives it. fasthttp keeps one process-wide clock goroutine, and its
// idle-connection and idle-worker cleaners end on their own schedule (within
// idle_timeout, and 10 s after a server stops), so those are not leaks.
func TestMain(m *testing.M) {
	code := testbed.Run(m)
	if code == 0 {
		if err := goleak.Find(
			goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
			goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"),
			goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
		); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
