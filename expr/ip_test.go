package expr

import (
	"net/netip"
	"testing"
)

func TestParseIP(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"0.0.0.0", true},
		{"192.0.2.7", true},
		{"255.255.255.255", true},
		{"::", true},
		{"::1", true},
		{"1::", true},
		{"2001:db8::7", true},
		{"2001:DB8:0:0:0:0:0:7", true},
		{"1:2:3:4:5:6:7:8", true},
		{"::ffff:203.0.113.9", true},
		{"1:2:3:4:5:6:1.2.3.4", true},
		{"::1.2.3.4", true},
		{"", false},
		{"1", false},
		{"1.2.3", false},
		{"1.2.3.4.5", false},
		{"1.2.3.", false},
		{".1.2.3", false},
		{"1..2.3", false},
		{"256.1.1.1", false},
		{"01.1.1.1", false},
		{"1.2.3.4 ", false},
		{" 1.2.3.4", false},
		{"1.2.3.4:80", false},
		{":", false},
		{":::", false},
		{"1:", false},
		{":1", false},
		{"1:::2", false},
		{"1::2::3", false},
		{"12345::", false},
		{"1:2:3:4:5:6:7:8:9", false},
		{"1:2:3:4:5:6:7", false},
		{"1:2:3:4:5:6:7::8", false},
		{"1:2:3:4:5:6:7:8::", false},
		{"1:2:3:4:5:1.2.3.4", false},
		{"1:2:3:4:5:6:7:1.2.3.4", false},
		{"::1.2.3", false},
		{"::1.2.3.4:1", false},
		{"::g", false},
		{"fe80::1%eth0", false},
		{"[::1]", false},
	}
	for _, tc := range tests {
		got, ok := parseIP([]byte(tc.in))
		if ok != tc.ok {
			t.Errorf("parseIP(%q) ok = %v; want %v", tc.in, ok, tc.ok)
			continue
		}
		if ok {
			if want := netip.MustParseAddr(tc.in); got != want {
				t.Errorf("parseIP(%q) = %v; want %v", tc.in, got, want)
			}
		}
	}
}
