package transfer

import (
	"io"
	"os"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"go.podman.io/image/v5/types"
	"golang.org/x/term"
)

// fetchBars draws fetchLayers' progress on a terminal, one bar a layer,
// as containers/image draws its copies' (mpb, the library it uses).
// Elsewhere it draws nothing: the copy that follows prints its usual
// "Copying blob" lines there.
type fetchBars struct{ pool *mpb.Progress }

func newFetchBars(report io.Writer) fetchBars {
	f, ok := report.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return fetchBars{}
	}
	return fetchBars{pool: mpb.New(mpb.WithWidth(40), mpb.WithOutput(report))}
}

// fetchBar is one layer's bar; the zero value draws nothing.
type fetchBar struct{ bar *mpb.Bar }

func (b fetchBars) add(blob types.BlobInfo) fetchBar {
	if b.pool == nil || blob.Size <= 0 {
		return fetchBar{}
	}
	prefix := "Copying blob " + blob.Digest.Encoded()[:12]
	return fetchBar{bar: b.pool.AddBar(blob.Size,
		mpb.BarFillerClearOnComplete(),
		mpb.PrependDecorators(decor.OnComplete(decor.Name(prefix), prefix+" done")),
		mpb.AppendDecorators(decor.OnComplete(decor.CountersKibiByte("%.1f / %.1f"), "")),
	)}
}

// reading counts what body delivers, from zero (a staging race can make
// the layer be read again).
func (b fetchBar) reading(body io.ReadCloser) io.ReadCloser {
	if b.bar == nil {
		return body
	}
	b.bar.SetCurrent(0)
	if counted := b.bar.ProxyReader(body); counted != nil {
		return counted
	}
	return body
}

func (b fetchBar) end(ok bool) {
	if b.bar == nil {
		return
	}
	if ok {
		b.bar.SetTotal(-1, true)
	} else {
		b.bar.Abort(false)
	}
}

func (b fetchBars) wait() {
	if b.pool != nil {
		b.pool.Wait()
	}
}
