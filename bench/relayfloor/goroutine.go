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

// get returns an idle connection (reused) or, when there is none or fresh
// is set, a new one.
func (p *pool) get(addr string, fresh bool) (u *upConn, reused bool, err error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 && !fresh {
		u := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return u, true, nil
	}
	p.mu.Unlock()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, false, err
	}
	return &upConn{Conn: c, in: make([]byte, 0, 64<<10)}, false, nil
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
		var res result
		for fresh := false; ; fresh = true {
			u, reused, err := pools[back].get(backs[back], fresh)
			if err != nil {
				res = failed
				break
			}
			out, res = exchange(c, u, req, out, r.closeAfter)
			if res == answered {
				pools[back].put(u)
			} else {
				_ = u.Close()
			}
			// A kept connection the backend closed while it was
			// idle: the request goes again on a new one.
			if res != stale || !reused {
				break
			}
		}
		switch res {
		case stale, failed:
			_, _ = c.Write(appendRefusal(out[:0], http.StatusBadGateway))
			return
		case cut:
			return
		}
		if r.closeAfter {
			return
		}
	}
}

// result is how an exchange ended.
type result uint8

const (
	answered result = iota // the answer went whole; u may serve again
	spent                  // the answer went whole; u may not serve again
	stale                  // u failed before any byte of an answer came
	failed                 // u failed or answered badly; nothing was sent
	cut                    // part of the answer went, then a side failed
)

// exchange sends req on u and relays the answer to c.
func exchange(c net.Conn, u *upConn, req, out []byte, closeClient bool) ([]byte, result) {
	if _, err := u.Write(req); err != nil {
		return out, stale
	}
	end := -1
	for end < 0 {
		if len(u.in) == cap(u.in) {
			return out, failed
		}
		n, err := u.Read(u.in[len(u.in):cap(u.in)])
		if err != nil {
			if len(u.in) == 0 {
				return out, stale
			}
			return out, failed
		}
		u.in = u.in[:len(u.in)+n]
		end = headEnd(u.in)
	}
	var r response
	out, r = appendResponse(out[:0], u.in[:end], currentDate(), closeClient)
	if r.bodyLen < 0 {
		return out, failed
	}
	u.in = u.in[:copy(u.in, u.in[end:])]
	for remain := r.bodyLen; ; {
		k := min(remain, int64(len(u.in)))
		out = append(out, u.in[:k]...)
		u.in = u.in[:copy(u.in, u.in[k:])]
		remain -= k
		if _, err := c.Write(out); err != nil {
			return out, cut
		}
		out = out[:0]
		switch {
		case remain == 0 && (r.upClose || len(u.in) > 0):
			return out, spent
		case remain == 0:
			return out, answered
		}
		n, err := u.Read(u.in[:cap(u.in)])
		if err != nil {
			return out, cut
		}
		u.in = u.in[:n]
	}
}
