package hc

// statusSet is a set of HTTP status codes 0..639 as a bitmap, so the
// request path tests membership with one load.
type statusSet [10]uint64

func newStatusSet(codes []int) statusSet {
	var s statusSet
	for _, c := range codes {
		if c >= 0 && c < len(s)*64 {
			s[c/64] |= 1 << (c % 64)
		}
	}
	return s
}

// has reports whether code is in the set.
func (s *statusSet) has(code int) bool {
	return code >= 0 && code < len(s)*64 && s[code/64]&(1<<(code%64)) != 0
}
