//go:build linux && !race

package core_test

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/callgraph/rta"
	"golang.org/x/tools/go/callgraph/vta"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

const module = "github.com/jetwayhq/jetway"

// lockCalls are the calls that take or wait on a lock.
var lockCalls = []string{
	"(*sync.Mutex).Lock", "(*sync.Mutex).TryLock",
	"(*sync.RWMutex).Lock", "(*sync.RWMutex).RLock",
	"(*sync.RWMutex).TryLock", "(*sync.RWMutex).TryRLock",
	"(*sync.Cond).Wait", "(*sync.WaitGroup).Wait",
}

// lockAllowed are the functions on the request path that may lock, and
// why. An entry that no longer locks is an error too, so the list stays
// true.
var lockAllowed = map[string]string{
	"(*github.com/jetwayhq/jetway/core.namedPools).get":          "only on the first request for a TLS server name: later ones read an immutable map",
	"(*github.com/jetwayhq/jetway/core.mirror).offer":            "a route with request-mirror hands the copy to a mirror worker over a channel, without blocking",
	"(*github.com/jetwayhq/jetway/core.handoffListener).Accept":  "the loop engine's listener: once per connection, not per request, the server takes a connection an event loop hands over",
	"(*github.com/jetwayhq/jetway/core.handoffListener).Close$1": "the loop engine's listener, closed at shutdown",
	"(*github.com/jetwayhq/jetway/core.handoffListener).give":    "an event loop hands a connection it does not serve to the server: once per connection, not per request",
}

// TestRequestPathTakesNoLock builds jetway's call graph (rapid type
// analysis from main, refined by variable type analysis) and walks
// everything reachable from the request handler, the client connection's
// Read and Write, the listener's Accept, and the reader of a streamed
// answer, which fasthttp calls after the handler returns. No function of Jetway's own on that walk
// may lock a mutex, wait on a condition or a wait group, or send, receive
// or select on a channel (the runtime locks the channel), but those in
// lockAllowed.
func TestRequestPathTakesNoLock(t *testing.T) {
	cfg := &packages.Config{Mode: packages.LoadAllSyntax}
	pkgs, err := packages.Load(cfg, module+"/cmd/jetway")
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("loading cmd/jetway failed")
	}
	prog, _ := ssautil.AllPackages(pkgs, ssa.InstantiateGenerics)
	prog.Build()
	var roots []*ssa.Function
	for _, p := range ssautil.MainPackages(prog.AllPackages()) {
		roots = append(roots, p.Func("main"), p.Func("init"))
	}
	res := rta.Analyze(roots, true)
	// Variable type analysis over what rapid type analysis found: the
	// targets of a call through a func value or interface are only those
	// that can flow there.
	reach := map[*ssa.Function]bool{}
	for fn := range res.Reachable {
		reach[fn] = true
	}
	cg := vta.CallGraph(reach, res.CallGraph)

	core := prog.ImportedPackage(module + "/core")
	if core == nil {
		t.Fatal("package core is not in the program")
	}
	var starts []*ssa.Function
	for _, m := range []struct{ typ, name string }{
		{"Gateway", "serveHTTP"}, {"frontConn", "Read"}, {"frontConn", "Write"},
		{"frontListener", "Accept"},
		// The loop engine's event loop, which serves requests itself.
		{"evLoop", "run"},
		// A streamed answer: fasthttp reads it after the handler returns.
		{"upstreamBody", "Read"}, {"upstreamBody", "CloseWithError"},
	} {
		obj := core.Pkg.Scope().Lookup(m.typ)
		if obj == nil {
			t.Fatalf("core.%s not found", m.typ)
		}
		fn := prog.LookupMethod(types.NewPointer(obj.Type()), core.Pkg, m.name)
		if fn == nil {
			t.Fatalf("(*core.%s).%s not found", m.typ, m.name)
		}
		starts = append(starts, fn)
	}

	seen := map[*ssa.Function]bool{}
	queue := slices.Clone(starts)
	for _, fn := range starts {
		seen[fn] = true
	}
	var found []string
	allowedSeen := map[string]bool{}
	for len(queue) > 0 {
		fn := queue[0]
		queue = queue[1:]
		if !ours(fn) {
			// Library code is not checked, but what it calls is.
		} else if locks := locksIn(fn); len(locks) > 0 {
			if _, ok := lockAllowed[fn.String()]; ok {
				allowedSeen[fn.String()] = true
			} else {
				found = append(found, locks...)
			}
		}
		node := cg.Nodes[fn]
		if node == nil {
			continue
		}
		for _, e := range node.Out {
			if callee := e.Callee.Func; !seen[callee] {
				seen[callee] = true
				queue = append(queue, callee)
			}
		}
	}
	slices.Sort(found)
	for _, f := range found {
		t.Errorf("%s; the request path takes no locks", f)
	}
	for fn := range lockAllowed {
		if !allowedSeen[fn] {
			t.Errorf("lockAllowed lists %s, which no longer locks on the request path; remove it", fn)
		}
	}
	// The walk must reach the proxy's exchange, a balancer through its
	// interface, and the socket calls, or it proves nothing.
	reached := map[string]bool{}
	for fn := range seen {
		reached[fn.String()] = true
	}
	for _, want := range []string{
		"(*github.com/jetwayhq/jetway/core.exchange).roundTrip",
		"(*github.com/jetwayhq/jetway/lb.RoundRobin).Pick",
		"(*github.com/jetwayhq/jetway/core.sockConn).Read",
		"(*github.com/jetwayhq/jetway/core.sockConn).Write",
		"(*github.com/jetwayhq/jetway/core.evLoop).relay",
	} {
		if !reached[want] {
			t.Errorf("the walk from the request handler did not reach %s", want)
		}
	}
	t.Logf("%d functions reachable from the request path", len(seen))
}

// ours reports whether fn is Jetway's code.
func ours(fn *ssa.Function) bool {
	if o := fn.Origin(); o != nil {
		fn = o
	}
	for fn.Parent() != nil {
		fn = fn.Parent()
	}
	return fn.Pkg != nil && strings.HasPrefix(fn.Pkg.Pkg.Path(), module+"/")
}

// locksIn lists the locking operations fn makes itself.
func locksIn(fn *ssa.Function) []string {
	var out []string
	at := func(pos token.Pos, what string) {
		out = append(out, fmt.Sprintf("%s: %s in %s", fn.Prog.Fset.Position(pos), what, fn.String()))
	}
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			switch in := in.(type) {
			case *ssa.Send:
				at(in.Pos(), "channel send")
			case *ssa.Select:
				at(in.Pos(), "select")
			case *ssa.UnOp:
				if in.Op == token.ARROW {
					at(in.Pos(), "channel receive")
				}
			case ssa.CallInstruction:
				if c := in.Common().StaticCallee(); c != nil && slices.Contains(lockCalls, c.String()) {
					at(in.Pos(), c.String())
				}
			}
		}
	}
	return out
}
