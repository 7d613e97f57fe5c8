package core

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"testing"
)

var headPeer = netip.MustParseAddr("192.0.2.7")

func TestRequestHead(t *testing.T) {
	const fwd = "X-Forwarded-For: 192.0.2.7\r\nX-Real-Ip: 192.0.2.7\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: a\r\nX-Forwarded-Port: 0\r\n"
	for _, tc := range []struct {
		name, req   string
		keepUpgrade bool
		want        string
	}{
		{
			name: "end-to-end fields pass as sent",
			req:  "GET /p?q=1 HTTP/1.1\r\nHost: a\r\nx-ODD:  v \r\nAccept: */*\r\n\r\n",
			want: "GET /p?q=1 HTTP/1.1\r\nx-ODD:  v \r\nAccept: */*\r\n" + fwd,
		},
		{
			name: "hop-by-hop fields and those Connection names are dropped",
			req: "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-A\r\nx-a: 1\r\nX-B: 2\r\nconnection: x-c,close\r\nX-C: 3\r\n" +
				"Keep-Alive: 5\r\nProxy-Connection: x\r\nProxy-Authorization: y\r\nProxy-Authenticate: z\r\n" +
				"Trailer: T\r\nUpgrade: h2c\r\nExpect: 100-continue\r\nTE: gzip\r\n\r\n",
			want: "GET / HTTP/1.1\r\nX-B: 2\r\n" + fwd,
		},
		{
			name: "TE passes as trailers only",
			req:  "GET / HTTP/1.1\r\nHost: a\r\nTE: gzip, Trailers\r\n\r\n",
			want: "GET / HTTP/1.1\r\n" + fwd + "TE: trailers\r\n",
		},
		{
			name: "framing and forwarding fields are Jetway's",
			req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX-Real-IP: 1.1.1.1\r\nX-Forwarded-Proto: https\r\n" +
				"X-Forwarded-Host: evil\r\nX-Forwarded-Port: 1\r\n\r\nabc",
			want: "POST / HTTP/1.1\r\n" + fwd,
		},
		{
			name: "X-Forwarded-For values join in order before the peer",
			req:  "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.0.0.1\r\nX-Other: o\r\nx-forwarded-for: 10.0.0.2, 10.0.0.3\r\nX-Forwarded-For:\r\n\r\n",
			want: "GET / HTTP/1.1\r\nX-Other: o\r\nX-Forwarded-For: 10.0.0.1, 10.0.0.2, 10.0.0.3, 192.0.2.7\r\n" + fwd[len("X-Forwarded-For: 192.0.2.7\r\n"):],
		},
		{
			name: "HTTP/1.0 goes upstream as HTTP/1.1",
			req:  "GET /old HTTP/1.0\r\nHost: a\r\n\r\n",
			want: "GET /old HTTP/1.1\r\n" + fwd,
		},
		{
			name: "absolute-form becomes origin-form",
			req:  "GET http://a/abs?x=1 HTTP/1.1\r\nHost: a\r\n\r\n",
			want: "GET /abs?x=1 HTTP/1.1\r\n" + fwd,
		},
		{
			name:        "a tunnel keeps Upgrade",
			req:         "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n",
			keepUpgrade: true,
			want:        "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n" + fwd + "Connection: Upgrade\r\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := appendRequestHead(nil, nil, fdParsed(t, tc.req), headPeer, tc.keepUpgrade)
			if string(got) != tc.want {
				t.Errorf("head:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestAppendAttempt(t *testing.T) {
	for _, tc := range []struct {
		name      string
		closeConn bool
		bodyLen   int64
		method    string
		want      string
	}{
		{"GET without body", false, 0, "GET", "Host: h\r\n\r\n"},
		{"empty POST says so", false, 0, "POST", "Host: h\r\nContent-Length: 0\r\n\r\n"},
		{"sized body", false, 12, "PUT", "Host: h\r\nContent-Length: 12\r\n\r\n"},
		{"chunked body, last request on the connection", true, -1, "POST", "Host: h\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"},
	} {
		got := appendAttempt(nil, []byte("h"), tc.closeConn, tc.bodyLen, []byte(tc.method))
		if string(got) != tc.want {
			t.Errorf("%s: got %q; want %q", tc.name, got, tc.want)
		}
	}
}

// chunkyReader returns its data in reads of at most n bytes.
type chunkyReader struct {
	data []byte
	n    int
	err  error // returned once data is used up; io.EOF if nil
}

func (r *chunkyReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	m := copy(p[:min(len(p), r.n)], r.data)
	r.data = r.data[m:]
	return m, nil
}

func TestCopyToChunked(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 5000) // 80,000 bytes
	for _, n := range []int{1, 15, 16, 4095, streamBufferSize} {
		b := clientBody{src: &chunkyReader{data: data, n: n}}
		var out bytes.Buffer
		if err := b.copyTo(&out, -1); err != nil {
			t.Fatalf("reads of %d: %v", n, err)
		}
		if !bytes.HasSuffix(out.Bytes(), []byte("\r\n0\r\n\r\n")) {
			t.Errorf("reads of %d: the body does not end with the last chunk and an empty trailer section", n)
		}
		// An independent decoder must read back every byte.
		got, err := io.ReadAll(httputil.NewChunkedReader(&out))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("reads of %d: decoded %d bytes, err %v; want %d bytes", n, len(got), err, len(data))
		}
	}
}

func TestCopyToSized(t *testing.T) {
	data := bytes.Repeat([]byte("z"), 100000)
	b := clientBody{src: &chunkyReader{data: data, n: 7000}}
	var out bytes.Buffer
	if err := b.copyTo(&out, int64(len(data))); err != nil || !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("copied %d bytes, err %v; want %d", out.Len(), err, len(data))
	}

	// A client that stops early is the client's failure.
	b = clientBody{src: &chunkyReader{data: data[:10], n: 4}}
	if err := b.copyTo(io.Discard, 20); !errors.Is(err, io.ErrUnexpectedEOF) || b.clientErr == nil {
		t.Errorf("short body: err %v, clientErr %v; want io.ErrUnexpectedEOF charged to the client", err, b.clientErr)
	}
	reset := errors.New("reset")
	b = clientBody{src: &chunkyReader{data: data[:10], n: 4, err: reset}}
	if err := b.copyTo(io.Discard, -1); !errors.Is(err, reset) || b.clientErr != reset {
		t.Errorf("failed chunked read: err %v, clientErr %v; want the read error charged to the client", err, b.clientErr)
	}
}

// TestRequestHeadParses checks a whole upstream request with net/http's
// parser: what Jetway writes must read back as the same request.
func TestRequestHeadParses(t *testing.T) {
	ctx := fdParsed(t, "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: X-Gone\r\nX-Gone: 1\r\nX-Kept: 2\r\n\r\nhello")
	head, _ := appendRequestHead(nil, nil, ctx, headPeer, false)
	wire := append(appendAttempt(head, []byte("node:80"), true, 5, []byte("PUT")), "hello"...)
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
	if err != nil {
		t.Fatalf("%q does not parse: %v", wire, err)
	}
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.Method != "PUT" || r.RequestURI != "/x" || r.Host != "node:80" || !r.Close:
		t.Errorf("request line or Host or Connection lost: %s %s host %q close %v", r.Method, r.RequestURI, r.Host, r.Close)
	case string(body) != "hello" || r.ContentLength != 5:
		t.Errorf("body %q (Content-Length %d); want hello (5)", body, r.ContentLength)
	case r.Header.Get("X-Gone") != "" || r.Header.Get("X-Kept") != "2":
		t.Errorf("X-Gone %q, X-Kept %q; want dropped and 2", r.Header.Get("X-Gone"), r.Header.Get("X-Kept"))
	}
}

func BenchmarkRequestHead(b *testing.B) {
	ctx := fdParsed(b, fdBrowserRequest)
	var head, scratch []byte
	b.ReportAllocs()
	for b.Loop() {
		head, scratch = appendRequestHead(head[:0], scratch, ctx, headPeer, false)
	}
}
