package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that it returns either a
// Config or an Errors, and that an accepted Config stays valid.
func FuzzParse(f *testing.F) {
	seeds := []string{
		sample,
		"",
		"gateway: {http: {listen: [':9080']}}",
		`{"upstreams": [{"id": 1, "nodes": [{"host": "::1", "port": 80, "weight": 1}]}], "routes": [{"id": 1, "uris": ["/a*"], "upstream_id": 1}]}`,
		"upstreams:\n  - &b {id: u1, nodes: {\"[::1]:80\": 1}}\n  - <<: *b\n    id: u2\nroutes: [{id: r, uri: /, upstream_id: u2}]\n",
		"upstreams: [{id: u, nodes: {}, checks: {active: {healthy: {http_statuses: [200]}}, passive: {}}, type: chash, key: uri}]\n",
		"routes: [{id: r, uri: /, upstream: {nodes: [{host: h, weight: 1, metadata: &m {x: *m}}]}, plugins: {traffic-split: {}}}]\n",
		"upstreams: [{id: u, nodes: {\"h:0\": x, \"[::1\": 1}, timeout: {connect: .nan}}]\n",
		"routes:\n  - id: [\n",
		"a: 1\n---\nb: 2\n",
		"services: [{id: s, upstream_id: u, hosts: ['*.a.com']}]\nroutes: [{id: r, uri: /, service_id: s}]\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	examples, _ := filepath.Glob(filepath.Join("..", "configs", "*.yaml"))
	for _, path := range examples {
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			var es Errors
			if c != nil || !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("Parse() = %v, %T %v; want nil and a non-empty Errors", c, err, err)
			}
			for _, e := range es {
				if e.Msg == "" || e.Err == nil {
					t.Fatalf("problem %+v has no message or sentinel", e)
				}
			}
			return
		}
		ApplyDefaults(c)
		if err := Validate(c); err != nil {
			t.Fatalf("accepted config fails Validate after ApplyDefaults again:\n%v", err)
		}
		if err := Supported(c); err != nil {
			t.Fatalf("accepted config fails Supported:\n%v", err)
		}
	})
}
