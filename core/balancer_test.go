package core

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/bench/testbed"
)

// getAs sends GET / with X-User-Id: user and returns the answering
// backend's name.
func getAs(t *testing.T, c *http.Client, base, user string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Header.Set("X-User-Id", user)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET as %s: %v", user, err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET as %s: status %d", user, resp.StatusCode)
	}
	return resp.Header.Get("X-Backend")
}

func TestCHashStickyUsersSurviveANodeDeath(t *testing.T) {
	var bes []*testbed.Backend
	for _, name := range []string{"a", "b", "c", "d"} {
		bes = append(bes, testbed.StartBackend(t, testbed.BackendOptions{Name: name}))
	}
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    type: chash
    hash_on: vars
    key: http_x-user-id
    nodes: {%q: 1, %q: 1, %q: 1, %q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, bes[0].Addr, bes[1].Addr, bes[2].Addr, bes[3].Addr))
	c := &http.Client{}
	const users = 200
	home := make(map[string]string, users)
	for u := range users {
		user := fmt.Sprintf("user-%d", u)
		home[user] = getAs(t, c, base, user)
		for range 3 {
			if got := getAs(t, c, base, user); got != home[user] {
				t.Fatalf("%s went to %s, then %s; want one node", user, home[user], got)
			}
		}
	}
	counts := map[string]int{}
	for _, n := range home {
		counts[n]++
	}
	if len(counts) != 4 {
		t.Fatalf("users spread over %v; want all 4 nodes used", counts)
	}

	// Kill b: its users move, each to one other node; nobody else moves.
	bes[1].Kill9()
	moved := map[string]string{}
	for user, n := range home {
		got := getAs(t, c, base, user)
		switch {
		case n == "b" && got == "b":
			t.Fatalf("%s still answered by the dead node", user)
		case n == "b":
			moved[user] = got
			if again := getAs(t, c, base, user); again != got {
				t.Fatalf("%s moved to %s, then %s; want one node", user, got, again)
			}
		case got != n:
			t.Fatalf("%s moved from %s to %s though its node is alive", user, n, got)
		}
	}
	if len(moved) != counts["b"] {
		t.Fatalf("%d users moved; want the %d of b", len(moved), counts["b"])
	}

	// b comes back: its users return.
	bes[1].Restart(t)
	for user, n := range home {
		if got := getAs(t, c, base, user); got != n {
			t.Errorf("%s answered by %s after b came back; want %s", user, got, n)
		}
	}
}

// slowFast starts three in-process backends, the first adding 50 ms to
// every answer, and returns their addresses.
func slowFast(t *testing.T) [3]string {
	slow := backend(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		named("slow")(w, r)
	})
	return [3]string{slow, backend(t, named("fast1")), backend(t, named("fast2"))}
}

func TestSlowNodeGetsLittleTraffic(t *testing.T) {
	for _, typ := range []string{"least_conn", "ewma", "p2c"} {
		t.Run(typ, func(t *testing.T) {
			n := slowFast(t)
			_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    type: %s
    nodes: {%q: 1, %q: 1, %q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, typ, n[0], n[1], n[2]))
			var mu sync.Mutex
			counts := map[string]int{}
			var wg sync.WaitGroup
			deadline := time.Now().Add(2 * time.Second)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := &http.Client{}
					for time.Now().Before(deadline) {
						resp, err := c.Get(base + "/")
						if err != nil {
							t.Error(err)
							return
						}
						resp.Body.Close()
						mu.Lock()
						counts[resp.Header.Get("X-Backend")]++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			total := counts["slow"] + counts["fast1"] + counts["fast2"]
			if share := float64(counts["slow"]) / float64(total); total < 100 || share >= 0.10 {
				t.Errorf("%s: slow node got %d of %d requests (%.1f%%); want under 10%%", typ, counts["slow"], total, 100*share)
			}
		})
	}
}
