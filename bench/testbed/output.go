package testbed

import (
	"bytes"
	"sync"
)

// maxOutput bounds each buffer of captured output; later bytes are dropped
// so a long benchmark with chatty logs cannot exhaust memory.
const maxOutput = 8 << 20

var truncated = []byte("\n[testbed: output truncated]\n")

// output collects a process's stdout and stderr. It is safe for concurrent
// use; changed is closed and replaced on every write.
type output struct {
	mu      sync.Mutex
	all     []byte // stdout and stderr interleaved as written
	stdout  []byte
	stderr  []byte
	changed chan struct{}
}

func newOutput() *output {
	return &output{changed: make(chan struct{})}
}

// stream is the writer for one of the two streams.
type stream struct {
	o      *output
	stderr bool
}

func (s stream) Write(p []byte) (int, error) {
	o := s.o
	o.mu.Lock()
	defer o.mu.Unlock()
	o.all = appendCapped(o.all, p)
	if s.stderr {
		o.stderr = appendCapped(o.stderr, p)
	} else {
		o.stdout = appendCapped(o.stdout, p)
	}
	close(o.changed)
	o.changed = make(chan struct{})
	return len(p), nil
}

// appendCapped appends p to b up to maxOutput bytes, then marks b as
// truncated once.
func appendCapped(b, p []byte) []byte {
	room := maxOutput - len(b)
	if room <= 0 {
		return b
	}
	if len(p) <= room {
		return append(b, p...)
	}
	return append(append(b, p[:room]...), truncated...)
}

// contains reports whether the output so far contains s, and returns a
// channel closed on the next write.
func (o *output) contains(s string) (bool, <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return bytes.Contains(o.all, []byte(s)), o.changed
}

// line returns what follows marker up to the end of the line, once the
// line holding its first occurrence is complete, and a channel closed on
// the next write.
func (o *output) line(marker string) (rest string, ok bool, changed <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	i := bytes.Index(o.all, []byte(marker))
	if i < 0 {
		return "", false, o.changed
	}
	after := o.all[i+len(marker):]
	j := bytes.IndexByte(after, '\n')
	if j < 0 {
		return "", false, o.changed
	}
	return string(bytes.TrimSuffix(after[:j], []byte{'\r'})), true, o.changed
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(o.all)
}

func (o *output) streams() (stdout, stderr string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(o.stdout), string(o.stderr)
}
