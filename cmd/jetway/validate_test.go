package main

import (
	"path/filepath"
	"testing"

	"github.com/jetwayhq/jetway/bench/testbed"
)

func TestValidate(t *testing.T) {
	bin := testbed.Binary(t, pkg)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	writeConfig(t, good, `gateway:
  http:
    listen: ["127.0.0.1:9080"]
upstreams:
  - id: u1
    type: roundrobin
    nodes:
      "127.0.0.1:9001": 3
      "127.0.0.1:9002": 1
routes:
  - id: r1
    uri: /*
    upstream_id: u1
`)
	// Three problems: a bad balancer type, a port out of range and a route
	// to an upstream that does not exist.
	bad := filepath.Join(dir, "bad.yaml")
	writeConfig(t, bad, `gateway:
  http:
    listen: ["127.0.0.1:9080"]
upstreams:
  - id: u1
    type: fastest
    nodes:
      - host: 127.0.0.1
        port: 70000
        weight: 1
routes:
  - id: r1
    uri: /*
    upstream_id: u9
`)
	missing := filepath.Join(dir, "missing.yaml")

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string // exact; "-" means any non-empty text
	}{
		{"valid", []string{"validate", "-c", good}, 0, good + ": ok\n", ""},
		{"three problems", []string{"validate", "-c", bad}, 1, "", bad + `:6: upstreams[0].type: must be one of roundrobin, chash, least_conn, ewma, random, p2c (got "fastest")
` + bad + `:9: upstreams[0].nodes[0].port: must be 1..65535
` + bad + `:14: routes[0].upstream_id: upstream "u9" not found
`},
		{"missing file", []string{"validate", "-c", missing}, 1, "", "-"},
		{"no -c", []string{"validate"}, 2, "", "-"},
		{"unknown flag", []string{"validate", "-x", good}, 2, "", "-"},
		{"stray argument", []string{"validate", "-c", good, "extra"}, 2, "", "-"},
		{"no command", nil, 2, "", "-"},
		{"unknown command", []string{"serve"}, 2, "", "-"},
		{"run without -c", []string{"run"}, 2, "", "-"},
		{"run with bad log format", []string{"run", "-c", good, "-log-format", "xml"}, 2, "", "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := jetwayCmd(t, bin, tc.args...)
			if r.code != tc.wantCode {
				t.Errorf("exit code = %d; want %d (stderr %q)", r.code, tc.wantCode, r.stderr)
			}
			if r.stdout != tc.wantStdout {
				t.Errorf("stdout = %q; want %q", r.stdout, tc.wantStdout)
			}
			switch {
			case tc.wantStderr == "-" && r.stderr == "":
				t.Errorf("stderr is empty; want an explanation")
			case tc.wantStderr != "-" && r.stderr != tc.wantStderr:
				t.Errorf("stderr = %q; want %q", r.stderr, tc.wantStderr)
			}
		})
	}
}
