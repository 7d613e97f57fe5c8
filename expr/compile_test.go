package expr

import (
	"errors"
	"strings"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		rule string
		path string
		msg  string // the message, or its start when it ends in "..."
	}{
		{"bare expression", `["arg_a", "==", "1"]`, "", "rule should be wrapped inside brackets"},
		{"bare short form", `["arg_a", "1"]`, "", "rule should be wrapped inside brackets"},
		{"logic alone", `["and"]`, "", "rule too short"},
		{"logic one rule", `["AND", ["arg_a", "==", "1"]]`, "", "rule too short"},
		{"nested logic one rule", `[["OR", ["arg_a", "==", "1"]]]`, "[0]", "rule too short"},
		{"number element", `[1]`, "[0]", "must be a list, not a number"},
		{"string element", `[["arg_a", "==", "1"], "x"]`, "[1]", "must be a list, not a string"},
		{"bool sub-rule", `["AND", ["arg_a", "==", "1"], true]`, "[2]", "must be a list, not a bool"},
		{"map sub-rule", `["OR", ["arg_a", "==", "1"], {a: 1}]`, "[2]", "must be a list, not a map"},
		{"empty sub-rule", `[[]]`, "[0]", "empty rule"},
		{"one element", `[["arg_a"]]`, "[0]", "bad expression: want [var, op, value] or [var, \"!\", op, value], not 1 elements"},
		{"five elements", `[["arg_a", "!", "==", "1", "2"]]`, "[0]", "bad expression: ..."},
		{"bad not", `[["arg_a", "==", "!", "1"]]`, "[0][1]", "bad 'not' expression"},
		{"not as number", `[["arg_a", 1, "==", "1"]]`, "[0][1]", "bad 'not' expression"},
		{"var not string", `[[1, "==", "1"]]`, "[0][0]", "variable must be a string, not a number"},
		{"var null", `[[null, "==", "1"]]`, "[0][0]", "variable must be a string, not null"},
		{"unknown var", `[["nope", "==", "1"]]`, "[0][0]", `unknown variable "nope"`},
		{"empty arg name", `[["arg_", "==", "1"]]`, "[0][0]", `unknown variable "arg_"`},
		{"empty cookie name", `[["cookie_", "==", "1"]]`, "[0][0]", `unknown variable "cookie_"`},
		{"empty header name", `[["http_", "==", "1"]]`, "[0][0]", `unknown variable "http_"`},
		{"bad header name", `[["http_a b", "==", "1"]]`, "[0][0]", `unknown variable "http_a b"`},
		{"unknown op", `[["arg_a", "=~", "1"]]`, "[0][1]", `unknown operator "=~"`},
		{"unknown op negated", `[["arg_a", "!", "=~", "1"]]`, "[0][2]", `unknown operator "=~"`},
		{"op not string", `[["arg_a", 5, "1"]]`, "[0][1]", "operator must be a string, not a number"},
		{"not without op", `[["arg_a", "!", "1"]]`, "[0][1]", `"!" must be followed by an operator and a value`},
		{"double not", `[["arg_a", "!", "!", "1"]]`, "[0][2]", `"!" must be followed by an operator and a value`},
		{"op without value", `[["arg_a", "IN"]]`, "[0]", `operator "IN" needs a value`},
		{"eq bool", `[["arg_a", "==", true]]`, "[0][2]", "value must be a string, a number or a list, not a bool"},
		{"eq null", `[["arg_a", "==", null]]`, "[0][2]", "value must be a string, a number or a list, not null"},
		{"eq map", `[["arg_a", "==", {a: 1}]]`, "[0][2]", "value must be a string, a number or a list, not a map"},
		{"short form bool", `[["arg_a", false]]`, "[0][1]", "value must be a string, a number or a list, not a bool"},
		{"in bool", `[["arg_a", "in", true]]`, "[0][2]", "value must be a string, a number or a list, not a bool"},
		{"ipmatch bool", `[["remote_addr", "ipmatch", true]]`, "[0][2]", "value must be a string, a number or a list, not a bool"},
		{"eq list", `[["arg_a", "==", ["a"]]]`, "[0][2]", "value must be a string or a number, not a list"},
		{"ne list", `[["arg_a", "~=", ["a"]]]`, "[0][2]", "value must be a string or a number, not a list"},
		{"short form list", `[["arg_a", ["x"]]]`, "[0][1]", "value must be a string or a number, not a list"},
		{"gt word", `[["arg_a", ">", "abc"]]`, "[0][2]", `value must be a number, not "abc"`},
		{"le list", `[["arg_a", "<=", ["1"]]]`, "[0][2]", "value must be a number, not a list"},
		{"regex syntax", `[["arg_a", "~~", "(a"]]`, "[0][2]", "invalid regex: error parsing regexp: missing closing ): `(a`"},
		{"regex lookahead", `[["arg_a", "~*", "a(?=b)"]]`, "[0][2]", "invalid regex: ..."},
		{"regex list", `[["arg_a", "~~", ["a"]]]`, "[0][2]", "value must be a string, not a list"},
		{"in string", `[["arg_a", "in", "a"]]`, "[0][2]", "value must be a list, not a string"},
		{"in bool element", `[["arg_a", "in", ["a", true]]]`, "[0][2][1]", "value must be a string or a number, not a bool"},
		{"in list element", `[["arg_a", "in", [["a"]]]]`, "[0][2][0]", "value must be a string or a number, not a list"},
		{"has list", `[["arg_a", "has", ["a"]]]`, "[0][2]", "value must be a string or a number, not a list"},
		{"ipmatch bad entry", `[["remote_addr", "ipmatch", ["10.0.0.0/8", "nope"]]]`, "[0][2][1]", "invalid IP or CIDR: ..."},
		{"ipmatch number entry", `[["remote_addr", "ipmatch", [1]]]`, "[0][2][0]", "must be an IP or a CIDR string, not a number"},
		{"ipmatch number", `[["remote_addr", "ipmatch", 1]]`, "[0][2]", "must be an IP or a CIDR string, not a number"},
		{"ipmatch bad bits", `[["remote_addr", "ipmatch", "10.0.0.0/33"]]`, "[0][2]", "invalid IP or CIDR: ..."},
		{"ipmatch zone", `[["remote_addr", "ipmatch", "fe80::1%eth0"]]`, "[0][2]", `invalid IP or CIDR: "fe80::1%eth0": IPv6 zones are not supported`},
		{"deep", `["OR", ["AND", ["arg_a", "==", "1"], ["arg_b", "=~", "2"]], ["arg_c", "==", "3"]]`, "[1][2][1]", `unknown operator "=~"`},
		{"deep list", `["!OR", [["arg_a", "==", "1"], ["arg_b", "in", "2"]], ["arg_c", "==", "3"]]`, "[1][1][2]", "value must be a list, not a string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Compile(rule(t, tc.rule))
			if err == nil {
				t.Fatalf("Compile(%s) = %v, nil; want error", tc.rule, e)
			}
			var ee *Error
			if !errors.As(err, &ee) {
				t.Fatalf("Compile(%s) error %T %v; want *Error", tc.rule, err, err)
			}
			if ee.Path != tc.path {
				t.Errorf("Compile(%s) error path %q; want %q (msg %q)", tc.rule, ee.Path, tc.path, ee.Msg)
			}
			if want, ok := strings.CutSuffix(tc.msg, "..."); ok {
				if !strings.HasPrefix(ee.Msg, want) {
					t.Errorf("Compile(%s) error msg %q; want prefix %q", tc.rule, ee.Msg, want)
				}
			} else if ee.Msg != tc.msg {
				t.Errorf("Compile(%s) error msg %q; want %q", tc.rule, ee.Msg, tc.msg)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{Path: "[1][2]", Msg: `unknown operator "=~"`}, `[1][2]: unknown operator "=~"`},
		{Error{Msg: "rule too short"}, "rule too short"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q; want %q", got, tc.want)
		}
	}
	// How config reports it: its own path, then the rule's.
	_, err := Compile(rule(t, `[["arg_a", "==", "1"], ["arg_b", "=~", "2"]]`))
	var ee *Error
	if !errors.As(err, &ee) {
		t.Fatalf("Compile error %v; want *Error", err)
	}
	if got, want := "routes[0].vars"+ee.Path+": "+ee.Msg, `routes[0].vars[1][1]: unknown operator "=~"`; got != want {
		t.Errorf("config message %q; want %q", got, want)
	}
}

