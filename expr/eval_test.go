package expr

import (
	"net/netip"
	"testing"

	"github.com/valyala/fasthttp"
)

// baseRequest is the request most eval cases run against.
var baseRequest = []string{
	"GET /api/v1/users?name=json&weight=12&tag=a&tag=b&empty=&flag&enc=a%20b&ip=%3A%3Affff%3A203.0.113.9 HTTP/1.1",
	"Host: API.Example.com:8080",
	"User-Agent: curl/8.5",
	"X-User-Id: 42",
	"X-Tag: red",
	"X-Tag: blue",
	"X-Forwarded-For: 203.0.113.9",
	"X-Empty:",
	"Cookie: sid=abc; theme=dark; sid=def",
}

func TestEval(t *testing.T) {
	v6 := netip.MustParseAddr("2001:db8::7")
	tests := []struct {
		name   string
		rule   string
		want   bool
		req    []string   // default baseRequest
		tls    bool       // the connection is TLS
		remote netip.Addr // default testRemote
		noAddr bool       // remote is missing
	}{
		{name: "empty rule", rule: `[]`, want: true},

		// Variables.
		{name: "uri", rule: `[["uri", "==", "/api/v1/users"]]`, want: true},
		{name: "uri normalized", rule: `[["uri", "==", "/a/c"]]`, want: true, req: []string{"GET /a/b/../c?x=1 HTTP/1.1", "Host: h"}},
		{name: "request_uri", rule: `[["request_uri", "==", "/a/b/../c?x=1"]]`, want: true, req: []string{"GET /a/b/../c?x=1 HTTP/1.1", "Host: h"}},
		{name: "host", rule: `[["host", "==", "api.example.com"]]`, want: true},
		{name: "host any case", rule: `[["host", "==", "API.EXAMPLE.COM"]]`, want: true},
		{name: "host in", rule: `[["host", "in", ["x", "Api.Example.Com"]]]`, want: true},
		{name: "host regex lower", rule: `[["host", "~~", "^api\\.example\\.com$"]]`, want: true},
		{name: "host ipv6", rule: `[["host", "==", "[::1]"]]`, want: true, req: []string{"GET / HTTP/1.1", "Host: [::1]:80"}},
		{name: "host ipv6 no port", rule: `[["host", "==", "[::1]"]]`, want: true, req: []string{"GET / HTTP/1.1", "Host: [::1]"}},
		{name: "host absolute target", rule: `[["host", "==", "other.example"], ["http_host", "==", "h"]]`, want: true, req: []string{"GET http://Other.Example:81/x HTTP/1.1", "Host: h"}},
		{name: "method", rule: `[["request_method", "==", "GET"]]`, want: true},
		{name: "method in", rule: `[["request_method", "in", ["POST", "PUT"]]]`, want: false},
		{name: "scheme http", rule: `[["scheme", "==", "http"]]`, want: true},
		{name: "scheme https", rule: `[["scheme", "==", "https"]]`, want: true, tls: true},
		{name: "query_string", rule: `[["query_string", "~~", "weight=12&tag"]]`, want: true},
		{name: "args", rule: `[["args", "~~", "enc=a%20b"]]`, want: true},
		{name: "query_string missing", rule: `[["query_string", "~=", "x"]]`, want: true, req: []string{"GET / HTTP/1.1", "Host: h"}},
		{name: "query_string missing eq", rule: `[["query_string", "==", ""]]`, want: false, req: []string{"GET / HTTP/1.1", "Host: h"}},
		{name: "arg", rule: `[["arg_name", "==", "json"]]`, want: true},
		{name: "arg short form", rule: `[["arg_name", "json"]]`, want: true},
		{name: "arg short form number", rule: `[["arg_weight", 12]]`, want: true},
		{name: "arg decoded", rule: `[["arg_enc", "==", "a b"]]`, want: true},
		{name: "arg first value", rule: `[["arg_tag", "==", "a"]]`, want: true},
		{name: "arg not second value", rule: `[["arg_tag", "==", "b"]]`, want: false},
		{name: "arg empty value", rule: `[["arg_empty", "==", ""]]`, want: true},
		{name: "arg without =", rule: `[["arg_flag", "==", ""]]`, want: true},
		{name: "arg missing eq", rule: `[["arg_nope", "==", ""]]`, want: false},
		{name: "arg missing ne", rule: `[["arg_nope", "~=", "x"]]`, want: true},
		{name: "arg case-sensitive", rule: `[["arg_Name", "==", "json"]]`, want: false},
		{name: "header", rule: `[["http_user_agent", "==", "curl/8.5"]]`, want: true},
		{name: "header name any case", rule: `[["http_X_USER_ID", "==", "42"]]`, want: true},
		{name: "header first value", rule: `[["http_x_tag", "==", "red"]]`, want: true},
		{name: "header host raw", rule: `[["http_host", "==", "API.Example.com:8080"]]`, want: true},
		{name: "header empty", rule: `[["http_x_empty", "==", ""]]`, want: true},
		{name: "header missing", rule: `[["http_x_nope", "==", ""]]`, want: false},
		{name: "header missing ne", rule: `[["http_x_nope", "~=", ""]]`, want: true},
		{name: "http_cookie", rule: `[["http_cookie", "==", "sid=abc; theme=dark; sid=def"]]`, want: true},
		{name: "http_cookie after cookie_", rule: `[["cookie_theme", "==", "dark"], ["http_cookie", "~~", "theme=dark"]]`, want: true},
		{name: "http_cookie missing", rule: `[["http_cookie", "~=", ""]]`, want: true, req: []string{"GET / HTTP/1.1", "Host: h"}},
		{name: "cookie", rule: `[["cookie_theme", "==", "dark"]]`, want: true},
		{name: "cookie first value", rule: `[["cookie_sid", "==", "abc"]]`, want: true},
		{name: "cookie missing", rule: `[["cookie_nope", "~=", "x"]]`, want: true},
		{name: "remote_addr", rule: `[["remote_addr", "==", "192.0.2.7"]]`, want: true},
		{name: "remote_addr not canonical", rule: `[["remote_addr", "==", "192.0.2.07"]]`, want: false},
		{name: "remote_addr ne", rule: `[["remote_addr", "~=", "192.0.2.8"]]`, want: true},
		{name: "remote_addr in", rule: `[["remote_addr", "in", ["::1", "192.0.2.7"]]]`, want: true},
		{name: "remote_addr has", rule: `[["remote_addr", "has", "192.0.2.7"]]`, want: true},
		{name: "remote_addr number", rule: `[["remote_addr", "==", 1]]`, want: false},
		{name: "remote_addr regex", rule: `[["remote_addr", "~~", "^192\\.0\\.2\\."]]`, want: true},
		{name: "remote_addr v6", rule: `[["remote_addr", "==", "2001:db8::7"]]`, want: true, remote: v6},
		{name: "remote_addr v6 upper", rule: `[["remote_addr", "==", "2001:DB8::7"]]`, want: false, remote: v6},
		{name: "remote_addr v6 regex", rule: `[["remote_addr", "~*", "^2001:DB8:"]]`, want: true, remote: v6},
		{name: "remote_addr gt", rule: `[["remote_addr", ">", 1]]`, want: false},
		{name: "remote_addr ne number", rule: `[["remote_addr", "~=", 1]]`, want: true},
		{name: "remote_addr has other", rule: `[["remote_addr", "has", "192.0.2.8"]]`, want: false},
		{name: "remote_addr zone", rule: `[["remote_addr", "==", "fe80::1%eth0"]]`, want: true, remote: netip.MustParseAddr("fe80::1%eth0")},
		{name: "remote_addr missing eq", rule: `[["remote_addr", "==", ""]]`, want: false, noAddr: true},
		{name: "remote_addr missing ne", rule: `[["remote_addr", "~=", "192.0.2.7"]]`, want: true, noAddr: true},
		{name: "remote_addr missing regex", rule: `[["remote_addr", "~~", ""]]`, want: false, noAddr: true},
		{name: "remote_port", rule: `[["remote_port", "==", 51234]]`, want: true},
		{name: "remote_port string", rule: `[["remote_port", "==", "51234"]]`, want: true},
		{name: "server_port", rule: `[["server_port", ">=", 8000], ["server_port", "<", "9000"]]`, want: true},
		{name: "server_port regex", rule: `[["server_port", "~~", "^84"]]`, want: true},
		{name: "server_addr", rule: `[["server_addr", "==", "10.1.1.1"]]`, want: true},

		// == and ~= with numbers.
		{name: "eq number", rule: `[["arg_weight", "==", 12]]`, want: true},
		{name: "eq float", rule: `[["arg_weight", "==", 12.0]]`, want: true},
		{name: "eq number value forms", rule: `[["http_x_user_id", "==", 42], ["arg_weight", "in", [12]], ["arg_weight", "~=", 12.5]]`, want: true},
		{name: "eq string not number", rule: `[["arg_weight", "==", "12.0"]]`, want: false},
		{name: "eq number unparsable", rule: `[["arg_name", "==", 1]]`, want: false},
		{name: "ne number", rule: `[["arg_weight", "~=", 13]]`, want: true},
		{name: "ne number equal", rule: `[["arg_weight", "~=", 12]]`, want: false},
		{name: "ne number unparsable", rule: `[["arg_name", "~=", 1]]`, want: true},
		{name: "ne number missing", rule: `[["arg_nope", "~=", 1]]`, want: true},
		{name: "eq number missing", rule: `[["arg_nope", "==", 1]]`, want: false},
		{name: "ne string equal", rule: `[["arg_name", "~=", "json"]]`, want: false},

		// Ordered comparisons.
		{name: "gt", rule: `[["arg_weight", ">", 10]]`, want: true},
		{name: "gt string value", rule: `[["arg_weight", ">", "10"]]`, want: true},
		{name: "gt equal", rule: `[["arg_weight", ">", 12]]`, want: false},
		{name: "ge", rule: `[["arg_weight", ">=", 12]]`, want: true},
		{name: "lt", rule: `[["arg_weight", "<", 12]]`, want: false},
		{name: "le", rule: `[["arg_weight", "<=", 12]]`, want: true},
		{name: "lt float", rule: `[["arg_weight", "<", 12.5]]`, want: true},
		{name: "gt hex value", rule: `[["arg_weight", "<", "0x10"]]`, want: true},
		{name: "gt not a number", rule: `[["arg_name", ">", 1]]`, want: false},
		{name: "le not a number", rule: `[["arg_name", "<=", 1]]`, want: false},
		{name: "gt missing", rule: `[["arg_nope", ">", -1]]`, want: false},
		{name: "not gt", rule: `[["arg_weight", "!", ">", 15]]`, want: true},
		{name: "not gt missing", rule: `[["arg_nope", "!", ">", 15]]`, want: true},

		// Regular expressions.
		{name: "regex", rule: `[["http_user_agent", "~~", "^curl/"]]`, want: true},
		{name: "regex unanchored", rule: `[["http_user_agent", "~~", "8\\.5"]]`, want: true},
		{name: "regex case", rule: `[["http_user_agent", "~~", "CURL"]]`, want: false},
		{name: "regex caseless", rule: `[["http_user_agent", "~*", "CURL"]]`, want: true},
		{name: "regex missing", rule: `[["arg_nope", "~~", ""]]`, want: false},
		{name: "not regex missing", rule: `[["arg_nope", "!", "~~", "x"]]`, want: true},
		{name: "regex number", rule: `[["arg_weight", "~~", 12]]`, want: true},

		// in and has.
		{name: "in", rule: `[["arg_name", "in", ["xml", "json"]]]`, want: true},
		{name: "in none", rule: `[["arg_name", "in", ["xml", "yaml"]]]`, want: false},
		{name: "in number", rule: `[["arg_weight", "in", [11, 12]]]`, want: true},
		{name: "in number string", rule: `[["arg_weight", "in", ["12"]]]`, want: true},
		{name: "in empty", rule: `[["arg_name", "in", []]]`, want: false},
		{name: "in missing", rule: `[["arg_nope", "in", [""]]]`, want: false},
		{name: "not in missing", rule: `[["arg_nope", "!", "in", ["x"]]]`, want: true},
		{name: "has arg", rule: `[["arg_tag", "has", "b"]]`, want: true},
		{name: "has arg none", rule: `[["arg_tag", "has", "c"]]`, want: false},
		{name: "has header", rule: `[["http_x_tag", "has", "blue"]]`, want: true},
		{name: "has cookie", rule: `[["cookie_sid", "has", "def"]]`, want: true},
		{name: "has single value", rule: `[["arg_name", "has", "json"]]`, want: true},
		{name: "has number", rule: `[["arg_weight", "has", 12]]`, want: true},
		{name: "has host", rule: `[["host", "has", "API.example.com"]]`, want: true},
		{name: "has missing", rule: `[["arg_nope", "has", ""]]`, want: false},
		{name: "has missing header", rule: `[["http_x_nope", "has", ""]]`, want: false},

		// ipmatch.
		{name: "ipmatch remote", rule: `[["remote_addr", "ipmatch", ["10.0.0.0/8", "192.0.2.0/24"]]]`, want: true},
		{name: "ipmatch remote one", rule: `[["remote_addr", "ipmatch", "192.0.2.7"]]`, want: true},
		{name: "ipmatch remote masked", rule: `[["remote_addr", "ipmatch", "192.0.2.99/24"]]`, want: true},
		{name: "ipmatch remote none", rule: `[["remote_addr", "ipmatch", ["10.0.0.0/8", "::/0"]]]`, want: false},
		{name: "ipmatch remote v6", rule: `[["remote_addr", "ipmatch", "2001:db8::/32"]]`, want: true, remote: v6},
		{name: "ipmatch remote missing", rule: `[["remote_addr", "ipmatch", "0.0.0.0/0"]]`, want: false, noAddr: true},
		{name: "ipmatch header", rule: `[["http_x_forwarded_for", "ipmatch", "203.0.113.0/24"]]`, want: true},
		{name: "ipmatch mapped", rule: `[["arg_ip", "ipmatch", "203.0.113.0/24"]]`, want: true},
		{name: "ipmatch mapped as v6", rule: `[["arg_ip", "ipmatch", "::ffff:0:0/96"]]`, want: true},
		{name: "ipmatch not an ip", rule: `[["arg_name", "ipmatch", "0.0.0.0/0"]]`, want: false},
		{name: "ipmatch missing", rule: `[["arg_nope", "ipmatch", "0.0.0.0/0"]]`, want: false},
		{name: "not ipmatch", rule: `[["remote_addr", "!", "ipmatch", "10.0.0.0/8"]]`, want: true},

		// Logic.
		{name: "list all", rule: `[["arg_name", "==", "json"], ["arg_weight", ">", 10]]`, want: true},
		{name: "list one fails", rule: `[["arg_name", "==", "json"], ["arg_weight", ">", 20]]`, want: false},
		{name: "and", rule: `["AND", ["arg_name", "==", "json"], ["arg_weight", ">", 10]]`, want: true},
		{name: "or", rule: `["or", ["arg_name", "==", "xml"], ["arg_weight", ">", 10]]`, want: true},
		{name: "or none", rule: `["OR", ["arg_name", "==", "xml"], ["arg_weight", ">", 20]]`, want: false},
		{name: "not and", rule: `["!AND", ["arg_name", "==", "json"], ["arg_weight", ">", 20]]`, want: true},
		{name: "not or", rule: `["!or", ["arg_name", "==", "xml"], ["arg_weight", ">", 20]]`, want: true},
		{name: "not or one", rule: `["!OR", ["arg_name", "==", "json"], ["arg_weight", ">", 20]]`, want: false},
		{name: "readme", rule: `["AND", ["arg_name", "==", "json"], ["!OR", ["arg_weight", ">", 10], ["arg_height", "!", ">", 15]]]`, want: false},
		{name: "list in or", rule: `["OR", [["arg_name", "==", "json"], ["arg_weight", "==", 13]], ["http_x_user_id", "==", "42"]]`, want: true},
		{name: "list in or none", rule: `["OR", [["arg_name", "==", "json"], ["arg_weight", "==", 13]], ["http_x_user_id", "==", "43"]]`, want: false},
		{name: "or in list", rule: `[["arg_name", "==", "json"], ["OR", ["arg_tag", "==", "z"], ["cookie_theme", "==", "dark"]]]`, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			if req == nil {
				req = baseRequest
			}
			ctx := newCtx(t, tc.tls, req...)
			remote := tc.remote
			if !remote.IsValid() && !tc.noAddr {
				remote = testRemote
			}
			e := mustCompile(t, tc.rule)
			for range 2 { // the second run sees fasthttp's parsed state
				if got := e.Eval(ctx, remote); got != tc.want {
					t.Fatalf("Eval(%s) = %v; want %v", tc.rule, got, tc.want)
				}
			}
		})
	}
}

