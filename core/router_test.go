package core

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

// routerReq is one request as match sees it.
type routerReq struct {
	method, host, path, remote string
}

func (q routerReq) addr() netip.Addr {
	if q.remote == "" {
		return netip.MustParseAddr("192.0.2.1")
	}
	return netip.MustParseAddr(q.remote)
}

func mustRouter(t testing.TB, specs []routeSpec) *router {
	t.Helper()
	r, err := newRouter(specs)
	if err != nil {
		t.Fatalf("newRouter: %v", err)
	}
	return r
}

func routerPrefixes(ss ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

// routerLongHost is a host name of the greatest length a route may carry.
var routerLongHost = strings.Repeat("a", routerMaxHost-4) + ".com"

func TestRouterPrecedence(t *testing.T) {
	const none = -1
	tests := []struct {
		name  string
		specs []routeSpec
		req   routerReq
		want  int // none when no route matches
	}{
		{
			name:  "exact uri",
			specs: []routeSpec{{URIs: []string{"/a"}}, {URIs: []string{"/b"}}},
			req:   routerReq{method: "GET", path: "/b"},
			want:  1,
		},
		{
			name:  "exact uri miss",
			specs: []routeSpec{{URIs: []string{"/a"}}},
			req:   routerReq{method: "GET", path: "/a/"},
			want:  none,
		},
		{
			name:  "no routes",
			specs: nil,
			req:   routerReq{method: "GET", path: "/"},
			want:  none,
		},
		{
			name:  "catch-all",
			specs: []routeSpec{{URIs: []string{"/*"}}},
			req:   routerReq{method: "GET", path: "/x/y"},
			want:  0,
		},
		{
			name:  "prefix matches its own slash",
			specs: []routeSpec{{URIs: []string{"/api/*"}}},
			req:   routerReq{method: "GET", path: "/api/"},
			want:  0,
		},
		{
			name:  "prefix matches below",
			specs: []routeSpec{{URIs: []string{"/api/*"}}},
			req:   routerReq{method: "GET", path: "/api/v1/x"},
			want:  0,
		},
		{
			name:  "prefix does not match without its slash",
			specs: []routeSpec{{URIs: []string{"/api/*"}}},
			req:   routerReq{method: "GET", path: "/api"},
			want:  none,
		},
		{
			name:  "prefix without slash matches the bare path",
			specs: []routeSpec{{URIs: []string{"/api*"}}},
			req:   routerReq{method: "GET", path: "/api"},
			want:  0,
		},
		{
			name:  "exact beats prefix",
			specs: []routeSpec{{URIs: []string{"/a/*"}, Priority: 9}, {URIs: []string{"/a/b"}}},
			req:   routerReq{method: "GET", path: "/a/b"},
			want:  1,
		},
		{
			name:  "longer prefix beats shorter",
			specs: []routeSpec{{URIs: []string{"/a/*"}, Priority: 9}, {URIs: []string{"/a/b/*"}}, {URIs: []string{"/*"}}},
			req:   routerReq{method: "GET", path: "/a/b/c"},
			want:  1,
		},
		{
			name:  "shorter prefix when longer does not apply",
			specs: []routeSpec{{URIs: []string{"/a/*"}}, {URIs: []string{"/a/b/*"}}},
			req:   routerReq{method: "GET", path: "/a/c"},
			want:  0,
		},
		{
			name:  "higher priority wins on the same uri",
			specs: []routeSpec{{URIs: []string{"/a"}, Priority: 1}, {URIs: []string{"/a"}, Priority: 5}, {URIs: []string{"/a"}, Priority: -1}},
			req:   routerReq{method: "GET", path: "/a"},
			want:  1,
		},
		{
			name:  "lower index wins on equal priority",
			specs: []routeSpec{{URIs: []string{"/x"}}, {URIs: []string{"/a/*"}}, {URIs: []string{"/a/*"}}},
			req:   routerReq{method: "GET", path: "/a/b"},
			want:  1,
		},
		{
			name:  "method falls through to prefix",
			specs: []routeSpec{{URIs: []string{"/a"}, Methods: []string{"GET"}}, {URIs: []string{"/*"}}},
			req:   routerReq{method: "POST", path: "/a"},
			want:  1,
		},
		{
			name:  "method falls through to lower priority",
			specs: []routeSpec{{URIs: []string{"/a"}, Methods: []string{"GET"}, Priority: 2}, {URIs: []string{"/a"}, Methods: []string{"POST", "PUT"}}},
			req:   routerReq{method: "PUT", path: "/a"},
			want:  1,
		},
		{
			name:  "method matches",
			specs: []routeSpec{{URIs: []string{"/a"}, Methods: []string{"GET"}}, {URIs: []string{"/*"}}},
			req:   routerReq{method: "GET", path: "/a"},
			want:  0,
		},
		{
			name:  "method is case-sensitive",
			specs: []routeSpec{{URIs: []string{"/a"}, Methods: []string{"GET"}}},
			req:   routerReq{method: "get", path: "/a"},
			want:  none,
		},
		{
			name:  "unknown method matches only routes without methods",
			specs: []routeSpec{{URIs: []string{"/a"}, Methods: []string{"GET"}}, {URIs: []string{"/a"}}},
			req:   routerReq{method: "BREW", path: "/a"},
			want:  1,
		},
		{
			name:  "method falls through every uri",
			specs: []routeSpec{{URIs: []string{"/a"}, Methods: []string{"GET"}}, {URIs: []string{"/a/*"}, Methods: []string{"GET"}}},
			req:   routerReq{method: "POST", path: "/a"},
			want:  none,
		},
		{
			name:  "host route beats host-less exact uri",
			specs: []routeSpec{{URIs: []string{"/a"}, Priority: 9}, {URIs: []string{"/*"}, Hosts: []string{"api.example.com"}}},
			req:   routerReq{method: "GET", host: "api.example.com", path: "/a"},
			want:  1,
		},
		{
			name:  "host-less when host differs",
			specs: []routeSpec{{URIs: []string{"/a"}}, {URIs: []string{"/*"}, Hosts: []string{"api.example.com"}}},
			req:   routerReq{method: "GET", host: "web.example.com", path: "/a"},
			want:  0,
		},
		{
			name:  "host-less when host route uri misses",
			specs: []routeSpec{{URIs: []string{"/*"}}, {URIs: []string{"/b"}, Hosts: []string{"api.example.com"}}},
			req:   routerReq{method: "GET", host: "api.example.com", path: "/a"},
			want:  0,
		},
		{
			name:  "exact host beats wildcard",
			specs: []routeSpec{{URIs: []string{"/a"}, Hosts: []string{"*.example.com"}}, {URIs: []string{"/*"}, Hosts: []string{"api.example.com"}}},
			req:   routerReq{method: "GET", host: "api.example.com", path: "/a"},
			want:  1,
		},
		{
			name:  "longer wildcard beats shorter",
			specs: []routeSpec{{URIs: []string{"/a"}, Hosts: []string{"*.example.com"}}, {URIs: []string{"/*"}, Hosts: []string{"*.api.example.com"}}},
			req:   routerReq{method: "GET", host: "v1.api.example.com", path: "/a"},
			want:  1,
		},
		{
			name:  "exact host falls through to wildcard",
			specs: []routeSpec{{URIs: []string{"/a"}, Hosts: []string{"*.example.com"}}, {URIs: []string{"/b"}, Hosts: []string{"api.example.com"}}},
			req:   routerReq{method: "GET", host: "api.example.com", path: "/a"},
			want:  0,
		},
		{
			name:  "wildcard matches one label",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{"*.example.com"}}},
			req:   routerReq{method: "GET", host: "a.example.com", path: "/"},
			want:  0,
		},
		{
			name:  "wildcard matches several labels",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{"*.example.com"}}},
			req:   routerReq{method: "GET", host: "a.b.example.com", path: "/"},
			want:  0,
		},
		{
			name:  "wildcard does not match the bare domain",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{"*.example.com"}}},
			req:   routerReq{method: "GET", host: "example.com", path: "/"},
			want:  none,
		},
		{
			name:  "wildcard does not match a longer label",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{"*.example.com"}}},
			req:   routerReq{method: "GET", host: "aexample.com", path: "/"},
			want:  none,
		},
		{
			name:  "wildcard without dot is a plain suffix",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{"*example.com"}}},
			req:   routerReq{method: "GET", host: "example.com", path: "/"},
			want:  0,
		},
		{
			name:  "host with port",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{"example.com"}}},
			req:   routerReq{method: "GET", host: "example.com:8080", path: "/"},
			want:  0,
		},
		{
			name:  "ipv6 host with port",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{"[::1]"}}},
			req:   routerReq{method: "GET", host: "[::1]:8080", path: "/"},
			want:  0,
		},
		{
			name:  "upper-case request host",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{"api.example.com"}}},
			req:   routerReq{method: "GET", host: "API.Example.COM", path: "/"},
			want:  0,
		},
		{
			name:  "upper-case route host",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{"*.EXAMPLE.com"}}},
			req:   routerReq{method: "GET", host: "Api.example.Com:443", path: "/"},
			want:  0,
		},
		{
			name:  "trailing dot in request host",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{"example.com"}}},
			req:   routerReq{method: "GET", host: "example.com.", path: "/"},
			want:  0,
		},
		{
			name:  "empty host matches host-less only",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{"*.com"}}, {URIs: []string{"/*"}}},
			req:   routerReq{method: "GET", host: "", path: "/"},
			want:  1,
		},
		{
			name:  "host longer than any name still matches a wildcard",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{"*.example.com"}}, {URIs: []string{"/*"}}},
			req:   routerReq{method: "GET", host: strings.Repeat("a", 300) + ".EXAMPLE.com", path: "/"},
			want:  0,
		},
		{
			name:  "exact host of the longest length",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{routerLongHost}}},
			req:   routerReq{method: "GET", host: strings.ToUpper(routerLongHost) + ":80", path: "/"},
			want:  0,
		},
		{
			name:  "longer host does not match an exact host by its tail",
			specs: []routeSpec{{URIs: []string{"/*"}, Hosts: []string{routerLongHost}}},
			req:   routerReq{method: "GET", host: "b" + routerLongHost, path: "/"},
			want:  none,
		},
		{
			name:  "remote v4 cidr",
			specs: []routeSpec{{URIs: []string{"/a"}, RemoteAddrs: routerPrefixes("10.0.0.0/8")}, {URIs: []string{"/*"}}},
			req:   routerReq{method: "GET", path: "/a", remote: "10.1.2.3"},
			want:  0,
		},
		{
			name:  "remote v4 cidr miss",
			specs: []routeSpec{{URIs: []string{"/a"}, RemoteAddrs: routerPrefixes("10.0.0.0/8")}, {URIs: []string{"/*"}}},
			req:   routerReq{method: "GET", path: "/a", remote: "11.1.2.3"},
			want:  1,
		},
		{
			name:  "remote single ip",
			specs: []routeSpec{{URIs: []string{"/a"}, RemoteAddrs: routerPrefixes("192.168.1.1/32", "10.0.0.0/8")}},
			req:   routerReq{method: "GET", path: "/a", remote: "192.168.1.1"},
			want:  0,
		},
		{
			name:  "remote v6 cidr",
			specs: []routeSpec{{URIs: []string{"/a"}, RemoteAddrs: routerPrefixes("2001:db8::/32")}, {URIs: []string{"/*"}}},
			req:   routerReq{method: "GET", path: "/a", remote: "2001:db8::5"},
			want:  0,
		},
		{
			name:  "remote v6 cidr miss",
			specs: []routeSpec{{URIs: []string{"/a"}, RemoteAddrs: routerPrefixes("2001:db8::/32")}, {URIs: []string{"/*"}}},
			req:   routerReq{method: "GET", path: "/a", remote: "2001:db9::5"},
			want:  1,
		},
		{
			name:  "remote v4 does not match v6 prefix",
			specs: []routeSpec{{URIs: []string{"/a"}, RemoteAddrs: routerPrefixes("::/0")}},
			req:   routerReq{method: "GET", path: "/a", remote: "10.0.0.1"},
			want:  none,
		},
		{
			name:  "remote v4-mapped matches v4 prefix",
			specs: []routeSpec{{URIs: []string{"/a"}, RemoteAddrs: routerPrefixes("10.0.0.0/8")}},
			req:   routerReq{method: "GET", path: "/a", remote: "::ffff:10.0.0.1"},
			want:  0,
		},
		{
			name:  "v4-mapped prefix matches v4 remote",
			specs: []routeSpec{{URIs: []string{"/a"}, RemoteAddrs: routerPrefixes("::ffff:10.0.0.0/104")}},
			req:   routerReq{method: "GET", path: "/a", remote: "10.2.0.1"},
			want:  0,
		},
		{
			name:  "all conditions at once",
			specs: []routeSpec{{URIs: []string{"/x", "/a/*"}, Methods: []string{"DELETE"}, Hosts: []string{"a.com", "*.b.com"}, RemoteAddrs: routerPrefixes("2001:db8::/32"), Priority: 3}},
			req:   routerReq{method: "DELETE", host: "z.B.com:1", path: "/a/1", remote: "2001:db8::1"},
			want:  0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRouter(t, tc.specs)
			q := tc.req
			got, ok := r.match([]byte(q.method), []byte(q.host), []byte(q.path), q.addr(), nil)
			if !ok {
				got = none
			}
			if got != tc.want {
				t.Errorf("match(%q, %q, %q, %s) = %d; want %d", q.method, q.host, q.path, q.addr(), got, tc.want)
			}
			ref, refOK := routerRefMatch(tc.specs, q.method, q.host, q.path, q.addr())
			if !refOK {
				ref = none
			}
			if ref != tc.want {
				t.Errorf("routerRefMatch(%q, %q, %q, %s) = %d; want %d", q.method, q.host, q.path, q.addr(), ref, tc.want)
			}
		})
	}
}

