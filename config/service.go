package config

// Service is a reusable bundle of upstream and plugins that many routes
// share (APISIX service).
type Service struct {
	ID     string            `yaml:"id"`
	Name   string            `yaml:"name"`
	Desc   string            `yaml:"desc"`
	Labels map[string]string `yaml:"labels"`

	Upstream        *Upstream      `yaml:"upstream"`
	UpstreamID      string         `yaml:"upstream_id"`
	Hosts           []string       `yaml:"hosts"`
	EnableWebsocket *bool          `yaml:"enable_websocket"`
	Plugins         map[string]any `yaml:"plugins"`
}
