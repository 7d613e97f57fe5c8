package core

import (
	"os"
	"testing"

	"github.com/jetwayhq/jetway/bench/testbed"
)

func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }
