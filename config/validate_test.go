package config

import (
	"errors"
	"strings"
	"testing"
)

// up is a valid upstream to reference from routes: u1.
const up = "upstreams:\n  - id: u1\n    nodes: {\"127.0.0.1:80\": 1}\n"

func TestValidateProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		// gateway
		{"listen empty", "gateway: {http: {listen: []}}", []string{"gateway.http.listen: must not be empty"}},
		{"listen addresses", `gateway: {http: {listen: ["9080", ":0", "a b:80", ":80", ":80"]}}`, []string{
			`gateway.http.listen[0]: must be host:port, e.g. "127.0.0.1:9080" or ":9080"`,
			"gateway.http.listen[1]: port must be 1..65535",
			"gateway.http.listen[2]: host must be an IP address or a host name",
			`gateway.http.listen[4]: duplicate ":80" (also [3])`,
		}},
		{"gateway limits", "gateway:\n  http: {max_header_bytes: 1023, max_request_line_bytes: 1048577, read_header_timeout: 0, idle_timeout: -1, engine: threads}\n  drain_timeout: 0\n  log: {level: trace}", []string{
			"gateway.http.max_header_bytes: must be 1024..1048576",
			"gateway.http.max_request_line_bytes: must be 256..1048576",
			"gateway.http.read_header_timeout: must be > 0",
			"gateway.http.idle_timeout: must be > 0",
			`gateway.http.engine: must be one of goroutines, loop (got "threads")`,
			"gateway.drain_timeout: must be > 0",
			`gateway.log.level: must be one of debug, info, warn, error (got "trace")`,
		}},

		// ids
		{"id required", "upstreams: [{nodes: {}}]", []string{"upstreams[0].id: required"}},
		{"id pattern", "upstreams: [{id: 'a b', nodes: {}}, {id: '', nodes: {}}]", []string{
			"upstreams[0].id: must be 1..64 characters of a-z, A-Z, 0-9, '-', '_' or '.'",
			"upstreams[1].id: must be 1..64 characters of a-z, A-Z, 0-9, '-', '_' or '.'",
		}},
		{"id too long", "upstreams: [{id: " + strings.Repeat("a", 65) + ", nodes: {}}]", []string{
			"upstreams[0].id: must be 1..64 characters of a-z, A-Z, 0-9, '-', '_' or '.'",
		}},
		{"duplicate ids", "upstreams: [{id: u, nodes: {}}, {id: u, nodes: {}}]", []string{`upstreams[1].id: duplicate id "u" (also upstreams[0])`}},

		// upstream
		{"nodes or discovery", "upstreams: [{id: u}, {id: v, nodes: {}, discovery_type: dns, service_name: x}]", []string{
			"upstreams[0].nodes: required unless discovery_type is set",
			"upstreams[1]: nodes and discovery_type are mutually exclusive",
			"upstreams[1].discovery_type: service discovery is not supported yet",
		}},
		{"discovery fields", "upstreams: [{id: u, discovery_type: zk}, {id: v, nodes: {}, service_name: s, discovery_args: {}}]", []string{
			`upstreams[0].discovery_type: must be one of dns, consul, consul_kv, nacos, eureka, kubernetes, tars (got "zk")`,
			"upstreams[0].service_name: required when discovery_type is set",
			"upstreams[1].service_name: only used with discovery_type",
			"upstreams[1].discovery_args: only used with discovery_type",
		}},
		{"enums", "upstreams: [{id: u, nodes: {}, type: fastest, hash_on: ip, scheme: ftp, pass_host: keep}]", []string{
			`upstreams[0].scheme: must be one of http, https, grpc, grpcs, tcp, tls, udp, kafka (got "ftp")`,
			`upstreams[0].type: must be one of roundrobin, chash, least_conn, ewma, random, p2c (got "fastest")`,
			`upstreams[0].hash_on: must be one of vars, header, cookie, consumer, vars_combinations (got "ip")`,
			`upstreams[0].pass_host: must be one of pass, node, rewrite (got "keep")`,
		}},
		{"key only with chash", "upstreams: [{id: u, nodes: {}, key: uri, hash_on: header}]", []string{
			"upstreams[0].key: only used with type chash",
			"upstreams[0].hash_on: only used with type chash",
		}},
		{"ranges", "upstreams: [{id: u, nodes: {}, retries: -1, retry_timeout: -1, timeout: {connect: 0, send: -1, read: 0.001}, keepalive_pool: {size: 0, idle_timeout: -1, requests: 0}}]", []string{
			"upstreams[0].retries: must be >= 0",
			"upstreams[0].retry_timeout: must be >= 0",
			"upstreams[0].timeout.connect: must be > 0",
			"upstreams[0].timeout.send: must be > 0",
			"upstreams[0].keepalive_pool.size: must be >= 1",
			"upstreams[0].keepalive_pool.idle_timeout: must be >= 0",
			"upstreams[0].keepalive_pool.requests: must be >= 1",
		}},
		{"pass_host rewrite", "upstreams: [{id: u, nodes: {}, pass_host: rewrite}, {id: v, nodes: {}, upstream_host: h}, {id: w, nodes: {}, pass_host: rewrite, upstream_host: 'a b'}]", []string{
			"upstreams[0].upstream_host: required when pass_host is rewrite",
			"upstreams[1].upstream_host: only used with pass_host rewrite",
			`upstreams[2].upstream_host: "a b" is not a valid host (host name or IP address, optionally with :port)`,
		}},
		{"upstream_host with port", "upstreams: [{id: u, nodes: {}, pass_host: rewrite, upstream_host: 'api.example.com:8080'}, {id: v, nodes: {}, pass_host: rewrite, upstream_host: '[::1]:80'}]", nil},
		{"tls", "upstreams: [{id: u, nodes: {}, tls: {verify: false}}, {id: v, nodes: {}, scheme: https, tls: {client_cert: c}}]", []string{
			"upstreams[0].tls: only used with scheme https, grpcs or tls",
			"upstreams[1].tls: client_cert and client_key must be set together",
		}},
		{"labels name desc", "upstreams: [{id: u, nodes: {}, name: '', labels: {a: 'x y', b: ''}}]", []string{
			"upstreams[0].name: must be 1..100 characters",
			"upstreams[0].labels.a: must be 1..64 characters without spaces",
			"upstreams[0].labels.b: must be 1..64 characters without spaces",
		}},

		// route
		{"uri required", up + "routes: [{id: r, upstream_id: u1}]", []string{"routes[0]: uri or uris is required"}},
		{"uri and uris", up + "routes: [{id: r, uri: /, uris: [/a], upstream_id: u1}]", []string{"routes[0]: uri and uris are mutually exclusive"}},
		{"uri syntax", up + "routes: [{id: r, uris: [a, /a*b, '/a b', /ok*, /ok*], upstream_id: u1}, {id: s, uri: '', upstream_id: u1}, {id: t, uris: [], upstream_id: u1}]", []string{
			`routes[0].uris[0]: "a" must start with "/"`,
			`routes[0].uris[1]: "/a*b": "*" is only allowed as the last character (prefix match)`,
			`routes[0].uris[2]: "/a b" must not hold spaces or control characters`,
			`routes[0].uris[4]: duplicate "/ok*" (also [3])`,
			`routes[1].uri: "" must start with "/"`,
			"routes[2].uris: must not be empty",
		}},
		{"methods", up + "routes: [{id: r, uri: /, methods: [GET, FETCH, PURGE], upstream_id: u1}]", []string{
			`routes[0].methods[1]: must be one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, CONNECT, TRACE, PURGE (got "FETCH")`,
		}},
		{"hosts", up + "routes: [{id: r, uri: /, hosts: ['*.a.com', 'b.com', '*', 'a..b', '1.2.3.4', '[::1]', 'x*.com'], upstream_id: u1}, {id: s, uri: /, host: a, hosts: [b], upstream_id: u1}]", []string{
			`routes[0].hosts[2]: "*" is not a valid host (a host name, optionally starting with "*.", or an IP address)`,
			`routes[0].hosts[3]: "a..b" is not a valid host (a host name, optionally starting with "*.", or an IP address)`,
			`routes[0].hosts[6]: "x*.com" is not a valid host (a host name, optionally starting with "*.", or an IP address)`,
			"routes[1]: host and hosts are mutually exclusive",
		}},
		{"remote addrs", up + "routes: [{id: r, uri: /, remote_addrs: [10.0.0.0/8, '::1', 1.2.3.4/33, host], upstream_id: u1}, {id: s, uri: /, remote_addr: x, upstream_id: u1}]", []string{
			`routes[0].remote_addrs[2]: "1.2.3.4/33" is not an IP address or CIDR prefix`,
			`routes[0].remote_addrs[3]: "host" is not an IP address or CIDR prefix`,
			`routes[1].remote_addr: "x" is not an IP address or CIDR prefix`,
		}},
		{"status", up + "routes: [{id: r, uri: /, status: 2, upstream_id: u1}]", []string{"routes[0].status: must be 0 (disabled) or 1 (enabled)"}},
		{"route timeout needs all three", up + "routes: [{id: r, uri: /, timeout: {connect: 1, send: 0}, upstream_id: u1}]", []string{
			"routes[0].timeout.send: must be > 0",
			"routes[0].timeout.read: required when timeout is set",
		}},
		{"no upstream", "routes: [{id: r, uri: /}]", []string{"routes[0]: no upstream: set upstream, upstream_id or service_id"}},
		{"upstream and upstream_id", up + "routes: [{id: r, uri: /, upstream_id: u1, upstream: {nodes: {}}}]", []string{"routes[0]: upstream and upstream_id are mutually exclusive"}},
		{"dangling ids", up + "services: [{id: s1, upstream_id: nope}]\nroutes: [{id: r, uri: /, upstream_id: u2}, {id: q, uri: /, service_id: s2}]", []string{
			`services[0].upstream_id: upstream "nope" not found`,
			`routes[0].upstream_id: upstream "u2" not found`,
			`routes[1].service_id: service "s2" not found`,
		}},
		{"service without upstream", up + "services: [{id: s1}]\nroutes: [{id: r, uri: /, service_id: s1}, {id: q, uri: /q, service_id: s1, upstream_id: u1}]", []string{
			`routes[0]: no upstream: service "s1" has none, so set upstream or upstream_id`,
		}},
		{"inline upstream checked", "routes: [{id: r, uri: /, upstream: {id: 'a b', nodes: {'h:1': 1}, retries: -1}}]", []string{
			"routes[0].upstream.id: must be 1..64 characters of a-z, A-Z, 0-9, '-', '_' or '.'",
			"routes[0].upstream.retries: must be >= 0",
		}},

		// service
		{"service", up + "services: [{id: s, upstream_id: u1, upstream: {nodes: {}}, hosts: []}, {id: t, hosts: ['a b']}]", []string{
			"services[0]: upstream and upstream_id are mutually exclusive",
			"services[0].hosts: must not be empty",
			`services[1].hosts[0]: "a b" is not a valid host (a host name, optionally starting with "*.", or an IP address)`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tc.src+"\n"))
			equalStrings(t, "problems", problemsOf(t, err), tc.want)
		})
	}
}

