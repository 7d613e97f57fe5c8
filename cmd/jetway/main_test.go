package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/jetwayhq/jetway/bench/testbed"
)

const pkg = "github.com/jetwayhq/jetway/cmd/jetway"

func TestMain(m *testing.M) {
	code := testbed.Run(m)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// result is a finished jetway command.
type result struct {
	code           int
	stdout, stderr string
}

// jetwayCmd runs the jetway binary bin with args to completion.
func jetwayCmd(t *testing.T, bin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("running jetway %s: %v", strings.Join(args, " "), err)
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// writeConfig writes content to path.
func writeConfig(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// twoUpstreams is a config listening on listen with upstream u1 on node a
// and u2 on node b; route r1 sends everything to upstream route.
func twoUpstreams(listen, a, b, route string) string {
	return fmt.Sprintf(`gateway:
  control:
    listen: ""
  http:
    listen: [%q]
upstreams:
  - id: u1
    nodes:
      %q: 1
  - id: u2
    nodes:
      %q: 1
routes:
  - id: r1
    uri: /*
    upstream_id: %s
`, listen, a, b, route)
}

// gateway is a `jetway run` process.
type gateway struct {
	proc   *testbed.Process
	config string // path of its config file
	url    string // http://listen
	client *http.Client
}

// startGateway writes content to a fresh config file and runs jetway on it
// with extra args. content must listen on listen.
func startGateway(t *testing.T, listen, content string, args ...string) *gateway {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jetway.yaml")
	writeConfig(t, path, content)
	args = append([]string{"run", "-c", path}, args...)
	p := testbed.StartProcess(t, testbed.Binary(t, pkg), args...)
	if err := p.WaitForOutput("jetway started", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &gateway{
		proc:   p,
		config: path,
		url:    "http://" + listen,
		client: &http.Client{Transport: tr, Timeout: 10 * time.Second},
	}
}

// get fetches path and returns the status and body.
func (g *gateway) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := g.client.Get(g.url + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

// backendOf fetches / and returns the name of the backend that answered.
func (g *gateway) backendOf(t *testing.T) string {
	t.Helper()
	status, body := g.get(t, "/")
	if status != http.StatusOK {
		t.Fatalf("GET / = %d %q; want 200", status, body)
	}
	return strings.TrimSuffix(body, "\n")
}

// waitBackend polls / until backend want answers, for up to timeout.
func (g *gateway) waitBackend(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := g.backendOf(t)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend %q still answers after %v; want %q", got, timeout, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitLog waits for s in the gateway's output.
func (g *gateway) waitLog(t *testing.T, s string) {
	t.Helper()
	if err := g.proc.WaitForOutput(s, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}
