package core

import (
	"net"
	"sync"
)

// handoffListener is the listener a fasthttp server serves under the loop
// engine: Accept returns the client connections the listener's event
// loops hand over (evLoop), already wrapped for the front door.
type handoffListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

// handoffBacklog is how many handed-over connections may wait for Accept.
const handoffBacklog = 1024

func newHandoffListener(addr net.Addr) *handoffListener {
	return &handoffListener{addr: addr, conns: make(chan net.Conn, handoffBacklog), done: make(chan struct{})}
}

// give hands c to Accept, waiting while the backlog is full; c is closed if
// the listener is.
func (h *handoffListener) give(c net.Conn) {
	select {
	case h.conns <- c:
	case <-h.done:
		_ = c.Close()
	}
}

// Accept returns the next handed-over connection.
func (h *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-h.conns:
		return c, nil
	case <-h.done:
		return nil, net.ErrClosed
	}
}

// Close makes Accept fail from now on and closes the connections still
// waiting for it.
func (h *handoffListener) Close() error {
	h.once.Do(func() {
		close(h.done)
		for {
			select {
			case c := <-h.conns:
				_ = c.Close()
			default:
				return
			}
		}
	})
	return nil
}

// Addr is the address the loops accept on.
func (h *handoffListener) Addr() net.Addr { return h.addr }
