package config

import "fmt"

// gaps is the one list of what Jetway parses and validates but cannot run
// yet. Each entry refuses the fields it names, with their path and line,
// so a configuration never runs with a setting silently ignored. Removing
// an entry is how a feature is switched on.
var gaps = []struct {
	name  string
	check func(c *Config, report func(path, format string, args ...any))
}{
	{"service discovery", func(c *Config, report func(string, string, ...any)) {
		eachUpstream(c, func(u *Upstream, p string, _ bool) {
			if u.DiscoveryType != "" {
				report(field(p, "discovery_type"), "service discovery is not supported yet")
			}
		})
	}},
	{"gRPC upstreams", func(c *Config, report func(string, string, ...any)) {
		eachUpstream(c, func(u *Upstream, p string, _ bool) {
			if u.Scheme == "grpc" || u.Scheme == "grpcs" {
				report(field(p, "scheme"), "%s is not supported", clip(u.Scheme))
			}
		})
	}},
	{"stream upstreams", func(c *Config, report func(string, string, ...any)) {
		eachUpstream(c, func(u *Upstream, p string, httpUse bool) {
			switch u.Scheme {
			case "tcp", "tls", "udp", "kafka":
				if httpUse {
					report(field(p, "scheme"), "%s is not an HTTP scheme; stream routes are not supported yet", clip(u.Scheme))
				}
			}
		})
	}},
	{"hash_on consumer", func(c *Config, report func(string, string, ...any)) {
		eachUpstream(c, func(u *Upstream, p string, _ bool) {
			if u.Type == "chash" && u.HashOn == "consumer" {
				report(field(p, "hash_on"), "consumer needs authentication, which Jetway does not have yet")
			}
		})
	}},
	{"CONNECT", func(c *Config, report func(string, string, ...any)) {
		for i := range c.Routes {
			for j, m := range c.Routes[i].Methods {
				if m == "CONNECT" {
					report(index(field(index("routes", i), "methods"), j), "CONNECT is not supported (Jetway answers it 405)")
				}
			}
		}
	}},
	{"plugins", func(c *Config, report func(string, string, ...any)) {
		plugins := func(p string, m map[string]any) {
			for _, name := range sortedKeys(m) {
				pp := field(field(p, "plugins"), name)
				if name == TrafficSplitName || name == ProxyMirrorName {
					continue
				}
				report(pp, "plugin not supported yet")
			}
		}
		for i := range c.Routes {
			plugins(index("routes", i), c.Routes[i].Plugins)
		}
		for i := range c.Services {
			plugins(index("services", i), c.Services[i].Plugins)
		}
	}},
}

// Supported returns nil, or an Errors (each wrapping ErrUnsupported)
// naming every field of a valid configuration that Jetway cannot run yet.
func Supported(c *Config) error {
	p := &problems{c: c}
	supported(c, p)
	return p.result()
}

// supported reports every gap of c to p.
func supported(c *Config, p *problems) {
	for _, g := range gaps {
		g.check(c, func(path, format string, args ...any) {
			p.unsupported(path, "%s", fmt.Sprintf(format, args...))
		})
	}
}

// eachUpstream calls fn for every upstream: the top-level ones, then the
// inline ones of routes and services. httpUse is true when an HTTP route
// sends traffic to it (directly or through its service).
func eachUpstream(c *Config, fn func(u *Upstream, p string, httpUse bool)) {
	used := make(map[string]bool)    // upstream ids reached by a route
	svcUsed := make(map[string]bool) // service ids reached by a route
	for i := range c.Routes {
		r := &c.Routes[i]
		if r.UpstreamID != "" {
			used[r.UpstreamID] = true
		}
		if r.Upstream == nil && r.UpstreamID == "" && r.ServiceID != "" {
			svcUsed[r.ServiceID] = true
		}
	}
	for i := range c.Services {
		if s := &c.Services[i]; svcUsed[s.ID] && s.UpstreamID != "" {
			used[s.UpstreamID] = true
		}
	}
	for i := range c.Upstreams {
		u := &c.Upstreams[i]
		fn(u, index("upstreams", i), used[u.ID])
	}
	for i := range c.Routes {
		if r := &c.Routes[i]; r.Upstream != nil {
			fn(r.Upstream, field(index("routes", i), "upstream"), true)
		}
	}
	for i := range c.Services {
		if s := &c.Services[i]; s.Upstream != nil {
			fn(s.Upstream, field(index("services", i), "upstream"), svcUsed[s.ID])
		}
	}
	for i := range c.Routes {
		eachArmUpstream(c.Routes[i].Plugins, index("routes", i), func(u *Upstream, p string) { fn(u, p, true) })
	}
	for i := range c.Services {
		s := &c.Services[i]
		eachArmUpstream(s.Plugins, index("services", i), func(u *Upstream, p string) { fn(u, p, svcUsed[s.ID]) })
	}
}
