package core

import (
	"net"
	"time"
)

// Client and upstream connections keep their deadlines lazily (lazyConn),
// as nginx keeps its timers (NGX_TIMER_LAZY_DELAY): a deadline that already
// falls within [now+d, now+d+slack] stays, so that a busy keep-alive
// connection does not update the runtime's timer on every request. A
// timeout therefore fires between d and d+slack after it was asked for,
// never before d; slack is an eighth of the timeout in force when the
// deadline last moved, at most 250 ms.

// maxDeadlineSlack bounds the slack of every timeout.
const maxDeadlineSlack = 250 * time.Millisecond

// deadlineSlack is how much later than d a lazy deadline may fire: an
// eighth of d, at most maxDeadlineSlack.
func deadlineSlack(d time.Duration) time.Duration { return min(d/8, maxDeadlineSlack) }

// lazyDeadline returns the deadline for timeout d at now (none for d <= 0)
// given the current one, cur, and whether it differs from cur.
func lazyDeadline(cur, now time.Time, d time.Duration) (time.Time, bool) {
	if d <= 0 {
		return time.Time{}, !cur.IsZero()
	}
	want := now.Add(d)
	slack := deadlineSlack(d)
	if !cur.IsZero() && !cur.Before(want) && cur.Sub(want) <= slack {
		return cur, false
	}
	return want.Add(slack), true
}

// lazyAt returns the deadline to set when t is asked for and cur is set,
// and whether it differs from cur: t itself when it is zero (none) or not
// in the future, else as lazyDeadline has it for the time left until t.
func lazyAt(cur, t time.Time) (time.Time, bool) {
	if t.IsZero() {
		return t, !cur.IsZero()
	}
	now := time.Now()
	d := t.Sub(now)
	if d <= 0 {
		return t, true
	}
	return lazyDeadline(cur, now, d)
}

// lazyTime is one deadline of a lazyConn: when it falls, and how much
// later than what was asked for it may.
type lazyTime struct {
	at    time.Time
	slack time.Duration
}

// ask moves the deadline for t, asked for at a time the caller read. A
// deadline within [t, t+slack] stays without a clock read; it reports
// whether at changed.
func (l *lazyTime) ask(t time.Time) bool {
	if !t.IsZero() && !l.at.IsZero() && !l.at.Before(t) && l.at.Sub(t) <= l.slack {
		return false
	}
	at, changed := lazyAt(l.at, t)
	if changed {
		l.at, l.slack = at, 0
		if !t.IsZero() {
			l.slack = at.Sub(t)
		}
	}
	return changed
}

// arm moves the deadline for timeout d from now (none for d <= 0); it
// reports whether at changed.
func (l *lazyTime) arm(now time.Time, d time.Duration) bool {
	at, changed := lazyDeadline(l.at, now, d)
	if changed {
		l.at, l.slack = at, 0
		if d > 0 {
			l.slack = deadlineSlack(d)
		}
	}
	return changed
}

// lazyConn is a connection whose deadlines move lazily. Client
// connections (frontConn; fasthttp moves the read deadline twice per
// request, to the idle and the header timeout) and upstream ones
// (countedConn) both are.
type lazyConn struct {
	net.Conn
	rd, wd lazyTime
}

// SetReadDeadline sets the read deadline lazily.
func (c *lazyConn) SetReadDeadline(t time.Time) error {
	if !c.rd.ask(t) {
		return nil
	}
	return c.Conn.SetReadDeadline(c.rd.at)
}

// SetWriteDeadline sets the write deadline lazily.
func (c *lazyConn) SetWriteDeadline(t time.Time) error {
	if !c.wd.ask(t) {
		return nil
	}
	return c.Conn.SetWriteDeadline(c.wd.at)
}

// SetDeadline sets both deadlines lazily.
func (c *lazyConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// armRead sets the read deadline for timeout d from now, lazily; the
// caller's clock reading serves both deadlines of an exchange.
func (c *lazyConn) armRead(now time.Time, d time.Duration) error {
	if !c.rd.arm(now, d) {
		return nil
	}
	return c.Conn.SetReadDeadline(c.rd.at)
}

// armWrite sets the write deadline for timeout d from now, lazily.
func (c *lazyConn) armWrite(now time.Time, d time.Duration) error {
	if !c.wd.arm(now, d) {
		return nil
	}
	return c.Conn.SetWriteDeadline(c.wd.at)
}
