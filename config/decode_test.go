package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown top-level key", "gatway: {}\n", []string{"gatway: unknown field"}},
		{"unknown route key", "routes:\n  - id: r1\n    urii: /x\n    uri: /\n    upstream: {nodes: {}}\n",
			[]string{"routes[0].urii: unknown field"}},
		{"unknown nested key", "gateway:\n  http:\n    listn: [':80']\n", []string{"gateway.http.listn: unknown field"}},
		{"integer expected", "upstreams:\n  - id: u1\n    nodes: {}\n    retries: two\n",
			[]string{"upstreams[0].retries: must be an integer"}},
		{"float is not an integer", "gateway:\n  http:\n    max_header_bytes: 2048.5\n",
			[]string{"gateway.http.max_header_bytes: must be an integer"}},
		{"huge integer", "gateway:\n  http:\n    max_header_bytes: 18446744073709551615\n",
			[]string{"gateway.http.max_header_bytes: integer 18446744073709551615 is out of range"}},
		{"number expected", "gateway:\n  drain_timeout: soon\n", []string{"gateway.drain_timeout: must be a number"}},
		{"infinite number", "gateway:\n  drain_timeout: .inf\n", []string{"gateway.drain_timeout: must be a finite number"}},
		{"string expected", "gateway:\n  log:\n    level: 3\n", []string{"gateway.log.level: must be a string"}},
		{"yes is not a boolean", "routes:\n  - id: r\n    uri: /\n    upstream: {nodes: {}}\n    enable_websocket: yes\n",
			[]string{"routes[0].enable_websocket: must be a boolean"}},
		{"list expected", "gateway:\n  http:\n    listen: ':80'\n", []string{"gateway.http.listen: must be a list"}},
		{"mapping expected", "gateway: [1]\n", []string{"gateway: must be a mapping"}},
		{"list of mappings expected", "upstreams: [u1]\n", []string{"upstreams[0]: must be a mapping"}},
		{"null list item", "upstreams: [~]\n", []string{"upstreams[0]: must be a mapping"}},
		{"label value type", "upstreams:\n  - id: u1\n    nodes: {}\n    labels: {v: 2}\n",
			[]string{"upstreams[0].labels.v: must be a string"}},
		{"duplicate key", "gateway:\n  drain_timeout: 1\n  drain_timeout: 2\n",
			[]string{"gateway.drain_timeout: duplicate key (first at line 2)"}},
		{"non-scalar key", "gateway:\n  ? [a]\n  : 1\n", []string{"gateway: mapping keys must be strings"}},
		{"id zero", "upstreams:\n  - id: 0\n    nodes: {}\n", []string{"upstreams[0].id: must be a string or an integer >= 1"}},
		{"nodes shape", "upstreams:\n  - id: u1\n    nodes: 3\n",
			[]string{`upstreams[0].nodes: must be a mapping of "host:port" to weight, or a list of nodes`}},
		{"unsupported tag in metadata", "upstreams:\n  - id: u\n    nodes: [{host: h, weight: 1, metadata: {a: !custom 1}}]\n",
			[]string{`upstreams[0].nodes[0].metadata.a: unsupported YAML tag "!custom"`}},
		{"alias cycle", "upstreams:\n  - id: u\n    nodes: [{host: h, weight: 1, metadata: &m {x: *m}}]\n",
			[]string{"upstreams[0].nodes[0].metadata.x.x: alias *m refers to a value that contains it"}},
		{"merge cycle", "routes:\n  - &r\n    <<: *r\n    id: r\n", []string{"routes[0]: merge key refers to a mapping that contains it"}},
		{"merge of a scalar", "gateway: {drain_timeout: &x 5}\nupstreams:\n  - <<: *x\n    id: u\n    nodes: {}\n",
			[]string{"upstreams[0]: merge key value must be a mapping or a list of mappings"}},
		{"merge list holding a scalar", "upstreams:\n  - <<: [{id: u}, 1]\n    nodes: {}\n",
			[]string{"upstreams[0]: merge key value must be a mapping or a list of mappings"}},
		{"every problem at once",
			"gateway:\n  http:\n    listen: [1]\n  log: {level: [x]}\nupstreams:\n  - id: u1\n    nodes: {\"h:1\": x}\n    retries: \"-\"\n    scheme: 7\nroutes:\n  - id: r\n    urii: /\n",
			[]string{
				"gateway.http.listen[0]: must be a string",
				"gateway.log.level: must be a string",
				"upstreams[0].nodes[0].weight: must be an integer",
				"upstreams[0].retries: must be an integer",
				"upstreams[0].scheme: must be a string",
				"routes[0]: uri or uris is required",
				"routes[0]: no upstream: set upstream, upstream_id or service_id",
				"routes[0].urii: unknown field",
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tc.src))
			equalStrings(t, "problems", problemsOf(t, err), tc.want)
		})
	}
}

