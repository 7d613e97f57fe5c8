package core

import "time"

// Client and upstream connections keep their deadlines lazily, as nginx keeps its
// timers (NGX_TIMER_LAZY_DELAY): a deadline that already falls within
// [now+d, now+d+slack] stays, so that a busy keep-alive connection does not
// update the runtime's timer on every request. A timeout therefore fires
// between d and d+slack after the exchange started, never before d.

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

// armRead sets the read deadline for timeout d from now, lazily.
func (c *countedConn) armRead(now time.Time, d time.Duration) error {
	if t, ok := lazyDeadline(c.rd, now, d); ok {
		return c.SetReadDeadline(t)
	}
	return nil
}

// armWrite sets the write deadline for timeout d from now, lazily.
func (c *countedConn) armWrite(now time.Time, d time.Duration) error {
	if t, ok := lazyDeadline(c.wd, now, d); ok {
		return c.SetWriteDeadline(t)
	}
	return nil
}

// SetReadDeadline sets the read deadline and remembers it.
func (c *countedConn) SetReadDeadline(t time.Time) error {
	c.rd = t
	return c.Conn.SetReadDeadline(t)
}

// SetWriteDeadline sets the write deadline and remembers it.
func (c *countedConn) SetWriteDeadline(t time.Time) error {
	c.wd = t
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets both deadlines and remembers them.
func (c *countedConn) SetDeadline(t time.Time) error {
	c.rd, c.wd = t, t
	return c.Conn.SetDeadline(t)
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

// SetReadDeadline sets the read deadline lazily (lazyAt). fasthttp moves
// it twice per request, to the idle and the header timeout.
func (c *frontConn) SetReadDeadline(t time.Time) error {
	t, ok := lazyAt(c.rd, t)
	if !ok {
		return nil
	}
	c.rd = t
	return c.Conn.SetReadDeadline(t)
}

// SetWriteDeadline sets the write deadline lazily (lazyAt).
func (c *frontConn) SetWriteDeadline(t time.Time) error {
	t, ok := lazyAt(c.wd, t)
	if !ok {
		return nil
	}
	c.wd = t
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets both deadlines lazily.
func (c *frontConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}
