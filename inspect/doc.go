// Package inspect is what "hod inspect" shows: buildah 1.28's view of a
// working container or an image (the Builder JSON), key for key, so
// --format templates and scripts written for buildah work unchanged. It
// is a view computed from container state and image blobs, never the
// state hod keeps on disk.
//
// It links no container library (the front binary serves inspect of a
// working container); imageview, the view of a stored image, reads
// images through containers/image.
package inspect
