package main

import (
	"bytes"
	"github.com/jetwayhq/jetway/bench/wire"
	"iter"

	"github.com/valyala/fasthttp"
)

func (b *backend) echo(ctx *fasthttp.RequestCtx) {
	h := &ctx.Request.Header
	r := wire.Echo{
		Backend:    string(b.name),
		Method:     string(h.Method()),
		URI:        string(h.RequestURI()),
		Proto:      string(h.Protocol()),
		Host:       string(h.Host()),
		RemoteAddr: ctx.RemoteAddr().String(),
		Headers:    map[string][]string{},
		Order:      [][2]string{},
		TLS:        ctx.IsTLS(),
	}
	for name, value := range fields(h.RawHeaders()) {
		n, v := string(name), string(value)
		r.Headers[n] = append(r.Headers[n], v)
		r.Order = append(r.Order, [2]string{n, v})
	}
	if cs := ctx.TLSConnectionState(); cs != nil && len(cs.PeerCertificates) > 0 {
		r.ClientCN = cs.PeerCertificates[0].Subject.CommonName
	}
	writeJSON(ctx, r)
}

// fields yields each field line of a raw header block (RFC 9112 §5) as
// name and value, the value without surrounding whitespace. Obsolete line
// folding is joined with one space (RFC 9112 §5.2).
func fields(raw []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(name, value []byte) bool) {
		line, rest := nextLine(raw)
		for line != nil {
			name, value, ok := bytes.Cut(line, []byte{':'})
			value = bytes.Trim(value, " \t")
			line, rest = nextLine(rest)
			for len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
				value = append(append(bytes.Clone(value), ' '), bytes.Trim(line, " \t")...)
				line, rest = nextLine(rest)
			}
			if ok && !yield(name, value) {
				return
			}
		}
	}
}

// nextLine splits the first line off b without its line ending; line is nil
// once b is used up.
func nextLine(b []byte) (line, rest []byte) {
	if len(b) == 0 {
		return nil, nil
	}
	line, rest, _ = bytes.Cut(b, []byte{'\n'})
	return bytes.TrimSuffix(line, []byte{'\r'}), rest
}

// fieldValue returns the first value of the named field, matched without
// regard to case, or nil.
func fieldValue(raw []byte, name string) []byte {
	for n, v := range fields(raw) {
		if bytes.EqualFold(n, []byte(name)) {
			return v
		}
	}
	return nil
}

// hasToken reports whether any field with the given name lists token in its
// comma-separated value, both compared without regard to case.
func hasToken(raw []byte, name, token string) bool {
	for n, v := range fields(raw) {
		if !bytes.EqualFold(n, []byte(name)) {
			continue
		}
		for t := range bytes.SplitSeq(v, []byte{','}) {
			if bytes.EqualFold(bytes.Trim(t, " \t"), []byte(token)) {
				return true
			}
		}
	}
	return false
}