func TestValidateChecks(t *testing.T) {
	tests := []struct {
		name   string
		checks string
		want   []string
	}{
		{"passive alone", "{passive: {}}", nil},
		{"neither", "{}", []string{
			"upstreams[0].checks: needs active or passive (or both)",
		}},
		{"extensions", "{passive: {max_ejection_percent: 101, base_ejection_time: 0, max_ejection_time: -1}, healthy_panic_threshold: -1}", []string{
			"upstreams[0].checks.passive.max_ejection_percent: must be 0..100",
			"upstreams[0].checks.passive.base_ejection_time: must be > 0",
			"upstreams[0].checks.passive.max_ejection_time: must be >= base_ejection_time (0)",
			"upstreams[0].checks.healthy_panic_threshold: must be 0..100",
		}},
		{"ejection times", "{passive: {base_ejection_time: 10, max_ejection_time: 5}}", []string{
			"upstreams[0].checks.passive.max_ejection_time: must be >= base_ejection_time (10)",
		}},
		{"active ranges", "{active: {type: udp, timeout: 0, concurrency: 0, port: 0, host: 'a b', http_path: x, http_method: GETS, req_headers: ['X-A: 1', 'bad']}}", []string{
			`upstreams[0].checks.active.type: must be one of http, https, tcp (got "udp")`,
			"upstreams[0].checks.active.timeout: must be > 0",
			"upstreams[0].checks.active.concurrency: must be >= 1",
			`upstreams[0].checks.active.host: "a b" is not a valid host name or IP address`,
			"upstreams[0].checks.active.port: must be 1..65535",
			`upstreams[0].checks.active.http_path: must start with "/" and hold no spaces`,
			`upstreams[0].checks.active.http_method: must be one of GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS (got "GETS")`,
			`upstreams[0].checks.active.req_headers[1]: "bad" must be written "Name: value"`,
		}},
		{"active thresholds", "{active: {healthy: {interval: 0, http_statuses: [], successes: 255}, unhealthy: {interval: -1, http_statuses: [199, 500, 500], http_failures: 0, tcp_failures: 254, timeouts: 300}}}", []string{
			"upstreams[0].checks.active.healthy.interval: must be >= 1",
			"upstreams[0].checks.active.healthy.http_statuses: must not be empty",
			"upstreams[0].checks.active.healthy.successes: must be 1..254",
			"upstreams[0].checks.active.unhealthy.interval: must be >= 1",
			"upstreams[0].checks.active.unhealthy.http_statuses[0]: must be 200..599",
			"upstreams[0].checks.active.unhealthy.http_statuses[2]: duplicate status 500",
			"upstreams[0].checks.active.unhealthy.http_failures: must be 1..254",
			"upstreams[0].checks.active.unhealthy.timeouts: must be 1..254",
		}},
		{"passive thresholds", "{active: {}, passive: {type: x, healthy: {successes: 0}, unhealthy: {http_statuses: [600], tcp_failures: 0}}}", []string{
			`upstreams[0].checks.passive.type: must be one of http, https, tcp (got "x")`,
			"upstreams[0].checks.passive.healthy.successes: must be 1..254",
			"upstreams[0].checks.passive.unhealthy.http_statuses[0]: must be 200..599",
			"upstreams[0].checks.passive.unhealthy.tcp_failures: must be 1..254",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte("upstreams: [{id: u, nodes: {}, checks: "+tc.checks+"}]\n"))
			equalStrings(t, "problems", problemsOf(t, err), tc.want)
		})
	}
}

