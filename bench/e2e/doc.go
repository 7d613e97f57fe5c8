// Package e2e holds end-to-end tests of the jetway binary as a real
// process: real backends, real sockets on 127.0.0.1, memory and CPU read
// from /proc. It has no non-test code beyond this comment.
package e2e
