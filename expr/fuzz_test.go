package expr

import (
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// FuzzCompile compiles JSON rules and evaluates those that compile against
// a fixed request: neither may panic, and a compile error must be an
// *Error whose Path names an element of the rule.
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		`[]`,
		`[["arg_name", "==", "json"]]`,
		`["AND", ["arg_name", "==", "json"], ["!OR", ["arg_weight", ">", 10], ["arg_height", "!", ">", 15]]]`,
		`["or", [["http_x_user_id", "~=", 42], ["cookie_sid", "has", "abc"]], ["host", "in", ["API.example.com", 1]]]`,
		`[["remote_addr", "ipmatch", ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"]]]`,
		`[["http_x_forwarded_for", "!", "ipmatch", "203.0.113.9"]]`,
		`[["http_user_agent", "~*", "^CURL/(\\d+)"], ["request_uri", "~~", "[?&]tag=b"]]`,
		`[["arg_weight", "<=", "1.2e1"], ["arg_weight", ">=", "0x0c"], ["server_port", "<", 65536]]`,
		`[["arg_name", "json"], ["remote_port", 51234]]`,
		`[["remote_addr", "in", ["192.0.2.7", "::1"]], ["remote_addr", "~~", "^192"]]`,
		`[["http_cookie", "~~", "sid="], ["http_trailer", "~=", ""], ["scheme", "==", "http"]]`,
		`["!AND", ["uri", "==", "/api/v1/users"], ["query_string", "~~", "weight"]]`,
		`[["arg_tag", "has", "b"], ["args", "~=", ""], ["request_method", "in", ["GET", "HEAD"]]]`,
		`["AND", ["arg_a", "=~", "1"]]`,
		`[["arg_a", "!", "==", true], [1, 2]]`,
		`[["arg_a", "~~", "(?=x)"], {"a": null}]`,
	} {
		f.Add([]byte(seed))
	}
	ctx := newCtx(f, false, baseRequest...)
	remotes := []netip.Addr{testRemote, netip.MustParseAddr("2001:db8::7"), netip.MustParseAddr("fe80::1%eth0"), {}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r []any
		if json.Unmarshal(data, &r) != nil {
			return
		}
		e, err := Compile(r)
		if err != nil {
			var ee *Error
			if !errors.As(err, &ee) {
				t.Fatalf("Compile(%s) error %T %v; want *Error", data, err, err)
			}
			if !validPath(r, ee.Path) {
				t.Fatalf("Compile(%s) error path %q names no element", data, ee.Path)
			}
			return
		}
		if e == nil && len(r) > 0 {
			t.Fatalf("Compile(%s) = nil, nil for a non-empty rule", data)
		}
		for _, remote := range remotes {
			e.Eval(ctx, remote)
		}
	})
}

var pathStep = regexp.MustCompile(`^\[(\d+)\]`)

// validPath reports whether path, a run of "[i]", names an element of r.
func validPath(r []any, path string) bool {
	var cur any = r
	for path != "" {
		m := pathStep.FindStringSubmatch(path)
		if m == nil {
			return false
		}
		i, _ := strconv.Atoi(m[1])
		list, ok := cur.([]any)
		if !ok || i >= len(list) {
			return false
		}
		cur, path = list[i], path[len(m[0]):]
	}
	return true
}

// FuzzParseNumber checks parseNumber against strconv.ParseFloat: whatever
// parseNumber accepts in decimal, ParseFloat accepts with the same value
// (infinity where it reports a range error).
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"12", " -1.5e3 ", ".5", "5.", "0x1F", "1e309", "1.797693134862315808e308", overflowDigits, "1e-400", "inf", "1_0", "+.e1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseNumber([]byte(s))
		trimmed := string(trimSpace([]byte(s)))
		body := strings.TrimLeft(trimmed, "+-")
		if !ok || len(body) > 1 && body[0] == '0' && body[1]|0x20 == 'x' {
			return
		}
		want, err := strconv.ParseFloat(trimmed, 64)
		if err != nil && !(errors.Is(err, strconv.ErrRange) && math.IsInf(want, 0)) {
			t.Fatalf("parseNumber(%q) = %v, true; ParseFloat: %v", s, got, err)
		}
		if got != want {
			t.Fatalf("parseNumber(%q) = %v; ParseFloat = %v", s, got, want)
		}
	})
}

// FuzzParseIP checks parseIP against netip.ParseAddr, zones aside.
func FuzzParseIP(f *testing.F) {
	for _, s := range []string{"192.0.2.7", "::", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8", "1::", "01.2.3.4", "1:2:3:4:5:6:7::8", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseIP([]byte(s))
		want, err := netip.ParseAddr(s)
		if strings.Contains(s, "%") {
			if ok {
				t.Fatalf("parseIP(%q) = %v; want a zone refused", s, got)
			}
			return
		}
		if ok != (err == nil) || ok && got != want {
			t.Fatalf("parseIP(%q) = %v, %v; netip.ParseAddr = %v, %v", s, got, ok, want, err)
		}
	})
}
