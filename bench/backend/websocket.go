package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net"

	"github.com/valyala/fasthttp"
)

// websocketGUID is the key suffix of RFC 6455 §1.3.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// websocket answers an Upgrade request on /ws with 101 Switching Protocols
// and then echoes every byte back until the client closes. It speaks no
// WebSocket framing: the echo is byte for byte, whatever the protocol.
func (b *backend) websocket(ctx *fasthttp.RequestCtx) {
	raw := ctx.Request.Header.RawHeaders()
	protocol, _, _ := bytes.Cut(fieldValue(raw, "Upgrade"), []byte{','})
	protocol = bytes.Trim(protocol, " \t")
	if !hasToken(raw, "Connection", "upgrade") || len(protocol) == 0 {
		ctx.Error("expected Connection: Upgrade and an Upgrade header", fasthttp.StatusBadRequest)
		return
	}
	head := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: ")
	head = append(head, protocol...)
	head = append(head, "\r\nConnection: Upgrade\r\nX-Backend: "...)
	head = append(head, b.name...)
	head = append(head, "\r\n"...)
	if key := fieldValue(raw, "Sec-WebSocket-Key"); len(key) > 0 {
		head = append(head, "Sec-WebSocket-Accept: "...)
		head = append(head, websocketAccept(key)...)
		head = append(head, "\r\n"...)
	}
	head = append(head, "\r\n"...)
	b.hijack(ctx, func(c net.Conn) {
		if _, err := c.Write(head); err != nil {
			return
		}
		_, _ = io.Copy(c, c)
	})
}

// websocketAccept is the Sec-WebSocket-Accept value for key
// (RFC 6455 §4.2.2 step 5.4).
func websocketAccept(key []byte) string {
	h := sha1.New()
	h.Write(key)
	h.Write([]byte(websocketGUID))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
