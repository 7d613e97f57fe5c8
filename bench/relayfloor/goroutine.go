package main

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// pool holds one backend's idle connections for the goroutine design.
type pool struct {
	mu   sync.Mutex
	idle []*upConn
}

// upConn is an upstream connection of the goroutine design.
type upConn struct {
	net.Conn
	in []byte
}

func (p *pool) get(addr string) (*upConn, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		u := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return u, nil
	}
	p.mu.Unlock()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &upConn{Conn: c, in: make([]byte, 0, 64<<10)}, nil
}

func (p *pool) put(u *upConn) {
	p.mu.Lock()
	p.idle = append(p.idle, u)
	p.mu.Unlock()
}

// runGoroutines serves ln with a goroutine per client connection.
func runGoroutines(ln net.Listener, backs []string) error {
	pools := make([]pool, len(backs))
	var next atomic.Uint64
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go serveConn(c, backs, pools, &next)
	}
}

// serveConn relays c's requests until it or a backend fails.
func serveConn(c net.Conn, backs []string, pools []pool, next *atomic.Uint64) {
	defer c.Close()
	var peer []byte
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		peer = []byte(ta.IP.String())
	}
	in := make([]byte, 0, maxHead)
	var req, out []byte
	for {
		end := headEnd(in)
		for end < 0 {
			if len(in) == cap(in) {
				_, _ = c.Write(appendRefusal(out[:0], http.StatusRequestHeaderFieldsTooLarge))
				return
			}
			n, err := c.Read(in[len(in):cap(in)])
			if err != nil {
				return
			}
			in = in[:len(in)+n]
			end = headEnd(in)
		}
		var r request
		req, r = appendRequest(req[:0], in[:end], peer)
		if r.status != 0 {
			_, _ = c.Write(appendRefusal(out[:0], r.status))
			return
		}
		in = in[:copy(in, in[end:])]
		back := int(next.Add(1) % uint64(len(backs)))
		u, err := pools[back].get(backs[back])
		if err != nil {
			_, _ = c.Write(appendRefusal(out[:0], http.StatusBadGateway))
			return
		}
		var answered, reusable bool
		out, answered, reusable = exchange(c, u, req, out, r.closeAfter)
		if reusable {
			pools[back].put(u)
		} else {
			_ = u.Close()
		}
		if !answered || r.closeAfter {
			return
		}
	}
}

// exchange sends req on u and relays the answer to c. answered is false
// when the client's connection must close; reusable says u may serve again.
func exchange(c net.Conn, u *upConn, req, out []byte, closeClient bool) (_ []byte, answered, reusable bool) {
	if _, err := u.Write(req); err != nil {
		_, _ = c.Write(appendRefusal(out[:0], http.StatusBadGateway))
		return out, false, false
	}
	end := -1
	for end < 0 {
		if len(u.in) == cap(u.in) {
			_, _ = c.Write(appendRefusal(out[:0], http.StatusBadGateway))
			return out, false, false
		}
		n, err := u.Read(u.in[len(u.in):cap(u.in)])
		if err != nil {
			_, _ = c.Write(appendRefusal(out[:0], http.StatusBadGateway))
			return out, false, false
		}
		u.in = u.in[:len(u.in)+n]
		end = headEnd(u.in)
	}
	var r response
	out, r = appendResponse(out[:0], u.in[:end], currentDate(), closeClient)
	if r.bodyLen < 0 {
		_, _ = c.Write(appendRefusal(out[:0], http.StatusBadGateway))
		return out, false, false
	}
	u.in = u.in[:copy(u.in, u.in[end:])]
	for remain := r.bodyLen; ; {
		k := min(remain, int64(len(u.in)))
		out = append(out, u.in[:k]...)
		u.in = u.in[:copy(u.in, u.in[k:])]
		remain -= k
		if _, err := c.Write(out); err != nil {
			return out, false, false
		}
		out = out[:0]
		if remain == 0 {
			return out, true, !r.upClose && len(u.in) == 0
		}
		n, err := u.Read(u.in[:cap(u.in)])
		if err != nil {
			return out, false, false
		}
		u.in = u.in[:n]
	}
}
