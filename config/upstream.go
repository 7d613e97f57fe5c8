package config

// Upstream is a named group of backend nodes (APISIX schema_def upstream).
type Upstream struct {
	ID     string            `yaml:"id"`
	Name   string            `yaml:"name"`
	Desc   string            `yaml:"desc"`
	Labels map[string]string `yaml:"labels"`

	// Nodes is either a map {"host:port": weight} or a list of Node.
	Nodes         Nodes          `yaml:"nodes"`
	DiscoveryType string         `yaml:"discovery_type"`
	ServiceName   string         `yaml:"service_name"`
	DiscoveryArgs map[string]any `yaml:"discovery_args"`

	Type   string `yaml:"type"`    // roundrobin (default), chash, least_conn, ewma
	HashOn string `yaml:"hash_on"` // vars (default), header, cookie, consumer, vars_combinations
	Key    string `yaml:"key"`
	// HashBalanceFactor (extension; Envoy hash_balance_factor) caps each
	// chash node at this percentage of the mean in-flight load; keys of a
	// node over the cap go to the next node on the ring. 0 disables it.
	HashBalanceFactor int `yaml:"hash_balance_factor"`

	// Retries defaults to the node count minus one when unset.
	Retries      *int     `yaml:"retries"`
	RetryTimeout Seconds  `yaml:"retry_timeout"`
	Timeout      *Timeout `yaml:"timeout"`

	Scheme       string `yaml:"scheme"`    // http (default), https, grpc, grpcs, tcp, tls, udp, kafka
	PassHost     string `yaml:"pass_host"` // pass (default), node, rewrite
	UpstreamHost string `yaml:"upstream_host"`

	KeepalivePool *KeepalivePool `yaml:"keepalive_pool"`
	TLS           *UpstreamTLS   `yaml:"tls"`
	Checks        *Checks        `yaml:"checks"`
	// SlowStart (extension) ramps a node that was added or came back up
	// from a share of its weight to all of it.
	SlowStart *SlowStart `yaml:"slow_start"`
}

// SlowStart ramps a node's weight linearly from MinWeightPercent to 100%
// over Window seconds after it was added to the upstream or recovered.
type SlowStart struct {
	Window           Seconds `yaml:"window"`
	MinWeightPercent int     `yaml:"min_weight_percent"`
}

// Nodes is an upstream's static node list. It decodes from both APISIX
// shapes: a map "host:port" → weight, or a list of Node objects.
type Nodes []Node

// Node is one configured backend.
type Node struct {
	Host     string         `yaml:"host"` // a host name or IP address; IPv6 without brackets
	Port     int            `yaml:"port"` // defaults to 80 (http, grpc) or 443 (https, grpcs)
	Weight   int            `yaml:"weight"`
	Priority int            `yaml:"priority"`
	Metadata map[string]any `yaml:"metadata"`
}

// Timeout holds connect, send and read timeouts in seconds.
type Timeout struct {
	Connect Seconds `yaml:"connect"`
	Send    Seconds `yaml:"send"`
	Read    Seconds `yaml:"read"`
}

// KeepalivePool configures a node's idle upstream connections.
type KeepalivePool struct {
	Size        int     `yaml:"size"`         // idle connections kept per node
	IdleTimeout Seconds `yaml:"idle_timeout"` // an idle connection is closed after this
	Requests    int     `yaml:"requests"`     // a connection is closed after this many requests
}

// UpstreamTLS configures TLS to the nodes of a scheme: https upstream.
type UpstreamTLS struct {
	ClientCert string `yaml:"client_cert"` // PEM, or a file path
	ClientKey  string `yaml:"client_key"`  // PEM, or a file path
	// Verify checks the node's certificate. Jetway defaults to true
	// (APISIX defaults to false); set false to opt out.
	Verify *bool `yaml:"verify"`
}

// Checks configures active and passive health checks.
type Checks struct {
	Active  *ActiveCheck  `yaml:"active"`
	Passive *PassiveCheck `yaml:"passive"`
	// HealthyPanicThreshold (extension; Envoy healthy_panic_threshold) is
	// the healthy share, in percent, under which Jetway balances over all
	// nodes, healthy or not. 0, the default, does so only when every node
	// is unhealthy, as APISIX does.
	HealthyPanicThreshold int `yaml:"healthy_panic_threshold"`
}

// ActiveCheck configures probes (APISIX checks.active).
type ActiveCheck struct {
	Type                   string           `yaml:"type"` // http (default), https, tcp
	Timeout                Seconds          `yaml:"timeout"`
	Concurrency            int              `yaml:"concurrency"`
	Host                   string           `yaml:"host"`
	Port                   int              `yaml:"port"`
	HTTPPath               string           `yaml:"http_path"`
	HTTPMethod             string           `yaml:"http_method"`
	HTTPSVerifyCertificate *bool            `yaml:"https_verify_certificate"`
	ReqHeaders             []string         `yaml:"req_headers"`
	Healthy                *ActiveHealthy   `yaml:"healthy"`
	Unhealthy              *ActiveUnhealthy `yaml:"unhealthy"`
}

// ActiveHealthy says when probes mark a node healthy.
type ActiveHealthy struct {
	Interval     int   `yaml:"interval"`
	HTTPStatuses []int `yaml:"http_statuses"`
	Successes    int   `yaml:"successes"`
}

// ActiveUnhealthy says when probes mark a node unhealthy.
type ActiveUnhealthy struct {
	Interval     int   `yaml:"interval"`
	HTTPStatuses []int `yaml:"http_statuses"`
	HTTPFailures int   `yaml:"http_failures"`
	TCPFailures  int   `yaml:"tcp_failures"`
	Timeouts     int   `yaml:"timeouts"`
}

// PassiveCheck configures health inferred from live traffic.
type PassiveCheck struct {
	Type      string            `yaml:"type"`
	Healthy   *PassiveHealthy   `yaml:"healthy"`
	Unhealthy *PassiveUnhealthy `yaml:"unhealthy"`

	// Ejection (extension; Envoy outlier detection). A node passive checks
	// mark unhealthy is ejected for BaseEjectionTime times the number of
	// times it was ejected, at most MaxEjectionTime, then comes back; a
	// passing active probe brings it back sooner. At most
	// MaxEjectionPercent of an upstream's nodes are ejected at once (at
	// least one may always be).
	MaxEjectionPercent int     `yaml:"max_ejection_percent"`
	BaseEjectionTime   Seconds `yaml:"base_ejection_time"`
	MaxEjectionTime    Seconds `yaml:"max_ejection_time"`
}

// PassiveHealthy says when live traffic marks a node healthy.
type PassiveHealthy struct {
	HTTPStatuses []int `yaml:"http_statuses"`
	Successes    int   `yaml:"successes"`
}

// PassiveUnhealthy says when live traffic marks a node unhealthy.
type PassiveUnhealthy struct {
	HTTPStatuses []int `yaml:"http_statuses"`
	HTTPFailures int   `yaml:"http_failures"`
	TCPFailures  int   `yaml:"tcp_failures"`
	Timeouts     int   `yaml:"timeouts"`
}
