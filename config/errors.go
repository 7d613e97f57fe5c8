package config

import (
	"errors"
	"strconv"
	"strings"
)

var (
	// ErrInvalid marks a problem with the configuration itself: a syntax
	// error, an unknown field, a wrong type or a value out of range.
	ErrInvalid = errors.New("config: invalid configuration")
	// ErrUnsupported marks a valid field or value that Jetway cannot run
	// yet.
	ErrUnsupported = errors.New("config: not supported yet")
	// ErrRead marks a configuration file that could not be read.
	ErrRead = errors.New("config: cannot read file")
)

// Error is one problem in a configuration, located by file, line and path.
type Error struct {
	File string // the file name given to Parse or Load
	Line int    // 1-based source line; 0 when unknown
	Path string // e.g. "upstreams[0].nodes[1].port"; empty for the whole document
	Msg  string
	// Err is ErrInvalid or ErrUnsupported.
	Err error
}

// Error formats the problem as "FILE:LINE: path: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if e.File != "" {
			b.WriteByte(':')
		} else {
			b.WriteString("line ")
		}
		b.WriteString(strconv.Itoa(e.Line))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the sentinel the problem is classed under.
func (e *Error) Unwrap() error { return e.Err }

// Errors is every problem found in one configuration, in source order.
type Errors []*Error

// Error joins the problems, one per line.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap exposes each problem to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// orNil returns es as an error, or nil when it is empty.
func (es Errors) orNil() error {
	if len(es) == 0 {
		return nil
	}
	return es
}