func TestValidateChash(t *testing.T) {
	tests := []struct {
		name string
		up   string
		want []string
	}{
		{"key required", "type: chash", []string{"upstreams[0].key: required when type is chash"}},
		{"consumer needs no key", "type: chash, hash_on: consumer", nil},
		{"var key", "type: chash, key: remote_addr", nil},
		{"arg key", "type: chash, key: arg_user", nil},
		{"bad var key", "type: chash, key: nope", []string{
			`upstreams[0].key: "nope" is not a variable hash_on vars accepts (uri, server_name, server_addr, request_uri, remote_port, remote_addr, query_string, host, hostname, arg_*, http_*, cookie_*)`,
		}},
		{"header key", "type: chash, hash_on: header, key: X-User", nil},
		{"bad cookie key", "type: chash, hash_on: cookie, key: 'a b'", []string{
			`upstreams[0].key: "a b" is not a valid cookie name (a-z, A-Z, 0-9, '-', '_')`,
		}},
		{"combination key", "type: chash, hash_on: vars_combinations, key: '$host$uri'", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("test.yaml", []byte("upstreams: [{id: u, nodes: {}, "+tc.up+"}]\n"))
			if (c == nil) != (err != nil) {
				t.Fatalf("Parse() = %v, %v; want exactly one of a config and an error", c, err)
			}
			var invalid []string
			for _, s := range problemsOf(t, err) {
				if s != "upstreams[0].hash_on: consumer needs authentication, which Jetway does not have yet" {
					invalid = append(invalid, s)
				}
			}
			equalStrings(t, "problems", invalid, tc.want)
		})
	}
}

