package config

// Route matches requests and sends them to an upstream (APISIX route).
type Route struct {
	ID     string            `yaml:"id"`
	Name   string            `yaml:"name"`
	Desc   string            `yaml:"desc"`
	Labels map[string]string `yaml:"labels"`
	// Status 1 enables the route (default), 0 disables it.
	Status *int `yaml:"status"`

	URI         string   `yaml:"uri"`
	URIs        []string `yaml:"uris"`
	Methods     []string `yaml:"methods"`
	Host        string   `yaml:"host"`
	Hosts       []string `yaml:"hosts"`
	RemoteAddr  string   `yaml:"remote_addr"`
	RemoteAddrs []string `yaml:"remote_addrs"`
	// Vars are lua-resty-expr conditions (package expr); all must hold.
	Vars     []any `yaml:"vars"`
	Priority int   `yaml:"priority"`

	Upstream   *Upstream `yaml:"upstream"`
	UpstreamID string    `yaml:"upstream_id"`
	ServiceID  string    `yaml:"service_id"`

	Timeout         *Timeout       `yaml:"timeout"`
	EnableWebsocket *bool          `yaml:"enable_websocket"`
	Plugins         map[string]any `yaml:"plugins"`
}

// WebsocketEnabled reports whether the route proxies WebSocket upgrades:
// its own enable_websocket, else that of svc (its service, or nil), else
// DefaultEnableWebsocket.
func (r *Route) WebsocketEnabled(svc *Service) bool {
	switch {
	case r.EnableWebsocket != nil:
		return *r.EnableWebsocket
	case svc != nil && svc.EnableWebsocket != nil:
		return *svc.EnableWebsocket
	}
	return DefaultEnableWebsocket
}
