// Package tarx handles hod's tar streams: Copy copies one entry by entry
// with each header edited on the way (the one loop behind copier's
// archive extraction and commit's layer rewrite, so the two cannot drift
// apart), and DirWriter writes entries straight into a directory, by
// descriptors and never through a symlink (a copy's tree into a rootfs,
// a commit's layer into the driver's staging directory).
package tarx

import (
	"archive/tar"
	"errors"
	"io"
)

// Writer takes entries as a tar.Writer does: a header, then its content.
// copier's rootfs writer is one too, so a tree's enumeration can go to a
// tar stream or straight into a rootfs.
type Writer interface {
	WriteHeader(hdr *tar.Header) error
	io.Writer
}

// Copy copies every entry of tr to tw, each header passed through edit
// first. It does not close tw: the caller may write more.
func Copy(tr *tar.Reader, tw Writer, edit func(*tar.Header)) error {
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
