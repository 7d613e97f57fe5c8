package config

import (
	"errors"
	"strings"
	"testing"
)

func TestSupported(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"health checks", "upstreams: [{id: u, nodes: {}, checks: {active: {}, passive: {}}, slow_start: {window: 30}}]", nil},
		{"balancers", "upstreams: [{id: u, nodes: {}, type: least_conn}, {id: v, nodes: {}, type: ewma}, {id: w, nodes: {}, type: p2c}]", nil},
		{"hash_on consumer", "upstreams: [{id: u, nodes: {}, type: chash, hash_on: consumer}]", []string{
			"upstreams[0].hash_on: consumer needs authentication, which Jetway does not have yet",
		}},
		{"discovery", "upstreams: [{id: u, discovery_type: dns, service_name: svc.local}]", []string{
			"upstreams[0].discovery_type: service discovery is not supported yet",
		}},
		{"grpc", "upstreams: [{id: u, nodes: {}, scheme: grpc}, {id: v, nodes: {}, scheme: grpcs}]", []string{
			`upstreams[0].scheme: "grpc" is not supported`,
			`upstreams[1].scheme: "grpcs" is not supported`,
		}},
		{"stream scheme on an unused upstream", "upstreams: [{id: u, nodes: {'h:1': 1}, scheme: tcp}]", nil},
		{"stream scheme used by a route", "upstreams: [{id: u, nodes: {'h:1': 1}, scheme: tcp}, {id: k, nodes: {'h:1': 1}, scheme: kafka}]\n" +
			"services: [{id: s, upstream_id: k}, {id: t, upstream: {nodes: {'h:1': 1}, scheme: udp}}]\n" +
			"routes: [{id: r, uri: /, upstream_id: u}, {id: q, uri: /q, service_id: s}, {id: p, uri: /p, service_id: t}, {id: o, uri: /o, upstream: {scheme: tls, nodes: {'h:1': 1}}}]", []string{
			`upstreams[0].scheme: "tcp" is not an HTTP scheme; stream routes are not supported yet`,
			`upstreams[1].scheme: "kafka" is not an HTTP scheme; stream routes are not supported yet`,
			`services[1].upstream.scheme: "udp" is not an HTTP scheme; stream routes are not supported yet`,
			`routes[3].upstream.scheme: "tls" is not an HTTP scheme; stream routes are not supported yet`,
		}},
		{"route overrides its service's stream upstream", "upstreams: [{id: u, nodes: {}}]\n" +
			"services: [{id: t, upstream: {nodes: {'h:1': 1}, scheme: udp}}]\n" +
			"routes: [{id: p, uri: /p, service_id: t, upstream_id: u}]", nil},
		{"vars", "routes: [{id: r, uri: /, upstream: {nodes: {}}, vars: [[arg_name, ==, json]]}, {id: q, uri: /q, upstream: {nodes: {}}, vars: []}]", nil},
		{"plugins", "services: [{id: s, upstream: {nodes: {}}, plugins: {limit-count: {count: 1}}}]\n" +
			"routes: [{id: r, uri: /, service_id: s, plugins: {traffic-split: {rules: []}, proxy-rewrite: {}}}]", []string{
			"services[0].plugins.limit-count: plugin not supported yet",
			"routes[0].plugins.proxy-rewrite: plugin not supported yet",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("test.yaml", []byte(tc.src+"\n"))
			equalStrings(t, "problems", problemsOf(t, err), tc.want)
			if len(tc.want) > 0 {
				if c != nil || !errors.Is(err, ErrUnsupported) || errors.Is(err, ErrInvalid) {
					t.Errorf("Parse() = %v, %v; want nil and only ErrUnsupported problems", c, err)
				}
			}
		})
	}
}

func TestSupportedAlone(t *testing.T) {
	c := &Config{Upstreams: []Upstream{{ID: "u", Type: "chash", HashOn: "consumer", Scheme: "http", Nodes: Nodes{}}}}
	err := Supported(c)
	if got, want := err.Error(), `upstreams[0].hash_on: consumer needs authentication, which Jetway does not have yet`; got != want {
		t.Errorf("Supported() = %q; want %q", got, want)
	}
	c.Upstreams[0].HashOn = "vars"
	if err := Supported(c); err != nil {
		t.Errorf("Supported() = %v; want nil", err)
	}
}

func TestSupportedRefusesConnect(t *testing.T) {
	_, err := Parse("c.yaml", []byte(`
upstreams:
  - id: u1
    nodes: {"127.0.0.1:1": 1}
routes:
  - id: r1
    uri: /*
    methods: [GET, CONNECT]
    upstream_id: u1
`))
	if err == nil || !strings.Contains(err.Error(), "c.yaml:8: routes[0].methods[1]: CONNECT is not supported") {
		t.Errorf("Parse = %v; want routes[0].methods[1] refused on line 8", err)
	}
}
