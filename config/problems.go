package config

import (
	"fmt"
	"slices"
)

// maxProblems caps the problems kept for one configuration.
const maxProblems = 1000

// problems collects errors across the stages of Parse: decoding, then
// validation, then support. Nothing is reported at or under a path the
// decoder reported (a value of the wrong type has no meaningful parts),
// nor again at the exact path validation reported (an invalid type is not
// also "not supported").
type problems struct {
	c       *Config
	errs    Errors
	dropped int             // problems past maxProblems, counted but not kept
	stage   int             // errs[:stage] came from earlier stages
	subtree []string        // paths whose whole subtree is covered
	exact   map[string]bool // paths covered themselves
}

// add records a problem at path, unless an earlier stage covered it.
func (p *problems) add(sentinel error, line int, path, format string, args ...any) {
	if p.exact[path] {
		return
	}
	for _, b := range p.subtree {
		if within(path, b) {
			return
		}
	}
	if len(p.errs) >= maxProblems {
		p.dropped++
		return
	}
	p.errs = append(p.errs, &Error{
		File: p.c.file,
		Line: line,
		Path: path,
		Msg:  fmt.Sprintf(format, args...),
		Err:  sentinel,
	})
}

// invalid records an ErrInvalid problem located by the config's line map.
func (p *problems) invalid(path, format string, args ...any) {
	p.add(ErrInvalid, p.c.Line(path), path, format, args...)
}

// unsupported records an ErrUnsupported problem.
func (p *problems) unsupported(path, format string, args ...any) {
	p.add(ErrUnsupported, p.c.Line(path), path, format, args...)
}

// endStage closes a stage: later stages skip the paths it reported, and
// everything under them when subtree is set.
func (p *problems) endStage(subtree bool) {
	for _, e := range p.errs[p.stage:] {
		if subtree {
			p.subtree = append(p.subtree, e.Path)
			continue
		}
		if p.exact == nil {
			p.exact = make(map[string]bool)
		}
		p.exact[e.Path] = true
	}
	p.stage = len(p.errs)
}

// result returns the problems in source order, or nil.
func (p *problems) result() error {
	slices.SortStableFunc(p.errs, func(a, b *Error) int { return a.Line - b.Line })
	if p.dropped > 0 {
		p.errs = append(p.errs, &Error{
			File: p.c.file,
			Msg:  fmt.Sprintf("%d more problems not shown", p.dropped),
			Err:  ErrInvalid,
		})
		p.dropped = 0
	}
	return p.errs.orNil()
}
