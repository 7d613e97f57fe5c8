package expr

import (
	"math"
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true},
		{"12", 12, true},
		{"-12", -12, true},
		{"+12", 12, true},
		{"007", 7, true},
		{" \t12\r\n", 12, true},
		{"1.5", 1.5, true},
		{".5", 0.5, true},
		{"5.", 5, true},
		{"-.5e1", -5, true},
		{"1e3", 1000, true},
		{"1E+3", 1000, true},
		{"25e-2", 0.25, true},
		{"123456789012345", 123456789012345, true},
		{"1234567890123456789", 1234567890123456789, true},
		{"0x10", 16, true},
		{"0XfF", 255, true},
		{"-0x10", -16, true},
		{"1e308", 1e308, true},
		{"1.7976931348623157e308", math.MaxFloat64, true},
		{"1.797693134862315807e308", math.MaxFloat64, true}, // just below halfway
		{"1.7976931348623158079372897140530341507993413271003782693617377898044496829276475094664736e308", math.MaxFloat64, true}, // a prefix of halfway: below
		{"1.797693134862315808e308", math.Inf(1), true},
		{"1e309", math.Inf(1), true},
		{"-1e400", math.Inf(-1), true},
		{"1e99999999999999999999", math.Inf(1), true},
		{"0e99999999999999999999", 0, true},
		{"1e-400", 0, true},
		{"0.000e1", 0, true},
		{"4.9e-324", 5e-324, true},
		{"", 0, false},
		{" ", 0, false},
		{"+", 0, false},
		{".", 0, false},
		{"-.", 0, false},
		{"e3", 0, false},
		{"1e", 0, false},
		{"1e+", 0, false},
		{"1.2.3", 0, false},
		{"12abc", 0, false},
		{"1 2", 0, false},
		{"0x", 0, false},
		{"0x1g", 0, false},
		{"0x1p4", 0, false},
		{"0x1.8", 0, false},
		{"1_000", 0, false},
		{"inf", 0, false},
		{"-Infinity", 0, false},
		{"nan", 0, false},
		{"--1", 0, false},
		{"١٢", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseNumber([]byte(tc.in))
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("parseNumber(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestParseNumberOverflowEdge walks across the overflow threshold: the
// digits of 2^1024 - 2^970 round to infinity, one less does not.
func TestParseNumberOverflowEdge(t *testing.T) {
	if len(overflowDigits) != 309 {
		t.Fatalf("len(overflowDigits) = %d; want 309", len(overflowDigits))
	}
	below := []byte(overflowDigits)
	i := len(below) - 1
	for below[i] == '0' {
		i--
	}
	below[i]--
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{overflowDigits, math.Inf(1)},
		{overflowDigits + ".0", math.Inf(1)},
		{string(below), math.MaxFloat64},
		{string(below) + ".999", math.MaxFloat64}, // still below
		{"0.0" + overflowDigits + "e310", math.Inf(1)},
		{overflowDigits[:1] + "." + overflowDigits[1:] + "e308", math.Inf(1)},
		{strings.Repeat("9", 308), 1e308},
	} {
		got, ok := parseNumber([]byte(tc.in))
		if !ok || got != tc.want {
			t.Errorf("parseNumber(%.20s...) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
}
