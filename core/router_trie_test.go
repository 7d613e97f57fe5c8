package core

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// routerTrieMatches lists the values of the keys that prefix s, longest first.
func routerTrieMatches(t *routerTrie, s string) []int32 {
	var vals []int32
	for n := t.longest([]byte(s)); n >= 0; n = t.next(n) {
		vals = append(vals, t.value(n))
	}
	return vals
}

func TestRouterTrie(t *testing.T) {
	keys := []string{"/api/", "/api/v1/", "/a", "/", "/api/v1/users", "/b/c", "/api/v2"}
	vals := []int32{10, 11, 12, 13, 14, 15, 16}
	tr := newRouterTrie(keys, vals)
	tests := []struct {
		in   string
		want []int32
	}{
		{"", nil},
		{"x", nil},
		{"/", []int32{13}},
		{"/a", []int32{12, 13}},
		{"/ap", []int32{12, 13}},
		{"/api", []int32{12, 13}},
		{"/api/", []int32{10, 12, 13}},
		{"/api/v1/users/7", []int32{14, 11, 10, 12, 13}},
		{"/api/v1/user", []int32{11, 10, 12, 13}},
		{"/api/v2", []int32{16, 10, 12, 13}},
		{"/api/v3", []int32{10, 12, 13}},
		{"/b/", []int32{13}},
		{"/b/cd", []int32{15, 13}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := routerTrieMatches(&tr, tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("matches(%q) = %v; want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestRouterTrieEmpty(t *testing.T) {
	for _, tc := range []struct {
		name string
		tr   routerTrie
	}{
		{"no keys", newRouterTrie(nil, nil)},
		{"zero value", routerTrie{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n := tc.tr.longest([]byte("/a")); n != -1 {
				t.Errorf("longest(%q) = %d; want -1", "/a", n)
			}
		})
	}
}

func TestRouterTrieEmptyKey(t *testing.T) {
	tr := newRouterTrie([]string{"", "ab"}, []int32{1, 2})
	for _, tc := range []struct {
		in   string
		want []int32
	}{
		{"", []int32{1}},
		{"a", []int32{1}},
		{"abc", []int32{2, 1}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := routerTrieMatches(&tr, tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("matches(%q) = %v; want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestRouterTrieRandom(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	word := func(n int) string {
		b := make([]byte, rnd.IntN(n))
		for i := range b {
			b[i] = "ab/"[rnd.IntN(3)]
		}
		return string(b)
	}
	for round := range 200 {
		set := map[string]bool{}
		for range rnd.IntN(40) {
			set[word(8)] = true
		}
		var keys []string
		var vals []int32
		for k := range set {
			keys = append(keys, k)
			vals = append(vals, int32(len(vals)))
		}
		tr := newRouterTrie(keys, vals)
		for range 50 {
			in := word(10)
			var want []int32
			for l := len(in); l >= 0; l-- {
				if i := slices.Index(keys, in[:l]); i >= 0 {
					want = append(want, vals[i])
				}
			}
			if got := routerTrieMatches(&tr, in); !slices.Equal(got, want) {
				t.Fatalf("round %d: matches(%q) = %v; want %v (keys %q)", round, in, got, want, strings.Join(keys, " "))
			}
		}
	}
}
