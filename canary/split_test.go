package canary

import (
	"fmt"
	"math"
	"net/netip"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/expr"
)

func mustExpr(t *testing.T, rule ...any) *expr.Expr {
	t.Helper()
	e, err := expr.Compile(rule)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRuleOrderAndTrust(t *testing.T) {
	canaryHeader := mustExpr(t, []any{"http_x-canary", "==", "1"})
	rules := []Rule{
		{Match: []*expr.Expr{canaryHeader}, Weights: []int{1}},
		{Weights: []int{1, 1}},
	}
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.Set("X-Canary", "1")
	inside, outside := netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("192.0.2.1")
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		remote  netip.Addr
		want    int
	}{
		{"no trust list", nil, outside, 0},
		{"trusted client", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, inside, 0},
		{"untrusted client skips rules with a match", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, outside, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := New(rules, tc.trusted).Rule(&ctx, tc.remote); !ok || got != tc.want {
				t.Errorf("Rule = %d, %v; want %d", got, ok, tc.want)
			}
		})
	}
	var plain fasthttp.RequestCtx
	if _, ok := New(rules[:1], nil).Rule(&plain, outside); ok {
		t.Error("a request matching no rule fell under one")
	}
}

func TestStickyBucketsOnlyMoveOntoAGrowingCanary(t *testing.T) {
	for _, order := range []string{"canary first", "canary last"} {
		weights := func(c int) []int {
			if order == "canary first" {
				return []int{c, 100 - c}
			}
			return []int{100 - c, c}
		}
		canaryArm := 0
		if order == "canary last" {
			canaryArm = 1
		}
		prev := bucketEnds(weights(0))
		for c := 1; c <= 100; c++ {
			ends := bucketEnds(weights(c))
			n := 0
			for b := uint32(0); b < Buckets; b++ {
				was, is := bucketArm(prev, b), bucketArm(ends, b)
				if was == canaryArm && is != canaryArm {
					t.Fatalf("%s: bucket %d left the canary when it grew to %d", order, b, c)
				}
				if is == canaryArm {
					n++
				}
			}
			if n != c*Buckets/100 {
				t.Fatalf("%s: canary at %d owns %d buckets; want %d", order, c, n, c*Buckets/100)
			}
			prev = ends
		}
	}
}

func TestArmWithoutWeights(t *testing.T) {
	s := New([]Rule{{Weights: []int{0, 0}}}, nil)
	if got := s.Arm(0, []byte("user")); got != -1 {
		t.Errorf("Arm over zero weights = %d; want -1", got)
	}
}

// TestStickyUsersAcrossRaises follows 10,000 users while the canary's
// weight goes 5 -> 25 -> 50: no user ever goes from the canary back to
// stable, and the canary's share of users is its weight within 1 point.
func TestStickyUsersAcrossRaises(t *testing.T) {
	const users = 10000
	s := New([]Rule{{Weights: []int{5, 95}}}, nil) // arm 0 is the canary
	onCanary := make([]bool, users)
	for _, w := range []int{5, 25, 50} {
		s.SetWeights(0, []int{w, 100 - w})
		n := 0
		for u := range users {
			arm := s.Arm(0, []byte(fmt.Sprintf("user-%d", u)))
			if onCanary[u] && arm != 0 {
				t.Fatalf("weight %d: user-%d went from the canary back to stable", w, u)
			}
			onCanary[u] = arm == 0
			if onCanary[u] {
				n++
			}
		}
		if share := 100 * float64(n) / users; math.Abs(share-float64(w)) > 1 {
			t.Errorf("weight %d: %.2f%% of users on the canary; want %d ± 1", w, share, w)
		}
	}
}
