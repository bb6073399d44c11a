// Package bud replays Dockerfiles and Containerfiles through the same
// primitives the CLI uses: FROM is container.From, RUN is Run, COPY/ADD are
// Copy, configuration instructions are state.Changes, and each layer is
// commit.Commit. It never implements any of them a second time.
//
// It may import container, commit and storage, never cmd.
package bud
