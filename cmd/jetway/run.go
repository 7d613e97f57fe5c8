package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jetwayhq/jetway/admin"
	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/core"
	"github.com/jetwayhq/jetway/store"
)

// runCommand serves a config file in the foreground until SIGTERM or
// SIGINT, reloading it on change and on SIGHUP.
func runCommand(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	configPath := configFlag(fs)
	format := fs.String("log-format", "text", "log `format`: text or json")
	watch := fs.Bool("watch", true, "reload when the config file changes (SIGHUP always reloads)")
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	path, ok := configPath(stderr)
	if !ok {
		return exitUsage
	}
	level := new(slog.LevelVar)
	logger, err := newLogger(stderr, *format, level)
	if err != nil {
		fmt.Fprintf(stderr, "jetway run: %v\n", err)
		return exitUsage
	}

	// Signals are caught from here on, so one sent during start-up waits
	// for the loop below instead of killing the process.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	file := store.NewFile(path, logger)
	file.Watch = *watch
	cfg, err := file.Load()
	if err != nil {
		logProblems(logger.With("file", path), "cannot load config", err)
		return exitFail
	}
	var drain atomic.Int64 // drain timeout of the applied config, in ns
	settings := func(cfg *config.Config) {
		l, err := parseLevel(cfg.Gateway.Log.Level)
		if err != nil {
			logger.Warn("unknown log level; keeping the current one", "level", cfg.Gateway.Log.Level)
		} else {
			level.Set(l)
		}
		drain.Store(int64(seconds(cfg.Gateway.DrainTimeout)))
	}
	settings(cfg)

	gw := core.New(core.Options{Logger: logger})
	if err := gw.Apply(cfg); err != nil {
		logProblems(logger.With("file", path), "config not applied", err)
		return exitFail
	}
	if err := gw.Start(); err != nil {
		logger.Error("cannot start", "error", err)
		return exitFail
	}
	control := admin.NewControl(gw, logger)
	if listen := cfg.Gateway.Control.Listen; listen != "" {
		if err := control.Start(listen); err != nil {
			logger.Error("cannot start the control API", "addr", listen, "error", err)
			_ = gw.Shutdown(context.Background())
			return exitFail
		}
	}
	addrs := make([]string, 0, len(gw.Addrs()))
	for _, a := range gw.Addrs() {
		addrs = append(addrs, a.String())
	}
	logger.Info("jetway started", "version", buildVersion(), "pid", os.Getpid(), "file", path, "listen", addrs)

	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		file.Run(watchCtx, func(cfg *config.Config) error {
			if err := gw.Apply(cfg); err != nil {
				return err
			}
			settings(cfg)
			return nil
		})
	}()

	var stop os.Signal
	for stop == nil {
		switch sig := <-sigs; sig {
		case syscall.SIGHUP:
			logger.Info("reload requested", "signal", sig.String())
			file.Reload()
		default:
			stop = sig
		}
	}
	timeout := time.Duration(drain.Load())
	logger.Info("shutting down: no new connections, draining requests in flight",
		"signal", stop.String(), "drain_timeout", timeout.String())
	stopWatch()
	<-watchDone

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		err := gw.Shutdown(ctx)
		_ = control.Shutdown(ctx)
		done <- err
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				logger.Warn("drain timeout reached; remaining connections closed", "error", err)
			}
			logger.Info("stopped")
			return exitOK
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				continue
			}
			logger.Warn("second signal: exiting now", "signal", sig.String())
			return exitFail
		}
	}
}

// seconds converts config seconds to a duration.
func seconds(s config.Seconds) time.Duration {
	return time.Duration(float64(s) * float64(time.Second))
}
