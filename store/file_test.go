package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/jetwayhq/jetway/config"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// validConfig returns a valid file whose only route has id routeID.
func validConfig(routeID string) string {
	return fmt.Sprintf(`gateway:
  http:
    listen: ["127.0.0.1:9080"]
upstreams:
  - id: u1
    nodes:
      "127.0.0.1:9001": 1
routes:
  - id: %s
    uri: /*
    upstream_id: u1
`, routeID)
}

// invalidConfig has two problems: an unknown balancer type and a route
// pointing at an upstream that does not exist.
const invalidConfig = `upstreams:
  - id: u1
    type: no-such-balancer
    nodes:
      "127.0.0.1:9001": 1
routes:
  - id: bad
    uri: /*
    upstream_id: missing
`

// logSink collects JSON log records.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) records(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(s.buf.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// count returns how many records have message msg.
func (s *logSink) count(t *testing.T, msg string) int {
	t.Helper()
	n := 0
	for _, rec := range s.records(t) {
		if rec["msg"] == msg {
			n++
		}
	}
	return n
}

// waitCount waits until at least n records have message msg.
func (s *logSink) waitCount(t *testing.T, msg string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.count(t, msg) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %d log records %q; log:\n%s", n, msg, s.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// harness runs a File on a temporary path and records what it applies.
type harness struct {
	path    string
	file    *File
	logs    *logSink
	applied chan string // route id of every applied config
	cancel  context.CancelFunc
	done    chan struct{}

	mu       sync.Mutex
	applyErr error
}

// start says how a harness starts its File.
type start struct {
	load    bool // call Load before Run, as the CLI does
	noWatch bool // set Watch to false
}

// newHarness writes content to a fresh file and runs a File on it.
func newHarness(t *testing.T, content string, how start) *harness {
	t.Helper()
	h := &harness{
		path:    filepath.Join(t.TempDir(), "jetway.yaml"),
		logs:    &logSink{},
		applied: make(chan string, 100),
		done:    make(chan struct{}),
	}
	writeFile(t, h.path, content)
	logger := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.file = NewFile(h.path, logger)
	h.file.Watch = !how.noWatch
	if how.load {
		if _, err := h.file.Load(); err != nil {
			t.Fatalf("Load() = %v", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() {
		defer close(h.done)
		h.file.Run(ctx, h.apply)
	}()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) apply(cfg *config.Config) error {
	h.mu.Lock()
	err := h.applyErr
	h.mu.Unlock()
	if err != nil {
		return err
	}
	id := ""
	if len(cfg.Routes) > 0 {
		id = cfg.Routes[0].ID
	}
	h.applied <- id
	return nil
}

func (h *harness) setApplyErr(err error) {
	h.mu.Lock()
	h.applyErr = err
	h.mu.Unlock()
}

func (h *harness) stop() {
	h.cancel()
	<-h.done
}

// waitApplied waits for the next apply and checks its route id.
func (h *harness) waitApplied(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-h.applied:
		if got != want {
			t.Fatalf("applied route %q; want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("nothing applied; want route %q; log:\n%s", want, h.logs)
	}
}

// noneApplied checks that nothing was applied since the last waitApplied.
func (h *harness) noneApplied(t *testing.T) {
	t.Helper()
	select {
	case got := <-h.applied:
		t.Fatalf("applied route %q; want nothing", got)
	default:
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// renameOver writes content next to path and renames it onto path, as
// editors that save atomically do.
func renameOver(t *testing.T, dir, path, content string) {
	t.Helper()
	tmp := filepath.Join(dir, ".jetway.yaml.swp")
	writeFile(t, tmp, content)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestRunAppliesFileOnStart(t *testing.T) {
	h := newHarness(t, validConfig("r1"), start{})
	h.waitApplied(t, "r1")
}

func TestRunSkipsContentFromLoad(t *testing.T) {
	h := newHarness(t, validConfig("r1"), start{load: true})
	h.logs.waitCount(t, "config unchanged", 1)
	h.noneApplied(t)
}

func TestRunPicksUpChanges(t *testing.T) {
	tests := []struct {
		name  string
		write func(t *testing.T, path, content string)
	}{
		{"rewrite", writeFile},
		{"rename over", func(t *testing.T, path, content string) {
			renameOver(t, filepath.Dir(path), path, content)
		}},
		{"mv from another directory", func(t *testing.T, path, content string) {
			renameOver(t, t.TempDir(), path, content)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, validConfig("r1"), start{load: true})
			h.logs.waitCount(t, "config unchanged", 1)
			tc.write(t, h.path, validConfig("r2"))
			h.waitApplied(t, "r2")
			tc.write(t, h.path, validConfig("r3"))
			h.waitApplied(t, "r3")
		})
	}
}

func TestInvalidFileKeepsRunningConfig(t *testing.T) {
	h := newHarness(t, validConfig("r1"), start{})
	h.waitApplied(t, "r1")

	writeFile(t, h.path, invalidConfig)
	_, loadErr := config.Load(h.path)
	var problems config.Errors
	if !errors.As(loadErr, &problems) || len(problems) < 2 {
		t.Fatalf("config.Load(invalid) = %v; want config.Errors with at least 2 problems", loadErr)
	}
	h.logs.waitCount(t, "invalid config; keeping the running config", len(problems))
	h.noneApplied(t)
	logged := map[string]bool{}
	for _, rec := range h.logs.records(t) {
		if p, ok := rec["problem"].(string); ok {
			logged[p] = true
		}
	}
	for _, p := range problems {
		if !logged[p.Error()] {
			t.Errorf("problem %q not logged; log:\n%s", p.Error(), h.logs)
		}
	}

	// Fixing the file back to the running content applies nothing; a new
	// valid file applies.
	writeFile(t, h.path, validConfig("r1"))
	h.logs.waitCount(t, "config unchanged", 1)
	h.noneApplied(t)
	writeFile(t, h.path, validConfig("r2"))
	h.waitApplied(t, "r2")
}

func TestRemovedFileKeepsRunningConfig(t *testing.T) {
	h := newHarness(t, validConfig("r1"), start{})
	h.waitApplied(t, "r1")
	if err := os.Remove(h.path); err != nil {
		t.Fatal(err)
	}
	h.logs.waitCount(t, "cannot read config; keeping the running config", 1)
	h.noneApplied(t)
	writeFile(t, h.path, validConfig("r2"))
	h.waitApplied(t, "r2")
}

func TestEmptyFileKeepsRunningConfig(t *testing.T) {
	h := newHarness(t, validConfig("r1"), start{})
	h.waitApplied(t, "r1")
	writeFile(t, h.path, "\n")
	h.logs.waitCount(t, "config file is empty; keeping the running config", 1)
	h.noneApplied(t)
	writeFile(t, h.path, validConfig("r2"))
	h.waitApplied(t, "r2")
}

func TestApplyErrorIsLoggedAndRetried(t *testing.T) {
	h := newHarness(t, validConfig("r1"), start{load: true})
	h.logs.waitCount(t, "config unchanged", 1)

	h.setApplyErr(errors.New("listen addresses cannot change"))
	writeFile(t, h.path, validConfig("r2"))
	h.logs.waitCount(t, "config not applied; keeping the running config", 1)
	h.noneApplied(t)

	// The refused content was not recorded as applied, so a reload of the
	// same content tries again.
	h.setApplyErr(nil)
	h.file.Reload()
	h.waitApplied(t, "r2")
}

func TestReloadWithoutWatch(t *testing.T) {
	h := newHarness(t, validConfig("r1"), start{load: true, noWatch: true})
	writeFile(t, h.path, validConfig("r2"))
	time.Sleep(4 * Debounce)
	h.noneApplied(t)
	h.file.Reload()
	h.waitApplied(t, "r2")
}

func TestReloadOfUnchangedFileAppliesNothing(t *testing.T) {
	h := newHarness(t, validConfig("r1"), start{})
	h.waitApplied(t, "r1")
	h.file.Reload()
	h.logs.waitCount(t, "config unchanged", 1)
	h.noneApplied(t)
}

func TestReloadLogsInvalidFileAgain(t *testing.T) {
	h := newHarness(t, validConfig("r1"), start{})
	h.waitApplied(t, "r1")
	writeFile(t, h.path, invalidConfig)
	const msg = "invalid config; keeping the running config"
	h.logs.waitCount(t, msg, 1)
	time.Sleep(2 * Debounce) // let the change events settle
	n := h.logs.count(t, msg)
	h.file.Reload()
	h.logs.waitCount(t, msg, n+1)
	h.noneApplied(t)
}

func TestBurstOfWritesEndsWithLastContent(t *testing.T) {
	h := newHarness(t, validConfig("r0"), start{load: true})
	h.logs.waitCount(t, "config unchanged", 1)
	const writes = 10
	for i := 1; i <= writes; i++ {
		writeFile(t, h.path, validConfig(fmt.Sprintf("r%d", i)))
	}
	want := fmt.Sprintf("r%d", writes)
	deadline := time.After(5 * time.Second)
	var got []string
	for len(got) == 0 || got[len(got)-1] != want {
		select {
		case id := <-h.applied:
			got = append(got, id)
		case <-deadline:
			t.Fatalf("applied %v; want the last to be %q", got, want)
		}
	}
	// Nothing more follows the last content.
	time.Sleep(4 * Debounce)
	h.noneApplied(t)
	t.Logf("%d writes, %d applies: %v", writes, len(got), got)
}

func TestRunEndsOnCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := newHarness(t, validConfig("r1"), start{})
	h.waitApplied(t, "r1")
	h.stop()
	// Changes after Run ended are not applied.
	writeFile(t, h.path, validConfig("r2"))
	time.Sleep(4 * Debounce)
	h.noneApplied(t)
}
