// Package store is where Jetway's resources live. For now that is one YAML
// file: File reads it, parses it with config.Parse, watches it, and hands
// every new valid version to a callback.
//
// Ownership: a File's Run goroutine owns the record of what was applied
// last; Reload may be called from any goroutine. The one contract: the
// apply callback must not block for long, since no other change is picked
// up while it runs.
package store