func TestCompileAccepts(t *testing.T) {
	tests := []struct {
		name string
		rule string
	}{
		{"list", `[["arg_a", "==", "1"], ["arg_b", "~=", 2]]`},
		{"short form", `[["arg_a", "json"], ["arg_b", 2]]`},
		{"logic lower case", `["or", ["arg_a", "==", "1"], ["arg_b", "==", "2"]]`},
		{"not logic", `["!AND", ["arg_a", "==", "1"], ["!or", ["arg_b", "==", "2"], ["arg_c", "==", "3"]]]`},
		{"list inside logic", `["OR", [["arg_a", "==", "1"], ["arg_b", "==", "2"]], ["arg_c", "==", "3"]]`},
		{"logic inside list", `[["arg_a", "==", "1"], ["OR", ["arg_b", "==", "2"], ["arg_c", "==", "3"]]]`},
		{"operators any case", `[["arg_a", "IN", [1, "2"]], ["arg_b", "IpMatch", "::1"], ["arg_c", "HAS", "x"], ["arg_d", "~*", "x"]]`},
		{"negated", `[["arg_a", "!", "~~", "^x"], ["arg_b", "!", ">", "1e3"]]`},
		{"every variable", `[["uri", "==", "/"], ["request_uri", "==", "/"], ["host", "==", "a"], ["request_method", "==", "GET"],
			["scheme", "==", "http"], ["remote_addr", "==", "::1"], ["remote_port", "==", 1], ["server_port", "==", 1],
			["server_addr", "==", "::1"], ["query_string", "==", ""], ["args", "==", ""], ["arg_x", "==", "1"],
			["http_x_y", "==", "1"], ["http_cookie", "==", "1"], ["http_trailer", "==", "1"], ["cookie_x", "==", "1"]]`},
		{"empty in", `[["arg_a", "in", []]]`},
		{"empty ipmatch", `[["remote_addr", "ipmatch", []]]`},
		{"regex number", `[["arg_a", "~~", 12]]`},
		{"comparison numeric string", `[["arg_a", ">", " 0x10 "]]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if e, err := Compile(rule(t, tc.rule)); err != nil || e == nil {
				t.Errorf("Compile(%s) = %v, %v; want an Expr", tc.rule, e, err)
			}
		})
	}
}

func TestCompileEmpty(t *testing.T) {
	for _, r := range [][]any{nil, {}} {
		e, err := Compile(r)
		if e != nil || err != nil {
			t.Errorf("Compile(%#v) = %v, %v; want nil, nil", r, e, err)
		}
		if !e.Eval(nil, testRemote) {
			t.Errorf("nil Expr Eval = false; want true")
		}
	}
}

// TestCompileShape checks what the rule shapes compile to.
func TestCompileShape(t *testing.T) {
	e := mustCompile(t, `[["arg_a", "==", "1"]]`)
	if e.root.leaf == nil {
		t.Errorf("a one-expression list is not collapsed to its expression")
	}
	e = mustCompile(t, `["!or", ["arg_a", "==", "1"], [["arg_b", "==", "2"], ["arg_c", "==", "3"]]]`)
	if e.root.logic != logicNotOr || len(e.root.kids) != 2 {
		t.Fatalf("root = %+v; want !OR of 2", e.root)
	}
	if k := e.root.kids[1]; k.leaf != nil || k.logic != logicAnd || len(k.kids) != 2 {
		t.Errorf("second rule = %+v; want AND of 2", k)
	}
	e = mustCompile(t, `[["host", "in", ["A.Example", 1]], ["arg_a", "~*", "x"]]`)
	if got := e.root.kids[0].leaf.list[0].s; got != "a.example" {
		t.Errorf("host operand = %q; want it lower-cased", got)
	}
	if got := e.root.kids[1].leaf.re.String(); got != "(?i)x" {
		t.Errorf("~* pattern = %q; want (?i)x", got)
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{10, "10"}, {1.5, "1.5"}, {1e8, "100000000"}, {1e20, "1e+20"}, {-0.25, "-0.25"}, {1.0 / 3, "0.33333333333333"},
	}
	for _, tc := range tests {
		if got := formatNumber(tc.f); got != tc.want {
			t.Errorf("formatNumber(%v) = %q; want %q", tc.f, got, tc.want)
		}
	}
}
