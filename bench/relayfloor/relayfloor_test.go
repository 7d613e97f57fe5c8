package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/bench/testbed"
	"github.com/jetwayhq/jetway/bench/wire"
)

func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }

// startRelay runs the relay binary in mode before two fresh backends and
// returns its address and the backends.
func startRelay(t *testing.T, mode string) (string, []*testbed.Backend) {
	return startRelayIdle(t, mode, 0)
}

// startRelayIdle is startRelay with backends that close keep-alive
// connections idle for idle (0: the backend's default).
func startRelayIdle(t *testing.T, mode string, idle time.Duration) (string, []*testbed.Backend) {
	t.Helper()
	bin := testbed.Binary(t, "github.com/jetwayhq/jetway/bench/relayfloor")
	b1 := testbed.StartBackend(t, testbed.BackendOptions{Name: "b1", IdleTimeout: idle})
	b2 := testbed.StartBackend(t, testbed.BackendOptions{Name: "b2", IdleTimeout: idle})
	addr := testbed.FreePort(t)
	// A collection after every small allocation: a descriptor the loop
	// uses but no Go value holds would be closed by a finalizer.
	t.Setenv("GOGC", "1")
	testbed.StartProcess(t, bin, "-listen", addr, "-mode", mode, b1.Addr, b2.Addr)
	testbed.WaitHTTP(t, "http://"+addr+"/", 5*time.Second)
	return addr, []*testbed.Backend{b1, b2}
}

var modes = []string{"parked", "blocking", "goroutine"}

// TestRelay checks each design: requests alternate between the backends
// over one keep-alive connection, X-Forwarded-For is added, Date is the
// relay's, and a 4 MiB body (larger than any socket buffer) arrives
// byte-exact.
func TestRelay(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			addr, _ := startRelay(t, mode)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			get := func(path string) *http.Response {
				t.Helper()
				fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", path)
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("GET %s: %v", path, err)
				}
				return resp
			}
			var seen []string
			for range 4 {
				resp := get("/")
				body, _ := io.ReadAll(resp.Body)
				seen = append(seen, strings.TrimSpace(string(body)))
				if resp.Header.Get("Date") == "" || len(resp.Header.Values("Date")) != 1 {
					t.Errorf("Date fields %q; want one", resp.Header.Values("Date"))
				}
			}
			if seen[0] == seen[1] || seen[0] != seen[2] || seen[1] != seen[3] {
				t.Errorf("backends in turn: %v; want alternating", seen)
			}
			resp := get("/headers")
			body, _ := io.ReadAll(resp.Body)
			if !bytes.Contains(body, []byte(`127.0.0.1`)) || !bytes.Contains(body, []byte(`X-Forwarded-For`)) {
				t.Errorf("/headers = %s; want X-Forwarded-For 127.0.0.1", body)
			}
			const n = 4 << 20
			resp = get(fmt.Sprintf("/bytes?n=%d", n))
			got, err := io.ReadAll(resp.Body)
			if err != nil || int64(len(got)) != n {
				t.Fatalf("/bytes: %d bytes, %v; want %d", len(got), err, n)
			}
			want, _ := io.ReadAll(wire.PatternReader(n))
			if !bytes.Equal(got, want) {
				t.Error("/bytes body differs from the pattern")
			}
			// New connections keep being accepted while the relay's
			// heap turns over.
			for i := range 50 {
				resp, err := http.Get(fmt.Sprintf("http://%s/bytes?n=%d", addr, 1000+i))
				if err != nil {
					t.Fatalf("connection %d: %v", i+2, err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				http.DefaultClient.CloseIdleConnections()
			}
		})
	}
}

// TestRelayRefuses checks the requests each design does not relay: the
// answer says why, and the connection is closed.
func TestRelayRefuses(t *testing.T) {
	tests := []struct {
		name, req string
		status    int
	}{
		{"body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", http.StatusNotImplemented},
		{"chunked", "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", http.StatusNotImplemented},
		{"HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", http.StatusHTTPVersionNotSupported},
		{"head too large", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", maxHead) + "\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge},
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			addr, _ := startRelay(t, mode)
			for _, tc := range tests {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_, _ = io.WriteString(c, tc.req)
				br := bufio.NewReader(c)
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if resp.StatusCode != tc.status {
					t.Errorf("%s: status %d; want %d", tc.name, resp.StatusCode, tc.status)
				}
				// Unread input makes the close a reset.
				if _, err := br.ReadByte(); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("%s: connection left open (%v); want it closed", tc.name, err)
				}
				c.Close()
			}
		})
	}
}

// TestRelayBackendGone checks that a killed backend gives 502, and that
// the other backend still answers.
func TestRelayBackendGone(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			addr, backs := startRelay(t, mode)
			backs[0].Kill9()
			var bad, good int
			for range 4 {
				resp, err := http.Get("http://" + addr + "/")
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusBadGateway:
					bad++
				case http.StatusOK:
					good++
				}
			}
			if bad != 2 || good != 2 {
				t.Errorf("%d answers 502 and %d 200 of 4 with one of two backends dead; want 2 and 2", bad, good)
			}
		})
	}
}

// TestRelayStaleKeepAlive checks that a kept upstream connection the
// backend closed while idle never costs a client a 502.
func TestRelayStaleKeepAlive(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			addr, _ := startRelayIdle(t, mode, 100*time.Millisecond)
			for i := range 6 {
				if i > 0 {
					time.Sleep(300 * time.Millisecond) // the backends close the kept connections
				}
				resp, err := http.Get("http://" + addr + "/")
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("request %d after the backends closed idle connections: status %d; want 200", i+1, resp.StatusCode)
				}
			}
		})
	}
}
