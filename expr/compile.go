package expr

import "strings"

// Expr is a compiled expression; nil matches everything. It is immutable
// and safe for concurrent use.
type Expr struct {
	root node
}

// logic is how a node combines its children.
type logic uint8

const (
	logicAnd logic = iota
	logicOr
	logicNotAnd
	logicNotOr
)

// logicOf returns the logical operator a rule's first element names, if it
// names one.
func logicOf(s string) (logic, bool) {
	switch strings.ToUpper(s) {
	case "AND":
		return logicAnd, true
	case "OR":
		return logicOr, true
	case "!AND":
		return logicNotAnd, true
	case "!OR":
		return logicNotOr, true
	}
	return 0, false
}

// node is a single expression (leaf set) or a logical form over kids.
type node struct {
	leaf  *test
	logic logic
	kids  []node
}

// Compile compiles a rule as decoded from YAML or JSON into []any, whose
// elements are []any, string, int (or another integer type), float64, bool
// or nil. An empty rule matches everything: Compile returns nil, nil.
// Errors are *Error.
func Compile(rule []any) (*Expr, error) {
	if len(rule) == 0 {
		return nil, nil
	}
	if s, ok := rule[0].(string); ok {
		if _, ok := logicOf(s); !ok {
			return nil, errorf("", "rule should be wrapped inside brackets")
		}
	}
	n, err := compileRule(rule, "", true)
	if err != nil {
		return nil, err
	}
	return &Expr{root: n}, nil
}

// compileRule compiles a logical form, a list of rules (ANDed) or, below
// the top, a single expression found at path. A rule that starts with
// neither a logical operator nor a list is an expression, so
// [1, "==", "x"] reports its variable.
func compileRule(rule []any, path string, top bool) (node, error) {
	if len(rule) == 0 {
		return node{}, errorf(path, "empty rule")
	}
	first := 0
	l := logicAnd
	s, isStr := rule[0].(string)
	_, isList := rule[0].([]any)
	switch {
	case isStr:
		var isLogic bool
		if l, isLogic = logicOf(s); isLogic {
			if len(rule) < 3 {
				return node{}, errorf(path, "rule too short")
			}
			first = 1
			break
		}
		fallthrough
	case !isList && !top:
		t, err := compileTest(rule, path)
		return node{leaf: t}, err
	}
	kids := make([]node, 0, len(rule)-first)
	for i := first; i < len(rule); i++ {
		p := index(path, i)
		sub, ok := rule[i].([]any)
		if !ok {
			return node{}, errorf(p, "must be a list, not %s", kindOf(rule[i]))
		}
		k, err := compileRule(sub, p, false)
		if err != nil {
			return node{}, err
		}
		kids = append(kids, k)
	}
	if l == logicAnd && len(kids) == 1 {
		return kids[0], nil
	}
	return node{logic: l, kids: kids}, nil
}

// compileTest compiles a single expression: [var, op, value],
// [var, "!", op, value], or [var, value] meaning [var, "==", value].
func compileTest(e []any, path string) (*test, error) {
	var opAt, valAt int
	not := false
	switch len(e) {
	case 2:
		if s, ok := e[1].(string); ok {
			if _, known := operators[strings.ToLower(s)]; known {
				return nil, errorf(path, "operator %q needs a value", s)
			}
		}
		opAt, valAt = -1, 1
	case 3:
		opAt, valAt = 1, 2
	case 4:
		if s, ok := e[1].(string); !ok || s != "!" {
			return nil, errorf(index(path, 1), "bad 'not' expression")
		}
		opAt, valAt, not = 2, 3, true
	default:
		return nil, errorf(path, `bad expression: want [var, op, value] or [var, "!", op, value], not %d elements`, len(e))
	}

	name, ok := e[0].(string)
	if !ok {
		return nil, errorf(index(path, 0), "variable must be a string, not %s", kindOf(e[0]))
	}
	v, ok := parseVariable(name)
	if !ok {
		return nil, errorf(index(path, 0), "unknown variable %q", name)
	}

	op := opEq
	if opAt >= 0 {
		s, ok := e[opAt].(string)
		if !ok {
			return nil, errorf(index(path, opAt), "operator must be a string, not %s", kindOf(e[opAt]))
		}
		if op, ok = operators[strings.ToLower(s)]; !ok {
			return nil, errorf(index(path, opAt), "unknown operator %q", s)
		}
		if op == opNot {
			return nil, errorf(index(path, opAt), `"!" must be followed by an operator and a value`)
		}
	}

	t := &test{v: v, op: op, not: not}
	if err := t.compileValue(e[valAt], index(path, valAt)); err != nil {
		return nil, err
	}
	return t, nil
}
