package core

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/expr"
	"github.com/jetwayhq/jetway/hc"
	"github.com/jetwayhq/jetway/lb"
	"github.com/jetwayhq/jetway/upstream"
)

// Snapshot is one immutable, fully built configuration. The request path
// loads it once per request; it is never modified after publication.
type Snapshot struct {
	router    *router
	routes    []*routeRT
	upstreams map[string]*upstreamRT
	listen    []string
	limits    frontDoorLimits
	http      config.HTTP

	// readHeaderTimeout bounds reading a request's headers; idleTimeout
	// closes idle client connections; clientIdle bounds the wait between
	// reads of a streamed request body (nginx client_body_timeout).
	readHeaderTimeout time.Duration
	idleTimeout       time.Duration
	clientIdle        time.Duration

	nodeKeys   map[string]struct{}
	clientKeys map[clientKey]struct{}
	// all lists every upstream once: the top-level ones and the inline
	// ones of routes and services, in config order.
	all []*upstreamRT
	// plan holds the health nodes the snapshot uses, committed to the
	// health manager once the snapshot is published.
	plan *hc.Plan
	// control is the Control API address (gateway.control.listen).
	control string
	// ramps are the canary ramps of the snapshot's routes, by rampKey.
	ramps map[string]splitRamp
}

// routeRT is a route as the request path uses it.
type routeRT struct {
	id        string
	up        *upstreamRT
	timeouts  timeouts
	websocket bool
	// split is the traffic-split plugin; nil without one.
	split *split
	// mirror is the proxy-mirror plugin; nil without one.
	mirror *mirror
	// inLoop: the loop engine's event loops serve the route's simple
	// requests themselves (loopserve).
	inLoop bool
}

// passHost says which Host header goes upstream.
type passHost uint8

const (
	passHostPass passHost = iota
	passHostNode
	passHostRewrite
)

// upstreamRT is an upstream as the request path uses it. Slices are indexed
// by the target index a Balancer returns.
type upstreamRT struct {
	id       string
	targets  []lb.Target
	clients  []*nodeClient
	nodeHost [][]byte // Host header for pass_host: node
	balancer lb.Balancer
	// hash computes the request key of a chash upstream; nil otherwise.
	hash *hashSpec
	// observeLatency records each answer's latency on the node (ewma).
	observeLatency bool

	// hcNodes are the targets' health nodes; passive counts live traffic
	// against them when the upstream has passive checks.
	hcNodes []*hc.Node
	passive *hc.Passive
	// group counts the healthy nodes for the panic threshold.
	group *upstream.Group
	// checks are the upstream's health checks, nil when it has none.
	checks *config.Checks
	// slowStart is set when the balancer ramps recovered nodes; picks then
	// carry the time.
	slowStart bool
	ramp      lb.SlowStart
	clock     hc.Clock

	retries      int
	retryTimeout time.Duration
	passHost     passHost
	upstreamHost []byte
	https        bool
	timeouts     timeouts
}

// inLoop reports whether an event loop can serve the upstream's requests
// itself: plain HTTP to nodes given by IP address, and a balancer that
// needs nothing of the request.
func (u *upstreamRT) inLoop() bool {
	if u.https || u.hash != nil {
		return false
	}
	for _, c := range u.clients {
		if !c.ap.IsValid() {
			return false
		}
	}
	return true
}

// timeouts are an upstream's connect, send and read timeouts.
type timeouts struct {
	connect, send, read time.Duration
}

// builder carries the shared state of one snapshot build.
type builder struct {
	g    *Gateway
	snap *Snapshot
	// prev is the snapshot being replaced, nil on the first build.
	prev *Snapshot
	// inline holds the inline upstreams built so far, by id.
	inline map[string]*upstreamRT
	now    int64
}

