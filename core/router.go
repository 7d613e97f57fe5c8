package core

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/expr"
)

// routeSpec is the matching half of one route, as validated by config.
type routeSpec struct {
	URIs        []string       // "/exact" or "/prefix/*" (trailing * = prefix); "/*" matches everything
	Methods     []string       // empty = any; upper-case names
	Hosts       []string       // empty = any; "api.example.com" or "*.example.com"
	RemoteAddrs []netip.Prefix // empty = any (single IPs arrive as /32 or /128 prefixes)
	Priority    int
	// Vars must hold for the route to match (APISIX route vars); nil
	// always holds.
	Vars *expr.Expr
}

// errRouterSpec is wrapped by every error newRouter returns.
var errRouterSpec = errors.New("jetway: invalid route")

// routerMaxHost is the longest host name a route may carry (RFC 1035 §2.3.4
// in text form). match lower-cases the request host into a stack array of
// this size; a longer request host can still match a wildcard suffix, which
// is never longer.
const routerMaxHost = 253

// router picks the route for a request with the precedence of APISIX's
// radixtree_host_uri router:
//
//  1. host: an exact host, then wildcard hosts by longer suffix, then the
//     routes without hosts;
//  2. uri, within one host: the exact path, then prefixes by longer prefix;
//  3. higher priority, then lower index in specs.
//
// The first candidate in that order whose method and remote address
// conditions also hold wins, so a request falls through to weaker candidates.
//
// The request host loses its port and one trailing dot, as nginx's $host,
// and is compared in ASCII lower case. Methods are case-sensitive; a method
// outside routerMethods matches only routes without methods. The remote
// address is unmapped, so an IPv4 client of a dual-stack listener matches
// IPv4 prefixes.
//
// A wildcard host "*S" matches the hosts that end in S: "*.example.com"
// matches "a.example.com" and "a.b.example.com" but not "example.com".
//
// A prefix URI "/api/*" is the prefix "/api/": it matches "/api/" and
// "/api/x" but not "/api", as in lua-resty-radixtree, where the key is the
// URI up to its '*' and a key matches every path it is a prefix of.
//
// A router is immutable once built; match is safe for concurrent use, takes
// no lock and does not allocate.
type router struct {
	routes    []routerRoute
	any       routerTable      // routes without hosts
	hostExact map[string]int32 // reversed lower-case host -> tables index
	hostWild  routerTrie       // reversed lower-case wildcard suffix -> tables index
	tables    []routerTable    // routes by host
	hosted    bool             // some route has a host
}

// routerRoute holds the per-route conditions checked after the path matched.
type routerRoute struct {
	methods uint16 // routerMethodBit values; 0 = any method
	remotes []netip.Prefix
	vars    *expr.Expr
}

// routerTable finds the routes of one host (or of no host) by path. A
// candidate list holds route indexes ordered by priority (higher first),
// then index (lower first).
type routerTable struct {
	exact  map[string][]int32 // path -> candidates
	prefix routerTrie         // prefix -> index into cands
	cands  [][]int32          // candidates of each prefix
}

