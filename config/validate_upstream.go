package config

import (
	"fmt"
	"strings"
)

// Upstream limits and enums (APISIX schema_def).
const (
	maxNodeWeight = 1 << 20
	maxPort       = 65535
)

var (
	// random and p2c are Jetway extensions.
	upstreamTypes  = []string{"roundrobin", "chash", "least_conn", "ewma", "random", "p2c"}
	hashOns        = []string{"vars", "header", "cookie", "consumer", "vars_combinations"}
	schemes        = []string{"http", "https", "grpc", "grpcs", "tcp", "tls", "udp", "kafka"}
	passHosts      = []string{"pass", "node", "rewrite"}
	discoveryTypes = []string{"dns", "consul", "consul_kv", "nacos", "eureka", "kubernetes", "tars"}
)

// upstream checks one upstream at p. An inline upstream (inside a route
// or service) needs no id.
func (v *validator) upstream(u *Upstream, p string, inline bool) {
	if inline {
		v.id(field(p, "id"), u.ID, false)
	}
	v.meta(p, u.Name, u.Desc, u.Labels)

	schemeOK := v.oneOf(field(p, "scheme"), u.Scheme, schemes...)
	v.nodeSource(u, p)
	v.nodes(u, p, schemeOK)

	typeOK := v.oneOf(field(p, "type"), u.Type, upstreamTypes...)
	hashOK := v.oneOf(field(p, "hash_on"), u.HashOn, hashOns...)
	if typeOK && hashOK {
		v.hashKey(u, p)
	}

	if u.Retries != nil && *u.Retries < 0 {
		v.errf(field(p, "retries"), "must be >= 0")
	}
	if u.RetryTimeout < 0 {
		v.errf(field(p, "retry_timeout"), "must be >= 0")
	}
	if t := u.Timeout; t != nil {
		tp := field(p, "timeout")
		v.positive(field(tp, "connect"), t.Connect)
		v.positive(field(tp, "send"), t.Send)
		v.positive(field(tp, "read"), t.Read)
	}

	if v.oneOf(field(p, "pass_host"), u.PassHost, passHosts...) {
		hp := field(p, "upstream_host")
		switch {
		case u.PassHost == "rewrite" && u.UpstreamHost == "":
			v.errf(hp, "required when pass_host is rewrite")
		case u.PassHost != "rewrite" && v.c.given(hp, u.UpstreamHost == ""):
			v.errf(hp, "only used with pass_host rewrite")
		case u.UpstreamHost != "" && !validHostPort(u.UpstreamHost):
			v.errf(hp, "%s is not a valid host (host name or IP address, optionally with :port)", clip(u.UpstreamHost))
		}
	}

	if k := u.KeepalivePool; k != nil {
		kp := field(p, "keepalive_pool")
		if k.Size < 1 {
			v.errf(field(kp, "size"), "must be >= 1")
		}
		if k.IdleTimeout < 0 {
			v.errf(field(kp, "idle_timeout"), "must be >= 0")
		}
		if k.Requests < 1 {
			v.errf(field(kp, "requests"), "must be >= 1")
		}
	}

	if t := u.TLS; t != nil {
		tp := field(p, "tls")
		if schemeOK && !tlsScheme(u.Scheme) {
			v.errf(tp, "only used with scheme https, grpcs or tls")
		}
		if (t.ClientCert == "") != (t.ClientKey == "") {
			v.errf(tp, "client_cert and client_key must be set together")
		}
	}

	if u.Checks != nil {
		v.checks(u.Checks, field(p, "checks"))
	}
	if u.SlowStart != nil {
		v.slowStart(u.SlowStart, field(p, "slow_start"))
	}
}

