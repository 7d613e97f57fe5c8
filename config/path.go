package config

import (
	"strconv"
	"strings"
)

// Paths name a place in the configuration the way a reader would write it:
// "upstreams[0].nodes[1].port", "routes[2].plugins.traffic-split". Map keys
// that are not plain words are quoted: labels["app.kubernetes.io/name"].

// field appends a struct field or a plain map key to path.
func field(path, name string) string {
	if !plainKey(name) {
		return path + "[" + strconv.Quote(name) + "]"
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

// index appends a list index to path.
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// plainKey reports whether a map key can be written after a dot.
func plainKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// within reports whether path is base or lies under it.
func within(path, base string) bool {
	if !strings.HasPrefix(path, base) {
		return false
	}
	if len(path) == len(base) || base == "" {
		return true
	}
	c := path[len(base)]
	return c == '.' || c == '['
}
