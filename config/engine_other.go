//go:build !linux

package config

// DefaultEngine is gateway.http.engine's default: the loop engine needs
// Linux's epoll, so elsewhere each connection has a goroutine.
const DefaultEngine = EngineGoroutines
