package config

import (
	"strconv"
	"unicode/utf8"
)

// maxShown caps how much of a value from the document a message repeats.
const maxShown = 64

// clip quotes a value from the document for a message, cut to maxShown
// bytes ("..." marks a cut).
func clip(s string) string {
	if len(s) <= maxShown {
		return strconv.Quote(s)
	}
	return strconv.Quote(cut(s)) + "..."
}

// clipRaw is clip without the quotes, for numbers.
func clipRaw(s string) string {
	if len(s) <= maxShown {
		return s
	}
	return cut(s) + "..."
}

// cut shortens s to at most maxShown bytes on a rune boundary.
func cut(s string) string {
	n := maxShown
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
