package config

import (
	"errors"
	"testing"
)

func TestErrorString(t *testing.T) {
	tests := []struct {
		name string
		e    Error
		want string
	}{
		{"full", Error{File: "jetway.yaml", Line: 9, Path: "upstreams[0].timeout.connect", Msg: "must be > 0"},
			"jetway.yaml:9: upstreams[0].timeout.connect: must be > 0"},
		{"no line", Error{File: "jetway.yaml", Path: "routes[0]", Msg: "bad"}, "jetway.yaml: routes[0]: bad"},
		{"no file", Error{Line: 3, Path: "routes[0]", Msg: "bad"}, "line 3: routes[0]: bad"},
		{"no path", Error{File: "a.yaml", Line: 1, Msg: "YAML syntax: x"}, "a.yaml:1: YAML syntax: x"},
		{"bare", Error{Path: "gateway", Msg: "bad"}, "gateway: bad"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.e.Error(); got != tc.want {
				t.Errorf("Error() = %q; want %q", got, tc.want)
			}
		})
	}
}

func TestErrorsJoinAndUnwrap(t *testing.T) {
	es := Errors{
		{File: "f", Line: 1, Path: "a", Msg: "x", Err: ErrInvalid},
		{File: "f", Line: 2, Path: "b", Msg: "y", Err: ErrUnsupported},
	}
	if got, want := es.Error(), "f:1: a: x\nf:2: b: y"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	var err error = es
	if !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrUnsupported) {
		t.Errorf("errors.Is(ErrInvalid, ErrUnsupported) = %v, %v; want true, true",
			errors.Is(err, ErrInvalid), errors.Is(err, ErrUnsupported))
	}
	var e *Error
	if !errors.As(err, &e) || e.Path != "a" {
		t.Errorf("errors.As() = %v; want the first problem", e)
	}
	if (Errors{}).orNil() != nil {
		t.Error("empty Errors.orNil() != nil")
	}
}
