package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestHashTemplate(t *testing.T) {
	for _, tc := range []struct {
		key     string
		want    []HashPart
		wantErr bool
	}{
		{"$remote_addr$uri", []HashPart{{Var: "remote_addr"}, {Var: "uri"}}, false},
		{"$host-$arg_id", []HashPart{{Var: "host"}, {Literal: "-"}, {Var: "arg_id"}}, false},
		{"${http_x_user}x", []HashPart{{Var: "http_x_user"}, {Literal: "x"}}, false},
		{"a$cookie_sid", []HashPart{{Literal: "a"}, {Var: "cookie_sid"}}, false},
		{"plain", nil, true},
		{"$nope", nil, true},
		{"${host", nil, true},
		{"$", nil, true},
	} {
		got, err := HashTemplate(tc.key)
		if (err != nil) != tc.wantErr || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("HashTemplate(%q) = %v, %v; want %v (error %v)", tc.key, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestIsHashVar(t *testing.T) {
	for name, want := range map[string]bool{
		"remote_addr": true, "arg_id": true, "http_x-user-id": true, "cookie_sid": true,
		"arg_": false, "http_": false, "mqtt_client_id": false, "nope": false,
	} {
		if got := IsHashVar(name); got != want {
			t.Errorf("IsHashVar(%q) = %v; want %v", name, got, want)
		}
	}
}

func TestValidateHashBalanceFactor(t *testing.T) {
	for _, tc := range []struct {
		extra string
		want  string
	}{
		{"type: chash, key: remote_addr, hash_balance_factor: 125", ""},
		{"type: chash, key: remote_addr, hash_balance_factor: 99", "upstreams[0].hash_balance_factor: must be 0 (off) or 100..10000 (percent of the mean load)"},
		{"hash_balance_factor: 150", "upstreams[0].hash_balance_factor: only used with type chash"},
	} {
		_, err := Parse("u.yaml", []byte("upstreams: [{id: u, nodes: {\"127.0.0.1:1\": 1}, "+tc.extra+"}]"))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if tc.want == "" && err != nil && !strings.Contains(got, "not supported yet") {
			t.Errorf("%s: %v; want no validation problem", tc.extra, err)
		}
		if tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q; want %q", tc.extra, got, tc.want)
		}
	}
}
