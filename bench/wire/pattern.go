package wire

import "io"

// PatternByte is byte i of the bodies jetway-backend's /bytes and /cut
// send. Its period is 65536 bytes.
func PatternByte(i int64) byte {
	return byte(i*7 + i>>8)
}

// PatternReader returns n pattern bytes, generated as they are read: a
// request body of any size that costs no memory.
func PatternReader(n int64) io.Reader {
	return &patternReader{end: n}
}

type patternReader struct {
	off, end int64
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.end {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.end-r.off)]
	for i := range p {
		p[i] = PatternByte(r.off + int64(i))
	}
	r.off += int64(len(p))
	return len(p), nil
}
