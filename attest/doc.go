// Package attest describes what went into an image without a scanner
// image: an SBOM (SPDX 2.3 JSON) of the packages its package databases list
// (dpkg, apk), and a provenance (an in-toto statement with a SLSA
// provenance v1 predicate: builder, base images, Containerfile and
// build-context digests, build arguments, RUN commands). Both are kept with
// the image as big data and pushed as BuildKit lays attestations out: an
// OCI index holding the image and an attestation manifest whose layers are
// in-toto statements about it. No secret reaches either: they are made from
// the image's files and history and the build's declared inputs, never
// from secret mounts.
package attest
