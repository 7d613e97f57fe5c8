package config

import (
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// YAML short tags of the core schema.
const (
	tagNull   = "!!null"
	tagBool   = "!!bool"
	tagInt    = "!!int"
	tagFloat  = "!!float"
	tagStr    = "!!str"
	tagMerge  = "!!merge"
	tagTime   = "!!timestamp"
	tagBinary = "!!binary"
)

// Limits on the shape of a document, so a hostile file cannot make Parse
// use unbounded time or memory. Alias expansion may decode at most
// aliasFactor times the document's own node count plus aliasSlack values.
const (
	aliasFactor = 10
	aliasSlack  = 10000
	maxDepth    = 64  // nesting levels
	maxKeyLen   = 512 // bytes in one mapping key
)

// flags tune how one value is decoded.
type flags uint8

const (
	// optional: a null value leaves the field unset.
	optional flags = 1 << iota
	// idValue: an integer is accepted and stored as its decimal string
	// (APISIX ids may be strings or integers).
	idValue
)

// idKeys are the fields that hold APISIX ids.
var idKeys = map[string]bool{"id": true, "upstream_id": true, "service_id": true}

var nodesType = reflect.TypeFor[Nodes]()

// decoder walks a yaml.Node tree into a Config. It reports unknown keys,
// wrong types and duplicate keys with their path and line, and keeps going
// so every problem is found in one pass. Every value it sets gets a place
// in the tree under Config.root.
type decoder struct {
	c         *Config
	p         *problems
	budget    int                             // values left before alias expansion is refused
	expanding map[*yaml.Node]bool             // anchors being expanded, to catch cycles
	merging   map[*yaml.Node]bool             // mappings whose merge keys are being expanded
	fields    map[reflect.Type]map[string]int // yaml key → field index, per struct type
}

func newDecoder(c *Config, p *problems, root *yaml.Node) *decoder {
	return &decoder{
		c:         c,
		p:         p,
		budget:    aliasFactor*countNodes(root) + aliasSlack,
		expanding: make(map[*yaml.Node]bool),
		merging:   make(map[*yaml.Node]bool),
		fields:    make(map[reflect.Type]map[string]int),
	}
}

// countNodes counts the nodes of a tree without following aliases.
func countNodes(n *yaml.Node) int {
	count := 1
	for _, c := range n.Content {
		count += countNodes(c)
	}
	return count
}

// fail reports a problem with the value at path.
func (d *decoder) fail(line int, path, format string, args ...any) {
	d.p.add(ErrInvalid, line, path, format, args...)
}

// document decodes the single document root into d.c.
func (d *decoder) document(root *yaml.Node) {
	n := root
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		n = n.Content[0]
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == tagNull {
		return
	}
	d.into(n, d.c.root, reflect.ValueOf(d.c).Elem(), 0)
}

// spend takes one unit of the alias budget and reports whether any was
// left; the first time it runs out it reports the problem.
func (d *decoder) spend(line int, path func() string) bool {
	d.budget--
	if d.budget == -1 {
		d.fail(line, path(), "document is too large after expanding aliases")
	}
	return d.budget >= 0
}

// value decodes n, found at step s under parent, into v.
func (d *decoder) value(n *yaml.Node, parent *place, s step, line int, v reflect.Value, f flags) {
	path := func() string { return appendStep(parent.String(), s) }
	if !d.spend(line, path) {
		return
	}
	if n.Kind == yaml.AliasNode {
		target := n.Alias
		if target == nil || d.expanding[target] {
			d.fail(n.Line, path(), "alias *%s refers to a value that contains it", clipRaw(n.Value))
			return
		}
		d.expanding[target] = true
		d.value(target, parent, s, line, v, f)
		delete(d.expanding, target)
		return
	}
	if f&optional != 0 && n.Kind == yaml.ScalarNode && n.ShortTag() == tagNull {
		return
	}
	at := parent.child(s, line)
	if at.depth > maxDepth {
		d.fail(line, path(), "nested more than %d levels deep", maxDepth)
		return
	}
	d.into(n, at, v, f)
}

// into decodes n, already placed at at, into v.
func (d *decoder) into(n *yaml.Node, at *place, v reflect.Value, f flags) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if v.Type() == nodesType {
		d.nodes(n, at, v.Addr().Interface().(*Nodes))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.structure(n, at, v)
	case reflect.Slice:
		d.sequence(n, at, v)
	case reflect.Map:
		d.mapping(n, at, v)
	case reflect.Interface:
		d.generic(n, at, v)
	default:
		d.scalar(n, at, v, f)
	}
}

// typeError reports that n does not have the shape type t needs.
func (d *decoder) typeError(n *yaml.Node, at *place, t reflect.Type) {
	d.fail(n.Line, at.String(), "%s", expected(t))
}

// expected says what a value of type t must be.
func expected(t reflect.Type) string {
	if t == nodesType {
		return `must be a mapping of "host:port" to weight, or a list of nodes`
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "must be a mapping"
	case reflect.Slice:
		return "must be a list"
	case reflect.String:
		return "must be a string"
	case reflect.Int:
		return "must be an integer"
	case reflect.Float64:
		return "must be a number"
	case reflect.Bool:
		return "must be a boolean"
	case reflect.Pointer:
		return expected(t.Elem())
	}
	panic("config: no YAML decoding for Go type " + t.String())
}

