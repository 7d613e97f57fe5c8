package expr

import (
	"net/netip"

	"github.com/valyala/fasthttp"
)

// Eval reports whether the request matches. remote is the client's TCP
// peer address ($remote_addr; invalid means missing). Eval takes no lock
// and makes no allocation; it may be called from many goroutines at once,
// each with its own ctx. It reads ctx the way a handler does, which can
// fill fasthttp's lazily parsed fields (URI, query args, cookies).
func (e *Expr) Eval(ctx *fasthttp.RequestCtx, remote netip.Addr) bool {
	if e == nil {
		return true
	}
	st := state{ctx: ctx, remote: remote}
	ok := e.root.eval(&st)
	st.release()
	return ok
}

func (n *node) eval(st *state) bool {
	if n.leaf != nil {
		return n.leaf.match(st) != n.leaf.not
	}
	switch n.logic {
	case logicAnd:
		return n.all(st)
	case logicOr:
		return n.any(st)
	case logicNotAnd:
		return !n.all(st)
	default:
		return !n.any(st)
	}
}

func (n *node) all(st *state) bool {
	for i := range n.kids {
		if !n.kids[i].eval(st) {
			return false
		}
	}
	return true
}

func (n *node) any(st *state) bool {
	for i := range n.kids {
		if n.kids[i].eval(st) {
			return true
		}
	}
	return false
}

// match evaluates the operator, before any "!".
func (t *test) match(st *state) bool {
	switch {
	case t.op == opIPMatch:
		a, ok := t.v.addr(st)
		return ok && t.inPrefixes(a)
	case t.v.kind == varRemoteAddr && t.op != opRegex && t.op != opRegexI:
		return t.matchRemote(st.remote)
	case t.op == opHas:
		return t.has(st)
	}
	l, ok := t.v.value(st)
	switch t.op {
	case opEq:
		return ok && t.r.equal(l)
	case opNe:
		return !ok || !t.r.equal(l)
	case opGt, opGe, opLt, opLe:
		if !ok {
			return false
		}
		n, ok := parseNumber(l)
		if !ok {
			return false
		}
		switch t.op {
		case opGt:
			return n > t.r.n
		case opGe:
			return n >= t.r.n
		case opLt:
			return n < t.r.n
		default:
			return n <= t.r.n
		}
	case opRegex, opRegexI:
		return ok && t.re.Match(l)
	case opIn:
		if !ok {
			return false
		}
		for i := range t.list {
			if t.list[i].equal(l) {
				return true
			}
		}
	}
	return false
}

// has reports whether any value of the variable equals t.r: every value of
// a repeated query argument, header or cookie, the one value of any other
// variable.
func (t *test) has(st *state) bool {
	switch t.v.kind {
	case varArg:
		for k, v := range st.ctx.QueryArgs().All() {
			if string(k) == t.v.name && t.r.equal(v) {
				return true
			}
		}
		return false
	case varHeader:
		for _, v := range st.ctx.Request.Header.PeekAll(t.v.name) {
			if t.r.equal(v) {
				return true
			}
		}
		return false
	case varCookie:
		for k, v := range st.ctx.Request.Header.Cookies() {
			if string(k) == t.v.name && t.r.equal(v) {
				return true
			}
		}
		return false
	}
	l, ok := t.v.value(st)
	return ok && t.r.equal(l)
}

// inPrefixes reports whether a is in one of the ipmatch prefixes. An
// IPv4-mapped IPv6 address also matches as its IPv4 form.
func (t *test) inPrefixes(a netip.Addr) bool {
	a = a.WithZone("")
	for _, p := range t.prefixes {
		if p.Contains(a) || a.Is4In6() && p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// matchRemote evaluates every operator but the regexes and ipmatch on
// remote_addr by comparing addresses: an operand equals remote.String()
// exactly when it is that address in canonical form (operand.addr), so
// nothing is formatted. An address is no number: > >= < <= are false.
func (t *test) matchRemote(remote netip.Addr) bool {
	ok := remote.IsValid()
	switch t.op {
	case opEq, opHas:
		return ok && t.r.addr == remote
	case opNe:
		return !ok || t.r.addr != remote
	case opIn:
		for i := range t.list {
			if ok && t.list[i].addr == remote {
				return true
			}
		}
	}
	return false
}

// equal is lua-resty-expr's == for a present request value l.
func (o *operand) equal(l []byte) bool {
	if o.isNum {
		n, ok := parseNumber(l)
		return ok && n == o.n
	}
	return string(l) == o.s
}
