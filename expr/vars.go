package expr

import (
	"bytes"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/valyala/fasthttp"
)

// varKind says where a variable's value comes from.
type varKind uint8

const (
	varURI         varKind = iota // $uri: the normalized path, no query
	varRequestURI                 // $request_uri: the target as sent
	varHost                       // $host: lower case, no port
	varMethod                     // $request_method
	varScheme                     // $scheme: http or https
	varQueryString                // $query_string, $args: the raw query
	varArg                        // $arg_NAME: a decoded query argument
	varHeader                     // $http_NAME: a request header
	varCookie                     // $cookie_NAME

	// The kinds below are formatted into the state's scratch buffer.
	varRemoteAddr   // $remote_addr: the remote passed to Eval
	varRemotePort   // $remote_port
	varServerAddr   // $server_addr
	varServerPort   // $server_port
	varCookieHeader // $http_cookie, rebuilt from the parsed cookies
	varTrailer      // $http_trailer, rebuilt from the parsed trailer names
)

// variable is a compiled nginx variable name.
type variable struct {
	kind varKind
	name string // the argument or cookie name, or the canonical header name
}

// plainVars are the variables without a name part.
var plainVars = map[string]varKind{
	"uri":            varURI,
	"request_uri":    varRequestURI,
	"host":           varHost,
	"request_method": varMethod,
	"scheme":         varScheme,
	"query_string":   varQueryString,
	"args":           varQueryString,
	"remote_addr":    varRemoteAddr,
	"remote_port":    varRemotePort,
	"server_addr":    varServerAddr,
	"server_port":    varServerPort,
}

// parseVariable compiles an nginx variable name.
func parseVariable(name string) (variable, bool) {
	if k, ok := plainVars[name]; ok {
		return variable{kind: k}, true
	}
	if rest, ok := strings.CutPrefix(name, "arg_"); ok && rest != "" {
		return variable{kind: varArg, name: rest}, true
	}
	if rest, ok := strings.CutPrefix(name, "cookie_"); ok && rest != "" {
		return variable{kind: varCookie, name: rest}, true
	}
	if rest, ok := strings.CutPrefix(name, "http_"); ok && rest != "" {
		// nginx: $http_x_user_id is the X-User-Id header.
		rest = strings.ReplaceAll(rest, "_", "-")
		for i := range len(rest) {
			if !isTokenByte(rest[i]) {
				return variable{}, false
			}
		}
		canon := string(fasthttp.AppendNormalizedHeaderKey(nil, rest))
		switch canon {
		case fasthttp.HeaderCookie:
			return variable{kind: varCookieHeader}, true
		case fasthttp.HeaderTrailer:
			return variable{kind: varTrailer}, true
		}
		return variable{kind: varHeader, name: canon}, true
	}
	return variable{}, false
}

// isTokenByte reports whether c may appear in a header name (RFC 9110
// §5.6.2 tchar).
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

var (
	strHTTP  = []byte("http")
	strHTTPS = []byte("https")
)

// state is one evaluation: the request, and a scratch buffer taken from
// scratchPool the first time a variable has to be formatted. It lives on
// Eval's stack; only the pooled buffer may reach code that keeps a slice
// (regexp does), so the stack never escapes.
type state struct {
	ctx     *fasthttp.RequestCtx
	remote  netip.Addr
	scratch *[]byte
}

// scratchPool holds buffers for formatted variables.
var scratchPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 128)
	return &b
}}

// scratchKeep is the largest buffer returned to scratchPool; a request with
// a huge Cookie header does not pin its buffer.
const scratchKeep = 4 << 10

func (st *state) release() {
	if st.scratch != nil && cap(*st.scratch) <= scratchKeep {
		scratchPool.Put(st.scratch)
	}
	st.scratch = nil
}

// value returns the variable's value for the request, ok=false when it is
// missing. The value is valid until the next call with st.
func (v *variable) value(st *state) ([]byte, bool) {
	ctx := st.ctx
	switch v.kind {
	case varURI:
		return ctx.Path(), true
	case varRequestURI:
		return ctx.RequestURI(), true
	case varHost:
		return hostOnly(ctx.Host()), true
	case varMethod:
		return ctx.Method(), true
	case varScheme:
		if ctx.IsTLS() {
			return strHTTPS, true
		}
		return strHTTP, true
	case varQueryString:
		q := ctx.URI().QueryString()
		return q, len(q) > 0
	case varArg:
		for k, val := range ctx.QueryArgs().All() {
			if string(k) == v.name {
				return val, true
			}
		}
		return nil, false
	case varHeader:
		if vals := ctx.Request.Header.PeekAll(v.name); len(vals) > 0 {
			return vals[0], true
		}
		return nil, false
	case varCookie:
		for k, val := range ctx.Request.Header.Cookies() {
			if string(k) == v.name {
				return val, true
			}
		}
		return nil, false
	}
	if st.scratch == nil {
		st.scratch = scratchPool.Get().(*[]byte)
	}
	b, ok := v.format((*st.scratch)[:0], st)
	*st.scratch = b
	return b, ok
}

// format appends the value of a variable that is not in the request as
// bytes.
func (v *variable) format(dst []byte, st *state) ([]byte, bool) {
	ctx := st.ctx
	switch v.kind {
	case varRemoteAddr:
		if !st.remote.IsValid() {
			return dst, false
		}
		return st.remote.AppendTo(dst), true
	case varRemotePort:
		if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
			return strconv.AppendInt(dst, int64(a.Port), 10), true
		}
	case varServerPort:
		if a, ok := ctx.LocalAddr().(*net.TCPAddr); ok {
			return strconv.AppendInt(dst, int64(a.Port), 10), true
		}
	case varServerAddr:
		if a, ok := ctx.LocalAddr().(*net.TCPAddr); ok {
			if ip, ok := netip.AddrFromSlice(a.IP); ok {
				return ip.Unmap().AppendTo(dst), true
			}
		}
	case varCookieHeader:
		n := len(dst)
		for k, val := range ctx.Request.Header.Cookies() {
			if len(dst) > n {
				dst = append(dst, "; "...)
			}
			if len(k) > 0 {
				dst = append(dst, k...)
				dst = append(dst, '=')
			}
			dst = append(dst, val...)
		}
		return dst, len(dst) > n
	case varTrailer:
		n := len(dst)
		for _, k := range ctx.Request.Header.PeekTrailerKeys() {
			if len(dst) > n {
				dst = append(dst, ", "...)
			}
			dst = append(dst, k...)
		}
		return dst, len(dst) > n
	}
	return dst, false
}

// addr returns the variable's value as an IP address, for ipmatch.
func (v *variable) addr(st *state) (netip.Addr, bool) {
	if v.kind == varRemoteAddr {
		return st.remote, st.remote.IsValid()
	}
	l, ok := v.value(st)
	if !ok {
		return netip.Addr{}, false
	}
	return parseIP(l)
}

// hostOnly strips the port from a Host value, keeping an IPv6 literal's
// brackets as nginx's $host does.
func hostOnly(host []byte) []byte {
	if i := bytes.LastIndexByte(host, ':'); i >= 0 && host[len(host)-1] != ']' {
		return host[:i]
	}
	return host
}
