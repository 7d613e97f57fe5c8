package core

import "testing"

func TestAppendCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"x-hop", "X-Hop"},
		{"X-HOP", "X-Hop"},
		{"keep-alive", "Keep-Alive"},
		{"te", "Te"},
		{"x--y", "X--Y"},
		{"", ""},
		{"a1-b2", "A1-B2"},
	} {
		if got := string(appendCanonical(nil, []byte(tc.in))); got != tc.want {
			t.Errorf("appendCanonical(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestHasToken(t *testing.T) {
	for _, tc := range []struct {
		list, tok string
		want      bool
	}{
		{"trailers, deflate", "trailers", true},
		{"deflate,TRAILERS", "trailers", true},
		{" keep-alive , Upgrade ", "upgrade", true},
		{"trailersx", "trailers", false},
		{"", "trailers", false},
		{",,", "trailers", false},
	} {
		if got := hasToken([]byte(tc.list), []byte(tc.tok)); got != tc.want {
			t.Errorf("hasToken(%q, %q) = %v; want %v", tc.list, tc.tok, got, tc.want)
		}
	}
}
