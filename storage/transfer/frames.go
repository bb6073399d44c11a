package transfer

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"go.podman.io/image/v5/pkg/compression"
	"golang.org/x/sync/errgroup"
)

// frameInput is how much of the stream each frame holds. Cut at 8 MiB,
// the Debian base image's layer grows by 1 % against one zstd frame
// (84.8 against 84.0 MB); at 4 MiB by 2.7 %, at 1 MiB by 7.6 %.
const frameInput = 8 << 20

// framer compresses a whole buffer as one frame (a zstd frame, a gzip
// member) and may be called from several goroutines at once.
type framer interface {
	// frame appends in's frame to dst.
	frame(dst, in []byte) []byte
	// bound is how large a frame of n bytes of input may grow.
	bound(n int) int
	close()
}

// newFramer is the framer of the named algorithm ("gzip" or "zstd") at
// level (nil: the algorithm's default, as containers/image's writers
// take it).
func newFramer(algorithm string, level *int) (framer, error) {
	switch algorithm {
	case compression.Zstd.Name():
		l := zstd.SpeedDefault
		if level != nil {
			l = zstd.EncoderLevelFromZstd(*level)
		}
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(l), zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
		if err != nil {
			return nil, err
		}
		return zstdFramer{enc}, nil
	case compression.Gzip.Name():
		l := gzip.DefaultCompression
		if level != nil {
			l = *level
		}
		if _, err := gzip.NewWriterLevel(io.Discard, l); err != nil {
			return nil, err
		}
		return &gzipFramer{level: l}, nil
	}
	return nil, fmt.Errorf("no frames for %s compression", algorithm)
}

type zstdFramer struct{ enc *zstd.Encoder }

func (z zstdFramer) frame(dst, in []byte) []byte { return z.enc.EncodeAll(in, dst) }
func (z zstdFramer) bound(n int) int             { return z.enc.MaxEncodedSize(n) }
func (z zstdFramer) close()                      { z.enc.Close() }

// gzipFramer writes each frame as a gzip member (RFC 1952, 2.2: a gzip
// file is a series of members), with writers used again.
type gzipFramer struct {
	level   int
	writers sync.Pool
}

func (g *gzipFramer) frame(dst, in []byte) []byte {
	out := appender(dst)
	w, _ := g.writers.Get().(*gzip.Writer)
	if w == nil {
		w, _ = gzip.NewWriterLevel(&out, g.level) // the level was checked
	} else {
		w.Reset(&out)
	}
	// Writes to memory cannot fail.
	_, _ = w.Write(in)
	_ = w.Close()
	g.writers.Put(w)
	return out
}

// bound leaves room for stored blocks' headers and the member's header and
// trailer; a frame that needs more grows its buffer.
func (g *gzipFramer) bound(n int) int { return n + n/1000 + 1024 }
func (g *gzipFramer) close()          {}

// appender is a writer appending to a byte slice.
type appender []byte

func (a *appender) Write(p []byte) (int, error) {
	*a = append(*a, p...)
	return len(p), nil
}

// compressFrames compresses r into w as independent frames of frameInput
// bytes of input each, compressed several at once and written in order.
// A zstd stream may be any number of frames one after the other (RFC 8878,
// section 3.1), a gzip file any number of members, and every decoder reads
// either as one stream.
//
// Why not the libraries' writers: klauspost/compress's streaming zstd
// encoder (the one containers/image uses) compresses one block after
// another on one goroutine, so a push's compression took a core while the
// other mostly waited; pgzip, containers/image's gzip writer, took twice
// as long as these gzip members for the Debian image's layer on two cores
// (2.4 against 1.2 s, 95.3 MB either way). The output depends only
// on the input, the algorithm and the level, not on how many cores did the
// work, so a layer compresses to the same blob on every machine.
func compressFrames(ctx context.Context, w io.Writer, r io.Reader, f framer) error {
	workers := runtime.GOMAXPROCS(0)
	// Each frame's result arrives on a channel of its own; the channels
	// queue in stream order. The queue's length bounds the memory held,
	// and the buffers are used again: fresh 8 MiB ones cost a page fault
	// every 4 kB, as much CPU as hashing the layer.
	queue := make(chan chan []byte, workers)
	ins, outs := newBuffers(workers+1, frameInput), newBuffers(workers+2, f.bound(frameInput))
	// Frames still being compressed when the writer fails are waited for:
	// the caller may close f once this returns.
	var encoding sync.WaitGroup
	defer encoding.Wait()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(queue)
		for first := true; ; first = false {
			in := ins.get()
			n, err := io.ReadFull(r, in)
			if err == io.EOF && !first {
				return nil
			}
			if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
				return err
			}
			out := make(chan []byte, 1)
			select {
			case queue <- out:
			case <-ctx.Done():
				return ctx.Err()
			}
			// An empty stream is still one (empty) frame: a blob
			// no decoder could tell from an uncompressed one would
			// be wrong.
			encoding.Add(1)
			go func() {
				defer encoding.Done()
				out <- f.frame(outs.get()[:0], in[:n])
				ins.put(in)
			}()
			if n < frameInput {
				return nil
			}
		}
	})
	g.Go(func() error {
		for out := range queue {
			var frame []byte
			select {
			case frame = <-out:
			case <-ctx.Done():
				return ctx.Err()
			}
			if _, err := w.Write(frame); err != nil {
				return err
			}
			outs.put(frame)
		}
		return nil
	})
	return g.Wait()
}

// buffers is a free list of byte slices of one size.
type buffers struct {
	free chan []byte
	size int
}

func newBuffers(n, size int) buffers {
	return buffers{free: make(chan []byte, n), size: size}
}

func (b buffers) get() []byte {
	select {
	case buf := <-b.free:
		return buf[:b.size]
	default:
		return make([]byte, b.size)
	}
}

func (b buffers) put(buf []byte) {
	if cap(buf) < b.size {
		return // grown past its size by the encoder: not ours any more
	}
	select {
	case b.free <- buf:
	default:
	}
}
