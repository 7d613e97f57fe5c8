package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads and parses the configuration file at path. See Parse.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRead, err)
	}
	return Parse(path, data)
}

// Parse decodes one YAML document (JSON is YAML too) strictly, applies
// the defaults, validates the result and refuses what Jetway cannot run
// yet. It returns a complete, valid *Config, or an Errors holding every
// problem found, each with filename, line and path. An empty document is
// a valid configuration made only of defaults.
func Parse(filename string, data []byte) (*Config, error) {
	c := &Config{file: filename, root: &place{step: indexStep(-1)}}
	p := &problems{c: c}
	root := parseYAML(data, p)
	if len(p.errs) > 0 {
		return nil, p.result()
	}
	if root != nil {
		newDecoder(c, p, root).document(root)
	}
	p.endStage(true)
	ApplyDefaults(c)
	validate(c, p)
	p.endStage(false)
	supported(c, p)
	if err := p.result(); err != nil {
		return nil, err
	}
	return c, nil
}

// parseYAML parses data into a node tree, reporting syntax errors and
// extra documents. It returns nil for an empty stream.
func parseYAML(data []byte, p *problems) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if !errors.Is(err, io.EOF) {
			syntaxError(p, err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		p.add(ErrInvalid, next.Line, "", "a file holds one YAML document; found another")
	case !errors.Is(err, io.EOF):
		syntaxError(p, err)
	}
	return &root
}

// syntaxError reports a YAML parser error, taking the line from its text
// ("yaml: line 3: did not find expected key").
func syntaxError(p *problems, err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, convErr := strconv.Atoi(num); convErr == nil {
				line, msg = n, text
			}
		}
	}
	p.add(ErrInvalid, line, "", "YAML syntax: %s", msg)
}
