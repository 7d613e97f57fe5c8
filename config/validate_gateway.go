package config

// Limits of the gateway's HTTP settings.
const (
	minMaxHeaderBytes      = 1024
	maxMaxHeaderBytes      = 1 << 20
	minMaxRequestLineBytes = 256
	maxMaxRequestLineBytes = 1 << 20
)

// The gateway.http.engine values.
const (
	EngineGoroutines = "goroutines"
	EngineLoop       = "loop"
)

// logLevels are the accepted gateway.log.level values.
var logLevels = []string{"debug", "info", "warn", "error"}

// gateway checks Jetway's own settings.
func (v *validator) gateway() {
	g := &v.c.Gateway
	lp := "gateway.http.listen"
	if len(g.HTTP.Listen) == 0 {
		v.errf(lp, "must not be empty")
	}
	v.list(lp, g.HTTP.Listen, false, validListen)
	v.between("gateway.http.max_header_bytes", g.HTTP.MaxHeaderBytes, minMaxHeaderBytes, maxMaxHeaderBytes)
	v.between("gateway.http.max_request_line_bytes", g.HTTP.MaxRequestLineBytes, minMaxRequestLineBytes, maxMaxRequestLineBytes)
	v.positive("gateway.http.read_header_timeout", g.HTTP.ReadHeaderTimeout)
	v.positive("gateway.http.idle_timeout", g.HTTP.IdleTimeout)
	v.oneOf("gateway.http.engine", g.HTTP.Engine, EngineGoroutines, EngineLoop)
	if g.Control.Listen != "" {
		if msg := validListen(g.Control.Listen); msg != "" {
			v.errf("gateway.control.listen", "%s", msg)
		}
	}
	v.positive("gateway.drain_timeout", g.DrainTimeout)
	v.oneOf("gateway.log.level", g.Log.Level, logLevels...)
}
