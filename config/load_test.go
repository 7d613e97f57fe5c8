package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

const sample = `gateway:
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
`

func TestParseSample(t *testing.T) {
	c := mustParse(t, sample)
	if got, want := c.Gateway.HTTP.Listen, []string{"127.0.0.1:9080"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Listen = %v; want %v", got, want)
	}
	if len(c.Upstreams) != 1 || len(c.Routes) != 1 {
		t.Fatalf("got %d upstreams, %d routes; want 1, 1", len(c.Upstreams), len(c.Routes))
	}
	wantNodes := Nodes{
		{Host: "127.0.0.1", Port: 9001, Weight: 3},
		{Host: "127.0.0.1", Port: 9002, Weight: 1},
	}
	if got := c.Upstreams[0].Nodes; !reflect.DeepEqual(got, wantNodes) {
		t.Errorf("Nodes = %+v; want %+v", got, wantNodes)
	}
	r := c.Routes[0]
	if r.ID != "r1" || r.URI != "/*" || r.UpstreamID != "u1" || *r.Status != 1 {
		t.Errorf("route = %+v; want r1 /* u1 status 1", r)
	}
	if c.File() != "test.yaml" {
		t.Errorf("File() = %q; want test.yaml", c.File())
	}
}

func TestParseJSON(t *testing.T) {
	src := "{\n\t\"gateway\": {\"http\": {\"listen\": [\"127.0.0.1:9080\"]}},\n" +
		"\t\"upstreams\": [{\"id\": 1, \"nodes\": [{\"host\": \"127.0.0.1\", \"port\": 9001, \"weight\": 1}]}],\n" +
		"\t\"routes\": [{\"id\": \"r1\", \"uris\": [\"/a\", \"/b/*\"], \"upstream_id\": 1}]\n}\n"
	c := mustParse(t, src)
	if got := c.Upstreams[0].ID; got != "1" {
		t.Errorf("integer id = %q; want \"1\"", got)
	}
	if got := c.Routes[0].UpstreamID; got != "1" {
		t.Errorf("integer upstream_id = %q; want \"1\"", got)
	}
	if got := c.Line("routes[0].uris[1]"); got != 4 {
		t.Errorf("Line(routes[0].uris[1]) = %d; want 4", got)
	}

	_, err := Parse("x.json", []byte(`{"routes": [{"id": "r1", "uri": "/", "upstream_id": "u", "uri": "/x"}]}`))
	equalStrings(t, "duplicate JSON key", problemsOf(t, err), []string{
		`routes[0].uri: duplicate key (first at line 1)`,
		`routes[0].upstream_id: upstream "u" not found`,
	})
}

func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "\n", "# only a comment\n", "---\n", "~\n", "null\n"} {
		t.Run(src, func(t *testing.T) {
			c := mustParse(t, src)
			if got, want := c.Gateway.HTTP.Listen, []string{DefaultListen}; !reflect.DeepEqual(got, want) {
				t.Errorf("Listen = %v; want %v", got, want)
			}
			if len(c.Upstreams)+len(c.Routes)+len(c.Services) != 0 {
				t.Errorf("resources = %d; want 0", len(c.Upstreams)+len(c.Routes)+len(c.Services))
			}
		})
	}
}

func TestParseDocumentProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the whole error text
	}{
		{"syntax", "routes:\n  - id: [\n", "f.yaml:2: YAML syntax: did not find expected node content"},
		{"two documents", "gateway: {}\n---\nroutes: []\n", "f.yaml:2: a file holds one YAML document; found another"},
		{"not a mapping", "- a\n- b\n", "f.yaml:1: must be a mapping"},
		{"scalar", "hello\n", "f.yaml:1: must be a mapping"},
		{"tab indent", "gateway:\n\thttp: {}\n", "f.yaml:2: YAML syntax: found character that cannot start any token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("f.yaml", []byte(tc.src))
			if c != nil || err == nil {
				t.Fatalf("Parse() = %v, %v; want nil and an error", c, err)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("Parse() error = %q; want %q", got, tc.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false")
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "jetway.yaml")
	if err := os.WriteFile(path, []byte(sample), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load() error: %v", err)
	}
	if c.File() != path {
		t.Errorf("File() = %q; want %q", c.File(), path)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("upstreams:\n  - id: u1\n    nodes: {}\n    timeout: {connect: 0}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if got, want := err.Error(), bad+":4: upstreams[0].timeout.connect: must be > 0"; got != want {
		t.Errorf("Load() error = %q; want %q", got, want)
	}

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	if !errors.Is(err, ErrRead) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) error = %v; want ErrRead wrapping os.ErrNotExist", err)
	}
}
