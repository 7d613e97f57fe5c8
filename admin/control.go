package admin

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jetwayhq/jetway/core"
)

// Control is the Control API server.
type Control struct {
	g   *core.Gateway
	log *slog.Logger
	srv *http.Server
	ln  net.Listener
	mux *http.ServeMux
}

// NewControl returns the Control API of g.
func NewControl(g *core.Gateway, log *slog.Logger) *Control {
	if log == nil {
		log = slog.Default()
	}
	c := &Control{g: g, log: log, mux: http.NewServeMux()}
	c.mux.HandleFunc("GET /v1/healthcheck", c.healthAll)
	c.mux.HandleFunc("GET /v1/healthcheck/{kind}/{id}", c.healthOne)
	c.mux.HandleFunc("GET /v1/mirror", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, c.g.Mirrors())
	})
	c.mux.HandleFunc("GET /v1/canary", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, c.g.Ramps())
	})
	c.mux.HandleFunc("GET /v1/canary/{route}", c.canaryOne)
	c.mux.HandleFunc("POST /v1/canary/{route}/{action}", c.canaryAction)
	c.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody{"404 Not Found"})
	})
	return c
}

// Handler is the API's HTTP handler.
func (c *Control) Handler() http.Handler { return c.mux }

// Start listens on addr and serves in the background.
func (c *Control) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	c.ln = ln
	c.srv = &http.Server{
		Handler:           c.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(c.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := c.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("control API stopped", "err", err)
		}
	}()
	c.log.Info("control API listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the bound address, nil before Start.
func (c *Control) Addr() net.Addr {
	if c.ln == nil {
		return nil
	}
	return c.ln.Addr()
}

// Shutdown stops the server, waiting for requests in flight until ctx ends.
func (c *Control) Shutdown(ctx context.Context) error {
	if c.srv == nil {
		return nil
	}
	return c.srv.Shutdown(ctx)
}

type errorBody struct {
	ErrorMsg string `json:"error_msg"`
}

func (c *Control) healthAll(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, c.g.Health())
}

func (c *Control) healthOne(w http.ResponseWriter, r *http.Request) {
	kind, id := r.PathValue("kind"), r.PathValue("id")
	switch kind {
	case "upstreams", "routes", "services":
	default:
		writeJSON(w, http.StatusBadRequest, errorBody{"unknown resource type; use upstreams, routes or services"})
		return
	}
	u, ok := c.g.UpstreamHealthByName(kind + "/" + id)
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody{"no health checker for " + kind + "/" + id})
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func (c *Control) canaryOne(w http.ResponseWriter, r *http.Request) {
	route := r.PathValue("route")
	for _, v := range c.g.Ramps() {
		if v.Route == route {
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, errorBody{"route " + route + " has no canary ramp"})
}

func (c *Control) canaryAction(w http.ResponseWriter, r *http.Request) {
	v, err := c.g.RampAction(r.PathValue("route"), r.PathValue("action"))
	switch {
	case errors.Is(err, core.ErrNoRamp):
		writeJSON(w, http.StatusNotFound, errorBody{err.Error()})
	case err != nil:
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
	default:
		writeJSON(w, http.StatusOK, v)
	}
}
