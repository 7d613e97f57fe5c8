package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/bench/testbed"
)

func TestRunBalancesAcrossBackends(t *testing.T) {
	a := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	b := testbed.StartBackend(t, testbed.BackendOptions{Name: "b"})
	tests := []struct {
		name           string
		weightA        int
		weightB        int
		wantA, wantB   int // answers out of 8 requests
		wantAlternates bool
	}{
		{"equal weights", 1, 1, 4, 4, true},
		{"quickstart weights", 3, 1, 6, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			listen := testbed.FreePort(t)
			g := startGateway(t, listen, fmt.Sprintf(`gateway:
  control:
    listen: ""
  http:
    listen: [%q]
upstreams:
  - id: u1
    type: roundrobin
    nodes:
      %q: %d
      %q: %d
routes:
  - id: r1
    uri: /*
    upstream_id: u1
`, listen, a.Addr, tc.weightA, b.Addr, tc.weightB))
			var got []string
			count := map[string]int{}
			for range 8 {
				name := g.backendOf(t)
				got = append(got, name)
				count[name]++
			}
			if count["a"] != tc.wantA || count["b"] != tc.wantB {
				t.Fatalf("answers %v; want %d from a and %d from b", got, tc.wantA, tc.wantB)
			}
			for i := 1; tc.wantAlternates && i < len(got); i++ {
				if got[i] == got[i-1] {
					t.Fatalf("answers %v; want a and b alternating", got)
				}
			}
		})
	}
}

func TestRunAnswers404WithoutRoute(t *testing.T) {
	a := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	listen := testbed.FreePort(t)
	g := startGateway(t, listen, fmt.Sprintf(`gateway:
  control:
    listen: ""
  http:
    listen: [%q]
upstreams:
  - id: u1
    nodes:
      %q: 1
routes:
  - id: r1
    uri: /api/*
    upstream_id: u1
`, listen, a.Addr))
	status, body := g.get(t, "/elsewhere")
	if want := `{"error_msg":"404 Route Not Found"}`; status != 404 || strings.TrimSpace(body) != want {
		t.Fatalf("GET /elsewhere = %d %q; want 404 %q", status, body, want)
	}
}

func TestSIGHUPReloads(t *testing.T) {
	a := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	b := testbed.StartBackend(t, testbed.BackendOptions{Name: "b"})
	listen := testbed.FreePort(t)
	// Without watching, only the signal can pick up the edit.
	g := startGateway(t, listen, twoUpstreams(listen, a.Addr, b.Addr, "u1"), "-watch=false")
	if got := g.backendOf(t); got != "a" {
		t.Fatalf("backend %q; want a", got)
	}

	writeConfig(t, g.config, twoUpstreams(listen, a.Addr, b.Addr, "u2"))
	time.Sleep(200 * time.Millisecond)
	if got := g.backendOf(t); got != "a" {
		t.Fatalf("backend %q before SIGHUP; want a (no reload without the signal)", got)
	}
	if err := g.proc.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	g.waitLog(t, "reload requested")
	g.waitBackend(t, "b", 5*time.Second)
}

func TestFileEditIsAppliedWithinASecond(t *testing.T) {
	a := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	b := testbed.StartBackend(t, testbed.BackendOptions{Name: "b"})
	listen := testbed.FreePort(t)
	g := startGateway(t, listen, twoUpstreams(listen, a.Addr, b.Addr, "u1"))
	if got := g.backendOf(t); got != "a" {
		t.Fatalf("backend %q; want a", got)
	}
	writeConfig(t, g.config, twoUpstreams(listen, a.Addr, b.Addr, "u2"))
	g.waitBackend(t, "b", time.Second)
}

func TestRefusedReloadKeepsServing(t *testing.T) {
	a := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	b := testbed.StartBackend(t, testbed.BackendOptions{Name: "b"})
	tests := []struct {
		name     string
		edit     func(listen string) string
		wantLogs []string
	}{
		{
			name: "invalid file",
			edit: func(listen string) string {
				return strings.Replace(twoUpstreams(listen, a.Addr, b.Addr, "u9"), "    nodes:", "    colour: blue\n    nodes:", 1)
			},
			wantLogs: []string{"invalid config; keeping the running config", "upstreams[0].colour", "routes[0].upstream_id"},
		},
		{
			name: "listen change",
			edit: func(string) string {
				return twoUpstreams(testbed.FreePort(t), a.Addr, b.Addr, "u2")
			},
			wantLogs: []string{"config not applied; keeping the running config", "listen"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			listen := testbed.FreePort(t)
			g := startGateway(t, listen, twoUpstreams(listen, a.Addr, b.Addr, "u1"))
			writeConfig(t, g.config, tc.edit(listen))
			for _, s := range tc.wantLogs {
				g.waitLog(t, s)
			}
			for range 3 {
				if got := g.backendOf(t); got != "a" {
					t.Fatalf("backend %q after a refused reload; want a", got)
				}
			}
			// A good edit after the refused one is applied.
			writeConfig(t, g.config, twoUpstreams(listen, a.Addr, b.Addr, "u2"))
			g.waitBackend(t, "b", 5*time.Second)
		})
	}
}

func TestRunRefusesInvalidFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jetway.yaml")
	writeConfig(t, path, `routes:
  - id: r1
    uri: /*
    upstream_id: nowhere
`)
	p := testbed.StartProcess(t, testbed.Binary(t, pkg), "run", "-c", path)
	code, err := p.Wait(10 * time.Second)
	if err != nil || code != 1 {
		t.Fatalf("exit code %d (%v); want 1", code, err)
	}
	if want := `routes[0].upstream_id: upstream \"nowhere\" not found`; !strings.Contains(p.Stderr(), want) {
		t.Fatalf("stderr does not name the problem %s:\n%s", want, p.Stderr())
	}
}

func TestRunLogsJSONAtConfiguredLevel(t *testing.T) {
	a := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	listen := testbed.FreePort(t)
	g := startGateway(t, listen, fmt.Sprintf(`gateway:
  control:
    listen: ""
  log:
    level: debug
  http:
    listen: [%q]
upstreams:
  - id: u1
    nodes:
      %q: 1
routes:
  - id: r1
    uri: /*
    upstream_id: u1
`, listen, a.Addr), "-log-format", "json")
	// The first check of the watched file finds it unchanged and says so
	// at debug level.
	g.waitLog(t, `"msg":"config unchanged"`)
	for line := range strings.Lines(g.proc.Stderr()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
	}
}
