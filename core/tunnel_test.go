package core

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// upgradeEcho answers an Upgrade request with 101 and echoes bytes back;
// a request without Upgrade gets 426.
func upgradeEcho(t *testing.T) string {
	return backend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" || !strings.EqualFold(r.Header.Get("Connection"), "upgrade") {
			w.WriteHeader(http.StatusUpgradeRequired)
			return
		}
		hj, _ := w.(http.Hijacker)
		c, brw, err := hj.Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: "+r.Header.Get("Upgrade")+"\r\nConnection: Upgrade\r\n\r\n")
		buf := make([]byte, 1024)
		for {
			n, err := brw.Read(buf)
			if n > 0 {
				c.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	})
}

func TestTunnelUpgrade(t *testing.T) {
	echo := upgradeEcho(t)
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
routes:
  - {id: ws, uri: /ws, upstream_id: u1, enable_websocket: true}
  - {id: plain, uri: /plain, upstream_id: u1}
`, echo))
	addr := strings.TrimPrefix(base, "http://")

	t.Run("enabled", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 101 || !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
			t.Fatalf("answer = %d Upgrade=%q; want 101 websocket", resp.StatusCode, resp.Header.Get("Upgrade"))
		}
		for i := range 3 {
			msg := fmt.Sprintf("ping-%d", i)
			io.WriteString(c, msg)
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(br, got); err != nil || string(got) != msg {
				t.Fatalf("echo = %q, %v; want %q", got, err, msg)
			}
		}
	})
	t.Run("disabled", func(t *testing.T) {
		req, _ := http.NewRequest("GET", base+"/plain", nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUpgradeRequired {
			t.Errorf("status = %d; want 426 (Upgrade stripped without enable_websocket)", resp.StatusCode)
		}
	})
}
