package config

import (
	"net"
	"net/netip"
	"strings"
)

// Limits from APISIX schema_def.
const (
	maxIDLen         = 64
	maxNameLen       = 100
	maxDescLen       = 256
	maxLabels        = 16
	maxLabelValueLen = 64
	maxURILen        = 4096
	maxHostnameLen   = 253
	maxLabelLen      = 63
)

// validID reports whether s is an APISIX id: 1..64 of [a-zA-Z0-9-_.].
func validID(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlnum(c) || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// validHostname reports whether s is a DNS name: dot-separated labels of
// 1..63 letters, digits, '-' or '_', not starting or ending with '-', at
// most 253 bytes, and not ending in an all-digit label (which would be a
// malformed IPv4 address).
func validHostname(s string) bool {
	if s == "" || len(s) > maxHostnameLen {
		return false
	}
	last := ""
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > maxLabelLen || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !(isAlnum(c) || c == '-' || c == '_') {
				return false
			}
		}
		last = label
	}
	return !isDigits(last)
}

// validNodeHost reports whether s is a host name or an IP address
// (IPv6 without brackets).
func validNodeHost(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	return validHostname(s)
}

// validMatchHost reports whether s can match a request's Host: a host name
// optionally starting with "*.", an IPv4 address, or an IPv6 address with
// or without brackets.
func validMatchHost(s string) bool {
	if rest, ok := strings.CutPrefix(s, "*."); ok {
		return validHostname(rest)
	}
	return validNodeHost(unbracket(s))
}

// validHostPort reports whether s is a host, optionally with ":port", for
// the Host header sent upstream.
func validHostPort(s string) bool {
	if validNodeHost(unbracket(s)) {
		return true
	}
	h, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	_, ok := parsePort(port)
	return ok && validNodeHost(h)
}

// validListen checks a listen address "host:port"; the host may be empty
// (all interfaces), an IP address or a host name.
func validListen(s string) string {
	h, port, err := net.SplitHostPort(s)
	if err != nil {
		return "must be host:port, e.g. \"127.0.0.1:9080\" or \":9080\""
	}
	if _, ok := parsePort(port); !ok {
		return "port must be 1..65535"
	}
	if h != "" && !validNodeHost(h) {
		return "host must be an IP address or a host name"
	}
	return ""
}

// validRemoteAddr reports whether s is an IP address or a CIDR prefix.
func validRemoteAddr(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	_, err := netip.ParsePrefix(s)
	return err == nil
}

// hasSpace reports whether s holds whitespace or control characters.
func hasSpace(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2), the
// syntax of a header name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlnum(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
