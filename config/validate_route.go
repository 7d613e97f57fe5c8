package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jetwayhq/jetway/expr"
)

// methods are the HTTP methods a route may match (APISIX method_schema).
var methods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE", "PURGE"}

// route checks one route at p; ids and references are resolved against
// the upstreams and services of the same configuration.
func (v *validator) route(r *Route, p string) {
	v.meta(p, r.Name, r.Desc, r.Labels)

	up, usp := field(p, "uri"), field(p, "uris")
	hasURI, hasURIs := v.c.given(up, r.URI == ""), v.c.given(usp, r.URIs == nil)
	switch {
	case !hasURI && !hasURIs:
		v.errf(p, "uri or uris is required")
	case v.exclusive(p, hasURI, hasURIs, "uri", "uris"):
		if hasURI {
			if msg := uriProblem(r.URI); msg != "" {
				v.errf(up, "%s", msg)
			}
		}
		v.list(usp, r.URIs, true, uriProblem)
	}

	v.plugins(p, r.Plugins)
	if len(r.Vars) > 0 {
		if _, err := expr.Compile(r.Vars); err != nil {
			var e *expr.Error
			if errors.As(err, &e) {
				v.errf(field(p, "vars")+e.Path, "%s", e.Msg)
			} else {
				v.errf(field(p, "vars"), "%v", err)
			}
		}
	}

	v.list(field(p, "methods"), r.Methods, false, func(m string) string {
		for _, ok := range methods {
			if m == ok {
				return ""
			}
		}
		return fmt.Sprintf("must be one of %s (got %s)", strings.Join(methods, ", "), clip(m))
	})

	hp, hsp := field(p, "host"), field(p, "hosts")
	hasHost, hasHosts := v.c.given(hp, r.Host == ""), v.c.given(hsp, r.Hosts == nil)
	if v.exclusive(p, hasHost, hasHosts, "host", "hosts") {
		if hasHost {
			if msg := matchHost(r.Host); msg != "" {
				v.errf(hp, "%s", msg)
			}
		}
		v.list(hsp, r.Hosts, true, matchHost)
	}

	ap, asp := field(p, "remote_addr"), field(p, "remote_addrs")
	hasAddr, hasAddrs := v.c.given(ap, r.RemoteAddr == ""), v.c.given(asp, r.RemoteAddrs == nil)
	if v.exclusive(p, hasAddr, hasAddrs, "remote_addr", "remote_addrs") {
		if hasAddr {
			if msg := remoteAddrProblem(r.RemoteAddr); msg != "" {
				v.errf(ap, "%s", msg)
			}
		}
		v.list(asp, r.RemoteAddrs, true, remoteAddrProblem)
	}

	if r.Status != nil && *r.Status != 0 && *r.Status != 1 {
		v.errf(field(p, "status"), "must be 0 (disabled) or 1 (enabled)")
	}

	if t := r.Timeout; t != nil {
		tp := field(p, "timeout")
		v.routeTimeout(field(tp, "connect"), t.Connect)
		v.routeTimeout(field(tp, "send"), t.Send)
		v.routeTimeout(field(tp, "read"), t.Read)
	}

	v.routeUpstream(r, p)
}

// routeUpstream checks that the route reaches exactly one upstream: its
// own (inline or by id), or its service's.
func (v *validator) routeUpstream(r *Route, p string) {
	idp, sidp := field(p, "upstream_id"), field(p, "service_id")
	hasInline := r.Upstream != nil
	hasID := v.id(idp, r.UpstreamID, false)
	hasSvc := v.id(sidp, r.ServiceID, false)
	v.exclusive(p, hasInline, hasID, "upstream", "upstream_id")
	if hasInline {
		v.upstream(r.Upstream, field(p, "upstream"), true)
	}
	if hasID {
		if _, ok := v.upstreamIDs[r.UpstreamID]; !ok {
			v.errf(idp, "upstream %q not found", r.UpstreamID)
		}
	}
	svcUpstream := false
	if hasSvc {
		i, ok := v.serviceIDs[r.ServiceID]
		if !ok {
			v.errf(sidp, "service %q not found", r.ServiceID)
			return
		}
		s := &v.c.Services[i]
		svcUpstream = s.Upstream != nil || s.UpstreamID != ""
	}
	if !hasInline && !hasID && !svcUpstream {
		if hasSvc {
			v.errf(p, "no upstream: service %q has none, so set upstream or upstream_id", r.ServiceID)
		} else {
			v.errf(p, "no upstream: set upstream, upstream_id or service_id")
		}
	}
}

// routeTimeout checks one field of a route's timeout. APISIX requires all
// three fields when a route sets a timeout.
func (v *validator) routeTimeout(path string, s Seconds) {
	switch {
	case s == 0 && !v.c.has(path):
		v.errf(path, "required when timeout is set")
	case s <= 0:
		v.errf(path, "must be > 0")
	}
}

// uriProblem checks a route URI: it starts with "/", holds no spaces, and
// may end in "*" for a prefix match; "*" elsewhere is refused.
func uriProblem(s string) string {
	switch {
	case !strings.HasPrefix(s, "/"):
		return fmt.Sprintf("%s must start with \"/\"", clip(s))
	case len(s) > maxURILen:
		return fmt.Sprintf("must be at most %d characters", maxURILen)
	case hasSpace(s):
		return fmt.Sprintf("%s must not hold spaces or control characters", clip(s))
	case strings.Contains(s[:len(s)-1], "*"):
		return fmt.Sprintf("%s: \"*\" is only allowed as the last character (prefix match)", clip(s))
	}
	return ""
}

// remoteAddrProblem checks a client address match: an IP or a CIDR.
func remoteAddrProblem(s string) string {
	if !validRemoteAddr(s) {
		return fmt.Sprintf("%s is not an IP address or CIDR prefix", clip(s))
	}
	return ""
}

// plugins validates the plugins Jetway runs; the others are refused by
// the support gaps.
func (v *validator) plugins(p string, plugins map[string]any) {
	eachArmUpstream(plugins, p, func(u *Upstream, path string) { v.upstream(u, path, true) })
	if pm, ok := plugins[ProxyMirrorName]; ok {
		decodeProxyMirror(pm, field(field(p, "plugins"), ProxyMirrorName), v.errf)
	}
	ts, ok := plugins[TrafficSplitName]
	if !ok {
		return
	}
	d := splitDecoder{
		bad:   v.errf,
		known: func(id string) bool { _, ok := v.upstreamIDs[id]; return ok },
	}
	d.plugin(ts, field(field(p, "plugins"), TrafficSplitName))
}
