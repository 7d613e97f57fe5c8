package expr

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// opKind is a comparison operator.
type opKind uint8

const (
	opEq      opKind = iota // ==
	opNe                    // ~=
	opGt                    // >
	opGe                    // >=
	opLt                    // <
	opLe                    // <=
	opRegex                 // ~~
	opRegexI                // ~*: ~~ compiled with (?i)
	opIn                    // in
	opHas                   // has
	opIPMatch               // ipmatch
	opNot                   // !, only valid as the second of four elements
)

// operators maps the lower-cased operator names.
var operators = map[string]opKind{
	"==":      opEq,
	"~=":      opNe,
	">":       opGt,
	">=":      opGe,
	"<":       opLt,
	"<=":      opLe,
	"~~":      opRegex,
	"~*":      opRegexI,
	"in":      opIn,
	"has":     opHas,
	"ipmatch": opIPMatch,
	"!":       opNot,
}

// test is one compiled expression. It is read-only after compilation.
type test struct {
	v   variable
	op  opKind
	not bool // [var, "!", op, value]

	r        operand        // ==, ~=, has; r.n for the ordered comparisons
	list     []operand      // in
	re       *regexp.Regexp // ~~, ~*
	prefixes []netip.Prefix // ipmatch
}

// operand is a rule value to compare a request value with: a number
// (compared numerically, the request value parsed as by Lua's tonumber) or
// a string (compared byte for byte).
type operand struct {
	s     string
	n     float64
	isNum bool
	// addr is s parsed, for remote_addr, when s is an address in its
	// canonical form (netip.Addr.String): comparing addr with the remote
	// is then comparing s with the remote's string form. It stays invalid
	// otherwise, as no remote formats to such an s (nor to a number).
	addr netip.Addr
}

// newOperand compiles an ==, ~=, has or in value for variable v.
func newOperand(v variable, x any, path string) (operand, error) {
	if f, ok := toNumber(x); ok {
		return operand{n: f, isNum: true}, nil
	}
	s, ok := x.(string)
	if !ok {
		return operand{}, errorf(path, "value must be a string or a number, not %s", kindOf(x))
	}
	o := operand{s: s}
	switch v.kind {
	case varHost:
		// $host is lower case (fasthttp lower-cases the URI host), so a
		// byte comparison with the lowered value ignores case.
		o.s = strings.ToLower(s)
	case varRemoteAddr:
		if a, err := netip.ParseAddr(s); err == nil && a.String() == s {
			o.addr = a
		}
	}
	return o, nil
}

// compileValue compiles the value of t's operator, found at path.
func (t *test) compileValue(x any, path string) error {
	switch x.(type) {
	case string, []any:
	default:
		if _, ok := toNumber(x); !ok {
			return errorf(path, "value must be a string, a number or a list, not %s", kindOf(x))
		}
	}
	var err error
	switch t.op {
	case opEq, opNe, opHas:
		t.r, err = newOperand(t.v, x, path)
	case opGt, opGe, opLt, opLe:
		f, ok := toNumber(x)
		if s, isStr := x.(string); isStr {
			f, ok = parseNumber([]byte(s))
		}
		if !ok {
			return errorf(path, "value must be a number, not %s", describe(x))
		}
		t.r = operand{n: f, isNum: true}
	case opRegex, opRegexI:
		err = t.compileRegex(x, path)
	case opIn:
		list, ok := x.([]any)
		if !ok {
			return errorf(path, "value must be a list, not %s", kindOf(x))
		}
		t.list = make([]operand, len(list))
		for i, el := range list {
			if t.list[i], err = newOperand(t.v, el, index(path, i)); err != nil {
				return err
			}
		}
	case opIPMatch:
		err = t.compilePrefixes(x, path)
	}
	return err
}

// compileRegex compiles a ~~ or ~* pattern with Go's RE2 syntax. A number
// is taken as its Lua string form.
func (t *test) compileRegex(x any, path string) error {
	var pat string
	switch v := x.(type) {
	case string:
		pat = v
	case []any:
		return errorf(path, "value must be a string, not a list")
	default:
		f, _ := toNumber(x)
		pat = formatNumber(f)
	}
	if t.op == opRegexI {
		pat = "(?i)" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return errorf(path, "invalid regex: %v", err)
	}
	t.re = re
	return nil
}

// compilePrefixes compiles an ipmatch value: one IP or CIDR, or a list of
// them.
func (t *test) compilePrefixes(x any, path string) error {
	list, ok := x.([]any)
	if !ok {
		p, err := prefixOf(x, path)
		t.prefixes = []netip.Prefix{p}
		return err
	}
	t.prefixes = make([]netip.Prefix, len(list))
	for i, el := range list {
		var err error
		if t.prefixes[i], err = prefixOf(el, index(path, i)); err != nil {
			return err
		}
	}
	return nil
}

// prefixOf compiles one ipmatch entry found at path.
func prefixOf(x any, path string) (netip.Prefix, error) {
	s, ok := x.(string)
	if !ok {
		return netip.Prefix{}, errorf(path, "must be an IP or a CIDR string, not %s", kindOf(x))
	}
	p, err := parsePrefix(s)
	if err != nil {
		return netip.Prefix{}, errorf(path, "invalid IP or CIDR: %v", err)
	}
	return p, nil
}

// parsePrefix parses an IP (a prefix of its full length) or a CIDR, host
// bits masked off.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q: IPv6 zones are not supported", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// describe names a value for a message, quoting strings.
func describe(x any) string {
	if s, ok := x.(string); ok {
		return strconv.Quote(s)
	}
	return kindOf(x)
}
