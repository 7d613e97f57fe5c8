// Package wire is what jetway-backend sends and answers: the byte pattern
// of its bodies and the JSON shapes of /count, /headers and /upload. The
// backend program and the test harness both use it, so they agree by
// construction.
package wire