// TestEvalBuiltRequest checks a request built with setters rather than
// parsed, and a ctx from Init (no TLS, zero local address).
func TestEvalBuiltRequest(t *testing.T) {
	var req fasthttp.Request
	req.SetRequestURI("/p?a=1&a=2")
	req.Header.SetHost("Example.ORG")
	req.Header.Set("X-Real-Ip", "198.51.100.1")
	req.Header.Add("X-Real-Ip", "198.51.100.2")
	req.Header.SetCookie("k", "v")
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, nil, nil)
	e := mustCompile(t, `[["uri", "==", "/p"], ["host", "==", "example.org"], ["arg_a", "has", 2],
		["http_x_real_ip", "ipmatch", "198.51.100.1"], ["http_x_real_ip", "has", "198.51.100.2"],
		["cookie_k", "==", "v"], ["http_cookie", "==", "k=v"], ["scheme", "==", "http"], ["server_port", "==", 0]]`)
	if !e.Eval(&ctx, testRemote) {
		t.Errorf("Eval = false; want true")
	}
}

// TestEvalConcurrent evaluates one Expr from many goroutines (run with
// -race).
func TestEvalConcurrent(t *testing.T) {
	e := mustCompile(t, `[["arg_name", "==", "json"], ["remote_addr", "~~", "^192"], ["http_cookie", "~~", "sid"], ["remote_port", "in", [51234]]]`)
	done := make(chan bool)
	for range 8 {
		ctx := newCtx(t, false, baseRequest...)
		go func() {
			ok := true
			for range 200 {
				ok = ok && e.Eval(ctx, testRemote)
			}
			done <- ok
		}()
	}
	for range 8 {
		if !<-done {
			t.Errorf("Eval = false in a goroutine; want true")
		}
	}
}