func TestValidateLines(t *testing.T) {
	src := `gateway:
  http:
    listen: [":9080"]
upstreams:
  - id: u1
    nodes:
      "127.0.0.1:9001": 1
      "127.0.0.1:0": 1
    timeout:
      connect: 0
routes:
  - id: r1
    uri: /
    upstream_id: u2
  - id: r2
    upstream_id: u1
`
	_, err := Parse("jetway.yaml", []byte(src))
	want := "jetway.yaml:8: upstreams[0].nodes[1]: invalid node address \"127.0.0.1:0\": port must be a number 1..65535\n" +
		"jetway.yaml:10: upstreams[0].timeout.connect: must be > 0\n" +
		"jetway.yaml:14: routes[0].upstream_id: upstream \"u2\" not found\n" +
		"jetway.yaml:15: routes[1]: uri or uris is required"
	if err == nil || err.Error() != want {
		t.Errorf("Parse() error =\n%v\nwant\n%s", err, want)
	}
	if !errors.Is(err, ErrInvalid) || errors.Is(err, ErrUnsupported) {
		t.Errorf("errors.Is(ErrInvalid, ErrUnsupported) = %v, %v; want true, false", errors.Is(err, ErrInvalid), errors.Is(err, ErrUnsupported))
	}
}

func TestValidateBuiltInGo(t *testing.T) {
	c := &Config{
		Upstreams: []Upstream{{ID: "u1", Nodes: Nodes{{Host: "127.0.0.1", Port: 9001, Weight: 1}}}},
		Routes:    []Route{{ID: "r1", URI: "/", UpstreamID: "u1"}},
	}
	ApplyDefaults(c)
	if err := Validate(c); err != nil {
		t.Errorf("Validate() = %v; want nil", err)
	}
	c.Routes[0].UpstreamID = "u9"
	err := Validate(c)
	if got, want := err.Error(), `routes[0].upstream_id: upstream "u9" not found`; got != want {
		t.Errorf("Validate() = %q; want %q", got, want)
	}
}

