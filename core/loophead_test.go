package core

import "testing"

// TestLoopRequestBoundary lists which heads the event loop serves itself
// and which it leaves to the fasthttp server.
func TestLoopRequestBoundary(t *testing.T) {
	l := frontDoorLimits{}.orDefaults()
	for _, tc := range []struct {
		head string
		take bool
	}{
		{"GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nUser-Agent: x\r\n\r\n", true},
		{"HEAD / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", true},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", true},
		{"GET /a?x=//y/../%41 HTTP/1.1\r\nHost: a\r\n\r\n", true},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", false},
		{"GET / HTTP/1.0\r\nHost: a\r\n\r\n", false},
		{"GET / HTTP/1.1\r\n\r\n", false},                                 // no Host
		{"GET / HTTP/1.1\r\nHost: A.example\r\n\r\n", false},              // fasthttp lowers it
		{"GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n", false},                  // not host[:port]
		{"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", false},                    // userinfo
		{"GET /a%2Fb HTTP/1.1\r\nHost: a\r\n\r\n", false},                 // decoded by fasthttp
		{"GET /a//b HTTP/1.1\r\nHost: a\r\n\r\n", false},                  // collapsed by fasthttp
		{"GET /a/../b HTTP/1.1\r\nHost: a\r\n\r\n", false},                // dot segments
		{"GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", false},              // absolute-form
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n", false}, // a body
		{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", false},
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", false},
		{"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", false},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", false}, // fasthttp refuses it
		{"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", false},
		{"GET / HTTP/1.1\r\nHost: a\r\n x: folded\r\n\r\n", false},
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", false},
	} {
		r, ok := parseLoopRequest([]byte(tc.head), l)
		if ok != tc.take {
			t.Errorf("%q: taken %v; want %v", tc.head, ok, tc.take)
		}
		if ok && tc.head[len(r.method)+1] != '/' {
			t.Errorf("%q: method %q", tc.head, r.method)
		}
	}
	r, _ := parseLoopRequest([]byte("HEAD /p?q HTTP/1.1\r\nHost: h:80\r\nConnection: keep-alive, close\r\n\r\n"), l)
	if string(r.method) != "HEAD" || !r.isHead || string(r.path) != "/p" || string(r.target) != "/p?q" ||
		string(r.host) != "h:80" || !r.closeAfter {
		t.Errorf("parsed %+v", r)
	}
}

// TestUpstreamHeadFaults lists node heads the loop refuses to relay.
func TestUpstreamHeadFaults(t *testing.T) {
	for _, head := range []string{
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
	} {
		if h, err := parseUpstreamHead([]byte(head)); err == nil {
			t.Errorf("%q: taken as %+v", head, h)
		}
	}
	h, err := parseUpstreamHead([]byte("HTTP/1.1 200 OK\r\nX: 1\r\n"))
	if err != nil || h.end != -1 {
		t.Errorf("an incomplete head: %+v, %v; want more to come", h, err)
	}
}
