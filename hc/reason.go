package hc

import (
	"fmt"

	"github.com/jetwayhq/jetway/upstream"
)

// consecutive words the reason of a transition, e.g. "5 consecutive
// http_failures: 503". It runs only when a state changes.
func consecutive(k uint32, c upstream.Counter, status int) string {
	name := c.String()
	if c == upstream.Successes {
		name = "successes"
	} else {
		name += "s"
	}
	if status != 0 {
		return fmt.Sprintf("%d consecutive %s: %d", k, name, status)
	}
	return fmt.Sprintf("%d consecutive %s", k, name)
}