func TestValidateHealthExtensions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"slow start", "upstreams: [{id: u, nodes: {}, slow_start: {window: 0, min_weight_percent: 0}}]", []string{
			"upstreams[0].slow_start.window: must be > 0",
			"upstreams[0].slow_start.min_weight_percent: must be 1..100",
		}},
		{"slow start default", "upstreams: [{id: u, nodes: {}, slow_start: {window: 30}}]", nil},
		{"control listen", "gateway: {control: {listen: nowhere}}", []string{
			`gateway.control.listen: must be host:port, e.g. "127.0.0.1:9080" or ":9080"`,
		}},
		{"control off", "gateway: {control: {listen: \"\"}}", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tc.src+"\n"))
			equalStrings(t, "problems", problemsOf(t, err), tc.want)
		})
	}
	c := mustParse(t, "upstreams: [{id: u, nodes: {}, slow_start: {window: 30}}]\n")
	if got := c.Upstreams[0].SlowStart.MinWeightPercent; got != DefaultSlowStartMinWeightPercent {
		t.Errorf("min_weight_percent = %d; want the default %d", got, DefaultSlowStartMinWeightPercent)
	}
	if c.Gateway.Control.Listen != DefaultControlListen {
		t.Errorf("control.listen = %q; want %q", c.Gateway.Control.Listen, DefaultControlListen)
	}
	if c := mustParse(t, "gateway: {control: {listen: \"\"}}\n"); c.Gateway.Control.Listen != "" {
		t.Errorf("control.listen \"\" became %q", c.Gateway.Control.Listen)
	}
}

