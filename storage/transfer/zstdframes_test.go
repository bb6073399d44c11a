package transfer

import (
	"bytes"
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

func TestZstdFrames(t *testing.T) {
	random := make([]byte, 2*frameInput+12345)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	text := []byte(base64.StdEncoding.EncodeToString(random[:frameInput]))
	for _, c := range []struct {
		name   string
		in     []byte
		frames int
	}{
		{"empty", nil, 1},
		{"small", []byte("hod"), 1},
		{"one frame exactly", text[:frameInput], 1},
		{"one byte over", text[:frameInput+1], 2},
		{"random", random, 3},
		{"text", text, (len(text) + frameInput - 1) / frameInput},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			// One byte at a time from the reader: frames are cut by
			// input size, not by how the reader delivers it.
			if err := zstdFrames(context.Background(), &out, iotest.HalfReader(bytes.NewReader(c.in)), zstd.SpeedDefault); err != nil {
				t.Fatal(err)
			}
			if n := countFrames(t, out.Bytes()); n != c.frames {
				t.Errorf("%d frames, want %d", n, c.frames)
			}
			d, err := zstd.NewReader(bytes.NewReader(out.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			got, err := io.ReadAll(d)
			if err != nil || !bytes.Equal(got, c.in) {
				t.Fatalf("decompressed %d bytes (%v), want the %d written", len(got), err, len(c.in))
			}
			// The reference decoder reads the frames as one stream too.
			if _, err := exec.LookPath("zstd"); err == nil {
				cmd := exec.Command("zstd", "-dc")
				cmd.Stdin = bytes.NewReader(out.Bytes())
				if got, err := cmd.Output(); err != nil || !bytes.Equal(got, c.in) {
					t.Fatalf("zstd -dc gave %d bytes (%v), want the %d written", len(got), err, len(c.in))
				}
			}
			// The same input gives the same blob.
			var again bytes.Buffer
			if err := zstdFrames(context.Background(), &again, bytes.NewReader(c.in), zstd.SpeedDefault); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), out.Bytes()) {
				t.Error("two compressions of the same input differ")
			}
		})
	}
}

// countFrames walks the frame headers of a zstd stream (RFC 8878, 3.1.1)
// to count its frames.
func countFrames(t *testing.T, b []byte) int {
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

func TestZstdFramesErrors(t *testing.T) {
	broken := errors.New("broken")
	var out bytes.Buffer
	r := io.MultiReader(bytes.NewReader(make([]byte, frameInput+10)), iotest.ErrReader(broken))
	if err := zstdFrames(context.Background(), &out, r, zstd.SpeedDefault); !errors.Is(err, broken) {
		t.Errorf("a failing reader: %v, want %v", err, broken)
	}
	full := errors.New("full")
	w := writerFunc(func([]byte) (int, error) { return 0, full })
	if err := zstdFrames(context.Background(), w, bytes.NewReader(make([]byte, 3*frameInput)), zstd.SpeedDefault); !errors.Is(err, full) {
		t.Errorf("a failing writer: %v, want %v", err, full)
	}
}
