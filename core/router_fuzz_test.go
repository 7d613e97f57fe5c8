package core

import (
	"net/netip"
	"testing"
)

// routerFuzzSpecs is a fixed route set that exercises every kind of condition.
var routerFuzzSpecs = []routeSpec{
	{URIs: []string{"/*"}},
	{URIs: []string{"/a"}, Methods: []string{"GET"}},
	{URIs: []string{"/a/*", "/b*"}, Priority: 2},
	{URIs: []string{"/a/b/*"}, Methods: []string{"POST", "PUT"}},
	{URIs: []string{"/a/b/c"}, RemoteAddrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
	{URIs: []string{"/a/b/c"}, RemoteAddrs: []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}},
	{URIs: []string{"/*"}, Hosts: []string{"example.com"}},
	{URIs: []string{"/x", "/a/*"}, Hosts: []string{"*.example.com", "[::1]"}},
	{URIs: []string{"/x/*"}, Hosts: []string{"*.a.example.com"}, Methods: []string{"GET"}},
	{URIs: []string{"/"}, Hosts: []string{"*example.com"}, Priority: -1},
	{URIs: []string{"/*"}, Hosts: []string{"API.example.org."}},
	{URIs: []string{"/a/b/c"}, Hosts: []string{"*.org"}, Priority: 5},
}

func FuzzRouterMatch(f *testing.F) {
	v4 := netip.MustParseAddr("10.1.2.3").AsSlice()
	v6 := netip.MustParseAddr("2001:db8::1").AsSlice()
	mapped := netip.MustParseAddr("::ffff:10.1.2.3").AsSlice()
	seeds := []struct {
		method, host, path string
		remote             []byte
	}{
		{"GET", "", "/", nil},
		{"GET", "", "/a", v4},
		{"POST", "", "/a", v4},
		{"PUT", "Example.com:80", "/a/b/c", v6},
		{"GET", "x.a.example.com", "/x/y", mapped},
		{"DELETE", "[::1]:8443", "/a/", v6},
		{"GET", "api.example.org", "/a/b/c", v4},
		{"get", "example.com.", "/b", nil},
		{"", ":", "", []byte{1, 2, 3}},
		{"PURGE", "fooexample.com", "/", v4},
	}
	for _, s := range seeds {
		f.Add(s.method, s.host, s.path, s.remote)
	}
	r, err := newRouter(routerFuzzSpecs)
	if err != nil {
		f.Fatalf("newRouter: %v", err)
	}
	f.Fuzz(func(t *testing.T, method, host, path string, remoteBytes []byte) {
		remote, _ := netip.AddrFromSlice(remoteBytes)
		got, ok := r.match([]byte(method), []byte(host), []byte(path), remote, nil)
		want, wantOK := routerRefMatch(routerFuzzSpecs, method, host, path, remote)
		if got != want || ok != wantOK {
			t.Errorf("match(%q, %q, %q, %s) = %d, %v; want %d, %v", method, host, path, remote, got, ok, want, wantOK)
		}
	})
}
