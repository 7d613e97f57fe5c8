package config

import (
	"errors"
	"reflect"
	"testing"
)

func TestNodesMapForm(t *testing.T) {
	c := mustParse(t, `upstreams:
  - id: u1
    nodes:
      "10.0.0.3:8080": 5
      "10.0.0.1:8080": 0
      "[::1]:9000": 2
      "[fe80::1]": 1
      "::2": 1
      "backend.internal": 1
      "backend.internal:81": 1
`)
	want := Nodes{
		{Host: "10.0.0.3", Port: 8080, Weight: 5},
		{Host: "10.0.0.1", Port: 8080, Weight: 0},
		{Host: "::1", Port: 9000, Weight: 2},
		{Host: "fe80::1", Port: 80, Weight: 1},
		{Host: "::2", Port: 80, Weight: 1},
		{Host: "backend.internal", Port: 80, Weight: 1},
		{Host: "backend.internal", Port: 81, Weight: 1},
	}
	if got := c.Upstreams[0].Nodes; !reflect.DeepEqual(got, want) {
		t.Errorf("Nodes =\n%+v\nwant\n%+v", got, want)
	}
	if got := c.Line("upstreams[0].nodes[2].port"); got != 6 {
		t.Errorf("Line(nodes[2].port) = %d; want 6", got)
	}
}

func TestNodesListForm(t *testing.T) {
	c := mustParse(t, `upstreams:
  - id: u1
    scheme: https
    nodes:
      - {host: 10.0.0.1, port: 8443, weight: 3, priority: -1}
      - {host: "[2001:db8::1]", weight: 1, metadata: {zone: a}}
      - host: example.com
        weight: 0
`)
	want := Nodes{
		{Host: "10.0.0.1", Port: 8443, Weight: 3, Priority: -1},
		{Host: "2001:db8::1", Port: 443, Weight: 1, Metadata: map[string]any{"zone": "a"}},
		{Host: "example.com", Port: 443, Weight: 0},
	}
	if got := c.Upstreams[0].Nodes; !reflect.DeepEqual(got, want) {
		t.Errorf("Nodes =\n%+v\nwant\n%+v", got, want)
	}
	if got := c.Upstreams[0].Nodes[1].Addr(); got != "[2001:db8::1]:443" {
		t.Errorf("Addr() = %q; want [2001:db8::1]:443", got)
	}
}

func TestNodesEmpty(t *testing.T) {
	for _, src := range []string{"nodes: {}", "nodes: []"} {
		t.Run(src, func(t *testing.T) {
			c := mustParse(t, "upstreams:\n  - id: u1\n    "+src+"\n")
			if n := c.Upstreams[0].Nodes; n == nil || len(n) != 0 {
				t.Errorf("Nodes = %#v; want empty and non-nil", n)
			}
		})
	}
}

func TestNodesProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"list form requires host and weight", "nodes: [{port: 80}]", []string{
			"upstreams[0].nodes[0].host: required",
			"upstreams[0].nodes[0].weight: required",
		}},
		{"bad map key", `nodes: {"h:0": 1, "h:x": 1, "[::1": 1, "1:2:3": 1, "[10.0.0.1]:80": 1, "": 1}`, []string{
			`upstreams[0].nodes[0]: invalid node address "h:0": port must be a number 1..65535`,
			`upstreams[0].nodes[1]: invalid node address "h:x": port must be a number 1..65535`,
			`upstreams[0].nodes[2]: invalid node address "[::1": missing ']'`,
			`upstreams[0].nodes[3]: invalid node address "1:2:3": an IPv6 address with a port must be written [host]:port`,
			`upstreams[0].nodes[4]: invalid node address "[10.0.0.1]:80": brackets must hold an IPv6 address`,
			`upstreams[0].nodes[5]: invalid node address "": empty`,
		}},
		{"weight type", `nodes: {"h:1": "1"}`, []string{"upstreams[0].nodes[0].weight: must be an integer"}},
		{"weight range", `nodes: {"h:1": -1, "h:2": 1048577}`, []string{
			"upstreams[0].nodes[0].weight: must be 0..1048576",
			"upstreams[0].nodes[1].weight: must be 0..1048576",
		}},
		{"port range", `nodes: [{host: h, port: 0, weight: 1}, {host: h, port: 65536, weight: 1}]`, []string{
			"upstreams[0].nodes[0].port: must be 1..65535",
			"upstreams[0].nodes[1].port: must be 1..65535",
		}},
		{"bad host", `nodes: [{host: "", weight: 1}, {host: "a b", weight: 1}, {host: "-x.com", weight: 1}, {host: "1.2.3.999", weight: 1}]`, []string{
			"upstreams[0].nodes[0].host: must not be empty",
			`upstreams[0].nodes[1].host: "a b" is not a valid host name or IP address`,
			`upstreams[0].nodes[2].host: "-x.com" is not a valid host name or IP address`,
			`upstreams[0].nodes[3].host: "1.2.3.999" is not a valid host name or IP address`,
		}},
		{"duplicate node", `nodes: {"h": 1, "h:80": 1}`, []string{"upstreams[0].nodes[1]: duplicate node h:80 (also nodes[0])"}},
		{"stream scheme needs a port", "scheme: tcp\n    nodes: {\"h\": 1}", []string{"upstreams[0].nodes[0].port: required for scheme tcp"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte("upstreams:\n  - id: u1\n    "+tc.src+"\n"))
			equalStrings(t, "problems", problemsOf(t, err), tc.want)
		})
	}
}

func TestSplitNodeAddr(t *testing.T) {
	tests := []struct {
		in   string
		host string
		port int
		ok   bool
	}{
		{"127.0.0.1:80", "127.0.0.1", 80, true},
		{"127.0.0.1", "127.0.0.1", 0, true},
		{"example.com:65535", "example.com", 65535, true},
		{"[::1]:80", "::1", 80, true},
		{"[::1]", "::1", 0, true},
		{"::1", "::1", 0, true},
		{"h:", "", 0, false},
		{"h:65536", "", 0, false},
		{"h:+1", "", 0, false},
		{"h:0080", "h", 80, true},
		{"h:000080", "", 0, false},
		{"[::1]x", "", 0, false},
		{"[::1]:", "", 0, false},
		{"[]:80", "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			host, port, err := splitNodeAddr(tc.in)
			if ok := err == nil; ok != tc.ok || host != tc.host || port != tc.port {
				t.Errorf("splitNodeAddr(%q) = %q, %d, %v; want %q, %d, ok=%v", tc.in, host, port, err, tc.host, tc.port, tc.ok)
			}
			if err != nil && !errors.Is(err, errNodeAddr) {
				t.Errorf("error %v does not wrap errNodeAddr", err)
			}
		})
	}
}
