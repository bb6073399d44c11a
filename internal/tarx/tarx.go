// Package tarx copies tar streams entry by entry with each header edited
// on the way: the one loop behind copier's archive extraction (ADD of a
// local archive) and commit's layer rewrite (fixed times), so the two
// cannot drift apart in how they read and write entries.
package tarx

import (
	"archive/tar"
	"errors"
	"io"
)

// Copy copies every entry of tr to tw, each header passed through edit
// first. It does not close tw: the caller may write more.
func Copy(tr *tar.Reader, tw *tar.Writer, edit func(*tar.Header)) error {
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		edit(hdr)
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}
