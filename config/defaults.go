package config

import "slices"

// Gateway defaults.
const (
	DefaultListen              = ":9080"
	DefaultMaxHeaderBytes      = 16384
	DefaultMaxRequestLineBytes = 8192
	DefaultReadHeaderTimeout   = Seconds(60)
	DefaultIdleTimeout         = Seconds(60)
	DefaultDrainTimeout        = Seconds(10)
	DefaultLogLevel            = "info"
	DefaultControlListen       = "127.0.0.1:9090"
)

// Upstream defaults (APISIX schema_def; timeouts follow nginx's
// proxy_*_timeout). TLS verification is on by default, unlike APISIX.
const (
	DefaultUpstreamType         = "roundrobin"
	DefaultHashOn               = "vars"
	DefaultScheme               = "http"
	DefaultPassHost             = "pass"
	DefaultRetryTimeout         = Seconds(0) // no limit
	DefaultConnectTimeout       = Seconds(60)
	DefaultSendTimeout          = Seconds(60)
	DefaultReadTimeout          = Seconds(60)
	DefaultKeepaliveSize        = 320
	DefaultKeepaliveIdleTimeout = Seconds(60)
	DefaultKeepaliveRequests    = 1000
	DefaultTLSVerify            = true
	DefaultNodePriority         = 0
	// DefaultHTTPPort and DefaultHTTPSPort fill a node written without a
	// port: 80 for http and grpc, 443 for https and grpcs.
	DefaultHTTPPort  = 80
	DefaultHTTPSPort = 443
)

// Active health check defaults (APISIX checks.active).
const (
	DefaultActiveType              = "http"
	DefaultActiveTimeout           = Seconds(1)
	DefaultActiveConcurrency       = 10
	DefaultActiveHTTPPath          = "/"
	DefaultActiveHTTPMethod        = "GET"
	DefaultActiveVerifyCertificate = true
	DefaultActiveHealthyInterval   = 1
	DefaultActiveHealthySuccesses  = 2
	DefaultActiveUnhealthyInterval = 1
	DefaultActiveHTTPFailures      = 5
	DefaultActiveTCPFailures       = 2
	DefaultActiveTimeouts          = 3
)

// Passive health check defaults (APISIX checks.passive).
const (
	DefaultPassiveType             = "http"
	DefaultPassiveHealthySuccesses = 5
	DefaultPassiveHTTPFailures     = 5
	DefaultPassiveTCPFailures      = 2
	DefaultPassiveTimeouts         = 7
	// Ejection extensions (Envoy outlier detection defaults).
	DefaultMaxEjectionPercent = 50
	DefaultBaseEjectionTime   = Seconds(30)
	DefaultMaxEjectionTime    = Seconds(300)
	// Slow start extension.
	DefaultSlowStartMinWeightPercent = 10
)

// Route defaults. A route's enable_websocket and timeout stay unset when
// not written: they fall back to the service's and the upstream's.
const (
	DefaultRouteStatus     = 1
	DefaultRoutePriority   = 0
	DefaultEnableWebsocket = false
)

// Default HTTP status lists of the health checks; each upstream gets its
// own copy.
var (
	defaultActiveHealthyStatuses    = [...]int{200, 302}
	defaultActiveUnhealthyStatuses  = [...]int{429, 404, 500, 501, 502, 503, 504, 505}
	defaultPassiveHealthyStatuses   = [...]int{200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308}
	defaultPassiveUnhealthyStatuses = [...]int{429, 500, 503}
)

