// Package testbed runs real processes for Jetway's end-to-end tests and
// benchmarks: it builds main packages (Binary), starts and stops them with
// their output captured (StartProcess), runs jetway-backend instances
// (StartBackend), makes throwaway certificates (Certs) and free loopback
// addresses (FreePort), and waits for servers to answer (WaitHTTP).
//
// Every process a test starts is stopped by a t.Cleanup: SIGTERM, then
// SIGKILL after two seconds. On Linux a process is also killed when the test
// binary dies. Binaries are built once per test process into a temporary
// directory; a package whose TestMain calls Run removes it on exit, and
// directories left by test processes that are gone are removed on the next
// build. The test process opens every source file a build read, so go
// test's cache of a passing result ends when the binary's code changes.
//
// All traffic stays on 127.0.0.1. Helpers are safe for concurrent use by
// parallel tests, except where a method says otherwise.
package testbed