func TestValidateRouteVars(t *testing.T) {
	for _, tc := range []struct {
		vars string
		want []string
	}{
		{`[[arg_name, "==", json], [http_x-canary, "!", "~~", "^1"], [remote_addr, ipmatch, ["10.0.0.0/8"]]]`, nil},
		{`["OR", [arg_a, "==", "1"], [arg_b, "==", 2]]`, nil},
		{`[[arg_a, "=~", x]]`, []string{`routes[0].vars[0][1]: unknown operator "=~"`}},
		{`[[arg_a, "~~", "(("]]`, nil}, // filled in below: the regex error text is RE2's
	} {
		_, err := Parse("test.yaml", []byte("routes: [{id: r, uri: /, upstream: {nodes: {}}, vars: "+tc.vars+"}]\n"))
		got := problemsOf(t, err)
		if tc.vars == `[[arg_a, "~~", "(("]]` {
			if len(got) != 1 || !strings.HasPrefix(got[0], "routes[0].vars[0][2]: ") {
				t.Errorf("vars %s: problems %q; want one at routes[0].vars[0][2]", tc.vars, got)
			}
			continue
		}
		equalStrings(t, "problems of "+tc.vars, got, tc.want)
	}
}

func TestValidateTrafficSplit(t *testing.T) {
	src := func(plugin string) string {
		return "upstreams: [{id: stable, nodes: {}}, {id: canary, nodes: {}}]\n" +
			"routes: [{id: r, uri: /, upstream_id: stable, plugins: {traffic-split: " + plugin + "}}]\n"
	}
	for _, tc := range []struct {
		name, plugin string
		want         []string
	}{
		{"apisix example", `{rules: [{match: [{vars: [["http_x-canary", "==", "1"], ["arg_v", "~~", "^2"]]}], weighted_upstreams: [{upstream_id: canary, weight: 1}, {weight: 9}]}]}`, nil},
		{"no match", `{rules: [{weighted_upstreams: [{upstream_id: canary}]}]}`, nil},
		{"no rules", `{}`, nil},
		{"bad shapes", `{rules: [{match: [{vars: [["arg_a", "=~", "x"]], other: 1}], weighted_upstreams: [{upstream_id: nope, weight: -1}, {upstream_id: canary, color: red}]}], extra: 1}`, []string{
			"routes[0].plugins.traffic-split.extra: unknown key",
			"routes[0].plugins.traffic-split.rules[0].match[0].other: unknown key",
			`routes[0].plugins.traffic-split.rules[0].match[0].vars[0][1]: unknown operator "=~"`,
			`routes[0].plugins.traffic-split.rules[0].weighted_upstreams[0].upstream_id: upstream "nope" not found`,
			"routes[0].plugins.traffic-split.rules[0].weighted_upstreams[0].weight: must be an integer 0..1000000",
			"routes[0].plugins.traffic-split.rules[0].weighted_upstreams[1].color: unknown key",
		}},
		{"arm count", `{rules: [{weighted_upstreams: []}]}`, []string{
			"routes[0].plugins.traffic-split.rules[0].weighted_upstreams: must hold 1 to 20 entries",
		}},
		{"inline upstream", `{rules: [{weighted_upstreams: [{upstream: {nodes: {"127.0.0.1:1": 1}, type: least_conn, retries: 0, checks: {passive: {}}}}]}]}`, nil},
		{"bad inline upstream", `{rules: [{weighted_upstreams: [{upstream: {nodes: {"127.0.0.1:1": 1}, type: fastest, colour: red}, upstream_id: canary}, {upstream: {nodes: {}, scheme: grpc}}]}]}`, []string{
			"routes[0].plugins.traffic-split.rules[0].weighted_upstreams[0].upstream.colour: unknown field",
			`routes[0].plugins.traffic-split.rules[0].weighted_upstreams[0].upstream.type: must be one of roundrobin, chash, least_conn, ewma, random, p2c (got "fastest")`,
			"routes[0].plugins.traffic-split.rules[0].weighted_upstreams[0]: upstream and upstream_id exclude each other",
			`routes[0].plugins.traffic-split.rules[0].weighted_upstreams[1].upstream.scheme: "grpc" is not supported`,
		}},
		{"ramp", `{rules: [{weighted_upstreams: [{upstream_id: canary}, {weight: 1}]}], ramp: {steps: [1, 5, 25, 50, 100], interval: 60, min_requests: 200, max_error_rate: 0.01, max_p99_ms: 500, compare_to_stable: true}}`, nil},
		{"ramp problems", `{rules: [{weighted_upstreams: [{upstream_id: canary}]}], ramp: {steps: [5, 5, 101], interval: 0, max_error_rate: 2, compare_to_stable: yes, speed: 1}}`, []string{
			"routes[0].plugins.traffic-split.ramp.compare_to_stable: must be true or false",
			"routes[0].plugins.traffic-split.ramp.interval: must be a number 1..86400",
			"routes[0].plugins.traffic-split.ramp.max_error_rate: must be a number 0..1",
			"routes[0].plugins.traffic-split.ramp.speed: unknown key",
			"routes[0].plugins.traffic-split.ramp.steps[1]: must be an integer 0..100, above the step before",
			"routes[0].plugins.traffic-split.ramp.steps[2]: must be an integer 0..100, above the step before",
			"routes[0].plugins.traffic-split.rules[0].weighted_upstreams: with ramp, a rule needs one canary arm (upstream_id or upstream) and one stable arm (weight only)",
		}},
		{"sticky", `{rules: [{weighted_upstreams: [{upstream_id: canary}]}], sticky: {hash_on: cookie, key: uid}, trusted_addrs: ["10.0.0.0/8", "127.0.0.1"]}`, nil},
		{"sticky problems", `{sticky: {hash_on: consumer, key: x, color: 1}, trusted_addrs: ["nowhere"]}`, []string{
			"routes[0].plugins.traffic-split.sticky.color: unknown key",
			`routes[0].plugins.traffic-split.sticky.hash_on: must be one of cookie, header, vars (got "consumer")`,
			"routes[0].plugins.traffic-split.trusted_addrs[0]: " + remoteAddrProblem("nowhere"),
		}},
		{"sticky var", `{sticky: {hash_on: vars, key: nope}}`, []string{
			"routes[0].plugins.traffic-split.sticky.key: " + hashKeyProblem("vars", "nope"),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(src(tc.plugin)))
			equalStrings(t, "problems", problemsOf(t, err), tc.want)
		})
	}
}

