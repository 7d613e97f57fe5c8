package config

// Config is one whole configuration file.
type Config struct {
	Gateway   Gateway    `yaml:"gateway"`
	Upstreams []Upstream `yaml:"upstreams"`
	Routes    []Route    `yaml:"routes"`
	Services  []Service  `yaml:"services"`
}

// Gateway holds Jetway's own settings (not part of the APISIX model).
type Gateway struct {
	HTTP HTTP `yaml:"http"`
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
}

// Log configures logging.
type Log struct {
	Level string `yaml:"level"` // debug, info, warn, error
}

// Seconds is a duration in seconds, APISIX's unit for timeouts. Fractions
// are allowed.
type Seconds float64
