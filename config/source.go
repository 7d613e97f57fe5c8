package config

import "fmt"

// File is the name the configuration was parsed from, or "" for a
// Config built in Go.
func (c *Config) File() string { return c.file }

// Line returns the source line of path, e.g. "routes[2].uri". A path that
// was not written in the file (a default, a missing field) gets the line
// of its nearest written ancestor. It is 0 for a Config built in Go.
func (c *Config) Line(path string) int {
	if c.root == nil {
		return 0
	}
	at, _ := c.root.find(path)
	return at.line
}

// Errorf returns an ErrInvalid problem at path, located in the source, for
// later stages (such as building a snapshot) to report like Parse does.
func (c *Config) Errorf(path, format string, args ...any) *Error {
	return &Error{
		File: c.file,
		Line: c.Line(path),
		Path: path,
		Msg:  fmt.Sprintf(format, args...),
		Err:  ErrInvalid,
	}
}

// has reports whether path was given a non-null value in the source. It is
// false for every path of a Config built in Go.
func (c *Config) has(path string) bool {
	if c.root == nil {
		return false
	}
	_, ok := c.root.find(path)
	return ok
}

// given reports whether a field is set: written in the source, or
// non-zero in a Config built in Go.
func (c *Config) given(path string, zero bool) bool {
	return !zero || c.has(path)
}
