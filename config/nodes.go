package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Addr is the node's "host:port", with IPv6 hosts in brackets. It is the
// node's identity in the live-state registry.
func (n Node) Addr() string {
	return net.JoinHostPort(n.Host, strconv.Itoa(n.Port))
}

// nodes decodes both APISIX node shapes. The map form keeps document
// order; each key "host:port" (or "host", "[v6]:port", "[v6]") fills Host
// and Port, its value Weight. The list form decodes each item as a Node
// and requires host and weight. IPv6 hosts are stored without brackets.
func (d *decoder) nodes(n *yaml.Node, at *place, out *Nodes) {
	switch n.Kind {
	case yaml.MappingNode:
		prs := d.pairs(n, at)
		ns := make(Nodes, len(prs))
		for i, pr := range prs {
			line := pr.k.Line
			np := at.child(indexStep(i), line)
			host, port, err := splitNodeAddr(pr.key)
			if err != nil {
				d.fail(line, np.String(), "%v", err)
				continue
			}
			ns[i].Host, ns[i].Port = host, port
			np.child(keyStep("host"), line)
			if port != 0 {
				np.child(keyStep("port"), line)
			}
			d.value(pr.v, np, keyStep("weight"), line, reflect.ValueOf(&ns[i].Weight).Elem(), 0)
		}
		*out = ns
	case yaml.SequenceNode:
		ns := make(Nodes, len(n.Content))
		for i, item := range n.Content {
			d.value(item, at, indexStep(i), item.Line, reflect.ValueOf(&ns[i]).Elem(), 0)
			np := at.kids[indexStep(i)]
			if np == nil || resolve(item).Kind != yaml.MappingNode {
				continue
			}
			for _, req := range [...]string{"host", "weight"} {
				if np.kids[keyStep(req)] == nil {
					d.fail(item.Line, field(np.String(), req), "required")
				}
			}
			ns[i].Host = unbracket(ns[i].Host)
		}
		*out = ns
	default:
		d.typeError(n, at, nodesType)
	}
}

// resolve follows one alias.
func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// unbracket strips the brackets of "[v6]" when they hold an IPv6 address.
func unbracket(h string) string {
	if len(h) > 2 && h[0] == '[' && h[len(h)-1] == ']' {
		if a, err := netip.ParseAddr(h[1 : len(h)-1]); err == nil && a.Is6() {
			return h[1 : len(h)-1]
		}
	}
	return h
}

var errNodeAddr = errors.New("invalid node address")

// splitNodeAddr splits a node map key into host and port. The port is 0
// when the key has none (it then defaults from the scheme). A bare IPv6
// address is accepted without brackets only when it has no port.
func splitNodeAddr(s string) (host string, port int, err error) {
	bad := func(why string) (string, int, error) {
		return "", 0, fmt.Errorf("%w %s: %s", errNodeAddr, clip(s), why)
	}
	rest := ""
	switch {
	case s == "":
		return bad("empty")
	case s[0] == '[':
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return bad("missing ']'")
		}
		host, rest = s[1:end], s[end+1:]
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return bad("brackets must hold an IPv6 address")
		}
		if rest != "" && rest[0] != ':' {
			return bad("unexpected text after ']'")
		}
	case strings.Count(s, ":") > 1:
		if a, err := netip.ParseAddr(s); err != nil || !a.Is6() {
			return bad("an IPv6 address with a port must be written [host]:port")
		}
		return s, 0, nil
	default:
		host, rest, _ = strings.Cut(s, ":")
		if rest != "" || strings.HasSuffix(s, ":") {
			rest = ":" + rest
		}
	}
	if rest == "" {
		return host, 0, nil
	}
	p, ok := parsePort(rest[1:])
	if !ok {
		return bad("port must be a number 1..65535")
	}
	return host, p, nil
}

// parsePort parses a decimal port 1..65535.
func parsePort(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	p := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		p = p*10 + int(s[i]-'0')
	}
	return p, p >= 1 && p <= 65535
}
