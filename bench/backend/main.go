package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// shutdownGrace bounds how long a stop signal waits for requests in flight.
const shutdownGrace = time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags.
type options struct {
	listen      string
	name        string
	idleTimeout time.Duration
	tlsCert     string
	tlsKey      string
	clientCA    string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("jetway-backend", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "", "address to listen on, e.g. 127.0.0.1:9001 (required)")
	fs.StringVar(&o.name, "name", "", "name in bodies and the X-Backend header (default: the bound address)")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", 60*time.Second, "close keep-alive connections idle this long (0: never)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate file; serves HTTPS with -tls-key")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key file for -tls-cert")
	fs.StringVar(&o.clientCA, "client-ca", "", "PEM CA file; requires and verifies client certificates")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case o.listen == "":
		return o, errors.New("-listen is required")
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return o, errors.New("-tls-cert and -tls-key go together")
	case o.clientCA != "" && o.tlsCert == "":
		return o, errors.New("-client-ca needs -tls-cert and -tls-key")
	case o.idleTimeout < 0:
		return o, errors.New("-idle-timeout must not be negative")
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "jetway-backend:", err)
		return 2
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		fmt.Fprintln(stderr, "jetway-backend:", err)
		return 1
	}
	addr := ln.Addr().String()
	if o.tlsCert != "" {
		cfg, err := tlsConfig(o.tlsCert, o.tlsKey, o.clientCA)
		if err != nil {
			ln.Close()
			fmt.Fprintln(stderr, "jetway-backend:", err)
			return 1
		}
		// The handshake runs on the first read, in the connection's goroutine.
		ln = tls.NewListener(ln, cfg)
	}
	name := o.name
	if name == "" {
		name = addr
	}

	b := newBackend(name)
	srv := b.server(o.idleTimeout)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on %s\n", addr)

	select {
	case <-sigs:
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		_ = srv.ShutdownWithContext(ctx)
		return 0
	case err := <-served:
		fmt.Fprintln(stderr, "jetway-backend: serve:", err)
		return 1
	}
}
