package config

import (
	"errors"
	"testing"
)

// problemsOf returns each problem of err as "path: message".
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %v is a %T; want Errors", err, err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		if e.Path == "" {
			out[i] = e.Msg
			continue
		}
		out[i] = e.Path + ": " + e.Msg
	}
	return out
}

// mustParse parses src and fails the test on any problem.
func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse() error:\n%v", err)
	}
	return c
}

// equalStrings compares two lists and reports the difference.
func equalStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d problems, want %d\ngot:\n%s\nwant:\n%s", what, len(got), len(want), join(got), join(want))
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s[%d] = %q; want %q", what, i, got[i], want[i])
		}
	}
}

func join(ss []string) string {
	out := ""
	for _, s := range ss {
		out += "  " + s + "\n"
	}
	return out
}
