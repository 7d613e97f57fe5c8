package core

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/config"
)

// hashKind says where one part of a chash key comes from.
type hashKind uint8

const (
	hashLiteral     hashKind = iota
	hashRemoteAddr           // $remote_addr
	hashRemotePort           // $remote_port
	hashServerAddr           // $server_addr
	hashURI                  // $uri: the normalized path
	hashRequestURI           // $request_uri: the target as sent
	hashHost                 // $host, $server_name: the Host, lower case, no port
	hashQueryString          // $query_string
	hashArg                  // $arg_NAME
	hashHeader               // $http_NAME, or hash_on header
	hashCookie               // $cookie_NAME, or hash_on cookie
)

// hashPart is one compiled part of a chash key.
type hashPart struct {
	kind hashKind
	name []byte // the literal, or the arg, header (canonical) or cookie name
}

// hashSpec computes a request's chash key (APISIX hash_on and key).
type hashSpec struct {
	parts []hashPart
}

var errHashOnConsumer = errors.New("jetway: hash_on consumer needs authentication, which Jetway does not have yet")

// newHashSpec compiles hash_on and key, as validated by config.
func newHashSpec(hashOn, key string) (*hashSpec, error) {
	switch hashOn {
	case "header":
		return &hashSpec{parts: []hashPart{{kind: hashHeader, name: appendCanonical(nil, []byte(key))}}}, nil
	case "cookie":
		return &hashSpec{parts: []hashPart{{kind: hashCookie, name: []byte(key)}}}, nil
	case "consumer":
		return nil, errHashOnConsumer
	case "vars_combinations":
		tmpl, err := config.HashTemplate(key)
		if err != nil {
			return nil, err
		}
		h := &hashSpec{}
		for _, p := range tmpl {
			if p.Var == "" {
				h.parts = append(h.parts, hashPart{kind: hashLiteral, name: []byte(p.Literal)})
				continue
			}
			part, err := hashVar(p.Var)
			if err != nil {
				return nil, err
			}
			h.parts = append(h.parts, part)
		}
		return h, nil
	}
	part, err := hashVar(key)
	if err != nil {
		return nil, err
	}
	return &hashSpec{parts: []hashPart{part}}, nil
}

// hashVar compiles one nginx-style variable name.
func hashVar(name string) (hashPart, error) {
	if rest, ok := strings.CutPrefix(name, "arg_"); ok {
		return hashPart{kind: hashArg, name: []byte(rest)}, nil
	}
	if rest, ok := strings.CutPrefix(name, "http_"); ok {
		// nginx: $http_x_user_id is the X-User-Id header.
		return hashPart{kind: hashHeader, name: appendCanonical(nil, []byte(strings.ReplaceAll(rest, "_", "-")))}, nil
	}
	if rest, ok := strings.CutPrefix(name, "cookie_"); ok {
		return hashPart{kind: hashCookie, name: []byte(rest)}, nil
	}
	switch name {
	case "remote_addr":
		return hashPart{kind: hashRemoteAddr}, nil
	case "remote_port":
		return hashPart{kind: hashRemotePort}, nil
	case "server_addr":
		return hashPart{kind: hashServerAddr}, nil
	case "uri":
		return hashPart{kind: hashURI}, nil
	case "request_uri":
		return hashPart{kind: hashRequestURI}, nil
	case "host", "server_name":
		return hashPart{kind: hashHost}, nil
	case "query_string":
		return hashPart{kind: hashQueryString}, nil
	case "hostname":
		h, err := os.Hostname()
		if err != nil {
			return hashPart{}, fmt.Errorf("$hostname: %w", err)
		}
		return hashPart{kind: hashLiteral, name: []byte(h)}, nil
	}
	return hashPart{}, fmt.Errorf("jetway: %q is not a variable a chash key may use", name)
}

// key returns the request's key, built in buf when it needs building (a
// single header, cookie or argument is returned in place, uncopied). An
// empty key means the request has none; the caller then falls back to
// remote_addr, as APISIX does.
func (h *hashSpec) key(ctx *fasthttp.RequestCtx, remote netip.Addr, buf []byte) ([]byte, []byte) {
	if len(h.parts) == 1 {
		if v, ok := h.parts[0].direct(ctx); ok {
			return v, buf
		}
	}
	buf = buf[:0]
	for i := range h.parts {
		buf = h.parts[i].appendTo(buf, ctx, remote)
	}
	return buf, buf
}

// direct returns the part's value when it exists as bytes in the request.
func (p *hashPart) direct(ctx *fasthttp.RequestCtx) ([]byte, bool) {
	switch p.kind {
	case hashArg:
		return ctx.QueryArgs().PeekBytes(p.name), true
	case hashHeader:
		return ctx.Request.Header.PeekBytes(p.name), true
	case hashCookie:
		return ctx.Request.Header.CookieBytes(p.name), true
	case hashRequestURI:
		return ctx.Request.Header.RequestURI(), true
	case hashURI:
		return ctx.Path(), true
	case hashQueryString:
		return ctx.URI().QueryString(), true
	case hashLiteral:
		return p.name, true
	}
	return nil, false
}

// appendTo appends the part's value to buf.
func (p *hashPart) appendTo(buf []byte, ctx *fasthttp.RequestCtx, remote netip.Addr) []byte {
	if v, ok := p.direct(ctx); ok {
		return append(buf, v...)
	}
	switch p.kind {
	case hashRemoteAddr:
		return remote.AppendTo(buf)
	case hashRemotePort:
		if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
			return strconv.AppendInt(buf, int64(a.Port), 10)
		}
	case hashServerAddr:
		if a, ok := ctx.LocalAddr().(*net.TCPAddr); ok {
			if ip, ok := netip.AddrFromSlice(a.IP); ok {
				return ip.Unmap().AppendTo(buf)
			}
		}
	case hashHost:
		host := ctx.Host()
		if i := bytes.LastIndexByte(host, ':'); i >= 0 && host[len(host)-1] != ']' {
			host = host[:i]
		}
		for _, c := range host {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf = append(buf, c)
		}
	}
	return buf
}
