package config

import (
	"reflect"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// defaultUpstream is what an upstream with only an id and nodes becomes.
func defaultUpstream(id string, nodes Nodes) Upstream {
	return Upstream{
		ID:           id,
		Nodes:        nodes,
		Type:         DefaultUpstreamType,
		HashOn:       DefaultHashOn,
		Scheme:       DefaultScheme,
		PassHost:     DefaultPassHost,
		RetryTimeout: DefaultRetryTimeout,
		Timeout:      &Timeout{Connect: 60, Send: 60, Read: 60},
		KeepalivePool: &KeepalivePool{
			Size: 320, IdleTimeout: 60, Requests: 1000,
		},
	}
}

func TestDefaultsApplied(t *testing.T) {
	c := mustParse(t, `upstreams:
  - id: u1
    nodes: {"127.0.0.1:9001": 1}
services:
  - id: s1
    upstream:
      nodes: {"127.0.0.1:9002": 1}
routes:
  - id: r1
    uri: /
    upstream:
      nodes: {"127.0.0.1:9003": 1}
  - id: r2
    uri: /s
    service_id: s1
`)
	wantGateway := Gateway{
		HTTP: HTTP{
			Listen:              []string{":9080"},
			MaxHeaderBytes:      16384,
			MaxRequestLineBytes: 8192,
			ReadHeaderTimeout:   60,
			IdleTimeout:         60,
			Engine:              DefaultEngine,
		},
		Control:      Control{Listen: "127.0.0.1:9090"},
		DrainTimeout: 10,
		Log:          Log{Level: "info"},
	}
	if !reflect.DeepEqual(c.Gateway, wantGateway) {
		t.Errorf("Gateway = %+v; want %+v", c.Gateway, wantGateway)
	}
	tests := []struct {
		name string
		got  *Upstream
		want Upstream
	}{
		{"top-level", &c.Upstreams[0], defaultUpstream("u1", Nodes{{Host: "127.0.0.1", Port: 9001, Weight: 1}})},
		{"service inline", c.Services[0].Upstream, defaultUpstream("", Nodes{{Host: "127.0.0.1", Port: 9002, Weight: 1}})},
		{"route inline", c.Routes[0].Upstream, defaultUpstream("", Nodes{{Host: "127.0.0.1", Port: 9003, Weight: 1}})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(*tc.got, tc.want) {
				t.Errorf("upstream =\n%+v\nwant\n%+v", *tc.got, tc.want)
			}
			if tc.got.Retries != nil {
				t.Errorf("Retries = %d; want nil (node count - 1 at run time)", *tc.got.Retries)
			}
		})
	}
	for i, r := range c.Routes {
		if r.Status == nil || *r.Status != DefaultRouteStatus || r.Timeout != nil || r.EnableWebsocket != nil {
			t.Errorf("routes[%d] = status %v, timeout %v, websocket %v; want 1, nil, nil", i, r.Status, r.Timeout, r.EnableWebsocket)
		}
	}
}

func TestDefaultsKeepWrittenValues(t *testing.T) {
	c := mustParse(t, `gateway:
  http: {max_header_bytes: 2048}
  log: {level: debug}
upstreams:
  - id: u1
    nodes: {"h:1": 1}
    retries: 0
    timeout: {connect: 0.5}
    keepalive_pool: {idle_timeout: 0}
routes:
  - {id: r1, uri: /, upstream_id: u1, status: 0}
`)
	u := c.Upstreams[0]
	if *u.Retries != 0 {
		t.Errorf("Retries = %d; want 0", *u.Retries)
	}
	if want := (Timeout{Connect: 0.5, Send: 60, Read: 60}); *u.Timeout != want {
		t.Errorf("Timeout = %+v; want %+v", *u.Timeout, want)
	}
	if want := (KeepalivePool{Size: 320, IdleTimeout: 0, Requests: 1000}); *u.KeepalivePool != want {
		t.Errorf("KeepalivePool = %+v; want %+v", *u.KeepalivePool, want)
	}
	if c.Gateway.HTTP.MaxHeaderBytes != 2048 || c.Gateway.Log.Level != "debug" {
		t.Errorf("gateway = %d, %q; want 2048, debug", c.Gateway.HTTP.MaxHeaderBytes, c.Gateway.Log.Level)
	}
	if *c.Routes[0].Status != 0 {
		t.Errorf("Status = %d; want 0", *c.Routes[0].Status)
	}
}

