package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9090", "address to serve on")
	mode := flag.String("mode", "parked", "I/O design: parked, blocking or goroutine")
	flag.Parse()
	if err := run(*listen, *mode, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "relayfloor:", err)
		os.Exit(1)
	}
}

func run(listen, mode string, backs []string) error {
	if len(backs) == 0 {
		return errors.New("no backends given")
	}
	ln, err := net.Listen("tcp4", listen)
	if err != nil {
		return err
	}
	switch mode {
	case "parked", "blocking":
		return runLoop(ln.(*net.TCPListener), backs, mode == "parked")
	case "goroutine":
		d := dateLine(time.Now())
		date.Store(&d)
		go tickDate()
		return runGoroutines(ln, backs)
	}
	return fmt.Errorf("-mode %q: want parked, blocking or goroutine", mode)
}

// date is the goroutine design's Date line, renewed each second.
var date atomic.Pointer[[]byte]

func currentDate() []byte { return *date.Load() }

func tickDate() {
	for now := range time.Tick(time.Second) {
		d := dateLine(now)
		date.Store(&d)
	}
}
