package canary

import (
	"net/netip"
	"sync/atomic"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/expr"
	"github.com/jetwayhq/jetway/lb"
)

// Rule is one rule of a Split as built from config.
type Rule struct {
	// Match entries are ORed; none always matches.
	Match []*expr.Expr
	// Weights of the rule's arms, in config order.
	Weights []int
}

// Split is a built traffic-split. It is immutable and safe for concurrent
// use; the request path takes no lock and makes no allocation in it.
type Split struct {
	rules   []rule
	trusted []netip.Prefix
}

type rule struct {
	match []*expr.Expr
	// arms is replaced whole when a ramp changes the weights.
	arms atomic.Pointer[armTable]
}

// armTable is how a rule picks an arm for one set of weights.
type armTable struct {
	seq  *lb.Sequence
	ends []uint32 // sticky bucket ranges; see bucketEnds
}

func newArmTable(weights []int) *armTable {
	return &armTable{seq: lb.NewSequence(weights), ends: bucketEnds(weights)}
}

// New builds a Split. trusted, when not nil, holds the client prefixes
// (unmapped) whose requests may fall under rules that have a match: the
// control headers that force an arm are honoured only from there.
func New(rules []Rule, trusted []netip.Prefix) *Split {
	s := &Split{trusted: trusted, rules: make([]rule, len(rules))}
	for i, r := range rules {
		s.rules[i].match = r.Match
		s.rules[i].arms.Store(newArmTable(r.Weights))
	}
	return s
}

// SetWeights replaces the arm weights of rule i; requests already past
// Arm keep the arm they got.
func (s *Split) SetWeights(i int, weights []int) {
	s.rules[i].arms.Store(newArmTable(weights))
}

// Rule returns the index of the first rule the request falls under;
// ok=false when none does, and the route's own upstream serves it. remote
// is the client's unmapped address.
func (s *Split) Rule(ctx *fasthttp.RequestCtx, remote netip.Addr) (int, bool) {
	trusted := s.trusted == nil || contains(s.trusted, remote)
	for i := range s.rules {
		r := &s.rules[i]
		if len(r.match) == 0 {
			return i, true
		}
		if trusted && matches(r.match, ctx, remote) {
			return i, true
		}
	}
	return 0, false
}

// Arm returns the arm of rule i for a request: the owner of the bucket
// key hashes to when key is not empty (sticky), else the next of the
// rule's weighted sequence. It is -1 when every weight is 0.
func (s *Split) Arm(i int, key []byte) int {
	t := s.rules[i].arms.Load()
	if len(key) > 0 {
		if k := bucketArm(t.ends, uint32(lb.HashKey(key)%Buckets)); k >= 0 {
			return k
		}
	}
	return t.seq.Next()
}

func matches(ms []*expr.Expr, ctx *fasthttp.RequestCtx, remote netip.Addr) bool {
	for _, m := range ms {
		if m.Eval(ctx, remote) {
			return true
		}
	}
	return false
}

func contains(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
