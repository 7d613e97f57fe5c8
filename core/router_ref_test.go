package core

import (
	"net/netip"
	"strings"
)

// routerRefMatch is the naive reference for router.match: it ranks every
// (route, host, uri) combination whose conditions hold and returns the best.
// It shares no code with the router.
func routerRefMatch(specs []routeSpec, method, host, path string, remote netip.Addr) (int, bool) {
	host = routerRefHostName(host)
	remote = remote.Unmap()
	best, found := routerRefRank{}, false
	for i, s := range specs {
		if !routerRefMethodOK(s.Methods, method) || !routerRefRemoteOK(s.RemoteAddrs, remote) {
			continue
		}
		hostRanks := []routerRefRank{{}}
		if len(s.Hosts) > 0 {
			hostRanks = hostRanks[:0]
			for _, h := range s.Hosts {
				if rk, ok := routerRefHostRank(h, host); ok {
					hostRanks = append(hostRanks, rk)
				}
			}
		}
		for _, hr := range hostRanks {
			for _, u := range s.URIs {
				rk, ok := routerRefURIRank(u, path)
				if !ok {
					continue
				}
				rk.hostClass, rk.hostLen = hr.hostClass, hr.hostLen
				rk.priority, rk.index = s.Priority, i
				if !found || rk.beats(best) {
					best, found = rk, true
				}
			}
		}
	}
	return best.index, found
}

// routerRefRank orders matching combinations; see beats.
type routerRefRank struct {
	hostClass int // 2 exact host, 1 wildcard host, 0 no host
	hostLen   int // wildcard suffix length
	uriExact  bool
	uriLen    int // prefix length
	priority  int
	index     int
}

func (a routerRefRank) beats(b routerRefRank) bool {
	switch {
	case a.hostClass != b.hostClass:
		return a.hostClass > b.hostClass
	case a.hostLen != b.hostLen:
		return a.hostLen > b.hostLen
	case a.uriExact != b.uriExact:
		return a.uriExact
	case a.uriLen != b.uriLen:
		return a.uriLen > b.uriLen
	case a.priority != b.priority:
		return a.priority > b.priority
	}
	return a.index < b.index
}

// routerRefHostName strips the port and one trailing dot and lower-cases ASCII.
func routerRefHostName(h string) string {
	if strings.HasPrefix(h, "[") {
		if i := strings.Index(h, "]"); i >= 0 {
			h = h[:i+1]
		}
	} else if i := strings.Index(h, ":"); i >= 0 {
		h = h[:i]
	}
	return routerRefLower(strings.TrimSuffix(h, "."))
}

func routerRefLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func routerRefHostRank(routeHost, host string) (routerRefRank, bool) {
	routeHost = routerRefLower(strings.TrimSuffix(routeHost, "."))
	if suffix, ok := strings.CutPrefix(routeHost, "*"); ok {
		if strings.HasSuffix(host, suffix) {
			return routerRefRank{hostClass: 1, hostLen: len(suffix)}, true
		}
		return routerRefRank{}, false
	}
	return routerRefRank{hostClass: 2}, routeHost == host
}

func routerRefURIRank(uri, path string) (routerRefRank, bool) {
	if prefix, ok := strings.CutSuffix(uri, "*"); ok {
		return routerRefRank{uriLen: len(prefix)}, strings.HasPrefix(path, prefix)
	}
	return routerRefRank{uriExact: true}, uri == path
}

func routerRefMethodOK(methods []string, m string) bool {
	if len(methods) == 0 {
		return true
	}
	for _, x := range methods {
		if x == m {
			return true
		}
	}
	return false
}

func routerRefRemoteOK(prefixes []netip.Prefix, a netip.Addr) bool {
	if len(prefixes) == 0 {
		return true
	}
	for _, p := range prefixes {
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		if p.Contains(a) {
			return true
		}
	}
	return false
}
