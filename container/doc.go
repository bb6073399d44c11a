// Package container is hod's working container: a container in
// containers/storage plus the image configuration being built on it, and
// the primitives that change it (Apply for configuration, Copy for files;
// Run joins them with the run issue).
//
// It may import hod's storage and mount packages, never commit, bud or cmd.
package container
