package core

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestRouteVars(t *testing.T) {
	stable, canary := backend(t, named("stable")), backend(t, named("canary"))
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - {id: stable, nodes: {%q: 1}}
  - {id: canary, nodes: {%q: 1}}
routes:
  - {id: s, uri: /*, upstream_id: stable}
  - id: c
    uri: /*
    priority: 10
    upstream_id: canary
    vars: [["OR", ["http_x-canary", "==", "1"], ["arg_v", "~~", "^2"], ["cookie_beta", "in", ["yes", "on"]]]]
`, stable, canary))
	c := &http.Client{Timeout: 5 * time.Second}
	for _, tc := range []struct {
		name   string
		header string
		path   string
		cookie string
		want   string
	}{
		{"plain", "", "/", "", "stable"},
		{"header", "1", "/", "", "canary"},
		{"header other value", "0", "/", "", "stable"},
		{"arg", "", "/?v=2.1", "", "canary"},
		{"arg not matching", "", "/?v=1", "", "stable"},
		{"cookie", "", "/", "beta=on", "canary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := backendFor(t, c, base+tc.path, tc.header, tc.cookie); got != tc.want {
				t.Errorf("answered by %q; want %q", got, tc.want)
			}
		})
	}
}
