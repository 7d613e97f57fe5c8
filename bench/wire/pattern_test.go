package wire

import (
	"bytes"
	"io"
	"testing"
)

func TestPatternReader(t *testing.T) {
	got, err := io.ReadAll(PatternReader(260))
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{214, 221, 228, 235, 242, 249, 1, 8, 15, 22}
	if !bytes.Equal(got[250:], want) {
		t.Fatalf("pattern 250..260 = %v; want %v", got[250:], want)
	}
	for i, b := range got {
		if b != PatternByte(int64(i)) {
			t.Fatalf("byte %d = %d; want PatternByte = %d", i, b, PatternByte(int64(i)))
		}
	}
}
