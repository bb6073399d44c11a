package transfer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"os/exec"
	"testing"
	"testing/iotest"

	"github.com/klauspost/compress/zstd"
)

func TestCompressFrames(t *testing.T) {
	random := make([]byte, frameInput+12345)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	text := []byte(base64.StdEncoding.EncodeToString(random[:frameInput]))
	for _, algorithm := range []string{"zstd", "gzip"} {
		f, err := newFramer(algorithm, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer f.close()
		for _, c := range []struct {
			name   string
			in     []byte
			frames int
		}{
			{"empty", nil, 1},
			{"small", []byte("hod"), 1},
			{"one frame exactly", text[:frameInput], 1},
			{"one byte over", text[:frameInput+1], 2},
			{"random", random, 2},
			{"text", text, (len(text) + frameInput - 1) / frameInput},
		} {
			t.Run(algorithm+"/"+c.name, func(t *testing.T) {
				var out bytes.Buffer
				// Half a read at a time from the reader: frames are
				// cut by input size, not by how the reader delivers it.
				if err := compressFrames(context.Background(), &out, iotest.HalfReader(bytes.NewReader(c.in)), f); err != nil {
					t.Fatal(err)
				}
				if n := countFrames(t, algorithm, out.Bytes()); n != c.frames {
					t.Errorf("%d frames, want %d", n, c.frames)
				}
				if got := decompress(t, algorithm, out.Bytes()); !bytes.Equal(got, c.in) {
					t.Fatalf("decompressed %d bytes, want the %d written", len(got), len(c.in))
				}
				// The reference command reads the frames as one stream too.
				if _, err := exec.LookPath(algorithm); err == nil {
					cmd := exec.Command(algorithm, "-dc")
					cmd.Stdin = bytes.NewReader(out.Bytes())
					if got, err := cmd.Output(); err != nil || !bytes.Equal(got, c.in) {
						t.Fatalf("%s -dc gave %d bytes (%v), want the %d written", algorithm, len(got), err, len(c.in))
					}
				}
				// The same input gives the same blob.
				var again bytes.Buffer
				if err := compressFrames(context.Background(), &again, bytes.NewReader(c.in), f); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again.Bytes(), out.Bytes()) {
					t.Error("two compressions of the same input differ")
				}
			})
		}
	}
}

func TestNewFramer(t *testing.T) {
	nine, bad := 9, 42
	for _, c := range []struct {
		algorithm string
		level     *int
		ok        bool
	}{
		{"zstd", nil, true},
		{"zstd", &nine, true},
		{"gzip", nil, true},
		{"gzip", &nine, true},
		{"gzip", &bad, false},
		{"zstd:chunked", nil, false},
		{"bzip2", nil, false},
	} {
		f, err := newFramer(c.algorithm, c.level)
		if (err == nil) != c.ok {
			t.Errorf("%s level %v: error %v, want ok %v", c.algorithm, c.level, err, c.ok)
		}
		if f != nil {
			f.close()
		}
	}
}

// decompress reads a whole stream of frames with Go's readers.
func decompress(t *testing.T, algorithm string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch algorithm {
	case "zstd":
		d, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		r = d
	case "gzip":
		d, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = d
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// countFrames counts the frames of a stream: gzip members as Go's reader
// sees them one at a time, zstd frames by walking their headers.
func countFrames(t *testing.T, algorithm string, b []byte) int {
	t.Helper()
	if algorithm == "gzip" {
		br := bufio.NewReader(bytes.NewReader(b))
		zr, err := gzip.NewReader(br)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			zr.Multistream(false)
			if _, err := io.Copy(io.Discard, zr); err != nil {
				t.Fatalf("member %d: %v", n, err)
			}
			n++
			if err := zr.Reset(br); err == io.EOF {
				return n
			} else if err != nil {
				t.Fatalf("member %d: %v", n, err)
			}
		}
	}
	return countZstdFrames(t, b)
}

// countZstdFrames walks the frame headers of a zstd stream (RFC 8878,
// 3.1.1) to count its frames.
func countZstdFrames(t *testing.T, b []byte) int {
	t.Helper()
	n := 0
	for len(b) > 0 {
		size, err := frameSize(b)
		if err != nil {
			t.Fatalf("frame %d: %v", n, err)
		}
		b = b[size:]
		n++
	}
	return n
}

// frameSize is the length of the zstd frame at the start of b: its header,
// its blocks (each with a 3-byte header giving its last flag, type and
// size) and its 4-byte checksum when the header says there is one.
func frameSize(b []byte) (int, error) {
	var h zstd.Header
	if err := h.Decode(b); err != nil {
		return 0, err
	}
	pos := h.HeaderSize
	for {
		if pos+3 > len(b) {
			return 0, io.ErrUnexpectedEOF
		}
		bh := int(b[pos]) | int(b[pos+1])<<8 | int(b[pos+2])<<16
		last, typ, size := bh&1 == 1, (bh>>1)&3, bh>>3
		if typ == 1 { // RLE: one byte stands for size
			size = 1
		}
		pos += 3 + size
		if last {
			break
		}
	}
	if h.HasCheckSum {
		pos += 4
	}
	if pos > len(b) {
		return 0, io.ErrUnexpectedEOF
	}
	return pos, nil
}

func TestCompressFramesErrors(t *testing.T) {
	f, err := newFramer("zstd", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	broken := errors.New("broken")
	var out bytes.Buffer
	r := io.MultiReader(bytes.NewReader(make([]byte, frameInput+10)), iotest.ErrReader(broken))
	if err := compressFrames(context.Background(), &out, r, f); !errors.Is(err, broken) {
		t.Errorf("a failing reader: %v, want %v", err, broken)
	}
	full := errors.New("full")
	w := writerFunc(func([]byte) (int, error) { return 0, full })
	if err := compressFrames(context.Background(), w, bytes.NewReader(make([]byte, 3*frameInput)), f); !errors.Is(err, full) {
		t.Errorf("a failing writer: %v, want %v", err, full)
	}
}