// build turns a validated config into a Snapshot, reusing live node state
// and connection pools held by g.
func (g *Gateway) build(cfg *config.Config) (*Snapshot, error) {
	s := &Snapshot{
		upstreams:  make(map[string]*upstreamRT),
		listen:     append([]string(nil), cfg.Gateway.HTTP.Listen...),
		limits:     frontDoorLimits{MaxHeaderBytes: cfg.Gateway.HTTP.MaxHeaderBytes, MaxRequestLineBytes: cfg.Gateway.HTTP.MaxRequestLineBytes},
		nodeKeys:   make(map[string]struct{}),
		clientKeys: make(map[clientKey]struct{}),
		http:       cfg.Gateway.HTTP,

		readHeaderTimeout: cfg.Gateway.HTTP.ReadHeaderTimeout.Duration(),
		idleTimeout:       cfg.Gateway.HTTP.IdleTimeout.Duration(),
		clientIdle:        cfg.Gateway.HTTP.ReadHeaderTimeout.Duration(),
		plan:              g.hc.Plan(),
		ramps:             make(map[string]splitRamp),
		control:           cfg.Gateway.Control.Listen,
	}
	b := &builder{g: g, snap: s, prev: g.snap.Load(), inline: make(map[string]*upstreamRT), now: g.hc.Clock().Now().UnixNano()}
	for i := range cfg.Upstreams {
		u := &cfg.Upstreams[i]
		rt, err := b.upstream(u.ID, u)
		if err != nil {
			return nil, fmt.Errorf("upstreams[%d]: %w", i, err)
		}
		s.upstreams[u.ID] = rt
	}
	services := make(map[string]*config.Service, len(cfg.Services))
	for i := range cfg.Services {
		services[cfg.Services[i].ID] = &cfg.Services[i]
	}
	specs := make([]routeSpec, 0, len(cfg.Routes))
	for i := range cfg.Routes {
		r := &cfg.Routes[i]
		if r.Status != nil && *r.Status == 0 {
			continue
		}
		rt, spec, err := b.route(r, services)
		if err != nil {
			return nil, fmt.Errorf("routes[%d]: %w", i, err)
		}
		s.routes = append(s.routes, rt)
		specs = append(specs, spec)
	}
	rtr, err := newRouter(specs)
	if err != nil {
		return nil, err
	}
	s.router = rtr
	return s, nil
}

func (b *builder) route(r *config.Route, services map[string]*config.Service) (*routeRT, routeSpec, error) {
	rt := &routeRT{id: r.ID}
	var svc *config.Service
	if r.ServiceID != "" {
		svc = services[r.ServiceID]
		if svc == nil {
			return nil, routeSpec{}, fmt.Errorf("service_id %q: no such service", r.ServiceID)
		}
	}
	switch {
	case r.Upstream != nil:
		up, err := b.inlineUpstream("route:"+r.ID, r.Upstream)
		if err != nil {
			return nil, routeSpec{}, fmt.Errorf("upstream: %w", err)
		}
		rt.up = up
	case r.UpstreamID != "":
		rt.up = b.snap.upstreams[r.UpstreamID]
	case svc != nil && svc.Upstream != nil:
		up, err := b.inlineUpstream("service:"+svc.ID, svc.Upstream)
		if err != nil {
			return nil, routeSpec{}, fmt.Errorf("service %q upstream: %w", svc.ID, err)
		}
		rt.up = up
	case svc != nil && svc.UpstreamID != "":
		rt.up = b.snap.upstreams[svc.UpstreamID]
	}
	if rt.up == nil {
		return nil, routeSpec{}, errors.New("no upstream")
	}
	rt.timeouts = rt.up.timeouts
	if r.Timeout != nil {
		rt.timeouts = toTimeouts(r.Timeout)
	}
	pm, err := config.ProxyMirrorOf(pluginOwner(r, svc, config.ProxyMirrorName).plugins)
	owner := pluginOwner(r, svc, config.TrafficSplitName)
	if err != nil {
		return nil, routeSpec{}, err
	}
	if pm != nil {
		rt.mirror = b.g.mirrors.build(r.ID, pm)
	}
	ts, err := config.TrafficSplitOf(owner.plugins)
	if err != nil {
		return nil, routeSpec{}, err
	}
	if ts != nil {
		if err := b.split(rt, ts, owner.name, r.Timeout != nil); err != nil {
			return nil, routeSpec{}, err
		}
	}
	rt.websocket = r.WebsocketEnabled(svc)
	rt.inLoop = rt.split == nil && rt.mirror == nil && rt.up.inLoop()

	spec := routeSpec{Methods: r.Methods, Priority: r.Priority}
	if len(r.Vars) > 0 {
		vars, err := expr.Compile(r.Vars)
		if err != nil {
			return nil, routeSpec{}, fmt.Errorf("vars: %w", err)
		}
		spec.Vars = vars
	}
	spec.URIs = r.URIs
	if r.URI != "" {
		spec.URIs = []string{r.URI}
	}
	spec.Hosts = r.Hosts
	if r.Host != "" {
		spec.Hosts = []string{r.Host}
	}
	if len(spec.Hosts) == 0 && svc != nil {
		spec.Hosts = svc.Hosts
	}
	addrs := r.RemoteAddrs
	if r.RemoteAddr != "" {
		addrs = []string{r.RemoteAddr}
	}
	for _, a := range addrs {
		p, err := parsePrefix(a)
		if err != nil {
			return nil, routeSpec{}, fmt.Errorf("remote_addrs: %w", err)
		}
		spec.RemoteAddrs = append(spec.RemoteAddrs, p)
	}
	return rt, spec, nil
}

