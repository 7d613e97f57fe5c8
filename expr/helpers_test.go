package expr

import (
	"bufio"
	"crypto/tls"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
	"go.yaml.in/yaml/v3"
)

// Addresses of the connection every test request arrives on.
var (
	testRemote = netip.MustParseAddr("192.0.2.7")
	testLocal  = &net.TCPAddr{IP: net.ParseIP("10.1.1.1"), Port: 8443}
	testPeer   = &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 51234}
)

// addrConn is a connection that only has addresses, for ctx.Init2.
type addrConn struct {
	net.Conn
	local, remote net.Addr
}

func (c *addrConn) LocalAddr() net.Addr  { return c.local }
func (c *addrConn) RemoteAddr() net.Addr { return c.remote }

// tlsAddrConn makes ctx.IsTLS report true.
type tlsAddrConn struct{ addrConn }

func (*tlsAddrConn) Handshake() error                     { return nil }
func (*tlsAddrConn) ConnectionState() tls.ConnectionState { return tls.ConnectionState{} }

// newCtx parses a raw request (lines joined with CRLF, blank line added)
// into a ctx on a connection from testPeer to testLocal.
func newCtx(tb testing.TB, isTLS bool, lines ...string) *fasthttp.RequestCtx {
	tb.Helper()
	ctx := new(fasthttp.RequestCtx)
	c := addrConn{local: testLocal, remote: testPeer}
	if isTLS {
		ctx.Init2(&tlsAddrConn{c}, nil, false)
	} else {
		ctx.Init2(&c, nil, false)
	}
	raw := strings.Join(lines, "\r\n") + "\r\n\r\n"
	if err := ctx.Request.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		tb.Fatalf("reading request: %v", err)
	}
	return ctx
}

// rule decodes a rule written in YAML flow syntax, as config decodes it.
func rule(tb testing.TB, src string) []any {
	tb.Helper()
	var r []any
	if err := yaml.Unmarshal([]byte(src), &r); err != nil {
		tb.Fatalf("yaml %s: %v", src, err)
	}
	return r
}

// mustCompile compiles a YAML rule that must compile.
func mustCompile(tb testing.TB, src string) *Expr {
	tb.Helper()
	e, err := Compile(rule(tb, src))
	if err != nil {
		tb.Fatalf("Compile(%s): %v", src, err)
	}
	return e
}