func TestValidateProxyMirror(t *testing.T) {
	for _, tc := range []struct {
		plugin string
		want   []string
	}{
		{`{host: "http://127.0.0.1:9797"}`, nil},
		{`{host: "https://mirror.example.com:443", path: /shadow, path_concat_mode: prefix, sample_ratio: 0.5, max_body_bytes: 1024}`, nil},
		{`{path: x, sample_ratio: 2, path_concat_mode: append, max_body_bytes: 70000, extra: 1}`, []string{
			"routes[0].plugins.proxy-mirror.extra: unknown key",
			"routes[0].plugins.proxy-mirror.max_body_bytes: must be an integer 0..65536 (larger bodies stream and are not mirrored)",
			`routes[0].plugins.proxy-mirror.path: must start with "/" and hold no spaces`,
			"routes[0].plugins.proxy-mirror.path_concat_mode: must be replace or prefix",
			"routes[0].plugins.proxy-mirror.sample_ratio: must be a number 1e-05..1",
			"routes[0].plugins.proxy-mirror.host: required",
		}},
		{`{host: "127.0.0.1:9797"}`, []string{
			`routes[0].plugins.proxy-mirror.host: must be "http://host:port" or "https://host:port"`,
		}},
		{`{host: "http://h:1/path"}`, []string{
			`routes[0].plugins.proxy-mirror.host: must be "http://host:port" or "https://host:port"`,
		}},
	} {
		_, err := Parse("test.yaml", []byte("routes: [{id: r, uri: /, upstream: {nodes: {}}, plugins: {proxy-mirror: "+tc.plugin+"}}]\n"))
		equalStrings(t, "problems of "+tc.plugin, problemsOf(t, err), tc.want)
	}
}