// ApplyDefaults fills every field the configuration leaves unset, in
// place, including inline upstreams of routes and services. A field is
// unset when the source did not write it; in a Config built in Go, when
// it holds its zero value. Upstream.Retries stays nil (the node count
// minus one applies at run time). Parse calls it; calling it twice
// changes nothing.
func ApplyDefaults(c *Config) {
	d := defaulter{c}

	g := &c.Gateway
	if g.HTTP.Listen == nil && !c.has("gateway.http.listen") {
		g.HTTP.Listen = []string{DefaultListen}
	}
	d.int(&g.HTTP.MaxHeaderBytes, "gateway.http.max_header_bytes", DefaultMaxHeaderBytes)
	d.int(&g.HTTP.MaxRequestLineBytes, "gateway.http.max_request_line_bytes", DefaultMaxRequestLineBytes)
	d.seconds(&g.HTTP.ReadHeaderTimeout, "gateway.http.read_header_timeout", DefaultReadHeaderTimeout)
	d.seconds(&g.HTTP.IdleTimeout, "gateway.http.idle_timeout", DefaultIdleTimeout)
	d.string(&g.HTTP.Engine, "gateway.http.engine", DefaultEngine)
	d.string(&g.Control.Listen, "gateway.control.listen", DefaultControlListen)
	d.seconds(&g.DrainTimeout, "gateway.drain_timeout", DefaultDrainTimeout)
	d.string(&g.Log.Level, "gateway.log.level", DefaultLogLevel)

	for i := range c.Upstreams {
		d.upstream(&c.Upstreams[i], index("upstreams", i))
	}
	for i := range c.Routes {
		r, p := &c.Routes[i], index("routes", i)
		if r.Status == nil {
			r.Status = new(int)
			*r.Status = DefaultRouteStatus
		}
		d.int(&r.Priority, field(p, "priority"), DefaultRoutePriority)
		if r.Upstream != nil {
			d.upstream(r.Upstream, field(p, "upstream"))
		}
		eachArmUpstream(r.Plugins, p, d.upstream)
	}
	for i := range c.Services {
		s, p := &c.Services[i], index("services", i)
		if s.Upstream != nil {
			d.upstream(s.Upstream, field(p, "upstream"))
		}
		eachArmUpstream(s.Plugins, p, d.upstream)
	}
}

// defaulter fills fields the source left unset.
type defaulter struct{ c *Config }

func (d defaulter) int(v *int, path string, def int) {
	if *v == 0 && !d.c.has(path) {
		*v = def
	}
}

func (d defaulter) seconds(v *Seconds, path string, def Seconds) {
	if *v == 0 && !d.c.has(path) {
		*v = def
	}
}

func (d defaulter) string(v *string, path, def string) {
	if *v == "" && !d.c.has(path) {
		*v = def
	}
}

func (d defaulter) bool(v **bool, def bool) {
	if *v == nil {
		*v = new(bool)
		**v = def
	}
}

func (d defaulter) statuses(v *[]int, path string, def []int) {
	if *v == nil && !d.c.has(path) {
		*v = slices.Clone(def)
	}
}

func (d defaulter) upstream(u *Upstream, p string) {
	d.string(&u.Type, field(p, "type"), DefaultUpstreamType)
	d.string(&u.HashOn, field(p, "hash_on"), DefaultHashOn)
	d.string(&u.Scheme, field(p, "scheme"), DefaultScheme)
	d.string(&u.PassHost, field(p, "pass_host"), DefaultPassHost)
	d.seconds(&u.RetryTimeout, field(p, "retry_timeout"), DefaultRetryTimeout)

	defaultPort := 0
	switch u.Scheme {
	case "http", "grpc":
		defaultPort = DefaultHTTPPort
	case "https", "grpcs":
		defaultPort = DefaultHTTPSPort
	}
	for i := range u.Nodes {
		np := index(field(p, "nodes"), i)
		d.int(&u.Nodes[i].Port, field(np, "port"), defaultPort)
		d.int(&u.Nodes[i].Priority, field(np, "priority"), DefaultNodePriority)
	}

	if u.Timeout == nil {
		u.Timeout = &Timeout{}
	}
	tp := field(p, "timeout")
	d.seconds(&u.Timeout.Connect, field(tp, "connect"), DefaultConnectTimeout)
	d.seconds(&u.Timeout.Send, field(tp, "send"), DefaultSendTimeout)
	d.seconds(&u.Timeout.Read, field(tp, "read"), DefaultReadTimeout)

	if u.KeepalivePool == nil {
		u.KeepalivePool = &KeepalivePool{}
	}
	kp := field(p, "keepalive_pool")
	d.int(&u.KeepalivePool.Size, field(kp, "size"), DefaultKeepaliveSize)
	d.seconds(&u.KeepalivePool.IdleTimeout, field(kp, "idle_timeout"), DefaultKeepaliveIdleTimeout)
	d.int(&u.KeepalivePool.Requests, field(kp, "requests"), DefaultKeepaliveRequests)

	if u.TLS == nil && tlsScheme(u.Scheme) {
		u.TLS = &UpstreamTLS{}
	}
	if u.TLS != nil {
		d.bool(&u.TLS.Verify, DefaultTLSVerify)
	}

	if u.Checks != nil {
		cp := field(p, "checks")
		if a := u.Checks.Active; a != nil {
			d.active(a, field(cp, "active"))
		}
		if ps := u.Checks.Passive; ps != nil {
			d.passive(ps, field(cp, "passive"))
		}
	}
	if ss := u.SlowStart; ss != nil {
		d.int(&ss.MinWeightPercent, field(field(p, "slow_start"), "min_weight_percent"), DefaultSlowStartMinWeightPercent)
	}
}

