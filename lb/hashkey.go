package lb

import "github.com/cespare/xxhash/v2"

// HashKey is the hash of a request's chash key: XXH64 with seed 0 (the
// xxHash specification, Collet). It depends on the key bytes alone, so
// every Jetway process, on any machine, places a key at the same point of
// the same ring and sends it to the same node.
func HashKey(key []byte) uint64 { return xxhash.Sum64(key) }