func TestRouterInvalidSpec(t *testing.T) {
	tests := []struct {
		name string
		spec routeSpec
		want string
	}{
		{"no uri", routeSpec{}, "no uri"},
		{"relative uri", routeSpec{URIs: []string{"api/*"}}, `uri "api/*": must start with '/'`},
		{"empty uri", routeSpec{URIs: []string{""}}, `uri "": must start with '/'`},
		{"inner star", routeSpec{URIs: []string{"/a/*/b"}}, "'*' is allowed only as the last character"},
		{"bad method", routeSpec{URIs: []string{"/"}, Methods: []string{"get"}}, `method "get": not one of GET, POST`},
		{"bad prefix", routeSpec{URIs: []string{"/"}, RemoteAddrs: []netip.Prefix{{}}}, "remote_addrs: invalid prefix"},
		{"host port", routeSpec{URIs: []string{"/"}, Hosts: []string{"a.com:80"}}, `host "a.com:80": must not carry a port`},
		{"host star only", routeSpec{URIs: []string{"/"}, Hosts: []string{"*"}}, `host "*": empty host`},
		{"host inner star", routeSpec{URIs: []string{"/"}, Hosts: []string{"a.*.com"}}, "'*' is allowed only as the first character"},
		{"host empty", routeSpec{URIs: []string{"/"}, Hosts: []string{""}}, "empty host"},
		{"host too long", routeSpec{URIs: []string{"/"}, Hosts: []string{strings.Repeat("a", 254)}}, "longer than 253 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			specs := []routeSpec{{URIs: []string{"/ok"}}, tc.spec}
			_, err := newRouter(specs)
			if err == nil {
				t.Fatalf("newRouter(%+v) = nil error; want %q", tc.spec, tc.want)
			}
			if !errors.Is(err, errRouterSpec) {
				t.Errorf("newRouter(%+v) = %v; want it to wrap errRouterSpec", tc.spec, err)
			}
			if msg := err.Error(); !strings.Contains(msg, "route 1: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("newRouter(%+v) = %q; want route 1 and %q", tc.spec, msg, tc.want)
			}
		})
	}
}

