package admin

import (
	"os"
	"testing"

	"github.com/jetwayhq/jetway/bench/testbed"
)

// TestMain runs the tests, then checks that none left a goroutine behind.
func TestMain(m *testing.M) { os.Exit(testbed.RunLeakChecked(m)) }
