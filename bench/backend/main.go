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
	"strconv"
	"strings"
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
	listenRange string // HOST:FIRST-LAST
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
	fs.StringVar(&o.listen, "listen", "", "address to listen on, e.g. 127.0.0.1:9001 (this or -listen-range is required)")
	fs.StringVar(&o.listenRange, "listen-range", "", "listen on every port of HOST:FIRST-LAST, e.g. 127.0.0.1:21000-25999")
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
	case o.listen == "" && o.listenRange == "":
		return o, errors.New("-listen is required (or -listen-range)")
	case o.listen != "" && o.listenRange != "":
		return o, errors.New("-listen and -listen-range exclude each other")
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return o, errors.New("-tls-cert and -tls-key go together")
	case o.clientCA != "" && o.tlsCert == "":
		return o, errors.New("-client-ca needs -tls-cert and -tls-key")
	case o.idleTimeout < 0:
		return o, errors.New("-idle-timeout must not be negative")
	}
	if o.listenRange != "" {
		if _, _, _, err := parseRange(o.listenRange); err != nil {
			return o, err
		}
	}
	return o, nil
}

// parseRange splits HOST:FIRST-LAST.
func parseRange(s string) (host string, first, last int, err error) {
	host, ports, err := net.SplitHostPort(s)
	if err == nil {
		a, b, _ := strings.Cut(ports, "-")
		first, err = strconv.Atoi(a)
		if err == nil {
			last, err = strconv.Atoi(b)
		}
	}
	if err != nil || first < 1 || first > last || last > 65535 {
		return "", 0, 0, fmt.Errorf("-listen-range %q: want HOST:FIRST-LAST with 1 <= FIRST <= LAST <= 65535", s)
	}
	return host, first, last, nil
}

// listen binds -listen, or every port of -listen-range, and returns the
// listeners and the address to print. On failure it closes what it bound.
func listen(o options) ([]net.Listener, string, error) {
	if o.listenRange == "" {
		ln, err := net.Listen("tcp", o.listen)
		if err != nil {
			return nil, "", err
		}
		return []net.Listener{ln}, ln.Addr().String(), nil
	}
	host, first, last, err := parseRange(o.listenRange)
	if err != nil {
		return nil, "", err
	}
	lns := make([]net.Listener, 0, last-first+1)
	for port := first; port <= last; port++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			for _, ln := range lns {
				ln.Close()
			}
			return nil, "", err
		}
		lns = append(lns, ln)
	}
	return lns, o.listenRange, nil
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

	lns, addr, err := listen(o)
	if err != nil {
		fmt.Fprintln(stderr, "jetway-backend:", err)
		return 1
	}
	if o.tlsCert != "" {
		cfg, err := tlsConfig(o.tlsCert, o.tlsKey, o.clientCA)
		if err != nil {
			for _, ln := range lns {
				ln.Close()
			}
			fmt.Fprintln(stderr, "jetway-backend:", err)
			return 1
		}
		// The handshake runs on the first read, in the connection's goroutine.
		for i, ln := range lns {
			lns[i] = tls.NewListener(ln, cfg)
		}
	}
	name := o.name
	if name == "" {
		name = addr
	}

	b := newBackend(name)
	srv := b.server(o.idleTimeout)
	// One server serves every listener; Shutdown closes them all.
	served := make(chan error, len(lns))
	for _, ln := range lns {
		go func() { served <- srv.Serve(ln) }()
	}
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
