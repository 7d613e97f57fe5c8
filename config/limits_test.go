package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// metaDoc wraps YAML for a node's metadata, which takes any value.
func metaDoc(meta string) string {
	return "upstreams:\n  - id: u\n    nodes:\n      - host: h\n        weight: 1\n        metadata: " + meta + "\n"
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("[", 70) + strings.Repeat("]", 70)
	longKey := strings.Repeat("k", maxKeyLen+1)
	var many strings.Builder
	many.WriteString("[")
	for i := range maxProblems + 5 {
		fmt.Fprintf(&many, "!t%d 1,", i)
	}
	many.WriteString("]")

	tests := []struct {
		name  string
		src   string
		first string
		count int
	}{
		{"too deep", metaDoc("{a: " + deep + "}"), "upstreams[0].nodes[0].metadata.a" + strings.Repeat("[0]", 59) + ": nested more than 64 levels deep", 1},
		{"key too long", metaDoc("{" + longKey + ": 1}"),
			`upstreams[0].nodes[0].metadata: key "` + longKey[:maxShown] + `"... is longer than 512 bytes`, 1},
		{"problems capped", metaDoc("{a: " + many.String() + "}"), `upstreams[0].nodes[0].metadata.a[0]: unsupported YAML tag "!t0"`, maxProblems + 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tc.src))
			got := problemsOf(t, err)
			if len(got) != tc.count || got[0] != tc.first {
				t.Fatalf("got %d problems, first %q; want %d, first %q", len(got), got[0], tc.count, tc.first)
			}
			if tc.count > maxProblems {
				if last := got[len(got)-1]; last != "5 more problems not shown" {
					t.Errorf("last problem = %q; want \"5 more problems not shown\"", last)
				}
			}
		})
	}
}

// TestPathMemoryIsLinear parses a document whose values all sit under a
// long chain of long keys; the path tree keeps it fast.
func TestPathMemoryIsLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		fmt.Fprintf(&b, "%s%d: {", strings.Repeat("k", 400), i)
	}
	b.WriteString("leaves: [" + strings.Repeat("1,", 100000) + "]")
	b.WriteString(strings.Repeat("}", 41))
	start := time.Now()
	c := mustParse(t, metaDoc(b.String()))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Parse() took %v; want well under 5s", d)
	}
	p := "upstreams[0].nodes[0].metadata"
	for i := range 40 {
		p += "." + strings.Repeat("k", 400) + fmt.Sprint(i)
	}
	if got := c.Line(p + ".leaves[99999]"); got != 6 {
		t.Errorf("Line(deep leaf) = %d; want 6", got)
	}
}

func TestClip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", `"abc"`},
		{strings.Repeat("a", maxShown), `"` + strings.Repeat("a", maxShown) + `"`},
		{strings.Repeat("a", maxShown+1), `"` + strings.Repeat("a", maxShown) + `"...`},
		{strings.Repeat("a", maxShown-1) + "é", `"` + strings.Repeat("a", maxShown-1) + `"...`},
	}
	for _, tc := range tests {
		if got := clip(tc.in); got != tc.want {
			t.Errorf("clip(%q) = %s; want %s", tc.in, got, tc.want)
		}
	}
}

func TestPathRoundTrip(t *testing.T) {
	for _, path := range []string{
		"gateway",
		"upstreams[0].nodes[12].port",
		`routes[3].labels["app.kubernetes.io/name"]`,
		`x["a\"]b"][2].y`,
	} {
		t.Run(path, func(t *testing.T) {
			root := &place{}
			at := root
			rest := path
			for rest != "" {
				s, r, ok := nextStep(rest)
				if !ok {
					t.Fatalf("nextStep(%q) failed", rest)
				}
				at, rest = at.child(s, 1), r
			}
			if got := at.String(); got != path {
				t.Errorf("String() = %q; want %q", got, path)
			}
			if _, ok := root.find(path); !ok {
				t.Errorf("find(%q) did not reach the end", path)
			}
		})
	}
}
