// Command jetway is the Jetway gateway.
//
//	jetway run -c FILE [-log-format text|json] [-watch=false]
//	jetway validate -c FILE
//	jetway version
//
// run serves FILE in the foreground and logs to stderr at the configured
// level. It reloads FILE when the file changes (unless -watch=false) and
// on SIGHUP, keeping the running config when the new one is invalid.
// SIGTERM or SIGINT stops accepting connections and lets requests in
// flight finish for gateway.drain_timeout, then exits 0; a second signal
// exits 1 at once.
//
// validate prints "FILE: ok" and exits 0 for a valid file; otherwise it
// prints every problem, one a line as FILE:LINE: path: message, and exits 1.
//
// Usage errors exit 2.
package main
