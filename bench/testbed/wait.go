package testbed

import (
	"crypto/tls"
	"io"
	"net/http"
	"testing"
	"time"
)

// waitPoll is the pause between readiness attempts.
const waitPoll = 20 * time.Millisecond

// WaitHTTP polls url with GET until any HTTP response arrives, and fails the
// test if none does within timeout. HTTPS certificates are not verified: it
// only asks whether the server is up.
func WaitHTTP(t testing.TB, url string, timeout time.Duration) {
	t.Helper()
	tr := &http.Transport{
		DisableKeepAlives: true,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	deadline := time.Now().Add(timeout)
	for {
		client.Timeout = min(time.Second, max(time.Until(deadline), time.Millisecond))
		resp, err := client.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("WaitHTTP(%s): no answer within %v: %v", url, timeout, err)
		}
		time.Sleep(waitPoll)
	}
}
