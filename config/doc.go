// Package config is Jetway's object model as Go types: the gateway's own
// settings plus APISIX-shaped upstreams, routes and services.
//
// A file goes through Parse (strict YAML, JSON accepted: unknown keys and
// wrong types are errors), ApplyDefaults (every default is a named constant
// in defaults.go) and Validate (every problem at once, each with its path
// and source line). The result is plain data; core builds the runtime
// snapshot from it. Nothing here does I/O beyond reading the file.
package config
