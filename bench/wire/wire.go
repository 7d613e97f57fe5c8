package wire

import "strings"

// Counts is the /count answer.
type Counts struct {
	Requests     int64 `json:"requests"`      // requests handled, the /count itself included
	Connections  int64 `json:"connections"`   // TCP connections accepted
	Open         int64 `json:"open"`          // connections open now
	SleepAborted int64 `json:"sleep_aborted"` // /sleep requests whose client left first
}

// Echo is the /headers answer: the request as it arrived.
type Echo struct {
	Backend    string              `json:"backend"`
	Method     string              `json:"method"`
	URI        string              `json:"uri"`
	Proto      string              `json:"proto"`
	Host       string              `json:"host"`
	RemoteAddr string              `json:"remote_addr"`
	Headers    map[string][]string `json:"headers"`      // name as sent → values in arrival order
	Order      [][2]string         `json:"header_order"` // every field line as [name, value], in order
	TLS        bool                `json:"tls"`
	ClientCN   string              `json:"client_cn,omitempty"` // subject CN of the client certificate, if any
}

// Values returns the values of every field named name, compared without
// regard to case, in arrival order.
func (e *Echo) Values(name string) []string {
	var vs []string
	for _, f := range e.Order {
		if strings.EqualFold(f[0], name) {
			vs = append(vs, f[1])
		}
	}
	return vs
}

// Get returns the first value of the field named name, compared without
// regard to case, or "".
func (e *Echo) Get(name string) string {
	if vs := e.Values(name); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Upload is the /upload answer.
type Upload struct {
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"` // hex
}
