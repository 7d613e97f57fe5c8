package config

// DefaultEngine is gateway.http.engine's default: on Linux, the event
// loops, which measured less CPU per request than a goroutine per
// connection (BENCHMARKS.md).
const DefaultEngine = EngineLoop
