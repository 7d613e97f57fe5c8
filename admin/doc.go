// Package admin serves Jetway's Control API on its own listener
// (gateway.control.listen): read-only views of the running gateway, such
// as node health, in APISIX's shapes. It is off the request path and uses
// net/http.
package admin
