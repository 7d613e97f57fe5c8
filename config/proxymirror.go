package config

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// ProxyMirror is APISIX's proxy-mirror plugin: a copy of each sampled
// request goes to Host; the client's answer never waits on it.
type ProxyMirror struct {
	// Host is "http://host:port" or "https://host:port".
	Host string
	// Path, when set, replaces the request's path (PathConcatMode
	// "replace") or is put before it ("prefix").
	Path           string
	PathConcatMode string
	// SampleRatio is the share of requests mirrored, 0.00001..1.
	SampleRatio float64
	// MaxBodyBytes (extension) is the largest body mirrored; a request
	// with a larger or streamed body is not mirrored.
	MaxBodyBytes int
}

// Proxy-mirror names, limits and defaults (APISIX plugin schema).
const (
	ProxyMirrorName           = "proxy-mirror"
	DefaultMirrorSampleRatio  = 1.0
	DefaultMirrorConcatMode   = "replace"
	DefaultMirrorMaxBodyBytes = 64 << 10
	minMirrorSampleRatio      = 0.00001
)

// ProxyMirrorOf returns the proxy-mirror plugin of plugins, nil when it
// has none. plugins must have passed validation.
func ProxyMirrorOf(plugins map[string]any) (*ProxyMirror, error) {
	v, ok := plugins[ProxyMirrorName]
	if !ok {
		return nil, nil
	}
	var errs pluginErrors
	pm := decodeProxyMirror(v, ProxyMirrorName, errs.add)
	return pm, errs.err()
}

// pluginErrors collects the problems of a plugin decoded after
// validation, for the Of functions.
type pluginErrors []error

func (e *pluginErrors) add(path, format string, args ...any) {
	*e = append(*e, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func (e pluginErrors) err() error { return errors.Join(e...) }

// decodeProxyMirror reads the plugin's value v, found at path p,
// reporting invalid values to bad.
func decodeProxyMirror(v any, p string, bad func(path, format string, args ...any)) *ProxyMirror {
	m, ok := v.(map[string]any)
	if !ok {
		bad(p, "must be a mapping")
		return nil
	}
	pm := &ProxyMirror{SampleRatio: DefaultMirrorSampleRatio, PathConcatMode: DefaultMirrorConcatMode, MaxBodyBytes: DefaultMirrorMaxBodyBytes}
	for _, k := range sortedKeys(m) {
		kp := field(p, k)
		switch val := m[k]; k {
		case "host":
			s, _ := val.(string)
			if msg := mirrorHostProblem(s); msg != "" {
				bad(kp, "%s", msg)
			}
			pm.Host = s
		case "path":
			s, ok := val.(string)
			if !ok || !strings.HasPrefix(s, "/") || hasSpace(s) {
				bad(kp, "must start with \"/\" and hold no spaces")
			}
			pm.Path = s
		case "path_concat_mode":
			s, _ := val.(string)
			if s != "replace" && s != "prefix" {
				bad(kp, "must be replace or prefix")
			}
			pm.PathConcatMode = s
		case "sample_ratio":
			switch f := val.(type) {
			case int:
				pm.SampleRatio = float64(f)
			case float64:
				pm.SampleRatio = f
			default:
				pm.SampleRatio = -1
			}
			if pm.SampleRatio < minMirrorSampleRatio || pm.SampleRatio > 1 {
				bad(kp, "must be a number %g..1", minMirrorSampleRatio)
			}
		case "max_body_bytes":
			n, ok := val.(int)
			if !ok || n < 0 || n > DefaultMirrorMaxBodyBytes {
				bad(kp, "must be an integer 0..%d (larger bodies stream and are not mirrored)", DefaultMirrorMaxBodyBytes)
			}
			pm.MaxBodyBytes = n
		default:
			bad(kp, "unknown key")
		}
	}
	if pm.Host == "" {
		if _, given := m["host"]; !given {
			bad(field(p, "host"), "required")
		}
	}
	return pm
}

// mirrorHostProblem checks a mirror host: a scheme, a host and a port,
// nothing else.
func mirrorHostProblem(s string) string {
	const want = `must be "http://host:port" or "https://host:port"`
	rest, ok := strings.CutPrefix(s, "http://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "https://"); !ok {
			return want
		}
	}
	h, port, err := net.SplitHostPort(rest)
	if err != nil || h == "" || strings.ContainsAny(rest, "/?#") {
		return want
	}
	if _, ok := parsePort(port); !ok {
		return "port must be 1..65535"
	}
	return ""
}
