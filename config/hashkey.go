package config

import (
	"errors"
	"fmt"
	"strings"
)

// HashPart is one piece of a chash key: literal text, or a variable whose
// value the request supplies.
type HashPart struct {
	Literal string
	Var     string
}

// hashVars are the variables a chash key may name besides the arg_, http_
// and cookie_ families.
var hashVars = []string{"uri", "server_name", "server_addr", "request_uri", "remote_port",
	"remote_addr", "query_string", "host", "hostname"}

// IsHashVar reports whether name is a variable a chash key may use:
// one of hashVars, or arg_<name>, http_<header> or cookie_<name> (nginx's
// variable families).
func IsHashVar(name string) bool {
	for _, prefix := range []string{"arg_", "http_", "cookie_"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			return validHashName(rest)
		}
	}
	for _, v := range hashVars {
		if name == v {
			return true
		}
	}
	return false
}

var errHashTemplate = errors.New("invalid key template")

// HashTemplate splits a hash_on vars_combinations key such as
// "$remote_addr-$uri" or "${http_x-user}x" into parts: "$name" runs over
// letters, digits and '_' (nginx's variable names), "${name}" is closed by
// its brace (and may hold '-'), and everything else is literal.
func HashTemplate(key string) ([]HashPart, error) {
	var parts []HashPart
	lit := func(s string) {
		if s == "" {
			return
		}
		if n := len(parts); n > 0 && parts[n-1].Var == "" {
			parts[n-1].Literal += s
			return
		}
		parts = append(parts, HashPart{Literal: s})
	}
	for key != "" {
		i := strings.IndexByte(key, '$')
		if i < 0 {
			lit(key)
			break
		}
		lit(key[:i])
		key = key[i+1:]
		var name string
		if rest, ok := strings.CutPrefix(key, "{"); ok {
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return nil, fmt.Errorf("%w: unclosed ${", errHashTemplate)
			}
			name, key = rest[:end], rest[end+1:]
		} else {
			end := 0
			for end < len(key) && (isAlnum(key[end]) || key[end] == '_') {
				end++
			}
			name, key = key[:end], key[end:]
		}
		if !IsHashVar(name) {
			return nil, fmt.Errorf("%w: %s is not a variable a key may use", errHashTemplate, clip("$"+name))
		}
		parts = append(parts, HashPart{Var: name})
	}
	if !hasVar(parts) {
		return nil, fmt.Errorf("%w: no variable in it", errHashTemplate)
	}
	return parts, nil
}

func hasVar(parts []HashPart) bool {
	for _, p := range parts {
		if p.Var != "" {
			return true
		}
	}
	return false
}
