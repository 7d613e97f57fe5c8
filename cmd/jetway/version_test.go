package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"

	"github.com/jetwayhq/jetway/bench/testbed"
)

func TestVersion(t *testing.T) {
	platform := regexp.QuoteMeta(" " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n")

	t.Run("from build info", func(t *testing.T) {
		r := jetwayCmd(t, testbed.Binary(t, pkg), "version")
		if r.code != 0 || !regexp.MustCompile(`^jetway \S+`+platform+`$`).MatchString(r.stdout) {
			t.Fatalf("jetway version = %d %q", r.code, r.stdout)
		}
	})

	t.Run("from ldflags", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "jetway")
		build := exec.Command("go", "build", "-ldflags", "-X main.version=v1.2.3-test", "-o", bin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		r := jetwayCmd(t, bin, "version")
		if want := "jetway v1.2.3-test" + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"; r.code != 0 || r.stdout != want {
			t.Fatalf("jetway version = %d %q; want 0 %q", r.code, r.stdout, want)
		}
	})

	t.Run("stray argument", func(t *testing.T) {
		if r := jetwayCmd(t, testbed.Binary(t, pkg), "version", "now"); r.code != 2 {
			t.Fatalf("jetway version now: exit code %d; want 2", r.code)
		}
	})
}
