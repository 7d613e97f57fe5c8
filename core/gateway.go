package core

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/hc"
	"github.com/jetwayhq/jetway/upstream"
)

// ErrListenChanged is returned by Apply when a reload changes gateway.http
// (listen addresses, limits, server timeouts) or the Control API address,
// which only a restart can do.
var ErrListenChanged = errors.New("jetway: gateway.http or gateway.control changed; restart to apply it")

// ErrNotApplied is returned by Start before any config was applied.
var ErrNotApplied = errors.New("jetway: no config applied")

// Options configure a Gateway.
type Options struct {
	Logger *slog.Logger
	// RootCAs verifies upstream certificates and https health probes; nil
	// means the system pool.
	RootCAs *x509.CertPool
	// Clock drives health checks, ejection and slow start; nil is the
	// real clock. Tests inject an hc.FakeClock.
	Clock hc.Clock
}

// Gateway is a running Jetway instance: the current snapshot, the live node
// registry, the connection pools and the listeners.
type Gateway struct {
	log      *slog.Logger
	rootCAs  *x509.CertPool
	registry *upstream.Registry
	hc       *hc.Manager
	clients  *clientPool
	mirrors  *mirrors
	ramps    *ramps
	snap     atomic.Pointer[Snapshot]

	mu        sync.Mutex // serializes Apply, Start and Shutdown
	servers   []*fasthttp.Server
	listeners []net.Listener
	served    []net.Listener // what each listener's server serves
	loops     []*loopGroup   // the loop engine's, per listener
	serveWG   sync.WaitGroup
	started   bool
	stopping  atomic.Bool
}

// New returns a Gateway with no config.
func New(opts Options) *Gateway {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Gateway{
		log:      log,
		rootCAs:  opts.RootCAs,
		registry: upstream.NewRegistry(),
		hc:       hc.NewManager(hc.Options{Clock: opts.Clock, Logger: log, RootCAs: opts.RootCAs}),
		clients:  newClientPool(),
		mirrors:  newMirrors(),
		ramps:    newRamps(),
	}
}

// Apply builds a snapshot from cfg and publishes it atomically. On error
// nothing changes. Requests in flight finish on the snapshot they started
// with.
func (g *Gateway) Apply(cfg *config.Config) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if old := g.snap.Load(); g.started && old != nil && (!reflect.DeepEqual(old.http, cfg.Gateway.HTTP) || old.control != cfg.Gateway.Control.Listen) {
		return ErrListenChanged
	}
	s, err := g.build(cfg)
	if err != nil {
		return fmt.Errorf("building snapshot: %w", err)
	}
	g.snap.Store(s)
	s.publishHealth(g.hc)
	g.ramps.publish(g, s)
	g.registry.Retain(s.nodeKeys)
	g.clients.retain(s.clientKeys)
	g.log.Info("config applied", "routes", len(s.routes), "upstreams", len(s.upstreams))
	return nil
}

// Snapshot returns the published snapshot, or nil.
func (g *Gateway) Snapshot() *Snapshot { return g.snap.Load() }

// Start binds the listen addresses of the applied config and serves them
// in background goroutines.
func (g *Gateway) Start() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.snap.Load()
	if s == nil {
		return ErrNotApplied
	}
	if g.started {
		return errors.New("jetway: already started")
	}
	var lns []net.Listener
	for _, addr := range s.listen {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range lns {
				_ = l.Close()
			}
			return fmt.Errorf("listening on %s: %w", addr, err)
		}
		lns = append(lns, ln)
	}
	served := make([]net.Listener, len(lns))
	for i, ln := range lns {
		served[i] = frontDoorListen(ln, s.limits)
		if s.http.Engine != config.EngineLoop {
			continue
		}
		h := newHandoffListener(ln.Addr())
		lg, err := startLoops(g, ln, runtime.GOMAXPROCS(0), h, s)
		if err != nil {
			for _, lg := range g.loops {
				lg.stop(context.Background())
			}
			g.loops = nil
			for _, l := range lns {
				_ = l.Close()
			}
			return fmt.Errorf("serving %s: %w", ln.Addr(), err)
		}
		g.loops = append(g.loops, lg)
		served[i] = h
	}
	for i, ln := range lns {
		srv := g.newServer(s)
		g.servers = append(g.servers, srv)
		g.listeners = append(g.listeners, ln)
		g.served = append(g.served, served[i])
		g.serveWG.Add(1)
		go func() {
			defer g.serveWG.Done()
			if err := srv.Serve(served[i]); err != nil && !g.stopping.Load() {
				g.log.Error("serving", "addr", ln.Addr().String(), "err", err)
			}
		}()
		g.log.Info("listening", "addr", ln.Addr().String(), "engine", s.http.Engine)
	}
	g.started = true
	return nil
}

// Addrs returns the bound listener addresses.
func (g *Gateway) Addrs() []net.Addr {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]net.Addr, len(g.listeners))
	for i, ln := range g.listeners {
		out[i] = ln.Addr()
	}
	return out
}

// Shutdown stops accepting connections, lets requests in flight finish
// until ctx ends, then closes what is left.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	servers, listeners, loops := g.servers, append(g.listeners, g.served...), g.loops
	g.servers, g.listeners, g.served, g.loops = nil, nil, nil, nil
	g.stopping.Store(true)
	g.mu.Unlock()
	// The loops stop accepting and handing connections over first, so
	// that no connection is handed to a server already shut down; they
	// drain their own requests while the servers drain theirs.
	for _, lg := range loops {
		lg.beginStop()
	}
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for _, lg := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lg.stop(ctx)
		}()
	}
	for i, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.ShutdownWithContext(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	// A Serve goroutine that had not yet registered its listener with
	// fasthttp when Shutdown ran still holds it open: closing it here
	// makes that Serve return.
	for _, ln := range listeners {
		_ = ln.Close()
	}
	g.serveWG.Wait()
	g.hc.Close()
	g.ramps.stopAll()
	g.mirrors.stop()
	g.clients.closeAll()
	if ctx.Err() != nil {
		return fmt.Errorf("jetway: drain cut short: %w", ctx.Err())
	}
	return errors.Join(errs...)
}
