package testbed

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// binDirPrefix names the per-process build directory under os.TempDir,
// followed by the owning process id.
const binDirPrefix = "jetway-testbed-"

// BackendPackage is the import path of jetway-backend.
const BackendPackage = "github.com/jetwayhq/jetway/bench/backend"

// build is one main package built for this process.
type build struct {
	once sync.Once
	path string
	err  error
}

var (
	buildsMu sync.Mutex
	builds   = map[string]*build{}

	binDirOnce sync.Once
	binDir     string
	binDirErr  error
)

// Binary builds the main package pkg (an import path in this module or its
// dependencies) once per test process and returns the executable's path.
// The build is not instrumented for the race detector.
func Binary(t testing.TB, pkg string) string {
	t.Helper()
	buildsMu.Lock()
	b := builds[pkg]
	if b == nil {
		b = &build{}
		builds[pkg] = b
	}
	n := len(builds)
	buildsMu.Unlock()

	b.once.Do(func() { b.path, b.err = goBuild(pkg, n) })
	if b.err != nil {
		t.Fatalf("Binary(%q): %v", pkg, b.err)
	}
	return b.path
}

// Run runs the tests and then removes the binaries Binary built. Use it as
// os.Exit(testbed.Run(m)) in TestMain.
func Run(m *testing.M) int {
	code := m.Run()
	if binDir != "" {
		if err := os.RemoveAll(binDir); err != nil {
			fmt.Fprintln(os.Stderr, "testbed:", err)
		}
	}
	return code
}

// goBuild builds pkg into its own subdirectory n of the build directory.
func goBuild(pkg string, n int) (string, error) {
	binDirOnce.Do(func() {
		removeStaleBinDirs()
		binDir, binDirErr = os.MkdirTemp("", binDirPrefix+strconv.Itoa(os.Getpid())+"-*")
	})
	if binDirErr != nil {
		return "", binDirErr
	}
	dir := filepath.Join(binDir, strconv.Itoa(n))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	name := path.Base(pkg)
	if !strings.HasPrefix(name, "jetway") {
		name = "jetway-" + name
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command(goTool(), "build", "-o", out, pkg)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, msg)
	}
	if err := noteSources(pkg); err != nil {
		return "", err
	}
	return out, nil
}

// noteSources opens every Go source file the build of pkg read, outside
// the standard library. go test caches a package's result keyed by the
// files the test process opened; the build runs in a child process, so
// without this a cached result would outlive a change to the binary's
// code.
func noteSources(pkg string) error {
	cmd := exec.Command(goTool(), "list", "-deps",
		"-f", `{{if not .Standard}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}`, pkg)
	list, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list %s: %w", pkg, err)
	}
	for name := range strings.Lines(string(list)) {
		f, err := os.Open(strings.TrimSuffix(name, "\n"))
		if err != nil {
			return err
		}
		_ = f.Close()
	}
	return nil
}

// goTool returns the go command: go test puts the bin directory of the
// toolchain running the tests first in PATH.
func goTool() string { return "go" }

// removeStaleBinDirs removes build directories whose process has exited.
func removeStaleBinDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), binDirPrefix+"*"))
	for _, d := range dirs {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), binDirPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

// processAlive reports whether a process with this id exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
