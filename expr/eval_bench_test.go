package expr

import "testing"

// BenchmarkEval is a typical canary rule: a query argument, a header and
// the client address.
func BenchmarkEval(b *testing.B) {
	e := mustCompile(b, `[["arg_name", "==", "json"], ["http_x_user_id", "in", ["41", "42"]],
		["remote_addr", "ipmatch", ["10.0.0.0/8", "172.16.0.0/12", "192.0.2.0/24"]]]`)
	ctx := newCtx(b, false, baseRequest...)
	if !e.Eval(ctx, testRemote) {
		b.Fatal("Eval = false; want true")
	}
	b.ReportAllocs()
	for b.Loop() {
		e.Eval(ctx, testRemote)
	}
}

// BenchmarkEvalRegex formats remote_addr into the scratch buffer for a
// regex, the slowest variable path.
func BenchmarkEvalRegex(b *testing.B) {
	e := mustCompile(b, `[["remote_addr", "~~", "^192\\.0\\.2\\."], ["http_user_agent", "~*", "^CURL/"]]`)
	ctx := newCtx(b, false, baseRequest...)
	if !e.Eval(ctx, testRemote) {
		b.Fatal("Eval = false; want true")
	}
	b.ReportAllocs()
	for b.Loop() {
		e.Eval(ctx, testRemote)
	}
}
