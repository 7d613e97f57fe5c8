package config

import (
	"errors"
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	c := mustParse(t, `gateway:
  http:
    listen:
      - ":9080"
upstreams:
  - id: u1
    labels: {app.kubernetes.io/name: web}
    nodes:
      "127.0.0.1:9001": 1
`)
	tests := []struct {
		path string
		want int
	}{
		{"gateway", 1},
		{"gateway.http.listen", 3},
		{"gateway.http.listen[0]", 4},
		{"gateway.http.max_header_bytes", 2}, // a default: its parent's line
		{"upstreams[0]", 6},
		{`upstreams[0].labels["app.kubernetes.io/name"]`, 7},
		{"upstreams[0].nodes[0].weight", 9},
		{"upstreams[0].timeout.connect", 6},
		{"routes[0]", 0},
		{"", 0},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			if got := c.Line(tc.path); got != tc.want {
				t.Errorf("Line(%q) = %d; want %d", tc.path, got, tc.want)
			}
		})
	}
	e := c.Errorf("upstreams[0].nodes[0]", "node %s is down", "x")
	if got, want := e.Error(), "test.yaml:9: upstreams[0].nodes[0]: node x is down"; got != want {
		t.Errorf("Errorf() = %q; want %q", got, want)
	}
	if !errors.Is(e, ErrInvalid) {
		t.Error("Errorf() does not wrap ErrInvalid")
	}
	if got := (&Config{}).Line("gateway"); got != 0 {
		t.Errorf("Line() of a Config built in Go = %d; want 0", got)
	}
}

func TestSecondsDuration(t *testing.T) {
	tests := []struct {
		s    Seconds
		want time.Duration
	}{
		{0, 0},
		{1.5, 1500 * time.Millisecond},
		{0.001, time.Millisecond},
		{1e300, time.Duration(1<<63 - 1)},
		{-1e300, time.Duration(-1 << 63)},
	}
	for _, tc := range tests {
		if got := tc.s.Duration(); got != tc.want {
			t.Errorf("Seconds(%g).Duration() = %v; want %v", float64(tc.s), got, tc.want)
		}
	}
}

func TestWebsocketEnabled(t *testing.T) {
	on, off := ptr(true), ptr(false)
	tests := []struct {
		name  string
		route *bool
		svc   *Service
		want  bool
	}{
		{"default", nil, nil, DefaultEnableWebsocket},
		{"route", on, nil, true},
		{"service", nil, &Service{EnableWebsocket: on}, true},
		{"route over service", off, &Service{EnableWebsocket: on}, false},
		{"service unset", nil, &Service{}, DefaultEnableWebsocket},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Route{EnableWebsocket: tc.route}
			if got := r.WebsocketEnabled(tc.svc); got != tc.want {
				t.Errorf("WebsocketEnabled() = %v; want %v", got, tc.want)
			}
		})
	}
}
