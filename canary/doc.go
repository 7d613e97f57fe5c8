// Package canary decides traffic splits (APISIX traffic-split): which rule
// a request falls under, and which weighted arm of that rule serves it.
//
// Rules are tried in order; the match entries of a rule are ORed
// expression rules (package expr). Arms are chosen by an exact weighted
// sequence shared by the whole process (lb.Sequence), or, for a user with
// a sticky key, by the bucket the key hashes to. The package knows arms
// by index only; core maps them to upstreams.
package canary
