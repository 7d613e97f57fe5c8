package config

import (
	"math"
	"time"
)

// Config is one whole configuration file.
type Config struct {
	Gateway   Gateway    `yaml:"gateway"`
	Upstreams []Upstream `yaml:"upstreams"`
	Routes    []Route    `yaml:"routes"`
	Services  []Service  `yaml:"services"`

	// file and root locate values in the source; see Line.
	file string
	root *place
}

// Gateway holds Jetway's own settings (not part of the APISIX model).
type Gateway struct {
	HTTP HTTP `yaml:"http"`
	// Control is the Control API's listener (health and canary state).
	Control Control `yaml:"control"`
	// DrainTimeout is how long shutdown waits for requests in flight, in
	// seconds.
	DrainTimeout Seconds `yaml:"drain_timeout"`
	Log          Log     `yaml:"log"`
}

// HTTP configures the L7 listeners.
type HTTP struct {
	Listen []string `yaml:"listen"`
	// MaxHeaderBytes caps the request header block (431 beyond it).
	MaxHeaderBytes int `yaml:"max_header_bytes"`
	// MaxRequestLineBytes caps the request line (414 beyond it).
	MaxRequestLineBytes int `yaml:"max_request_line_bytes"`
	// ReadHeaderTimeout bounds the time to receive a request's headers.
	ReadHeaderTimeout Seconds `yaml:"read_header_timeout"`
	// IdleTimeout closes a keep-alive client connection idle this long.
	IdleTimeout Seconds `yaml:"idle_timeout"`
	// Engine is how client connections are served: "goroutines" (a
	// goroutine per connection from accept on) or "loop" (event loops,
	// one per CPU, hold each connection until its first bytes arrive).
	Engine string `yaml:"engine"`
}

// Control configures the Control API listener.
type Control struct {
	// Listen is one "host:port"; "" turns the Control API off. It has no
	// authentication, so keep it on a loopback or private address.
	Listen string `yaml:"listen"`
}

// Log configures logging.
type Log struct {
	Level string `yaml:"level"` // debug, info, warn, error
}

// Seconds is a duration in seconds, APISIX's unit for timeouts. Fractions
// are allowed.
type Seconds float64

// Duration converts s to a time.Duration, saturating at the limits of
// time.Duration.
func (s Seconds) Duration() time.Duration {
	ns := float64(s) * float64(time.Second)
	switch {
	case ns >= math.MaxInt64:
		return math.MaxInt64
	case ns <= math.MinInt64:
		return math.MinInt64
	}
	return time.Duration(ns)
}