// parsePrefix reads an IP or a CIDR; a single IP becomes a full-length prefix.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

func toTimeouts(t *config.Timeout) timeouts {
	return timeouts{connect: t.Connect.Duration(), send: t.Send.Duration(), read: t.Read.Duration()}
}

// pluginSource is the plugin set a route runs a plugin from, and its
// owner ("route:ID" or "service:ID").
type pluginSource struct {
	plugins map[string]any
	name    string
}

// pluginOwner returns where route r takes plugin name from: its own
// plugins, else those of its service svc (which may be nil), as APISIX
// merges them.
func pluginOwner(r *config.Route, svc *config.Service, name string) pluginSource {
	if _, ok := r.Plugins[name]; ok || svc == nil {
		return pluginSource{r.Plugins, "route:" + r.ID}
	}
	return pluginSource{svc.Plugins, "service:" + svc.ID}
}

// hasUpstream reports whether s (which may be nil) has the upstream id.
func (s *Snapshot) hasUpstream(id string) bool {
	if s == nil {
		return false
	}
	for _, rt := range s.all {
		if rt.id == id {
			return true
		}
	}
	return false
}

// publishHealth hands each health its upstreams' groups and counts them,
// then makes the snapshot's nodes the health manager's running set. It
// runs after the snapshot is published.
func (s *Snapshot) publishHealth(m *hc.Manager) {
	groups := make(map[*upstream.Health][]*upstream.Group)
	for _, rt := range s.all {
		for _, h := range rt.group.Members() {
			groups[h] = append(groups[h], rt.group)
		}
	}
	for _, rt := range s.all {
		for _, t := range rt.targets {
			t.Health.SetGroups(groups[t.Health])
		}
	}
	for _, rt := range s.all {
		rt.group.Recount()
	}
	m.Commit(s.plan)
	s.plan = nil
}

// inlineUpstream builds the inline upstream id once per snapshot.
func (b *builder) inlineUpstream(id string, u *config.Upstream) (*upstreamRT, error) {
	if rt := b.inline[id]; rt != nil {
		return rt, nil
	}
	rt, err := b.upstream(id, u)
	if err == nil {
		b.inline[id] = rt
	}
	return rt, err
}