func TestDefaultsTLSAndChecks(t *testing.T) {
	c := &Config{Upstreams: []Upstream{
		{ID: "https", Scheme: "https", Nodes: Nodes{}},
		{ID: "optout", Scheme: "https", Nodes: Nodes{}, TLS: &UpstreamTLS{Verify: ptr(false)}},
		{ID: "plain", Nodes: Nodes{}},
		{ID: "checked", Nodes: Nodes{}, Checks: &Checks{Active: &ActiveCheck{}, Passive: &PassiveCheck{}}},
	}}
	ApplyDefaults(c)
	if tls := c.Upstreams[0].TLS; tls == nil || !*tls.Verify {
		t.Errorf("https TLS = %+v; want verify true", tls)
	}
	if *c.Upstreams[1].TLS.Verify {
		t.Error("TLS.Verify = true; want the written false kept")
	}
	if c.Upstreams[2].TLS != nil {
		t.Errorf("http TLS = %+v; want nil", c.Upstreams[2].TLS)
	}
	wantActive := ActiveCheck{
		Type: "http", Timeout: 1, Concurrency: 10, HTTPPath: "/", HTTPMethod: "GET",
		HTTPSVerifyCertificate: ptr(true),
		Healthy:                &ActiveHealthy{Interval: 1, HTTPStatuses: []int{200, 302}, Successes: 2},
		Unhealthy: &ActiveUnhealthy{Interval: 1, HTTPStatuses: []int{429, 404, 500, 501, 502, 503, 504, 505},
			HTTPFailures: 5, TCPFailures: 2, Timeouts: 3},
	}
	if got := *c.Upstreams[3].Checks.Active; !reflect.DeepEqual(got, wantActive) {
		t.Errorf("Active =\n%+v\nwant\n%+v", got, wantActive)
	}
	wantPassive := PassiveCheck{
		Type: "http",
		Healthy: &PassiveHealthy{HTTPStatuses: []int{200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
			300, 301, 302, 303, 304, 305, 306, 307, 308}, Successes: 5},
		Unhealthy:          &PassiveUnhealthy{HTTPStatuses: []int{429, 500, 503}, HTTPFailures: 5, TCPFailures: 2, Timeouts: 7},
		MaxEjectionPercent: 50, BaseEjectionTime: 30, MaxEjectionTime: 300,
	}
	if got := *c.Upstreams[3].Checks.Passive; !reflect.DeepEqual(got, wantPassive) {
		t.Errorf("Passive =\n%+v\nwant\n%+v", got, wantPassive)
	}

	// Each upstream owns its status lists.
	c.Upstreams[3].Checks.Active.Healthy.HTTPStatuses[0] = 599
	if defaultActiveHealthyStatuses[0] != 200 {
		t.Error("changing an upstream's statuses changed the defaults")
	}
}

func TestApplyDefaultsIdempotent(t *testing.T) {
	c := mustParse(t, sample)
	before := *c
	before.Upstreams = []Upstream{*deepUpstream(&c.Upstreams[0])}
	ApplyDefaults(c)
	if !reflect.DeepEqual(c.Upstreams[0], before.Upstreams[0]) || !reflect.DeepEqual(c.Gateway, before.Gateway) {
		t.Errorf("second ApplyDefaults changed the config:\n%+v\nwas\n%+v", c.Upstreams[0], before.Upstreams[0])
	}
}

// deepUpstream copies the pointed-to parts ApplyDefaults may write.
func deepUpstream(u *Upstream) *Upstream {
	cp := *u
	cp.Nodes = append(Nodes(nil), u.Nodes...)
	cp.Timeout = ptr(*u.Timeout)
	cp.KeepalivePool = ptr(*u.KeepalivePool)
	return &cp
}
