package core

import (
	"net"
	"net/netip"
	"runtime"
	"time"
)

// frontListener hands fasthttp client connections wrapped in frontConn.
type frontListener struct {
	net.Listener
	limits frontDoorLimits
}

// frontDoorListen wraps ln so that every connection it accepts is read
// through the front door's stream scanner with limits l.
func frontDoorListen(ln net.Listener, l frontDoorLimits) net.Listener {
	return &frontListener{Listener: ln, limits: l}
}

// Accept waits for the next connection and wraps it.
func (l *frontListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newFrontConn(c, l.limits, peerAddr(c.RemoteAddr())), nil
}

// newFrontConn wraps client connection c from peer for the front door.
func newFrontConn(c net.Conn, l frontDoorLimits, peer netip.Addr) *frontConn {
	return &frontConn{lazyConn: lazyConn{Conn: rawSock(c)}, scan: newFrontScan(l), peer: peer}
}

// frontConn is a client connection whose bytes pass frontScan on their way
// to fasthttp. When the scan refuses a request, the bytes from that
// request on are held back and the next Read returns the fault (a
// *frontDoorError), which fasthttp hands to the server's ErrorHandler.
//
// A connection that becomes a tunnel (tunnel.go) stops being scanned:
// the bytes after an upgrade belong to another protocol, and any held
// back are given to the tunnel first.
type frontConn struct {
	lazyConn
	peer   netip.Addr // the client's IP address
	scan   frontScan
	held   []byte
	fault  frontDoorFault
	opaque bool // a tunnel: bytes pass unscanned
	// answered: bytes were written since the last read.
	answered bool
	// by, when set, is when the first request's head is due: a
	// connection an event loop held has had part of the header timeout
	// already (bound).
	by time.Time
	// pre holds bytes an event loop read before it handed the
	// connection over (prefix); reads return them first.
	pre []byte
}

// prefix makes b, bytes already read from the connection at a request
// boundary, the first bytes Read returns. b is copied.
func (c *frontConn) prefix(b []byte) { c.pre = append([]byte(nil), b...) }

// bound makes the first request's head due by t at the latest, whatever
// read deadline the server sets before the head is in.
func (c *frontConn) bound(t time.Time) { c.by = t }

// SetReadDeadline sets the read deadline lazily, no later than by while
// the first head is due.
func (c *frontConn) SetReadDeadline(t time.Time) error {
	if !c.by.IsZero() && (t.IsZero() || t.After(c.by)) {
		t = c.by
	}
	return c.lazyConn.SetReadDeadline(t)
}

// SetDeadline sets both deadlines lazily, the read one as SetReadDeadline.
func (c *frontConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// Write writes to the connection, marking it answered.
// A tunnel reads and writes from two goroutines, so it keeps no mark.
func (c *frontConn) Write(p []byte) (int, error) {
	if !c.opaque {
		c.answered = true
	}
	return c.Conn.Write(p)
}

// Read reads from the connection through the scanner.
func (c *frontConn) Read(p []byte) (int, error) {
	if c.fault != fdOK {
		if !c.opaque {
			return 0, &frontDoorError{fault: c.fault}
		}
		n := copy(p, c.held)
		if c.held = c.held[n:]; len(c.held) == 0 {
			c.held, c.fault = nil, fdOK
		}
		return n, nil
	}
	if !c.opaque && c.answered && c.scan.fresh {
		// A keep-alive client sends its next request only once it has
		// the answer just written, so a read now would most often find
		// nothing and cost a wasted system call before the goroutine
		// parks. Other connections' ready work runs first instead; by
		// the time it is done the request has usually arrived. Under
		// strace this took reads per request from 2.72 to 2.01.
		c.answered = false
		runtime.Gosched()
	}
	var n int
	var err error
	if len(c.pre) > 0 {
		n = copy(p, c.pre)
		if c.pre = c.pre[n:]; len(c.pre) == 0 {
			c.pre = nil
		}
	} else {
		n, err = c.Conn.Read(p)
	}
	if n > 0 && !c.opaque {
		ok, f := c.scan.scan(p[:n])
		if !c.by.IsZero() && c.scan.pastHead() {
			c.by = time.Time{}
		}
		if f != fdOK {
			c.fault = f
			c.held = append([]byte(nil), p[ok:n]...)
			if ok == 0 {
				return 0, &frontDoorError{fault: f}
			}
			return ok, nil
		}
	}
	return n, err
}

// beOpaque makes the connection a tunnel: from now on its bytes pass
// unscanned.
func (c *frontConn) beOpaque() {
	c.opaque = true
	c.scan.release()
}

// CloseWrite shuts the sending side where the connection supports it.
func (c *frontConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// frontDoorError is a request frontScan refused, as fasthttp's read error.
type frontDoorError struct{ fault frontDoorFault }

func (e *frontDoorError) Error() string {
	b := frontDoorReplies[e.fault].body
	return "jetway front door: " + string(b[:len(b)-1])
}