// newRouter builds the router for specs. Every problem in specs is reported,
// each naming the index of its spec.
func newRouter(specs []routeSpec) (*router, error) {
	if len(specs) > math.MaxInt32 {
		return nil, fmt.Errorf("%w: %d routes, at most %d", errRouterSpec, len(specs), math.MaxInt32)
	}
	r := &router{routes: make([]routerRoute, len(specs))}
	anyB := newRouterTableBuilder()
	hostB := map[routerHostKey]*routerTableBuilder{}
	var errs []error
	bad := func(i int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: route %d: %s", errRouterSpec, i, fmt.Sprintf(format, args...)))
	}
	for i := range specs {
		s := &specs[i]
		id := int32(i)
		if len(s.URIs) == 0 {
			bad(i, "no uri")
		}
		for _, u := range s.URIs {
			if err := routerCheckURI(u); err != nil {
				bad(i, "uri %q: %v", u, err)
			}
		}
		r.routes[i].vars = s.Vars
		for _, m := range s.Methods {
			b := routerMethodBit([]byte(m))
			if b == 0 {
				bad(i, "method %q: not one of %s", m, strings.Join(routerMethods[:], ", "))
			}
			r.routes[i].methods |= b
		}
		for _, p := range s.RemoteAddrs {
			if !p.IsValid() {
				bad(i, "remote_addrs: invalid prefix %v", p)
				continue
			}
			r.routes[i].remotes = append(r.routes[i].remotes, routerUnmapPrefix(p))
		}
		if len(s.Hosts) == 0 {
			for _, u := range s.URIs {
				anyB.add(u, id)
			}
			continue
		}
		for _, h := range s.Hosts {
			k, err := routerParseHost(h)
			if err != nil {
				bad(i, "host %q: %v", h, err)
				continue
			}
			b := hostB[k]
			if b == nil {
				b = newRouterTableBuilder()
				hostB[k] = b
			}
			for _, u := range s.URIs {
				b.add(u, id)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r.any = anyB.build(specs)
	r.hostExact = map[string]int32{}
	var wildKeys []string
	var wildVals []int32
	for k, b := range hostB {
		t := int32(len(r.tables))
		r.tables = append(r.tables, b.build(specs))
		if k.wildcard {
			wildKeys = append(wildKeys, k.rev)
			wildVals = append(wildVals, t)
		} else {
			r.hostExact[k.rev] = t
		}
	}
	r.hostWild = newRouterTrie(wildKeys, wildVals)
	r.hosted = len(r.tables) > 0
	return r, nil
}

// match returns the index in specs of the route for the request, ok=false
// when none. host is the raw Host header value; path has no query string.
// ctx is read only by routes with vars. With ctx nil, a candidate with
// vars stops the match undecided: the index is -1 and ok is true.
func (r *router) match(method, host, path []byte, remote netip.Addr, ctx *fasthttp.RequestCtx) (int, bool) {
	m := routerMethodBit(method)
	remote = remote.Unmap()
	if r.hosted {
		var buf [routerMaxHost]byte
		name := routerHostName(host)
		rev := routerReverseLower(buf[:], name)
		if len(name) <= len(buf) {
			if t, ok := r.hostExact[string(rev)]; ok {
				if i, ok := r.matchTable(&r.tables[t], m, path, remote, ctx); ok {
					return i, true
				}
			}
		}
		for n := r.hostWild.longest(rev); n >= 0; n = r.hostWild.next(n) {
			if i, ok := r.matchTable(&r.tables[r.hostWild.value(n)], m, path, remote, ctx); ok {
				return i, true
			}
		}
	}
	return r.matchTable(&r.any, m, path, remote, ctx)
}

// matchTable returns the best route of t whose conditions hold.
func (r *router) matchTable(t *routerTable, method uint16, path []byte, remote netip.Addr, ctx *fasthttp.RequestCtx) (int, bool) {
	if c, ok := t.exact[string(path)]; ok {
		if i, ok := r.pick(c, method, remote, ctx); ok {
			return i, true
		}
	}
	for n := t.prefix.longest(path); n >= 0; n = t.prefix.next(n) {
		if i, ok := r.pick(t.cands[t.prefix.value(n)], method, remote, ctx); ok {
			return i, true
		}
	}
	return 0, false
}

// pick returns the first candidate whose method, remote and vars
// conditions hold.
func (r *router) pick(cands []int32, method uint16, remote netip.Addr, ctx *fasthttp.RequestCtx) (int, bool) {
	for _, c := range cands {
		rt := &r.routes[c]
		if rt.methods != 0 && rt.methods&method == 0 {
			continue
		}
		if rt.remotes != nil && !routerContains(rt.remotes, remote) {
			continue
		}
		if rt.vars != nil {
			if ctx == nil {
				// No request to evaluate vars on (the event loop
				// matches raw heads): the match is undecided.
				return -1, true
			}
			if !rt.vars.Eval(ctx, remote) {
				continue
			}
		}
		return int(c), true
	}
	return 0, false
}

// routerContains reports whether any prefix contains a.
func routerContains(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// routerUnmapPrefix turns an IPv4-mapped IPv6 prefix into its IPv4 prefix,
// since match unmaps the remote address.
func routerUnmapPrefix(p netip.Prefix) netip.Prefix {
	p = p.Masked()
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// routerMethods are the methods a route may name, as in APISIX; bit i of a
// method set stands for routerMethods[i].
var routerMethods = [...]string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE", "PURGE"}

// routerMethodBit returns the bit of a method, 0 for any other. Methods are
// case-sensitive (RFC 9110 §9.1).
func routerMethodBit(m []byte) uint16 {
	switch string(m) {
	case "GET":
		return 1 << 0
	case "POST":
		return 1 << 1
	case "PUT":
		return 1 << 2
	case "DELETE":
		return 1 << 3
	case "PATCH":
		return 1 << 4
	case "HEAD":
		return 1 << 5
	case "OPTIONS":
		return 1 << 6
	case "CONNECT":
		return 1 << 7
	case "TRACE":
		return 1 << 8
	case "PURGE":
		return 1 << 9
	}
	return 0
}

// routerHostName returns the host of a Host header value the way nginx
// derives $host: without the port ("[::1]:80" -> "[::1]", "a.com:80" ->
// "a.com") and without one trailing dot.
func routerHostName(h []byte) []byte {
	if len(h) > 0 && h[0] == '[' {
		if i := bytes.IndexByte(h, ']'); i >= 0 {
			h = h[:i+1]
		}
	} else if i := bytes.IndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	if n := len(h); n > 0 && h[n-1] == '.' {
		h = h[:n-1]
	}
	return h
}

// routerReverseLower writes the last len(dst) bytes of s (all of s when it
// is shorter) into dst in reverse order and ASCII lower case, and returns
// the written part of dst.
func routerReverseLower(dst, s []byte) []byte {
	n := min(len(s), len(dst))
	s, dst = s[len(s)-n:], dst[:n]
	for i, c := range s {
		if c-'A' < 26 {
			c += 'a' - 'A'
		}
		dst[n-1-i] = c
	}
	return dst
}

// routerHostKey is a route host as the router indexes it.
type routerHostKey struct {
	rev      string // host, or the suffix after '*', reversed and lower-case
	wildcard bool
}

// routerParseHost checks a route host and returns its key. A trailing dot
// is dropped, as from request hosts.
func routerParseHost(h string) (routerHostKey, error) {
	var k routerHostKey
	name := h
	if strings.HasPrefix(name, "*") {
		k.wildcard = true
		name = name[1:]
	}
	switch {
	case strings.Contains(name, "*"):
		return k, errors.New("'*' is allowed only as the first character")
	case string(routerHostName([]byte(name))) != strings.TrimSuffix(name, "."):
		return k, errors.New("must not carry a port")
	}
	name = strings.TrimSuffix(name, ".")
	switch {
	case name == "":
		return k, errors.New("empty host")
	case len(name) > routerMaxHost:
		return k, fmt.Errorf("longer than %d bytes", routerMaxHost)
	}
	k.rev = string(routerReverseLower(make([]byte, len(name)), []byte(name)))
	return k, nil
}

// routerCheckURI reports what is wrong with a route URI, if anything.
func routerCheckURI(u string) error {
	switch {
	case !strings.HasPrefix(u, "/"):
		return errors.New("must start with '/'")
	case strings.Contains(strings.TrimSuffix(u, "*"), "*"):
		return errors.New("'*' is allowed only as the last character")
	}
	return nil
}

// routerTableBuilder collects the candidates of one routerTable.
type routerTableBuilder struct {
	exact  map[string][]int32
	prefix map[string][]int32
}

func newRouterTableBuilder() *routerTableBuilder {
	return &routerTableBuilder{exact: map[string][]int32{}, prefix: map[string][]int32{}}
}

// add records route id under uri; ids arrive in ascending order.
func (b *routerTableBuilder) add(uri string, id int32) {
	m, key := b.exact, uri
	if p, ok := strings.CutSuffix(uri, "*"); ok {
		m, key = b.prefix, p
	}
	if c := m[key]; len(c) > 0 && c[len(c)-1] == id {
		return
	}
	m[key] = append(m[key], id)
}

// build orders every candidate list and indexes the prefixes.
func (b *routerTableBuilder) build(specs []routeSpec) routerTable {
	order := func(c []int32) {
		slices.SortFunc(c, func(x, y int32) int {
			if p := cmp.Compare(specs[y].Priority, specs[x].Priority); p != 0 {
				return p
			}
			return cmp.Compare(x, y)
		})
	}
	var t routerTable
	if len(b.exact) > 0 {
		t.exact = b.exact
		for _, c := range t.exact {
			order(c)
		}
	}
	keys := make([]string, 0, len(b.prefix))
	vals := make([]int32, 0, len(b.prefix))
	for k, c := range b.prefix {
		order(c)
		vals = append(vals, int32(len(t.cands)))
		keys = append(keys, k)
		t.cands = append(t.cands, c)
	}
	t.prefix = newRouterTrie(keys, vals)
	return t
}