func TestDecodeMergeAndAlias(t *testing.T) {
	src := `upstreams:
  - &base
    id: u1
    timeout: &t {connect: 1, send: 2, read: 3}
    nodes: {"127.0.0.1:80": 1}
  - <<: *base
    id: u2
    timeout: *t
  - <<: [{id: u3, retries: 1}, *base]
    nodes: ["x"]
`
	_, err := Parse("test.yaml", []byte(src))
	equalStrings(t, "problems", problemsOf(t, err), []string{"upstreams[2].nodes[0]: must be a mapping"})

	c := mustParse(t, strings.Replace(src, `nodes: ["x"]`, `desc: third`, 1))
	u := c.Upstreams
	if u[1].ID != "u2" || u[1].Nodes[0].Addr() != "127.0.0.1:80" || *u[1].Timeout != (Timeout{1, 2, 3}) {
		t.Errorf("merged upstream = %+v; want u2 with base's nodes and timeout", u[1])
	}
	if u[2].ID != "u3" || *u[2].Retries != 1 || u[2].Desc != "third" || len(u[2].Nodes) != 1 {
		t.Errorf("merged upstream = %+v; want u3, retries 1, desc third, base's nodes", u[2])
	}
	if got := c.Line("upstreams[1].timeout"); got != 8 {
		t.Errorf("Line(upstreams[1].timeout) = %d; want 8 (where the alias is used)", got)
	}
}

func TestDecodeAliasExpansionBounded(t *testing.T) {
	// Each level doubles the previous one: 2^40 values if expanded.
	var b strings.Builder
	b.WriteString("upstreams:\n  - id: u\n    nodes:\n      - host: h\n        weight: 1\n        metadata:\n          l0: &l0 [1, 2]\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "          l%d: &l%d [*l%d, *l%d]\n", i, i, i-1, i-1)
	}
	_, err := Parse("test.yaml", []byte(b.String()))
	got := problemsOf(t, err)
	if len(got) != 1 || !strings.HasSuffix(got[0], "document is too large after expanding aliases") {
		t.Errorf("problems = %q; want one \"too large\" problem", got)
	}
}

func TestDecodeGenericValues(t *testing.T) {
	c := mustParse(t, `upstreams:
  - id: u1
    nodes:
      - host: 127.0.0.1
        port: 80
        weight: 1
        metadata:
          s: text
          i: 7
          f: 1.5
          b: true
          n: ~
          l: [1, "two"]
          m: {k: v}
          t: 2024-01-02
`)
	want := map[string]any{
		"s": "text", "i": 7, "f": 1.5, "b": true, "n": nil,
		"l": []any{1, "two"}, "m": map[string]any{"k": "v"}, "t": "2024-01-02",
	}
	if got := c.Upstreams[0].Nodes[0].Metadata; !reflect.DeepEqual(got, want) {
		t.Errorf("Metadata = %#v; want %#v", got, want)
	}
}

func TestDecodeNullMeansUnset(t *testing.T) {
	c := mustParse(t, "gateway:\n  drain_timeout: ~\n  http:\nupstreams:\n  - id: u1\n    nodes: {}\n    timeout:\n    retries: null\n")
	if c.Gateway.DrainTimeout != DefaultDrainTimeout {
		t.Errorf("DrainTimeout = %v; want default %v", c.Gateway.DrainTimeout, DefaultDrainTimeout)
	}
	u := c.Upstreams[0]
	if u.Retries != nil || u.Timeout.Connect != DefaultConnectTimeout {
		t.Errorf("upstream = retries %v, timeout %+v; want nil and defaults", u.Retries, *u.Timeout)
	}
}
