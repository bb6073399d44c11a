package cmd

import (
	"github.com/hodbuild/hod/attest"
	"github.com/spf13/cobra"
)

// addAttestFlags adds --sbom and --provenance (commit, bud, push).
func addAttestFlags(cmd *cobra.Command, sbom, provenance *bool) {
	cmd.Flags().BoolVar(sbom, "sbom", false, "record an SPDX SBOM of the packages the image's dpkg or apk database lists; push attaches it")
	cmd.Flags().BoolVar(provenance, "provenance", false, "record a SLSA provenance (builder, bases, Containerfile and context digests, build args, RUN commands); push attaches it")
}

// attestRequest is what --sbom and --provenance ask for.
func attestRequest(sbom, provenance bool) attest.Request {
	r := attest.Request{SBOM: sbom, Tool: "hod-" + Version}
	if provenance {
		r.Provenance = &attest.Build{Builder: "hod", Version: Version}
	}
	return r
}
