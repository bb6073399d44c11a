#!/bin/sh
# Runs the README's two commands (`make demo`, `make test`) as a new user
# would: in a fresh Debian 12 tree that has only what a new machine of this
# kind has (debootstrap minbase plus git, make, gcc, libc6-dev,
# ca-certificates and the Go toolchain), on a clean clone of HEAD, with an
# empty Go module cache. Prints each command's exit code and wall time.
#
#   tests/fresh-machine.sh            # or: make fresh-check
#   KEEP=1 tests/fresh-machine.sh     # keep the tree for a look afterwards
#
# Needs root and debootstrap. The tree's mounts live in a private mount
# namespace, so they disappear with it whatever happens. Too slow for CI
# (about 25 minutes: cold module download, cold build, the whole test run).
set -eu
[ "$(id -u)" = 0 ] || { echo "fresh-machine.sh: needs root" >&2; exit 2; }
command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
goroot=$(go env GOROOT)
tree=${FRESH_TREE:-$(mktemp -d /var/tmp/hod-fresh.XXXXXX)}
log=$tree.log
# mktemp makes the tree 0700; as the new root it would then keep every
# other user (the rootless test's, a user namespace's mapped root) out of
# /bin and /proc, which a real machine's 0755 root does not.
chmod 0755 "$tree"
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$tree"; }
trap cleanup EXIT

echo "== debootstrap bookworm minbase into $tree (log: $log)"
debootstrap --variant=minbase --include=git,make,gcc,libc6-dev,ca-certificates \
	bookworm "$tree" http://deb.debian.org/debian >"$log" 2>&1
cp /etc/resolv.conf "$tree/etc/resolv.conf"
# The machine's own trust anchors (a new machine of this kind has them: the
# module proxy is reached through them), nothing of the project's.
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
	cp /usr/local/share/ca-certificates/*.crt "$tree/usr/local/share/ca-certificates/"
	chroot "$tree" update-ca-certificates >>"$log" 2>&1
fi
mkdir -p "$tree/usr/local"
cp -a "$goroot" "$tree/usr/local/go"
git clone -q "$repo" "$tree/root/hod"

# One step in the tree: its own mount namespace, /proc, /sys, /dev, a
# tmpfs /run and /tmp, and the tree made the namespace's root with
# pivot_root rather than chroot: the kernel refuses user namespaces (the
# rootless and userns tests) to a chrooted process, and runc needs the
# root to be a mount point.
step() {
	start=$(date +%s)
	set +e
	unshare --mount --propagation private sh -c '
		t=$1; shift
		mount --bind "$t" "$t" && mount -t proc proc "$t/proc" &&
		mount --rbind /sys "$t/sys" && mount --rbind /dev "$t/dev" &&
		mount -t tmpfs tmpfs "$t/run" && mount -t tmpfs tmpfs "$t/tmp" &&
		mkdir -p "$t/.oldroot" && cd "$t" && pivot_root . .oldroot &&
		exec /usr/sbin/chroot . /bin/sh -c "umount -l /.oldroot && rmdir /.oldroot &&
			exec /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
			PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			GOPROXY=$GOPROXY sh -c \"cd /root/hod && $*\""' step "$tree" "$@" >>"$log" 2>&1
	rc=$?
	set -e
	echo "$* : exit $rc after $(($(date +%s) - start)) s"
	return $rc
}

GOPROXY=$(go env GOPROXY)
export GOPROXY
fail=0
step make demo || fail=1
step make test || fail=1
tail -n 30 "$log"
exit $fail
