package config

import "go.yaml.in/yaml/v3"

// pair is one key and value of a YAML mapping.
type pair struct {
	key  string
	k, v *yaml.Node
}

// pairs returns the entries of mapping n (placed at at) in document order,
// with merge keys ("<<: *anchor") expanded: keys written in n win over
// merged ones, and earlier merged mappings win over later ones (YAML merge
// key type). Keys that are not scalars, that are too long, or that are
// written twice are reported and skipped.
func (d *decoder) pairs(n *yaml.Node, at *place) []pair {
	out := make([]pair, 0, len(n.Content)/2)
	seen := make(map[string]int, len(n.Content)/2) // key → line
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind == yaml.ScalarNode && k.ShortTag() == tagMerge:
			merges = append(merges, v)
			continue
		case k.Kind != yaml.ScalarNode:
			d.fail(k.Line, at.String(), "mapping keys must be strings")
			continue
		case len(k.Value) > maxKeyLen:
			d.fail(k.Line, at.String(), "key %s is longer than %d bytes", clip(k.Value), maxKeyLen)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k.Line, field(at.String(), k.Value), "duplicate key (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, pair{key: k.Value, k: k, v: v})
	}
	if len(merges) == 0 {
		return out
	}
	if d.merging[n] {
		d.fail(n.Line, at.String(), "merge key refers to a mapping that contains it")
		return out
	}
	d.merging[n] = true
	defer delete(d.merging, n)
	for _, m := range merges {
		for _, src := range d.mergeSources(m, at) {
			for _, pr := range d.pairs(src, at) {
				if !d.spend(pr.k.Line, at.String) {
					return out
				}
				if _, dup := seen[pr.key]; dup {
					continue
				}
				seen[pr.key] = pr.k.Line
				out = append(out, pr)
			}
		}
	}
	return out
}

// mergeSources resolves the value of a merge key to the mappings it
// names: one mapping, or a list of mappings, each possibly an alias.
func (d *decoder) mergeSources(v *yaml.Node, at *place) []*yaml.Node {
	if v.Kind == yaml.SequenceNode {
		var out []*yaml.Node
		for _, item := range v.Content {
			if m := d.mergeSource(item, at); m != nil {
				out = append(out, m)
			}
		}
		return out
	}
	if m := d.mergeSource(v, at); m != nil {
		return []*yaml.Node{m}
	}
	return nil
}

// mergeSource resolves one merged value to a mapping, or reports it.
func (d *decoder) mergeSource(v *yaml.Node, at *place) *yaml.Node {
	line := v.Line
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind != yaml.MappingNode {
		d.fail(line, at.String(), "merge key value must be a mapping or a list of mappings")
		return nil
	}
	return v
}