// structure decodes a mapping into a struct, field by yaml tag.
func (d *decoder) structure(n *yaml.Node, at *place, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, at, v.Type())
		return
	}
	fields := d.fieldsOf(v.Type())
	for _, pr := range d.pairs(n, at) {
		i, ok := fields[pr.key]
		if !ok {
			d.fail(pr.k.Line, field(at.String(), pr.key), "unknown field")
			continue
		}
		f := optional
		if idKeys[pr.key] {
			f |= idValue
		}
		d.value(pr.v, at, keyStep(pr.key), pr.k.Line, v.Field(i), f)
	}
}

// fieldsOf maps the yaml keys of struct type t to field indexes.
func (d *decoder) fieldsOf(t reflect.Type) map[string]int {
	if m, ok := d.fields[t]; ok {
		return m
	}
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		m[name] = i
	}
	d.fields[t] = m
	return m
}

// sequence decodes a list into a slice.
func (d *decoder) sequence(n *yaml.Node, at *place, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.typeError(n, at, v.Type())
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(item, at, indexStep(i), item.Line, s.Index(i), 0)
	}
	v.Set(s)
}

// mapping decodes a mapping into a map with string keys.
func (d *decoder) mapping(n *yaml.Node, at *place, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, at, v.Type())
		return
	}
	prs := d.pairs(n, at)
	m := reflect.MakeMapWithSize(v.Type(), len(prs))
	et := v.Type().Elem()
	for _, pr := range prs {
		e := reflect.New(et).Elem()
		if et.Kind() == reflect.Interface && pr.key == "upstream" && isArmPath(at.String()) {
			// An arm's inline upstream is a whole upstream: decoded as
			// strictly as a top-level one, not as generic data.
			var u *Upstream
			d.value(pr.v, at, keyStep(pr.key), pr.k.Line, reflect.ValueOf(&u).Elem(), 0)
			e.Set(reflect.ValueOf(u))
		} else {
			d.value(pr.v, at, keyStep(pr.key), pr.k.Line, e, 0)
		}
		m.SetMapIndex(reflect.ValueOf(pr.key), e)
	}
	v.Set(m)
}

// armPath matches the path of one traffic-split arm.
var armPath = regexp.MustCompile(`^(routes|services)\[\d+\]\.plugins\.traffic-split\.rules\[\d+\]\.weighted_upstreams\[\d+\]$`)

// isArmPath reports whether path is a traffic-split arm.
func isArmPath(path string) bool { return armPath.MatchString(path) }

// generic decodes any value into an interface: map[string]any, []any,
// nil, bool, int, float64 or string.
func (d *decoder) generic(n *yaml.Node, at *place, v reflect.Value) {
	var out any
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		d.mapping(n, at, reflect.ValueOf(&m).Elem())
		out = m
	case yaml.SequenceNode:
		var s []any
		d.sequence(n, at, reflect.ValueOf(&s).Elem())
		out = s
	case yaml.ScalarNode:
		switch tag := n.ShortTag(); tag {
		case tagNull:
		case tagStr, tagTime, tagBinary:
			out = n.Value
		case tagBool, tagInt, tagFloat:
			if err := n.Decode(&out); err != nil {
				d.fail(n.Line, at.String(), "invalid %s value %s", strings.TrimPrefix(tag, "!!"), clip(n.Value))
			}
		default:
			d.fail(n.Line, at.String(), "unsupported YAML tag %s", clip(tag))
		}
	default:
		d.fail(n.Line, at.String(), "unsupported YAML node")
	}
	if out != nil {
		v.Set(reflect.ValueOf(out))
	}
}

// scalar decodes a string, integer, number or boolean.
func (d *decoder) scalar(n *yaml.Node, at *place, v reflect.Value, f flags) {
	tag := ""
	if n.Kind == yaml.ScalarNode {
		tag = n.ShortTag()
	}
	switch v.Kind() {
	case reflect.String:
		switch {
		case tag == tagStr:
			v.SetString(n.Value)
			return
		case tag == tagInt && f&idValue != 0:
			var i int64
			if n.Decode(&i) == nil && i >= 1 {
				v.SetString(strconv.FormatInt(i, 10))
				return
			}
			d.fail(n.Line, at.String(), "must be a string or an integer >= 1")
			return
		}
	case reflect.Int:
		if tag == tagInt {
			var i int64
			if err := n.Decode(&i); err != nil {
				d.fail(n.Line, at.String(), "integer %s is out of range", clipRaw(n.Value))
				return
			}
			v.SetInt(i)
			return
		}
	case reflect.Float64:
		if tag == tagInt || tag == tagFloat {
			var x float64
			if err := n.Decode(&x); err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				d.fail(n.Line, at.String(), "must be a finite number")
				return
			}
			v.SetFloat(x)
			return
		}
	case reflect.Bool:
		if tag == tagBool {
			var b bool
			if err := n.Decode(&b); err == nil {
				v.SetBool(b)
				return
			}
		}
	}
	d.typeError(n, at, v.Type())
}