func (d defaulter) active(a *ActiveCheck, p string) {
	d.string(&a.Type, field(p, "type"), DefaultActiveType)
	d.seconds(&a.Timeout, field(p, "timeout"), DefaultActiveTimeout)
	d.int(&a.Concurrency, field(p, "concurrency"), DefaultActiveConcurrency)
	d.string(&a.HTTPPath, field(p, "http_path"), DefaultActiveHTTPPath)
	d.string(&a.HTTPMethod, field(p, "http_method"), DefaultActiveHTTPMethod)
	d.bool(&a.HTTPSVerifyCertificate, DefaultActiveVerifyCertificate)

	if a.Healthy == nil {
		a.Healthy = &ActiveHealthy{}
	}
	hp := field(p, "healthy")
	d.int(&a.Healthy.Interval, field(hp, "interval"), DefaultActiveHealthyInterval)
	d.statuses(&a.Healthy.HTTPStatuses, field(hp, "http_statuses"), defaultActiveHealthyStatuses[:])
	d.int(&a.Healthy.Successes, field(hp, "successes"), DefaultActiveHealthySuccesses)

	if a.Unhealthy == nil {
		a.Unhealthy = &ActiveUnhealthy{}
	}
	up := field(p, "unhealthy")
	d.int(&a.Unhealthy.Interval, field(up, "interval"), DefaultActiveUnhealthyInterval)
	d.statuses(&a.Unhealthy.HTTPStatuses, field(up, "http_statuses"), defaultActiveUnhealthyStatuses[:])
	d.int(&a.Unhealthy.HTTPFailures, field(up, "http_failures"), DefaultActiveHTTPFailures)
	d.int(&a.Unhealthy.TCPFailures, field(up, "tcp_failures"), DefaultActiveTCPFailures)
	d.int(&a.Unhealthy.Timeouts, field(up, "timeouts"), DefaultActiveTimeouts)
}

func (d defaulter) passive(ps *PassiveCheck, p string) {
	d.string(&ps.Type, field(p, "type"), DefaultPassiveType)

	if ps.Healthy == nil {
		ps.Healthy = &PassiveHealthy{}
	}
	hp := field(p, "healthy")
	d.statuses(&ps.Healthy.HTTPStatuses, field(hp, "http_statuses"), defaultPassiveHealthyStatuses[:])
	d.int(&ps.Healthy.Successes, field(hp, "successes"), DefaultPassiveHealthySuccesses)

	if ps.Unhealthy == nil {
		ps.Unhealthy = &PassiveUnhealthy{}
	}
	up := field(p, "unhealthy")
	d.statuses(&ps.Unhealthy.HTTPStatuses, field(up, "http_statuses"), defaultPassiveUnhealthyStatuses[:])
	d.int(&ps.Unhealthy.HTTPFailures, field(up, "http_failures"), DefaultPassiveHTTPFailures)
	d.int(&ps.Unhealthy.TCPFailures, field(up, "tcp_failures"), DefaultPassiveTCPFailures)
	d.int(&ps.Unhealthy.Timeouts, field(up, "timeouts"), DefaultPassiveTimeouts)

	d.int(&ps.MaxEjectionPercent, field(p, "max_ejection_percent"), DefaultMaxEjectionPercent)
	d.seconds(&ps.BaseEjectionTime, field(p, "base_ejection_time"), DefaultBaseEjectionTime)
	d.seconds(&ps.MaxEjectionTime, field(p, "max_ejection_time"), DefaultMaxEjectionTime)
}

// tlsScheme reports whether scheme speaks TLS to the nodes.
func tlsScheme(scheme string) bool {
	return scheme == "https" || scheme == "grpcs" || scheme == "tls"
}
