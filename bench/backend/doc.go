// Command jetway-backend is the HTTP/1.1 backend that Jetway's benchmarks
// and end-to-end tests put behind the gateway.
//
// Usage:
//
//	jetway-backend -listen 127.0.0.1:9001 [-name NAME] [-idle-timeout 60s]
//	               [-tls-cert FILE -tls-key FILE [-client-ca FILE]]
//	jetway-backend -listen-range 127.0.0.1:21000-25999 [same options]
//
// It prints "listening on ADDR" once the listener is bound and exits 0 on
// SIGTERM or SIGINT. NAME defaults to the bound address. With -listen-range
// it listens on every port of the range, one backend behind them all (one
// NAME, one set of /count counters), and prints the range as ADDR once every
// port is bound; it exits 1 if one cannot be. Go raises the open-file soft
// limit to the hard limit at start, so thousands of ports need no ulimit. Every response
// carries "X-Backend: NAME" unless the endpoint writes raw bytes itself.
//
// Endpoints (any method):
//
//	/, any other path  200, body "NAME\n"; served without allocating
//	/headers           200, JSON echo of the request as received: backend,
//	                   method, uri, proto, host, remote_addr, headers (name
//	                   as sent → values in order), header_order ([name,
//	                   value] per field line), tls, client_cn
//	/bytes?n=N         N bytes of the pattern, Content-Length framed;
//	                   &chunked=1 sends them chunked
//	/cut?n=N&at=K      declares Content-Length N, sends K < N pattern bytes,
//	                   then closes; /cut?chunked=1&at=K sends K bytes in
//	                   chunks and closes before the last chunk
//	/upload            reads the request body as a stream, answers JSON
//	                   {"bytes": N, "sha256": "hex"}
//	/sleep?ms=N        answers 200 after N ms; gives up early when the
//	                   client goes away (Linux)
//	/status?code=N     answers status N (200..599)
//	/hang              never answers; holds the connection until the client
//	                   closes it or 60 s pass
//	/close             closes the connection without a response
//	/ws                101 Switching Protocols for an Upgrade request
//	                   (Sec-WebSocket-Accept per RFC 6455 §4.2.2), then
//	                   echoes raw bytes until EOF; 400 otherwise
//	/count             JSON counters: requests served (this one included),
//	                   connections accepted, connections open, sleeps
//	                   abandoned because the client left
//
// Byte i (from 0) of every pattern body is byte(i*7 + i>>8): it repeats
// only every 64 KiB, so a shifted, dropped or duplicated block shows.
package main
