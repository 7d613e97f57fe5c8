package core

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/config"
)

// Mirror limits. The request path only copies the request into a pooled
// one and queues it; a fixed pool of workers sends the copies, so the
// client's answer never waits on a mirror.
const (
	// mirrorQueue bounds the copies waiting for a worker; a copy that
	// finds the queue full is dropped and counted.
	mirrorQueue = 1024
	// mirrorWorkers is how many copies are sent at once.
	mirrorWorkers = 4
	// mirrorTimeout bounds one mirrored exchange, and so how long a
	// shutdown waits for the copies in flight.
	mirrorTimeout = 5 * time.Second
)

// MirrorStats counts what proxy-mirror did with a route's requests.
type MirrorStats struct {
	Sent    atomic.Uint64 // answered by the mirror (any status below 500)
	Failed  atomic.Uint64 // the mirror failed, timed out or answered 5xx
	Skipped atomic.Uint64 // not mirrored: a streamed or too large body
	Dropped atomic.Uint64 // not mirrored: the queue was full
}

// mirror is one route's proxy-mirror as the request path uses it.
type mirror struct {
	ms     *mirrors
	client *fasthttp.HostClient
	host   string
	// hostHeader is the Host the copies carry: the mirror's address.
	hostHeader []byte
	path       string
	prefix     bool
	ratio      float64
	maxBody    int
	stats      *MirrorStats
}

// mirrorJob is one copy on its way to a mirror: the upstream request as
// bytes, addressed to the mirror's host.
type mirrorJob struct {
	m   *mirror
	req *[]byte
}

// mirrorCopies holds the byte buffers of queued copies.
var mirrorCopies = sync.Pool{New: func() any { return new([]byte) }}

// mirrors is the gateway's mirror workers, queue, clients and counters.
type mirrors struct {
	mu      sync.Mutex
	jobs    chan mirrorJob
	done    chan struct{}
	wg      sync.WaitGroup
	clients map[string]*fasthttp.HostClient // by mirror host URL
	stats   map[string]*MirrorStats         // by route id
	stopped bool
}

func newMirrors() *mirrors {
	return &mirrors{clients: make(map[string]*fasthttp.HostClient), stats: make(map[string]*MirrorStats)}
}

// build returns the mirror of route routeID for pm, starting the workers
// on first use.
func (ms *mirrors) build(routeID string, pm *config.ProxyMirror) *mirror {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.jobs == nil {
		ms.jobs = make(chan mirrorJob, mirrorQueue)
		ms.done = make(chan struct{})
		ms.wg.Add(mirrorWorkers)
		for range mirrorWorkers {
			go ms.work()
		}
	}
	c := ms.clients[pm.Host]
	addr, tls := strings.CutPrefix(pm.Host, "https://")
	if !tls {
		addr = strings.TrimPrefix(pm.Host, "http://")
	}
	if c == nil {
		c = &fasthttp.HostClient{
			Addr:                      addr,
			IsTLS:                     tls,
			MaxConns:                  mirrorWorkers,
			ReadTimeout:               mirrorTimeout,
			WriteTimeout:              mirrorTimeout,
			MaxIdemponentCallAttempts: 1,
			// Its own dialer: fasthttp's default one keeps a process-wide
			// cache goroutine.
			Dial: func(addr string) (net.Conn, error) {
				return (&net.Dialer{Timeout: mirrorTimeout}).Dial("tcp", addr)
			},
			NoDefaultUserAgentHeader:      true,
			DisableHeaderNamesNormalizing: true,
		}
		ms.clients[pm.Host] = c
	}
	st := ms.stats[routeID]
	if st == nil {
		st = new(MirrorStats)
		ms.stats[routeID] = st
	}
	return &mirror{
		ms: ms, client: c, host: addr, hostHeader: []byte(addr), path: pm.Path, prefix: pm.PathConcatMode == "prefix",
		ratio: pm.SampleRatio, maxBody: pm.MaxBodyBytes, stats: st,
	}
}