// nodeSource checks that nodes come from exactly one place: the static
// list or service discovery.
func (v *validator) nodeSource(u *Upstream, p string) {
	hasNodes := u.Nodes != nil
	dp := field(p, "discovery_type")
	switch {
	case hasNodes && u.DiscoveryType != "":
		v.errf(p, "nodes and discovery_type are mutually exclusive")
	case !hasNodes && u.DiscoveryType == "":
		if v.c.given(dp, true) {
			v.errf(dp, "must not be empty")
		} else {
			v.errf(field(p, "nodes"), "required unless discovery_type is set")
		}
	}
	if u.DiscoveryType != "" {
		v.oneOf(dp, u.DiscoveryType, discoveryTypes...)
		if sp := field(p, "service_name"); u.ServiceName == "" {
			v.errf(sp, "required when discovery_type is set")
		} else if len(u.ServiceName) > maxDescLen {
			v.errf(sp, "must be at most %d characters", maxDescLen)
		}
		return
	}
	if u.ServiceName != "" {
		v.errf(field(p, "service_name"), "only used with discovery_type")
	}
	if u.DiscoveryArgs != nil {
		v.errf(field(p, "discovery_args"), "only used with discovery_type")
	}
}

// nodes checks each static node and that no address appears twice.
func (v *validator) nodes(u *Upstream, p string, schemeOK bool) {
	seen := make(map[string]int, len(u.Nodes))
	np := field(p, "nodes")
	for i, n := range u.Nodes {
		ip := index(np, i)
		ok := true
		switch {
		case n.Host == "":
			v.errf(field(ip, "host"), "must not be empty")
			ok = false
		case !validNodeHost(n.Host):
			v.errf(field(ip, "host"), "%s is not a valid host name or IP address", clip(n.Host))
			ok = false
		}
		pp := field(ip, "port")
		switch {
		case n.Port == 0 && !v.c.has(pp):
			if schemeOK {
				v.errf(pp, "required for scheme %s", u.Scheme)
			}
			ok = false
		case n.Port < 1 || n.Port > maxPort:
			v.errf(pp, "must be 1..%d", maxPort)
			ok = false
		}
		v.between(field(ip, "weight"), n.Weight, 0, maxNodeWeight)
		if !ok {
			continue
		}
		addr := n.Addr()
		if first, dup := seen[addr]; dup {
			v.errf(ip, "duplicate node %s (also nodes[%d])", addr, first)
			continue
		}
		seen[addr] = i
	}
}

// hashKey checks key and hash_on: they only apply to chash, where key
// names what to hash.
func (v *validator) hashKey(u *Upstream, p string) {
	kp := field(p, "key")
	if f := u.HashBalanceFactor; f != 0 {
		switch {
		case u.Type != "chash":
			v.errf(field(p, "hash_balance_factor"), "only used with type chash")
		case f < 100 || f > 10000:
			v.errf(field(p, "hash_balance_factor"), "must be 0 (off) or 100..10000 (percent of the mean load)")
		}
	}
	if u.Type != "chash" {
		if u.Key != "" {
			v.errf(kp, "only used with type chash")
		}
		if u.HashOn != DefaultHashOn {
			v.errf(field(p, "hash_on"), "only used with type chash")
		}
		return
	}
	if u.HashOn == "consumer" {
		return
	}
	if u.Key == "" {
		v.errf(kp, "required when type is chash")
		return
	}
	if msg := hashKeyProblem(u.HashOn, u.Key); msg != "" {
		v.errf(kp, "%s", msg)
	}
}

// hashKeyProblem says what is wrong with key for hash_on, or "".
func hashKeyProblem(hashOn, key string) string {
	switch hashOn {
	case "vars":
		if IsHashVar(key) {
			return ""
		}
		return fmt.Sprintf("%s is not a variable hash_on vars accepts (%s, arg_*, http_*, cookie_*)", clip(key), strings.Join(hashVars, ", "))
	case "vars_combinations":
		if _, err := HashTemplate(key); err != nil {
			return err.Error()
		}
	case "header", "cookie":
		if !validHashName(key) {
			return fmt.Sprintf("%s is not a valid %s name (a-z, A-Z, 0-9, '-', '_')", clip(key), hashOn)
		}
	}
	return ""
}

// validHashName reports whether s is made of a-z, A-Z, 0-9, '-' and '_'.
func validHashName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(isAlnum(c) || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}
