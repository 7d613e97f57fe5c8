package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/bench/testbed"
)

func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }

// jetway is a running jetway process and the config file it serves.
type jetway struct {
	proc *testbed.Process
	path string
	addr string
}

// startJetway writes a config with the given resources (YAML after the
// gateway section) and runs `jetway run -c` on it.
func startJetway(t *testing.T, resources string) *jetway {
	t.Helper()
	j := &jetway{path: filepath.Join(t.TempDir(), "jetway.yaml"), addr: testbed.FreePort(t)}
	j.write(t, resources)
	bin := testbed.Binary(t, "github.com/jetwayhq/jetway/cmd/jetway")
	j.proc = testbed.StartProcess(t, bin, "run", "-c", j.path)
	if err := j.proc.WaitForOutput("jetway started", 20*time.Second); err != nil {
		t.Fatalf("jetway did not start: %v\n%s", err, j.proc.Output())
	}
	return j
}

// write replaces the config file atomically (write + rename), as editors
// and config management do. JETWAY_TEST_ENGINE, when set, is the
// gateway.http.engine.
func (j *jetway) write(t *testing.T, resources string) {
	t.Helper()
	body := fmt.Sprintf("gateway:\n  control:\n    listen: \"\"\n  http:\n    listen: [%q]\n", j.addr)
	if e := os.Getenv("JETWAY_TEST_ENGINE"); e != "" {
		body += "    engine: " + e + "\n"
	}
	body += resources
	tmp := j.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, j.path); err != nil {
		t.Fatal(err)
	}
}

func (j *jetway) url(path string) string { return "http://" + j.addr + path }

// hwm returns the process's peak resident set size in bytes (VmHWM).
func hwm(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	var kb int64
	for _, line := range splitLines(string(b)) {
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}
