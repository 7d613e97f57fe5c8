//go:build !race

package expr

import (
	"net/netip"
	"testing"
)

// TestEvalAllocs checks that Eval allocates nothing, over rules using
// every operator and every kind of variable, matching and not. The race
// detector allocates, hence the build tag.
func TestEvalAllocs(t *testing.T) {
	// want is Eval's answer for testRemote: true for an AND (and false
	// for an OR) means every expression ran.
	rules := []struct {
		name string
		want bool
		rule string
	}{
		{"every operator", true, `[
			["arg_name", "==", "json"], ["arg_weight", "==", 12], ["arg_name", "~=", "xml"], ["arg_weight", "~=", 1],
			["arg_weight", ">", 10], ["arg_weight", ">=", "12"], ["arg_weight", "<", 1e3], ["arg_weight", "<=", 12.5],
			["http_user_agent", "~~", "^curl/"], ["http_user_agent", "~*", "CURL"],
			["arg_name", "in", ["xml", "json"]], ["arg_weight", "in", [11, 12]],
			["arg_tag", "has", "b"], ["http_x_tag", "has", "blue"], ["cookie_sid", "has", "def"], ["host", "has", "api.example.com"],
			["remote_addr", "ipmatch", ["10.0.0.0/8", "192.0.2.0/24"]], ["http_x_forwarded_for", "ipmatch", "203.0.113.0/24"],
			["arg_ip", "ipmatch", "203.0.113.0/24"],
			["arg_nope", "!", "~~", "x"]]`},
		{"every variable", true, `[
			["uri", "==", "/api/v1/users"], ["request_uri", "~~", "^/api"], ["host", "==", "API.example.com"],
			["request_method", "==", "GET"], ["scheme", "==", "http"], ["query_string", "~~", "name="], ["args", "~=", ""],
			["arg_name", "==", "json"], ["http_x_user_id", "==", 42], ["cookie_theme", "==", "dark"],
			["remote_addr", "==", "192.0.2.7"], ["remote_addr", "in", ["192.0.2.7"]], ["remote_addr", "~~", "^192\\."],
			["remote_port", "==", 51234], ["server_port", "~~", "^84"], ["server_addr", "==", "10.1.1.1"],
			["http_cookie", "~~", "theme=dark"], ["http_trailer", "~=", "x"]]`},
		{"logic", true, `["OR", ["!AND", ["arg_name", "==", "json"], ["arg_weight", ">", 10]],
			[["http_x_tag", "==", "red"], ["!OR", ["cookie_sid", "==", "x"], ["remote_addr", "ipmatch", "::/0"]]]]`},
		{"not matching", false, `[["arg_nope", "in", ["x"]], ["arg_name", "==", 5]]`},
		{"unparsable values", false, `["OR", ["arg_name", ">", 1], ["arg_name", "ipmatch", "::/0"], ["arg_enc", "==", 1],
			["arg_big", "<", 0], ["arg_hex", "==", 0], ["arg_v6", "ipmatch", "10.0.0.0/8"]]`},
	}
	req := append([]string{
		"GET /api/v1/users?name=json&weight=12&tag=a&tag=b&enc=a%20b&ip=%3A%3Affff%3A203.0.113.9" +
			"&big=1.8e308&hex=0x1f&v6=2001:db8::1%25eth0 HTTP/1.1",
	}, baseRequest[1:]...)
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			e := mustCompile(t, r.rule)
			ctx := newCtx(t, false, req...)
			if got := e.Eval(ctx, testRemote); got != r.want {
				t.Fatalf("Eval = %v; want %v", got, r.want)
			}
			for _, remote := range []netip.Addr{testRemote, netip.MustParseAddr("2001:db8::7"), {}} {
				want := e.Eval(ctx, remote) // warm fasthttp's parsed state and the scratch pool
				if got := testing.AllocsPerRun(200, func() {
					if e.Eval(ctx, remote) != want {
						t.Fatalf("Eval changed its answer")
					}
				}); got != 0 {
					t.Errorf("Eval(remote %v) allocates %v times per run; want 0", remote, got)
				}
			}
		})
	}
}

// TestParseAllocs checks the request-value parsers on their error paths,
// where the standard library's would allocate.
func TestParseAllocs(t *testing.T) {
	inputs := [][]byte{[]byte("1.8e308"), []byte("x1"), []byte("1e"), []byte("1.5"), []byte("1.2.3"), []byte("::g"), []byte("fe80::1%eth0")}
	if got := testing.AllocsPerRun(100, func() {
		for _, b := range inputs {
			parseNumber(b)
			parseIP(b)
		}
	}); got != 0 {
		t.Errorf("parseNumber and parseIP allocate %v times per run; want 0", got)
	}
}
