package core

import (
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// Jetway's own answers carry exactly the Content-Type they set: none for a
// 499, application/json for the rest, never fasthttp's default, which the
// server turns off and fasthttp's Response.Reset turns back on.
func TestErrorAnswersContentType(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(*fasthttp.RequestCtx)
		want  string
	}{
		{"499", func(ctx *fasthttp.RequestCtx) { writeError(ctx, StatusClientClosedRequest) }, ""},
		{"502", func(ctx *fasthttp.RequestCtx) { writeError(ctx, fasthttp.StatusBadGateway) }, "application/json"},
		{"405", writeMethodNotAllowed, "application/json"},
		{"front door", func(ctx *fasthttp.RequestCtx) { frontDoorRefuse(ctx, fdObsFold) }, "application/json"},
		// A body after resetResponse gets no Content-Type nobody set.
		{"reset, then a body", func(ctx *fasthttp.RequestCtx) { resetResponse(ctx); ctx.SetBodyString("x") }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			ctx.Response.Header.SetNoDefaultContentType(true) // as the server sets it
			ctx.Response.Header.Set("X-From-Node", "1")
			tc.write(&ctx)
			out := ctx.Response.String()
			if strings.Contains(out, "X-From-Node") {
				t.Errorf("answer kept a header of the response it replaced:\n%s", out)
			}
			got := ""
			for line := range strings.SplitSeq(out, "\r\n") {
				if name, v, ok := strings.Cut(line, ": "); ok && strings.EqualFold(name, "Content-Type") {
					if got != "" {
						t.Errorf("two Content-Type fields:\n%s", out)
					}
					got = v
				}
			}
			if got != tc.want {
				t.Errorf("Content-Type = %q; want %q\n%s", got, tc.want, out)
			}
		})
	}
}

// A 499 closes the client connection: the answer it replaces is reset
// first, so that the close is not reset with it.
func TestClientGoneClosesConnection(t *testing.T) {
	var ctx fasthttp.RequestCtx
	writeError(&ctx, StatusClientClosedRequest)
	if !ctx.Response.ConnectionClose() {
		t.Errorf("499 keeps the connection open:\n%s", ctx.Response.String())
	}
}
