package transfer

import (
	"io"
	"os"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"go.podman.io/image/v5/types"
	"golang.org/x/term"
)

// layerBars draws the progress of fetchLayers and sendLayers on a
// terminal, one bar a layer, as containers/image draws its copies' (mpb,
// the library it uses). Elsewhere it draws nothing: the copy that follows
// prints its usual "Copying blob" lines there.
type layerBars struct{ pool *mpb.Progress }

func newLayerBars(report io.Writer) layerBars {
	if !isTerminal(report) {
		return layerBars{}
	}
	return layerBars{pool: mpb.New(mpb.WithWidth(40), mpb.WithOutput(report))}
}

// isTerminal says whether w is a terminal, where containers/image draws
// bars rather than lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// layerBar is one layer's bar; the zero value draws nothing.
type layerBar struct{ bar *mpb.Bar }

func (b layerBars) add(blob types.BlobInfo) layerBar {
	if b.pool == nil || blob.Size <= 0 {
		return layerBar{}
	}
	prefix := "Copying blob " + blob.Digest.Encoded()[:12]
	return layerBar{bar: b.pool.AddBar(blob.Size,
		mpb.BarFillerClearOnComplete(),
		mpb.PrependDecorators(decor.OnComplete(decor.Name(prefix), prefix+" done")),
		mpb.AppendDecorators(decor.OnComplete(decor.CountersKibiByte("%.1f / %.1f"), "")),
	)}
}

// reading counts what body delivers, from zero (a staging race can make
// the layer be read again).
func (b layerBar) reading(body io.ReadCloser) io.ReadCloser {
	if b.bar == nil {
		return body
	}
	b.bar.SetCurrent(0)
	if counted := b.bar.ProxyReader(body); counted != nil {
		return counted
	}
	return body
}

func (b layerBar) end(ok bool) {
	if b.bar == nil {
		return
	}
	if ok {
		b.bar.SetTotal(-1, true)
	} else {
		b.bar.Abort(false)
	}
}

func (b layerBars) wait() {
	if b.pool != nil {
		b.pool.Wait()
	}
}
