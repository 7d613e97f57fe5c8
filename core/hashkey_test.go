package core

import (
	"net"
	"net/netip"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestHashSpecKey(t *testing.T) {
	var req fasthttp.Request
	req.SetRequestURI("/a/b?id=42&x=1")
	req.Header.SetHost("API.Example.com:8080")
	req.Header.Set("X-User-Id", "u-7")
	req.Header.SetCookie("sid", "s-9")
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 5555}, nil)
	remote := netip.MustParseAddr("10.0.0.5")

	for _, tc := range []struct {
		hashOn, key, want string
	}{
		{"vars", "remote_addr", "10.0.0.5"},
		{"vars", "remote_port", "5555"},
		{"vars", "uri", "/a/b"},
		{"vars", "request_uri", "/a/b?id=42&x=1"},
		{"vars", "host", "api.example.com"},
		{"vars", "server_name", "api.example.com"},
		{"vars", "query_string", "id=42&x=1"},
		{"vars", "arg_id", "42"},
		{"vars", "arg_missing", ""},
		{"vars", "http_x_user_id", "u-7"},
		{"vars", "http_x-user-id", "u-7"},
		{"vars", "cookie_sid", "s-9"},
		{"header", "x-user-id", "u-7"},
		{"cookie", "sid", "s-9"},
		{"vars_combinations", "$remote_addr-$arg_id", "10.0.0.5-42"},
		{"vars_combinations", "${http_x-user-id}:$cookie_sid", "u-7:s-9"},
	} {
		t.Run(tc.hashOn+"/"+tc.key, func(t *testing.T) {
			h, err := newHashSpec(tc.hashOn, tc.key)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := h.key(&ctx, remote, nil)
			if string(got) != tc.want {
				t.Errorf("key(%s %s) = %q; want %q", tc.hashOn, tc.key, got, tc.want)
			}
		})
	}
	if _, err := newHashSpec("consumer", ""); err == nil {
		t.Error("newHashSpec(consumer) succeeded; want a refusal")
	}
}
