//go:build !race

package main

import (
	"testing"

	"github.com/valyala/fasthttp"
)

func TestRootAllocatesNothing(t *testing.T) {
	b := newBackend("b1")
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI("/")
	allocs := testing.AllocsPerRun(1000, func() {
		ctx.Response.Reset()
		b.handle(&ctx)
	})
	if allocs != 0 {
		t.Fatalf("handle(/) allocates %v times per request; want 0", allocs)
	}
	if got := string(ctx.Response.Body()); got != "b1\n" {
		t.Fatalf("handle(/) body = %q; want %q", got, "b1\n")
	}
}
