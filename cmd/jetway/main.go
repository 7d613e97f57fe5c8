package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

const usage = `Usage:
  jetway run -c FILE [-log-format text|json] [-watch=false]
                                              serve FILE in the foreground
  jetway validate -c FILE                     check FILE, print every problem
  jetway version                              print the version
`

func main() {
	os.Exit(jetway(os.Args[1:], os.Stdout, os.Stderr))
}

// jetway runs the command named by args[0] and returns the exit code.
func jetway(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		return runCommand(rest, stderr)
	case "validate":
		return validateCommand(rest, stdout, stderr)
	case "version":
		return versionCommand(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "jetway: unknown command %q\n%s", cmd, usage)
		return exitUsage
	}
}

// parseFlags parses a command's flags. It returns ok=false with the exit
// code when the command must stop: 0 after -h, exitUsage on a bad flag or a
// stray argument.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, ok bool) {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage of jetway %s:\n", fs.Name())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "jetway %s: unexpected arguments %q\n", fs.Name(), fs.Args())
		return exitUsage, false
	}
	return exitOK, true
}

// configFlag registers -c and returns a check that it was given.
func configFlag(fs *flag.FlagSet) func(stderr io.Writer) (path string, ok bool) {
	path := fs.String("c", "", "config `FILE` (YAML)")
	return func(stderr io.Writer) (string, bool) {
		if *path == "" {
			fmt.Fprintf(stderr, "jetway %s: -c FILE is required\n", fs.Name())
			return "", false
		}
		return *path, true
	}
}
