package testbed

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// RunLeakChecked is Run followed, when the tests passed, by a check that
// no goroutine a test started outlives it; it returns the exit code.
// fasthttp keeps one process-wide clock goroutine, and its idle-connection
// and idle-worker cleaners end on their own schedule (within idle_timeout,
// and 10 s after a server stops), so those are not leaks.
func RunLeakChecked(m *testing.M) int {
	code := Run(m)
	if code != 0 {
		return code
	}
	if err := goleak.Find(
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
	); err != nil {
		fmt.Fprintln(os.Stderr, "goleak:", err)
		return 1
	}
	return 0
}
