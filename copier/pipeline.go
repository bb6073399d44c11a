package copier

import (
	"archive/tar"
	"errors"
	"io"
	"sync/atomic"

	"github.com/hodbuild/hod/internal/tarx"
)

// tee passes every entry to each of its writers in turn: a copy's digest
// and the rootfs it writes.
type tee []tarx.Writer

func (t tee) WriteHeader(hdr *tar.Header) error {
	for _, w := range t {
		if err := w.WriteHeader(hdr); err != nil {
			return err
		}
	}
	return nil
}

func (t tee) Write(p []byte) (int, error) {
	for _, w := range t {
		if _, err := w.Write(p); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// behind hands entries to a writer that works in a goroutine of its own,
// in order: the walk (stat, open, read, hash) and the writes (create,
// write, times) are each a system call or more per file, and on a tree of
// small files the two halves then run on two cores instead of one after
// the other. The buffer between them is bounded; content is copied, as
// the walk reuses its read buffer.
type behind struct {
	batches chan []entryOp
	batch   []entryOp
	size    int // content bytes in batch
	done    chan struct{}
	failed  atomic.Bool
	err     error // the writer's first error, read after done is closed
}

// Entries go over in batches: handing each one over alone costs the two
// goroutines a wake-up each, about what writing a small file costs. A
// batch holds at most batchLen entries or batchBytes of content, so the
// queue holds at most its depth times that.
const (
	batchLen   = 64
	batchBytes = 256 << 10
)

type entryOp struct {
	hdr  *tar.Header
	data []byte
}

// errStopped is what the walk sees once the writer has failed; Close
// returns the writer's own error.
var errStopped = errors.New("copy: writer stopped")

func newBehind(w tarx.Writer, depth int) *behind {
	b := &behind{batches: make(chan []entryOp, depth), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		for batch := range b.batches {
			for _, op := range batch {
				if b.err != nil {
					break // drain, so the walk never blocks
				}
				if op.hdr != nil {
					b.err = w.WriteHeader(op.hdr)
				} else {
					_, b.err = w.Write(op.data)
				}
				if b.err != nil {
					b.failed.Store(true)
				}
			}
		}
	}()
	return b
}

func (b *behind) add(op entryOp) {
	b.batch = append(b.batch, op)
	b.size += len(op.data)
	if len(b.batch) >= batchLen || b.size >= batchBytes {
		b.flush()
	}
}

func (b *behind) flush() {
	if len(b.batch) > 0 {
		b.batches <- b.batch
		b.batch, b.size = make([]entryOp, 0, batchLen), 0
	}
}

func (b *behind) WriteHeader(hdr *tar.Header) error {
	if b.failed.Load() {
		return errStopped
	}
	h := *hdr
	b.add(entryOp{hdr: &h})
	return nil
}

func (b *behind) Write(p []byte) (int, error) {
	if b.failed.Load() {
		return 0, errStopped
	}
	for rest := p; len(rest) > 0; {
		n := min(len(rest), batchBytes)
		b.add(entryOp{data: append([]byte(nil), rest[:n]...)})
		rest = rest[n:]
	}
	return len(p), nil
}

// Close waits for the writer and returns its first error.
func (b *behind) Close() error {
	b.flush()
	close(b.batches)
	<-b.done
	return b.err
}

var _ io.Writer = (*behind)(nil)
