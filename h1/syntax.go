package h1

// tchar marks the token characters of RFC 9110 §5.6.2.
var tchar = func() (t [256]bool) {
	for _, c := range []byte("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t[c] = true
	}
	return t
}()

// IsTchar reports whether c may appear in a token (RFC 9110 §5.6.2), such
// as a field name or a method.
func IsTchar(c byte) bool { return tchar[c] }

// fieldByte marks the bytes a field value may hold (RFC 9110 §5.5): HTAB,
// SP, visible characters and obs-text.
var fieldByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c == '\t' || (c >= ' ' && c != 0x7f)
	}
	return t
}()

// IsFieldByte reports whether c may appear in a field value.
func IsFieldByte(c byte) bool { return fieldByte[c] }

// EqualFold reports whether b equals lower, which is lower case ASCII,
// ignoring ASCII case in b.
func EqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// TrimOWS strips optional whitespace (SP, HTAB; RFC 9110 §5.6.3) from both
// ends of b.
func TrimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// MaxContentLengthDigits keeps a Content-Length within int64.
const MaxContentLengthDigits = 18

// ParseContentLength parses a Content-Length value (RFC 9110 §8.6): 1 to
// MaxContentLengthDigits digits, nothing else, not even whitespace.
func ParseContentLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > MaxContentLengthDigits {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// Unhex is the value of the hex digit c, or -1.
func Unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
