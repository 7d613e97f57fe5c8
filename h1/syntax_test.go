package h1

import (
	"strings"
	"testing"
)

func TestIsTchar(t *testing.T) {
	const tokens = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for c := range 256 {
		if got, want := IsTchar(byte(c)), strings.IndexByte(tokens, byte(c)) >= 0; got != want {
			t.Errorf("IsTchar(%q) = %v; want %v", byte(c), got, want)
		}
	}
}

func TestEqualFold(t *testing.T) {
	for _, tc := range []struct {
		b, lower string
		want     bool
	}{
		{"Content-Length", "content-length", true},
		{"CONTENT-LENGTH", "content-length", true},
		{"content-length", "content-length", true},
		{"content-lengt", "content-length", false},
		{"\r", "-", false}, // no bit tricks: only A-Z fold
		{"@", "`", false},
		{"", "", true},
	} {
		if got := EqualFold([]byte(tc.b), tc.lower); got != tc.want {
			t.Errorf("EqualFold(%q, %q) = %v; want %v", tc.b, tc.lower, got, tc.want)
		}
	}
}

func TestTrimOWS(t *testing.T) {
	for in, want := range map[string]string{"": "", " \t a b\t ": "a b", "x": "x", "\t\t": "", " \r ": "\r"} {
		if got := string(TrimOWS([]byte(in))); got != want {
			t.Errorf("TrimOWS(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestParseContentLength(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int64
		want bool
	}{
		{"0", 0, true},
		{"0042", 42, true},
		{"999999999999999999", 999999999999999999, true},
		{"1000000000000000000", 0, false}, // 19 digits
		{"", 0, false},
		{" 1", 0, false},
		{"+1", 0, false},
		{"-1", 0, false},
		{"1,1", 0, false},
		{"0x10", 0, false},
	} {
		if n, ok := ParseContentLength([]byte(tc.in)); n != tc.n || ok != tc.want {
			t.Errorf("ParseContentLength(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.n, tc.want)
		}
	}
}

func TestUnhex(t *testing.T) {
	const digits = "0123456789abcdef"
	for c := range 256 {
		want := strings.IndexByte(digits, byte(c))
		if 'A' <= c && c <= 'F' {
			want = c - 'A' + 10
		}
		if got := Unhex(byte(c)); got != want {
			t.Errorf("Unhex(%q) = %d; want %d", byte(c), got, want)
		}
	}
}

func TestIsFieldByte(t *testing.T) {
	for c := range 256 {
		want := c == '\t' || (c >= 0x20 && c <= 0x7e) || c >= 0x80
		if got := IsFieldByte(byte(c)); got != want {
			t.Errorf("IsFieldByte(%#x) = %v; want %v", c, got, want)
		}
	}
}
