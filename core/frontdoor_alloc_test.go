//go:build !race

package core

import "testing"

func TestFrontDoorCheckAllocs(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		pass bool
	}{
		{"browser request", fdBrowserRequest, true},
		{"chunked upload", "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", true},
		{"absolute-form", "GET http://a.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n", true},
		{"refused: obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", false},
		{"refused: Host userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", false},
		{"refused: version", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := fdParsed(t, tc.raw)
			raw := []byte(tc.raw)
			allocs := testing.AllocsPerRun(1000, func() {
				scan := newFrontScan(frontDoorLimits{})
				f := fdFrontDoor(&scan, raw, ctx)
				if (f == fdOK) != tc.pass {
					t.Fatalf("front door passes = %v; want %v", f == fdOK, tc.pass)
				}
				if f != fdOK {
					frontDoorRefuse(ctx, f)
				}
			})
			if allocs != 0 {
				t.Fatalf("the front door allocates %.1f times per request; want 0", allocs)
			}
		})
	}
}
