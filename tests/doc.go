// Package tests holds hod's end-to-end tests: testscript scripts under
// testdata/ that drive the built hod binary against a real store, real
// image fixtures and a real registry, and check the results with
// independent readers (skopeo, umoci, buildah).
package tests
