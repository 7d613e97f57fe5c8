package config

import (
	"path/filepath"
	"testing"
)

// TestExampleConfigs loads every example in configs/.
func TestExampleConfigs(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*.yaml", "*.yml", "*.json"} {
		m, err := filepath.Glob(filepath.Join("..", "configs", pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 2 {
		t.Fatalf("found %d example configs; want at least quickstart.yaml and example.yaml", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := Load(f); err != nil {
				t.Errorf("Load(%s):\n%v", f, err)
			}
		})
	}
}

func TestQuickstart(t *testing.T) {
	c, err := Load(filepath.Join("..", "configs", "quickstart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Gateway.HTTP.Listen; len(got) != 1 || got[0] != "127.0.0.1:9080" {
		t.Errorf("Listen = %v; want [127.0.0.1:9080]", got)
	}
	u := c.Upstreams[0]
	if u.ID != "u1" || u.Type != "roundrobin" || len(u.Nodes) != 2 ||
		u.Nodes[0].Addr() != "127.0.0.1:9001" || u.Nodes[1].Addr() != "127.0.0.1:9002" ||
		u.Nodes[0].Weight != 1 || u.Nodes[1].Weight != 1 {
		t.Errorf("upstream = %+v; want u1 roundrobin 127.0.0.1:9001 and :9002, weight 1", u)
	}
	if r := c.Routes[0]; r.ID != "r1" || r.URI != "/*" || r.UpstreamID != "u1" {
		t.Errorf("route = %+v; want r1 /* u1", r)
	}
}
