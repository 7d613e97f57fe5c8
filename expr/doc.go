// Package expr compiles and evaluates APISIX's lua-resty-expr (v1)
// expressions over an HTTP request: route vars and traffic-split
// match[].vars.
//
// The control plane calls Compile once per rule; the request path calls
// Eval. An *Expr is immutable after Compile and shared by every goroutine;
// Eval takes no lock and does not allocate (alloc_test.go). The one
// contract a caller keeps: a ctx is evaluated by one goroutine at a time,
// as fasthttp already requires, because reading a request fills its lazily
// parsed fields.
//
// # Rules
//
// A rule is a list. Empty, it matches everything. Otherwise it is either a
// list of rules, all of which must match, or a logical form
// ["AND"|"OR"|"!AND"|"!OR", rule, rule, ...] (operator case-insensitive,
// at least two rules), or, below the top level, a single expression:
//
//	[var, op, value]
//	[var, "!", op, value]   the negation
//	[var, value]            short for [var, "==", value]
//
// # Operators
//
// l is the request's value of var, which may be missing; r is the value.
// Operators are case-insensitive.
//
//	==       r a number: l parsed as a number equals r; r a string: l is r.
//	         Missing or unparsable l: false.
//	~=       not ==, so missing (or, for a number r, unparsable) l is true.
//	> >= < <= l and r as numbers (r may be a string holding one); false when
//	         l is missing or not a number. An r that is no number does not
//	         compile.
//	~~ ~*    l matches the regular expression r anywhere (~* ignoring
//	         case). Go's RE2 syntax, not PCRE: no backreferences or
//	         lookaround; such a pattern does not compile.
//	in       r is a list; l equals one of its elements (as == does).
//	has      some value of var equals r (as == does). Every value of a
//	         repeated query argument, header or cookie counts; any other
//	         variable has its one value. (lua-resty-expr only supports
//	         list-valued variables here; Jetway treats every variable as the
//	         list of its values.)
//	ipmatch  r is an IP or CIDR, or a list of them; l parsed as an IP is in
//	         one of them. An IPv4-mapped IPv6 l also matches as IPv4.
//
// A bool, null or map value does not compile, whatever the operator.
// Numbers are parsed as Lua's tonumber does for decimal and 0x hex
// integers (see parseNumber). Deviation: lua-resty-expr's in compares
// elements with Lua's ==, under which a number never equals a string
// value; Jetway compares a number element numerically, as == does.
//
// # Variables
//
// Named as in nginx:
//
//	uri                  the normalized, decoded path (fasthttp Path)
//	request_uri          the target as sent, with its query
//	host                 the URI host without port, lower case
//	request_method, scheme
//	remote_addr          the remote passed to Eval; remote_port, server_addr,
//	                     server_port from the connection
//	query_string, args   the raw query; missing when empty
//	arg_NAME             the first query argument NAME, decoded
//	http_NAME            the first header NAME, "_" read as "-", any case
//	cookie_NAME          the first cookie NAME
//
// An unknown name does not compile. host is compared case-insensitively by
// lowering r at compile time: fasthttp already lowers the URI host, so Eval
// lowers nothing. http_NAME looks the header up in its canonical form, the
// form fasthttp stores unless the server disables header normalization.
// http_cookie is rebuilt from the parsed cookies ("a=1; b=2"), which may
// differ in spacing from the header as sent; http_trailer likewise from the
// declared trailer names. These two, remote_port, server_addr,
// server_port, and remote_addr under a regex are formatted into a pooled
// buffer (sync.Pool, no lock on its fast path).
//
// Compile errors are *Error, located by a path of indexes into the rule.
package expr