func (b *builder) upstream(id string, u *config.Upstream) (*upstreamRT, error) {
	rt := &upstreamRT{
		id:           id,
		checks:       u.Checks,
		slowStart:    u.SlowStart != nil,
		ramp:         slowStart(u),
		clock:        b.g.hc.Clock(),
		retryTimeout: u.RetryTimeout.Duration(),
		upstreamHost: []byte(u.UpstreamHost),
		https:        u.Scheme == "https",
	}
	if u.Timeout != nil {
		rt.timeouts = toTimeouts(u.Timeout)
	}
	switch u.PassHost {
	case "node":
		rt.passHost = passHostNode
	case "rewrite":
		rt.passHost = passHostRewrite
	}
	var tlsBase *tls.Config
	var tlsDigest string
	if rt.https {
		var err error
		tlsBase, tlsDigest, err = b.upstreamTLS(u)
		if err != nil {
			return nil, err
		}
	}
	kp := u.KeepalivePool
	for _, n := range u.Nodes {
		addr := n.Addr()
		node := b.g.registry.Get(addr)
		b.snap.nodeKeys[addr] = struct{}{}
		key := clientKey{addr: addr, size: kp.Size, idleTimeout: kp.IdleTimeout.Duration(), requests: kp.Requests}
		var tc *tls.Config
		sniByHost := tlsBase != nil && rt.passHost == passHostPass
		if tlsBase != nil {
			tc = tlsBase.Clone()
			tc.ServerName = sniFor(rt, n.Host)
			key.tls = tlsDigest + "|" + tc.ServerName
			if sniByHost {
				key.tls += "|by-host"
			}
		}
		b.snap.clientKeys[key] = struct{}{}
		hn, passive, created := b.snap.plan.Node(u.Checks, addr)
		if created && rt.slowStart && b.prev.hasUpstream(id) {
			// A node added to a running upstream ramps up like a
			// recovered one.
			hn.Health.SetUpSince(b.now)
		}
		rt.hcNodes = append(rt.hcNodes, hn)
		rt.passive = passive
		rt.targets = append(rt.targets, lb.Target{Node: node, Health: hn.Health, Weight: n.Weight, Priority: n.Priority})
		rt.clients = append(rt.clients, b.g.clients.get(key, tc, sniByHost))
		rt.nodeHost = append(rt.nodeHost, []byte(hostHeaderFor(n.Host, n.Port, rt.https)))
	}
	rt.retries = len(rt.targets) - 1
	if u.Retries != nil {
		rt.retries = *u.Retries
	}
	rt.retries = max(rt.retries, 0)
	bal, hash, err := newBalancer(u, rt.targets)
	if err != nil {
		return nil, err
	}
	rt.balancer, rt.hash = bal, hash
	rt.observeLatency = u.Type == "ewma"
	var members []*upstream.Health
	for _, t := range rt.targets {
		if t.Weight > 0 {
			members = append(members, t.Health)
		}
	}
	panicPercent := 0
	if u.Checks != nil {
		panicPercent = u.Checks.HealthyPanicThreshold
	}
	rt.group = upstream.NewGroup(members, panicPercent)
	b.snap.all = append(b.snap.all, rt)
	return rt, nil
}

// sniFor is the TLS server name for a node when it is fixed: the Host the
// upstream request carries for pass_host node or rewrite. With pass_host
// pass the name is each request's Host (nodeClient.pool); the node's own
// host then serves requests that carry none.
func sniFor(rt *upstreamRT, nodeHost string) string {
	if rt.passHost == passHostRewrite {
		h, _, err := net.SplitHostPort(string(rt.upstreamHost))
		if err != nil {
			return string(rt.upstreamHost)
		}
		return h
	}
	return nodeHost
}

// hostHeaderFor is the Host header naming a node, without the scheme's
// default port.
func hostHeaderFor(host string, port int, https bool) string {
	if (!https && port == 80) || (https && port == 443) {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// upstreamTLS builds the TLS settings of a scheme: https upstream and a
// digest of them for the client pool key.
func (b *builder) upstreamTLS(u *config.Upstream) (*tls.Config, string, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: b.g.rootCAs}
	h := sha256.New()
	verify := true
	if u.TLS != nil {
		if u.TLS.Verify != nil {
			verify = *u.TLS.Verify
		}
		if u.TLS.ClientCert != "" {
			certPEM, err := pemOrFile(u.TLS.ClientCert)
			if err != nil {
				return nil, "", fmt.Errorf("tls.client_cert: %w", err)
			}
			keyPEM, err := pemOrFile(u.TLS.ClientKey)
			if err != nil {
				return nil, "", fmt.Errorf("tls.client_key: %w", err)
			}
			cert, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				return nil, "", fmt.Errorf("tls.client_cert: %w", err)
			}
			tc.Certificates = []tls.Certificate{cert}
			h.Write(certPEM)
			h.Write(keyPEM)
		}
	}
	tc.InsecureSkipVerify = !verify //nolint:gosec // explicit opt-out by tls.verify: false
	fmt.Fprintf(h, "verify=%t", verify)
	return tc, hex.EncodeToString(h.Sum(nil)), nil
}

// pemOrFile returns s when it holds PEM, else the contents of the file it
// names.
func pemOrFile(s string) ([]byte, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "-----BEGIN") {
		return []byte(s), nil
	}
	return os.ReadFile(s)
}
