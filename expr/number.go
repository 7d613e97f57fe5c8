package expr

import (
	"math"
	"math/big"
	"strconv"
	"unsafe"
)

// parseNumber converts a request value to a number the way Lua's tonumber
// does for the forms that matter: optional surrounding ASCII white space,
// an optional sign, then a decimal number with optional fraction and
// exponent ("10", "-1.5", ".5", "1.", "2e3"), or a hexadecimal integer
// ("0x1F"). Everything else is not a number, including "inf", "nan", hex
// fractions and Go's digit separators. It does not allocate.
//
// Decimal forms are syntax-checked here and then converted by
// strconv.ParseFloat through unsafe.String: ParseFloat does not keep its
// argument, and the checks (syntax, and overflow decided before the call)
// mean it never returns an error, whose construction would allocate.
// Integers of up to 15 digits take a direct path. Hex integers beyond 2^53
// are accumulated in float64 and may not round to nearest.
func parseNumber(b []byte) (float64, bool) {
	b = trimSpace(b)
	body, neg := b, false
	if len(body) > 0 && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	if len(body) > 2 && body[0] == '0' && body[1]|0x20 == 'x' {
		f, ok := parseHex(body[2:])
		if neg {
			f = -f
		}
		return f, ok
	}

	i := 0
	for i < len(body) && isDigit(body[i]) {
		i++
	}
	intDigits := i
	fracDigits, dot := 0, false
	if i < len(body) && body[i] == '.' {
		dot = true
		i++
		for i < len(body) && isDigit(body[i]) {
			i++
			fracDigits++
		}
	}
	if intDigits+fracDigits == 0 {
		return 0, false
	}
	mantEnd := i
	exp, hasExp := 0, false
	if i < len(body) && body[i]|0x20 == 'e' {
		hasExp = true
		i++
		expNeg := false
		if i < len(body) && (body[i] == '+' || body[i] == '-') {
			expNeg = body[i] == '-'
			i++
		}
		start := i
		for i < len(body) && isDigit(body[i]) {
			if exp < 1_000_000 { // far past any float64; stops overflow of exp
				exp = exp*10 + int(body[i]-'0')
			}
			i++
		}
		if i == start {
			return 0, false
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(body) {
		return 0, false
	}

	if !dot && !hasExp && intDigits <= 15 {
		var u uint64
		for _, c := range body {
			u = u*10 + uint64(c-'0')
		}
		f := float64(u) // exact: below 2^53
		if neg {
			f = -f
		}
		return f, true
	}

	// mag is the decimal exponent of the leading non-zero digit.
	lead := -1
	for j := range mantEnd {
		if c := body[j]; '1' <= c && c <= '9' {
			lead = j
			break
		}
	}
	if lead >= 0 {
		mag := exp
		if lead < intDigits {
			mag += intDigits - lead - 1
		} else {
			mag -= lead - intDigits // body[intDigits] is the dot
		}
		if mag > 308 || mag == 308 && !belowOverflow(body[lead:mantEnd]) {
			return math.Inf(signOf(neg)), true
		}
	}
	f, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
	return f, err == nil
}

// overflowDigits are the decimal digits of 2^1024 - 2^970, halfway between
// the largest float64 and 2^1024: a decimal of 309 integer digits rounds
// to infinity from there on (IEEE 754 round to nearest).
var overflowDigits = new(big.Int).Sub(
	new(big.Int).Lsh(big.NewInt(1), 1024),
	new(big.Int).Lsh(big.NewInt(1), 970),
).String()

// belowOverflow reports whether the mantissa digits m (leading digit
// non-zero, possibly holding a '.') of a number with 309 integer digits
// are below overflowDigits.
func belowOverflow(m []byte) bool {
	k := 0
	for _, c := range m {
		if c == '.' {
			continue
		}
		if k == len(overflowDigits) {
			if c != '0' {
				return false
			}
			continue
		}
		if d := overflowDigits[k]; c != d {
			return c < d
		}
		k++
	}
	return k < len(overflowDigits) // equal so far; the rest of overflowDigits is not all zero
}

// parseHex converts the digits of a hexadecimal integer.
func parseHex(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var f float64
	for _, c := range b {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			d = c | 0x20 - 'a' + 10
		default:
			return 0, false
		}
		f = f*16 + float64(d)
	}
	return f, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func signOf(neg bool) int {
	if neg {
		return -1
	}
	return 1
}

// trimSpace strips the white space C's isspace knows, as Lua's tonumber
// does.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool {
	return c == ' ' || '\t' <= c && c <= '\r'
}

// toNumber returns a decoded YAML/JSON number as a float64.
func toNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// formatNumber writes a rule's number as Lua's tostring would ("%.14g"),
// for a regex given as a number.
func formatNumber(f float64) string {
	return strconv.FormatFloat(f, 'g', 14, 64)
}