// offer queues a copy of x's upstream request, unless its body streams or
// is too large, the sample passes it by, or the queue is full. It never
// blocks.
func (m *mirror) offer(x *exchange) {
	if x.streamed || len(x.bodyRaw) > m.maxBody {
		m.stats.Skipped.Add(1)
		return
	}
	if m.ratio < 1 && rand.Float64() >= m.ratio {
		return
	}
	c := mirrorCopies.Get().(*[]byte)
	*c = appendAttempt(append((*c)[:0], x.head...), m.hostHeader, false, int64(len(x.bodyRaw)), x.method)
	*c = append(*c, x.bodyRaw...)
	select {
	case m.ms.jobs <- mirrorJob{m: m, req: c}:
	default:
		mirrorCopies.Put(c)
		m.stats.Dropped.Add(1)
	}
}

// work sends queued copies until the gateway shuts down.
func (ms *mirrors) work() {
	defer ms.wg.Done()
	req := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(req)
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(resp)
	resp.SkipBody = true
	var src bytes.Reader
	br := bufio.NewReader(&src)
	for {
		// A stop wins over queued copies, which select alone would pick
		// at random.
		select {
		case <-ms.done:
			return
		default:
		}
		select {
		case j := <-ms.jobs:
			src.Reset(*j.req)
			br.Reset(&src)
			req.Reset()
			err := req.Read(br)
			mirrorCopies.Put(j.req)
			if err != nil {
				j.m.stats.Failed.Add(1)
				continue
			}
			j.m.send(req, resp)
		case <-ms.done:
			return
		}
	}
}

// send delivers one copy, its path rewritten for the mirror.
func (m *mirror) send(req *fasthttp.Request, resp *fasthttp.Response) {
	if m.path != "" {
		if m.prefix {
			req.URI().SetPath(m.path + string(req.URI().Path()))
		} else {
			req.URI().SetPath(m.path)
		}
	}
	err := m.client.DoTimeout(req, resp, mirrorTimeout)
	if err != nil || resp.StatusCode() >= 500 {
		m.stats.Failed.Add(1)
		return
	}
	m.stats.Sent.Add(1)
}

// stop ends the workers for good; copies still queued are dropped.
func (ms *mirrors) stop() {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.done != nil && !ms.stopped {
		ms.stopped = true
		close(ms.done)
		ms.wg.Wait()
		for {
			select {
			case j := <-ms.jobs:
				mirrorCopies.Put(j.req)
				continue
			default:
			}
			break
		}
	}
	for _, c := range ms.clients {
		c.CloseIdleConnections()
	}
}

// MirrorStats returns the proxy-mirror counters of route id, nil when the
// route never had a mirror.
func (g *Gateway) MirrorStats(id string) *MirrorStats {
	g.mirrors.mu.Lock()
	defer g.mirrors.mu.Unlock()
	return g.mirrors.stats[id]
}

// MirrorView is one route's proxy-mirror counters for the Control API.
type MirrorView struct {
	Route   string `json:"route"`
	Host    string `json:"host"`
	Sent    uint64 `json:"sent"`
	Failed  uint64 `json:"failed"`
	Skipped uint64 `json:"skipped"`
	Dropped uint64 `json:"dropped"`
}

// Mirrors returns the counters of every route that mirrors, in config
// order.
func (g *Gateway) Mirrors() []MirrorView {
	out := []MirrorView{}
	s := g.snap.Load()
	if s == nil {
		return out
	}
	for _, rt := range s.routes {
		if m := rt.mirror; m != nil {
			out = append(out, MirrorView{
				Route: rt.id, Host: m.host,
				Sent: m.stats.Sent.Load(), Failed: m.stats.Failed.Load(),
				Skipped: m.stats.Skipped.Load(), Dropped: m.stats.Dropped.Load(),
			})
		}
	}
	return out
}
