package core

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// fastBackend starts an in-process fasthttp server on 127.0.0.1 that
// answers every request with a fixed body. It allocates nothing per
// request, so allocation counts of the proxy path are not disturbed.
func fastBackend(tb testing.TB) string {
	tb.Helper()
	return fastBackendSaying(tb, "hello from backend\n")
}

// fastBackendSaying is fastBackend answering with say.
func fastBackendSaying(tb testing.TB, say string) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	body := []byte(say)
	srv := &fasthttp.Server{
		Handler:               func(ctx *fasthttp.RequestCtx) { ctx.Response.SetBodyRaw(body) },
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
	}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Shutdown() })
	return ln.Addr().String()
}

// inProcessProxy is a gateway with a snapshot but no listener: requests go
// straight into its handler.
type inProcessProxy struct {
	g   *Gateway
	ctx fasthttp.RequestCtx
	req fasthttp.Request
}

// newInProcessProxy builds an inProcessProxy over nodes, with extra upstream settings
// ("key: value" lines; "" for none).
func newInProcessProxy(tb testing.TB, extra string, nodes ...string) *inProcessProxy {
	tb.Helper()
	return newInProcessRoute(tb, extra, "", nodes...)
}

// newInProcessRoute is newInProcessProxy with routeExtra added to the
// route as flow-mapping entries (e.g. `vars: [[arg_id, "==", "7"]]`).
func newInProcessRoute(tb testing.TB, extra, routeExtra string, nodes ...string) *inProcessProxy {
	tb.Helper()
	if routeExtra != "" {
		routeExtra = ", " + routeExtra
	}
	nodeMap := ""
	for i, n := range nodes {
		if i > 0 {
			nodeMap += ", "
		}
		nodeMap += fmt.Sprintf("%q: 1", n)
	}
	return newInProcessConfig(tb, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%s}
%s
routes:
  - {id: r1, uri: /api/*, upstream_id: u1%s}
`, nodeMap, indent(extra, "    "), routeExtra))
}

// newInProcessConfig builds an inProcessProxy over resources (upstreams,
// routes, services), its request a GET of /api/users?id=7.
func newInProcessConfig(tb testing.TB, resources string) *inProcessProxy {
	tb.Helper()
	p := &inProcessProxy{g: New(Options{Logger: testLogger(tb)})}
	if err := p.g.Apply(mustParse(tb, "gateway:\n  http:\n    listen: [\"127.0.0.1:9080\"]\n"+resources)); err != nil {
		tb.Fatal(err)
	}
	p.req.Header.SetMethod("GET")
	p.req.SetRequestURI("/api/users?id=7")
	p.req.Header.SetHost("example.com")
	p.req.Header.Set("User-Agent", "bench")
	p.req.Header.Set("Accept", "*/*")
	p.ctx.Init(&p.req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, nil)
	tb.Cleanup(p.g.clients.closeAll)
	tb.Cleanup(p.g.hc.Close)
	tb.Cleanup(p.g.mirrors.stop)
	tb.Cleanup(p.g.ramps.stopAll)
	return p
}

// do runs one request through the handler and returns the status.
func (p *inProcessProxy) do() int {
	p.ctx.Response.Reset()
	p.g.serveHTTP(&p.ctx)
	return p.ctx.Response.StatusCode()
}

// indent prefixes every line of s with pad.
func indent(s, pad string) string {
	if s == "" {
		return ""
	}
	return pad + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n"+pad)
}
