package expr

import (
	"fmt"
	"strconv"
)

// Error is a rule that does not compile, located by Path.
type Error struct {
	// Path locates the bad element inside the rule with indexes, e.g.
	// "[1][2]"; empty when the problem is the rule as a whole.
	Path string
	Msg  string
}

// Error formats the problem as "PATH: MSG", or just MSG when Path is empty.
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// errorf returns an *Error at path.
func errorf(path, format string, args ...any) *Error {
	return &Error{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// index returns the path of element i of the list at path.
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// kindOf names the type of a decoded YAML/JSON value for messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a bool"
	case []any:
		return "a list"
	case map[string]any, map[any]any:
		return "a map"
	}
	if _, ok := toNumber(v); ok {
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}
