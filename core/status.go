package core

import (
	"errors"
	"net"
	"os"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/upstream"
)

// Errors of the request path. Each maps to a status in classify.
var (
	// ErrNoRoute means no route matched the request.
	ErrNoRoute = errors.New("jetway: no route matches the request")
	// ErrNoHealthyNode means the upstream had no available node left.
	ErrNoHealthyNode = errors.New("jetway: no available node in upstream")
	// ErrClientGone means the client went away mid-request.
	ErrClientGone = errors.New("jetway: client closed the connection")
)

// StatusClientClosedRequest is nginx's 499: the client went away. It is
// logged, never sent.
const StatusClientClosedRequest = 499

// classify maps an error of the request path to the status the client gets
// and the outcome recorded against the node. It is the one place where
// errors become statuses.
func classify(err error) (status int, o upstream.Outcome) {
	var ce *connectError
	var fe *frontDoorError
	switch {
	case errors.As(err, &fe):
		return frontDoorReplies[fe.fault].status, upstream.ClientGone
	case errors.Is(err, ErrNoRoute):
		return fasthttp.StatusNotFound, upstream.Success
	case errors.Is(err, ErrNoHealthyNode):
		return fasthttp.StatusServiceUnavailable, upstream.Success
	case errors.Is(err, ErrClientGone):
		return StatusClientClosedRequest, upstream.ClientGone
	case isTimeout(err):
		return fasthttp.StatusGatewayTimeout, upstream.Timeout
	case errors.As(err, &ce):
		return fasthttp.StatusBadGateway, upstream.ConnectFailure
	}
	return fasthttp.StatusBadGateway, upstream.Failure
}

// isConnectError reports whether err is a failure to connect, after which
// nothing was sent.
func isConnectError(err error) bool {
	var ce *connectError
	return errors.As(err, &ce)
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, fasthttp.ErrTimeout) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Error bodies, in APISIX's {"error_msg": ...} shape.
var (
	body404 = []byte(`{"error_msg":"404 Route Not Found"}` + "\n")
	body502 = []byte(`{"error_msg":"502 Bad Gateway"}` + "\n")
	body503 = []byte(`{"error_msg":"503 Service Unavailable"}` + "\n")
	body504 = []byte(`{"error_msg":"504 Gateway Timeout"}` + "\n")
	body405 = []byte(`{"error_msg":"405 Method Not Allowed: CONNECT is not supported"}` + "\n")
)

var strJSON = []byte("application/json")

// resetResponse clears ctx's response for an answer of Jetway's own.
// fasthttp's Reset also turns the default Content-Type back on, which the
// server had off; it is turned off again.
func resetResponse(ctx *fasthttp.RequestCtx) {
	ctx.Response.Reset()
	ctx.Response.Header.SetNoDefaultContentType(true)
}

// answerJSON replaces ctx's response with status and a JSON body.
func answerJSON(ctx *fasthttp.RequestCtx, status int, body []byte) {
	resetResponse(ctx)
	ctx.SetStatusCode(status)
	ctx.Response.Header.SetContentTypeBytes(strJSON)
	ctx.Response.SetBodyRaw(body)
}

// writeMethodNotAllowed refuses a CONNECT request.
func writeMethodNotAllowed(ctx *fasthttp.RequestCtx) {
	answerJSON(ctx, fasthttp.StatusMethodNotAllowed, body405)
	ctx.SetConnectionClose()
}

// writeError answers ctx with the status err maps to. A 499 sends nothing
// and closes the connection.
func writeError(ctx *fasthttp.RequestCtx, status int) {
	if status == StatusClientClosedRequest {
		resetResponse(ctx)
		ctx.SetStatusCode(status)
		ctx.SetConnectionClose()
		return
	}
	answerJSON(ctx, status, errorBody(status))
}

// errorBody is the body of Jetway's answer with an error status.
func errorBody(status int) []byte {
	switch status {
	case fasthttp.StatusNotFound:
		return body404
	case fasthttp.StatusServiceUnavailable:
		return body503
	case fasthttp.StatusGatewayTimeout:
		return body504
	}
	return body502
}
