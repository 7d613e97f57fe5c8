//go:build !linux

package testbed

import "os/exec"

// startCmd starts cmd. Outside Linux, children are stopped by cleanups only.
func startCmd(cmd *exec.Cmd) error { return cmd.Start() }

// childReaped has nothing to record outside Linux.
func childReaped() {}
