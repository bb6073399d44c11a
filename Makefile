# hod's build, test and demo. `make test` and `make demo` install what they
# need with apt-get on a fresh Debian 12 machine. hod is built with gpgme
# (as buildah is: --sign-by signs with the user's GnuPG keys; libgpgme-dev
# is needed to build) and without btrfs; the btrfs headers are installed so
# plain `go build/vet ./...` work as well.
GO       ?= go
TAGS     := exclude_graphdriver_btrfs
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0-dev)
LDFLAGS  := -X github.com/hodbuild/hod/cmd.Version=$(VERSION)
# pkg-config is how cgo finds gpgme: a Recommends elsewhere, never installed here
# by --no-install-recommends, so it is named (tests/fresh-machine.sh checks the list).
APT_DEPS := pkg-config runc slirp4netns ansible debootstrap skopeo umoci buildah docker-registry busybox-static uidmap time attr libcap2-bin bzip2 xz-utils zstd curl libgpgme-dev libbtrfs-dev openssl gnupg cpp file procps util-linux passwd login
SOURCES  := $(shell find . -name '*.go' -not -path './.git/*') go.mod go.sum

.PHONY: fresh-check all build deps test test-unit test-race test-e2e lint completions check-completions man demo bench install clean

all: build

# bin/hod is the front: static, it serves the short calls (images,
# containers, inspect, config) itself and hands the others to bin/hod-full,
# which must sit next to it (or in ../libexec/hod).
build: bin/hod bin/hod-full

bin/hod: $(SOURCES)
	CGO_ENABLED=0 $(GO) build -tags "$(TAGS)" -o $@ ./cmd/hod

bin/hod-full: $(SOURCES)
	$(GO) build -tags "$(TAGS)" -ldflags "$(LDFLAGS)" -o $@ ./cmd/hod-full

# Installs only the packages that are missing, so it is cheap when done.
deps:
	@missing=""; for p in $(APT_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

test: deps lint test-unit test-race test-e2e check-completions

test-unit:
	$(GO) test -tags "$(TAGS)" -count=1 $$($(GO) list -tags "$(TAGS)" ./... | grep -v /tests)

# Stages are built and committed concurrently: bud's tests (parallel
# multi-stage builds in-process on a real store) and commit's (concurrent
# commits of one layer on overlay) run under the race detector.
test-race:
	$(GO) test -race -tags "$(TAGS)" -count=1 ./bud/ ./commit/

test-e2e: build
	HOD_BINARY=$(CURDIR)/bin/hod $(GO) test -tags "$(TAGS)" -count=1 -timeout 30m ./tests/

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$bad" ]; then echo "gofmt needed:"; echo "$$bad"; exit 1; fi
	$(GO) vet -tags "$(TAGS)" ./...

completions: build
	for sh in bash zsh fish; do bin/hod completion $$sh > completions/hod.$$sh; done

# man/man1: hod(1) and hod-COMMAND(1), generated from the command tree;
# cmd's TestManPagesCurrent (make test-unit) fails when they are stale.
man:
	rm -rf man/man1 && go run -tags "$(TAGS)" ./cmd/hod-man man/man1

check-completions: build
	@tmp=$$(mktemp -d); for sh in bash zsh fish; do bin/hod completion $$sh > $$tmp/hod.$$sh; done; \
	diff -u completions $$tmp && rm -rf $$tmp || { echo "completions/ is stale: run make completions"; exit 1; }

demo: deps build
	HOD=bin/hod ./demo/demo.sh

bench: deps build
	HOD=bin/hod ./bench/bench.sh
	HOD=bin/hod ./bench/registry.sh
	HOD=bin/hod ./bench/rootless.sh
	HOD=bin/hod ./bench/cache.sh
	HOD=bin/hod ./bench/config.sh
	HOD=bin/hod ./bench/smallfiles.sh

install: build
	install -D -m 0755 bin/hod /usr/local/bin/hod
	install -D -m 0755 bin/hod-full /usr/local/libexec/hod/hod-full
	install -D -m 0644 completions/hod.bash /usr/share/bash-completion/completions/hod
	install -D -m 0644 completions/hod.zsh /usr/share/zsh/vendor-completions/_hod
	install -D -m 0644 completions/hod.fish /usr/share/fish/vendor_completions.d/hod.fish
	install -d /usr/local/share/man/man1 && install -m 0644 man/man1/*.1 /usr/local/share/man/man1/

# The README's two commands in a fresh Debian 12 tree (slow: see the script).
fresh-check:
	./tests/fresh-machine.sh

clean:
	rm -rf bin
