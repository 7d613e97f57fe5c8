// Package config is Jetway's object model as Go types: the gateway's own
// settings plus APISIX-shaped upstreams, routes and services, and the code
// that turns a file into them.
//
// Parse (and Load, which reads a file first) runs four stages and reports
// every problem of all of them at once, as an Errors whose entries carry
// the file, line and path of each problem
// ("jetway.yaml:9: upstreams[0].timeout.connect: must be > 0"):
//
//   - decoding: one YAML document (JSON is YAML too) walked against the
//     Go types; unknown keys, wrong types and duplicate keys are errors;
//   - ApplyDefaults: every default is a named constant in defaults.go;
//   - Validate: APISIX schema rules and Jetway's limits, including ids
//     that refer to missing upstreams or services (ErrInvalid);
//   - Supported: fields that are valid but that Jetway cannot run yet
//     (ErrUnsupported), so no setting is ever silently ignored.
//
// A Config from Parse remembers where each value was written; Line and
// Errorf let later stages report problems against the source. The result
// is plain data that callers must not modify concurrently; core builds
// the runtime snapshot from it. Nothing here does I/O beyond Load reading
// its file.
package config
