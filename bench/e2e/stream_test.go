package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/jetwayhq/jetway/bench/wire"
	"io"
	"net/http"
	"testing"

	"github.com/jetwayhq/jetway/bench/testbed"
)

// patternPeriod is the period of wire.PatternByte: i*7 repeats every
// 256 bytes and i>>8 every 65536.
const patternPeriod = 1 << 16

// periodTable holds one period of the backend's byte pattern.
func periodTable() []byte {
	b := make([]byte, patternPeriod)
	for i := range b {
		b[i] = wire.PatternByte(int64(i))
	}
	return b
}

// tableReader yields n bytes of the pattern by copying from the table.
type tableReader struct {
	table []byte
	off   int64
	n     int64
}

func (r *tableReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	if rem := r.n - r.off; int64(len(p)) > rem {
		p = p[:rem]
	}
	k := 0
	for k < len(p) {
		i := int((r.off + int64(k)) % patternPeriod)
		k += copy(p[k:], r.table[i:])
	}
	r.off += int64(k)
	return k, nil
}

// memoryBound is how far jetway's peak RSS may rise while streaming.
const memoryBound = 64 << 20

func TestStreamingLargeBodies(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 1.5 GiB")
	}
	be := testbed.StartBackend(t, testbed.BackendOptions{Name: "big"})
	j := startJetway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
    timeout: {connect: 5, send: 30, read: 30}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, be.Addr))
	// Warm up, then take the baseline.
	resp, err := http.Get(j.url("/"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	base := hwm(t, j.proc.Pid())
	table := periodTable()

	t.Run("download 1 GiB", func(t *testing.T) {
		const n = 1 << 30
		for _, chunked := range []string{"", "&chunked=1"} {
			resp, err := http.Get(j.url(fmt.Sprintf("/bytes?n=%d%s", n, chunked)))
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, patternPeriod)
			var off int64
			for {
				k, err := io.ReadFull(resp.Body, buf)
				if k > 0 {
					if !bytes.Equal(buf[:k], table[:k]) {
						t.Fatalf("download%s: bytes at %d differ from the pattern", chunked, off)
					}
					off += int64(k)
				}
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					break
				}
				if err != nil {
					t.Fatalf("download%s: after %d bytes: %v", chunked, off, err)
				}
			}
			resp.Body.Close()
			if off != n {
				t.Fatalf("download%s: got %d bytes; want %d", chunked, off, n)
			}
		}
	})
	t.Run("upload 512 MiB", func(t *testing.T) {
		const n = 512 << 20
		h := sha256.New()
		io.Copy(h, &tableReader{table: table, n: n})
		want := hex.EncodeToString(h.Sum(nil))
		for _, size := range []int64{n, -1} {
			req, _ := http.NewRequest("POST", j.url("/upload"), &tableReader{table: table, n: n})
			req.ContentLength = size
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var up wire.Upload
			err = json.NewDecoder(resp.Body).Decode(&up)
			resp.Body.Close()
			if err != nil || up.Bytes != n || up.SHA256 != want {
				t.Fatalf("upload (content-length %d): backend got %d bytes sha256 %s (%v); want %d bytes %s", size, up.Bytes, up.SHA256, err, n, want)
			}
		}
	})
	if grew := hwm(t, j.proc.Pid()) - base; grew >= memoryBound {
		t.Errorf("jetway peak RSS grew by %d MiB while streaming; want < %d MiB", grew>>20, memoryBound>>20)
	} else {
		t.Logf("jetway peak RSS grew by %.1f MiB while streaming 2 GiB down and 1 GiB up", float64(grew)/(1<<20))
	}
}
