#!/bin/sh
# Builds a minimal image from scratch holding a host-compiled static Go
# binary, exports it to an OCI layout and shows it with skopeo. Uses its own
# store under $DEMO_DIR so it never touches the system's images.
set -eu
hod=${HOD:-bin/hod}
dir=${DEMO_DIR:-$(mktemp -d /tmp/hod-demo.XXXXXX)}
store="--root $dir/root --runroot $dir/run"
trap 'for c in $($hod $store containers -q); do $hod $store rm "$c" >/dev/null; done' EXIT

echo "== compile a static binary on the host (no compiler in the image)"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dir/hello" ./demo/hello

echo "== hod from scratch; write into the mounted rootfs; configure; commit"
ctr=$($hod $store from scratch)
mnt=$($hod $store mount "$ctr")
mkdir -p "$mnt/usr/bin"
cp "$dir/hello" "$mnt/usr/bin/hello"
$hod $store config --entrypoint '["/usr/bin/hello"]' --label org.opencontainers.image.title=hello "$ctr"
$hod $store commit --rm --timestamp 0 "$ctr" localhost/hello:demo
$hod $store images

echo "== run the image's entrypoint in a working container (runc; --isolation chroot needs none)"
ctr=$($hod $store from localhost/hello:demo)
$hod $store run "$ctr" -- /usr/bin/hello hod
$hod $store rm "$ctr" >/dev/null

echo "== export to an OCI layout and read it with skopeo (an independent reader)"
rm -rf "$dir/layout"
$hod $store push --quiet localhost/hello:demo "oci:$dir/layout:hello"
skopeo inspect "oci:$dir/layout:hello"
echo "OCI layout: $dir/layout"
