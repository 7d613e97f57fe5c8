package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/jetwayhq/jetway/config"
)

// validateCommand checks a config file: "FILE: ok" on stdout and exit 0,
// or every problem on stderr, one a line, and exit 1.
func validateCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	configPath := configFlag(fs)
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	path, ok := configPath(stderr)
	if !ok {
		return exitUsage
	}
	if _, err := config.Load(path); err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	fmt.Fprintf(stdout, "%s: ok\n", path)
	return exitOK
}