func TestRouterInvalidSpecReportsAll(t *testing.T) {
	_, err := newRouter([]routeSpec{{URIs: []string{"x"}}, {URIs: []string{"/"}, Methods: []string{"FOO"}}})
	if err == nil {
		t.Fatal("newRouter = nil error; want two problems")
	}
	for _, want := range []string{"route 0: uri", "route 1: method"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("newRouter = %q; want it to contain %q", err, want)
		}
	}
}

func TestRouterHostName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"example.com", "example.com"},
		{"example.com:8080", "example.com"},
		{"example.com.", "example.com"},
		{"example.com.:80", "example.com"},
		{"[::1]", "[::1]"},
		{"[::1]:8080", "[::1]"},
		{"[::1", "[::1"},
		{":80", ""},
		{"a:b:c", "a"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := string(routerHostName([]byte(tc.in))); got != tc.want {
				t.Errorf("routerHostName(%q) = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRouterMethodBit(t *testing.T) {
	seen := uint16(0)
	for _, m := range routerMethods {
		b := routerMethodBit([]byte(m))
		if b == 0 || b&(b-1) != 0 || seen&b != 0 {
			t.Errorf("routerMethodBit(%q) = %#x; want a distinct single bit", m, b)
		}
		seen |= b
	}
	for _, m := range []string{"", "get", "BREW", "GETX"} {
		if b := routerMethodBit([]byte(m)); b != 0 {
			t.Errorf("routerMethodBit(%q) = %#x; want 0", m, b)
		}
	}
}

// routerGen generates route sets and requests from small alphabets, so that
// hosts, paths and prefixes collide often.
type routerGen struct{ rnd *rand.Rand }

var (
	routerGenSegments  = []string{"a", "b", "ab", "api", ""}
	routerGenHosts     = []string{"example.com", "a.example.com", "b.a.example.com", "EXAMPLE.org", "[::1]", "example.com."}
	routerGenWildcards = []string{"*.example.com", "*.a.example.com", "*example.com", "*.org", "*.COM", "*m"}
	routerGenMethods   = []string{"GET", "POST", "PUT", "DELETE", "PURGE"}
	routerGenPrefixes  = []string{"10.0.0.0/8", "10.1.0.0/16", "192.168.1.1/32", "2001:db8::/32", "::1/128", "::ffff:10.0.0.0/104"}
	routerGenRemotes   = []string{"10.1.2.3", "10.2.0.1", "192.168.1.1", "192.168.1.2", "2001:db8::7", "::1", "::ffff:10.1.0.9", "203.0.113.5"}
	routerGenReqHosts  = []string{"", "example.com", "Example.COM:443", "a.example.com", "x.b.a.example.com", "b.a.example.com.", "example.org", "x.org:80", "[::1]:8080", "fooexample.com", "m", "com"}
	routerGenReqMethod = []string{"GET", "POST", "PUT", "DELETE", "PURGE", "get", "BREW", ""}
)

func (g routerGen) pick(ss []string) string { return ss[g.rnd.IntN(len(ss))] }

func (g routerGen) path() string {
	var b strings.Builder
	for range g.rnd.IntN(4) {
		b.WriteString("/")
		b.WriteString(g.pick(routerGenSegments))
	}
	if b.Len() == 0 || g.rnd.IntN(4) == 0 {
		b.WriteString("/")
	}
	return b.String()
}

func (g routerGen) spec() routeSpec {
	var s routeSpec
	for range 1 + g.rnd.IntN(3) {
		u := g.path()
		if g.rnd.IntN(2) == 0 {
			u += "*"
		}
		s.URIs = append(s.URIs, u)
	}
	if g.rnd.IntN(3) == 0 {
		for range 1 + g.rnd.IntN(2) {
			s.Methods = append(s.Methods, g.pick(routerGenMethods))
		}
	}
	if g.rnd.IntN(2) == 0 {
		for range 1 + g.rnd.IntN(2) {
			if g.rnd.IntN(2) == 0 {
				s.Hosts = append(s.Hosts, g.pick(routerGenHosts))
			} else {
				s.Hosts = append(s.Hosts, g.pick(routerGenWildcards))
			}
		}
	}
	if g.rnd.IntN(4) == 0 {
		for range 1 + g.rnd.IntN(2) {
			s.RemoteAddrs = append(s.RemoteAddrs, netip.MustParsePrefix(g.pick(routerGenPrefixes)))
		}
	}
	s.Priority = g.rnd.IntN(4) - 1
	return s
}

func (g routerGen) req() routerReq {
	return routerReq{
		method: g.pick(routerGenReqMethod),
		host:   g.pick(routerGenReqHosts),
		path:   g.path(),
		remote: g.pick(routerGenRemotes),
	}
}

func TestRouterMatchesReference(t *testing.T) {
	g := routerGen{rand.New(rand.NewPCG(1, 2))}
	const sets, reqs = 300, 300
	for set := range sets {
		specs := make([]routeSpec, 1+g.rnd.IntN(30))
		for i := range specs {
			specs[i] = g.spec()
		}
		r := mustRouter(t, specs)
		for range reqs {
			q := g.req()
			got, ok := r.match([]byte(q.method), []byte(q.host), []byte(q.path), q.addr(), nil)
			want, wantOK := routerRefMatch(specs, q.method, q.host, q.path, q.addr())
			if ok != wantOK || got != want {
				t.Fatalf("set %d: match(%q, %q, %q, %s) = %d, %v; want %d, %v\nspecs: %s",
					set, q.method, q.host, q.path, q.addr(), got, ok, want, wantOK, routerFormatSpecs(specs))
			}
		}
	}
}

func routerFormatSpecs(specs []routeSpec) string {
	var b strings.Builder
	for i, s := range specs {
		fmt.Fprintf(&b, "\n  %d: uris=%q methods=%q hosts=%q remotes=%v priority=%d", i, s.URIs, s.Methods, s.Hosts, s.RemoteAddrs, s.Priority)
	}
	return b.String()
}
