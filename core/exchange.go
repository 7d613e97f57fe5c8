package core

import (
	"bufio"
	"sync"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/lb"
)

// exchange is the per-request state of one proxied request: the upstream
// request and response, the nodes tried, and the connection held while a
// body streams. Exchanges are pooled; one belongs to one request at a time.
type exchange struct {
	// The upstream request (upstreamreq.go): head is built once, out holds
	// what one attempt writes, host is that attempt's Host.
	head   []byte
	out    []byte
	host   []byte
	method []byte
	// The request body: buffered in bodyRaw, or streamed from body when
	// streamed is set, bodyLen bytes long (-1: chunked).
	bodyRaw   []byte
	bodyLen   int64
	streamed  bool
	closeSent bool // the attempt sent Connection: close
	upClose   bool // the node's answer said Connection: close

	resp    fasthttp.Response
	tried   lb.Tried
	hash    uint64 // chash key of the request, when hasHash
	hasHash bool
	scratch []byte

	body   clientBody
	stream upstreamBody

	// Held connection, set by roundTrip until released.
	client *nodeClient
	hc     *fasthttp.HostClient
	wconn  *countedConn
	// sendFn is x.sendRequest, bound once so that passing it on does not
	// allocate.
	sendFn func() error
	cc     any // fasthttp's *clientConn, whose type is unexported
	br     *bufio.Reader
}

var exchangePool = sync.Pool{New: func() any {
	x := &exchange{scratch: make([]byte, 0, 256)}
	x.stream.x = x
	x.sendFn = x.sendRequest
	return x
}}

func acquireExchange() *exchange { return exchangePool.Get().(*exchange) }

// release resets x and returns it to the pool. The held connection must
// have been released first.
func (x *exchange) release() {
	x.head, x.out = x.head[:0], x.out[:0]
	x.host, x.method, x.bodyRaw = nil, nil, nil
	x.bodyLen, x.streamed, x.closeSent, x.upClose = 0, false, false, false
	x.resp.Reset()
	x.tried.Reset()
	x.hash, x.hasHash = 0, false
	x.body = clientBody{}
	x.stream.reset()
	x.client, x.hc, x.wconn, x.cc, x.br = nil, nil, nil, nil, nil
	exchangePool.Put(x)
}
