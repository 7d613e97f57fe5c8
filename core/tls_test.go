package core

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/jetwayhq/jetway/bench/wire"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/bench/testbed"
)

// startGatewayWithCA is startGateway with upstream certificates verified
// against the test CA.
func startGatewayWithCA(t *testing.T, certs *testbed.CertSet, yaml string) string {
	t.Helper()
	g := New(Options{Logger: testLogger(t), RootCAs: certs.CAPool()})
	addr := testbed.FreePort(t)
	if err := g.Apply(mustParse(t, fmt.Sprintf("gateway:\n  http:\n    listen: [%q]\n", addr)+yaml)); err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		g.Shutdown(ctx)
	})
	return "http://" + addr
}

func TestHTTPSUpstreams(t *testing.T) {
	certs := testbed.Certs(t)
	plain := testbed.StartBackend(t, testbed.BackendOptions{Name: "tls", TLSCert: certs.ServerCertFile, TLSKey: certs.ServerKeyFile})
	mtls := testbed.StartBackend(t, testbed.BackendOptions{Name: "mtls", TLSCert: certs.ServerCertFile, TLSKey: certs.ServerKeyFile, ClientCA: certs.CAFile})
	_, port, _ := net.SplitHostPort(plain.Addr)
	_, mport, _ := net.SplitHostPort(mtls.Addr)
	base := startGatewayWithCA(t, certs, fmt.Sprintf(`
upstreams:
  - id: verified
    scheme: https
    pass_host: node
    nodes: [{host: localhost, port: %[1]s, weight: 1}]
  - id: wrong-name
    scheme: https
    pass_host: rewrite
    upstream_host: not-the-cert.example
    nodes: [{host: 127.0.0.1, port: %[1]s, weight: 1}]
  - id: unverified
    scheme: https
    pass_host: rewrite
    upstream_host: not-the-cert.example
    tls: {verify: false}
    nodes: [{host: 127.0.0.1, port: %[1]s, weight: 1}]
  - id: mtls
    scheme: https
    pass_host: node
    tls: {client_cert: %[3]q, client_key: %[4]q}
    nodes: [{host: 127.0.0.1, port: %[2]s, weight: 1}]
  - id: mtls-nocert
    scheme: https
    pass_host: node
    nodes: [{host: 127.0.0.1, port: %[2]s, weight: 1}]
routes:
  - {id: r1, uri: /headers, host: verified.test, upstream_id: verified}
  - {id: r2, uri: /headers, host: wrong-name.test, upstream_id: wrong-name}
  - {id: r3, uri: /headers, host: unverified.test, upstream_id: unverified}
  - {id: r4, uri: /headers, host: mtls.test, upstream_id: mtls}
  - {id: r5, uri: /headers, host: mtls-nocert.test, upstream_id: mtls-nocert}
`, port, mport, certs.ClientCertFile, certs.ClientKeyFile))

	for _, tc := range []struct {
		host   string
		status int
		cn     string
	}{
		{"verified.test", 200, ""},
		{"wrong-name.test", 502, ""},
		{"unverified.test", 200, ""},
		{"mtls.test", 200, testbed.ClientCN},
		{"mtls-nocert.test", 502, ""},
	} {
		t.Run(tc.host, func(t *testing.T) {
			req, _ := http.NewRequest("GET", base+"/headers", nil)
			req.Host = tc.host
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d; want %d", resp.StatusCode, tc.status)
			}
			if tc.status != 200 {
				return
			}
			var e wire.Echo
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatal(err)
			}
			if !e.TLS || e.ClientCN != tc.cn {
				t.Errorf("backend saw tls=%v client CN %q; want tls, CN %q", e.TLS, e.ClientCN, tc.cn)
			}
		})
	}
}

func TestHTTPSPassHostUsesRequestHostAsServerName(t *testing.T) {
	certs := testbed.Certs(t)
	be := testbed.StartBackend(t, testbed.BackendOptions{Name: "tls", TLSCert: certs.ServerCertFile, TLSKey: certs.ServerKeyFile})
	_, port, _ := net.SplitHostPort(be.Addr)
	base := startGatewayWithCA(t, certs, fmt.Sprintf(`
upstreams:
  - id: u1
    scheme: https
    nodes: [{host: 127.0.0.1, port: %s, weight: 1}]
routes:
  - {id: r1, uri: /headers, upstream_id: u1}
`, port))
	for _, tc := range []struct {
		host   string
		status int
	}{
		{"localhost", 200},      // the certificate names localhost
		{"localhost:8443", 200}, // the port is not part of the name
		{"other.example", 502},  // nor other.example: verification fails
		{"localhost", 200},      // pools per name coexist
	} {
		req, _ := http.NewRequest("GET", base+"/headers", nil)
		req.Host = tc.host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e wire.Echo
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("Host %s: status = %d; want %d", tc.host, resp.StatusCode, tc.status)
		}
		if tc.status == 200 && e.Host != tc.host {
			t.Errorf("Host %s: backend saw Host %q", tc.host, e.Host)
		}
	}
}
