#!/bin/bash
# Push and pull of a ~200 MB image against a real docker-registry on
# loopback (medians): hod push (gzip, zstd) against buildah's push and
# skopeo copy of the same image (gzip), and hod and buildah pull against
# the floor `gzip -dc | tee >(sha256sum) | tar -x` of the same blob.
set -euo pipefail
hod=${HOD:-bin/hod}
runs=${RUNS:-3}
dir=${BENCH_DIR:-$(mktemp -d /var/tmp/hod-regbench.XXXXXX)}
store=(--root "$dir/root" --runroot "$dir/run")
# Every push goes to a registry of its own: containers/image would otherwise
# mount blobs across repositories it has pushed to before, uploading nothing.
regpid=""
fresh_registry() {
  [ -n "$regpid" ] && kill "$regpid" && wait "$regpid" 2>/dev/null || true
  regs=$((${regs:-0} + 1))
  port=$((20000 + RANDOM % 20000)); reg=127.0.0.1:$port
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' "$dir/data$regs" "$reg" > "$dir/registry.yml"
  docker-registry serve "$dir/registry.yml" > "$dir/registry.log" 2>&1 &
  regpid=$!
  until curl -sf "http://$reg/v2/" >/dev/null; do sleep 0.05; done
}
trap '[ -n "$regpid" ] && kill $regpid; for c in $($hod "${store[@]}" containers -q 2>/dev/null); do $hod "${store[@]}" rm "$c" >/dev/null; done; rm -rf "$dir"' EXIT

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# BEFORE=path/to/old/hod adds an older binary's pull and pushes (gzip and
# zstd) to every round.
# ROOTFS=dir (a debootstrap tree, say) pushes and pulls that tree;
# otherwise half random data, half base64 text (which the command-line
# compressors shrink to 3/4 and containers/image's gzip and zstd writers
# store nearly as it is).
ctr=$($hod "${store[@]}" from scratch)
mnt=$($hod "${store[@]}" mount "$ctr")
if [ -n "${ROOTFS:-}" ]; then
  cp -a "$ROOTFS/." "$mnt/"
else
  head -c 100M /dev/urandom > "$mnt/random"
  head -c 75M /dev/urandom | base64 > "$mnt/text"
fi
# The push floor tars a copy of the same tree.
mkdir "$dir/tree" && cp -a "$mnt/." "$dir/tree/"
$hod "${store[@]}" commit -q --rm "$ctr" localhost/big >/dev/null
src="containers-storage:[overlay@$dir/root+$dir/run]localhost/big"

hodgz=() skgz=() bgz=() hodzst=() pull=() bpull=() floor=() upfloor=() pushfloor=() before=() beforezst=() beforegz=()
for i in $(seq "$runs"); do
  fresh_registry
  t0=$(now); skopeo copy -q --dest-tls-verify=false "$src" "docker://$reg/b/skgz" >/dev/null; skgz+=("$(ms "$t0" "$(now)")")
  fresh_registry
  t0=$(now); buildah "${store[@]}" push -q --tls-verify=false localhost/big "docker://$reg/b/bgz"; bgz+=("$(ms "$t0" "$(now)")")
  fresh_registry
  t0=$(now); $hod "${store[@]}" push -q --tls-verify=false --compression-format zstd ${ZSTD_LEVEL:+--compression-level $ZSTD_LEVEL} localhost/big "$reg/b/hodzst"; hodzst+=("$(ms "$t0" "$(now)")")
  # The registry's own floor: the same zstd blob streamed to a fresh
  # registry by curl as containers/image uploads it (POST, PATCH, PUT).
  zlayer=$(skopeo inspect --tls-verify=false --raw "docker://$reg/b/hodzst" | grep -o 'sha256:[0-9a-f]*' | tail -1)
  curl -s "http://$reg/v2/b/hodzst/blobs/$zlayer" -o "$dir/blob"
  fresh_registry
  t0=$(now)
  loc=$(curl -s -o /dev/null -w '%header{location}' -X POST "http://$reg/v2/b/up/blobs/uploads/")
  loc=$(curl -s -o /dev/null -w '%header{location}' -X PATCH -H 'Content-Type: application/octet-stream' -T - "${loc/#\//http://$reg/}" < "$dir/blob")
  curl -sf -o /dev/null -X PUT "${loc/#\//http://$reg/}&digest=$zlayer"
  upfloor+=("$(ms "$t0" "$(now)")")
  rm -f "$dir/blob"
  # The push floor: the same tree through tar, zstd on every core and a
  # digest into the registry's upload.
  fresh_registry
  t0=$(now)
  loc=$(curl -s -o /dev/null -w '%header{location}' -X POST "http://$reg/v2/b/up/blobs/uploads/")
  tar -C "$dir/tree" -cf - . | zstd -3 -T0 -q -c | tee >(sha256sum >/dev/null) |
    curl -s -o /dev/null -X PATCH -H 'Content-Type: application/octet-stream' -T - "${loc/#\//http://$reg/}"
  pushfloor+=("$(ms "$t0" "$(now)")")
  if [ -n "${BEFORE:-}" ]; then
    fresh_registry
    t0=$(now); $BEFORE "${store[@]}" push -q --tls-verify=false --compression-format zstd ${ZSTD_LEVEL:+--compression-level $ZSTD_LEVEL} localhost/big "$reg/b/hodzst"; beforezst+=("$(ms "$t0" "$(now)")")
    fresh_registry
    t0=$(now); $BEFORE "${store[@]}" push -q --tls-verify=false localhost/big "$reg/b/hodgz"; beforegz+=("$(ms "$t0" "$(now)")")
  fi
  fresh_registry
  t0=$(now); $hod "${store[@]}" push -q --tls-verify=false localhost/big "$reg/b/hodgz1"; hodgz+=("$(ms "$t0" "$(now)")")
  fresh=(--root "$dir/pull$i/root" --runroot "$dir/pull$i/run")
  t0=$(now); $hod "${fresh[@]}" pull -q --tls-verify=false "$reg/b/hodgz1" >/dev/null; pull+=("$(ms "$t0" "$(now)")")
  $hod "${fresh[@]}" rmi --all --force >/dev/null
  if [ -n "${BEFORE:-}" ]; then
    old=(--root "$dir/opull$i/root" --runroot "$dir/opull$i/run")
    t0=$(now); $BEFORE "${old[@]}" pull -q --tls-verify=false "$reg/b/hodgz1" >/dev/null; before+=("$(ms "$t0" "$(now)")")
    $BEFORE "${old[@]}" rmi --all --force >/dev/null
  fi
  bfresh=(--root "$dir/bpull$i/root" --runroot "$dir/bpull$i/run" --storage-driver overlay)
  t0=$(now); buildah "${bfresh[@]}" pull -q --tls-verify=false "$reg/b/hodgz1" >/dev/null; bpull+=("$(ms "$t0" "$(now)")")
  buildah "${bfresh[@]}" rmi --all --force >/dev/null
  layer=$(skopeo inspect --tls-verify=false --raw "docker://$reg/b/hodgz1" | grep -o 'sha256:[0-9a-f]*' | tail -1)
  rm -rf "$dir/out" && mkdir "$dir/out"
  t0=$(now); curl -s "http://$reg/v2/b/hodgz1/blobs/$layer" | gzip -dc | tee >(sha256sum >/dev/null) | tar -x -C "$dir/out"; floor+=("$(ms "$t0" "$(now)")")
done
med() { printf '%s\n' "$@" | median; }
r() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
g=$(med "${hodgz[@]}"); s=$(med "${skgz[@]}"); b=$(med "${bgz[@]}"); z=$(med "${hodzst[@]}")
p=$(med "${pull[@]}"); bp=$(med "${bpull[@]}"); f=$(med "${floor[@]}")
u=$(med "${upfloor[@]}"); pf=$(med "${pushfloor[@]}")
echo "push ~200 MB: hod gzip ${g} ms, buildah gzip ${b} ms ($(r "$g" "$b")×), skopeo gzip ${s} ms; hod zstd ${z} ms ($(r "$z" "$b")× buildah's gzip push); the registry taking hod's zstd blob from curl ${u} ms; floor tar|zstd -T0|tee sha256|curl ${pf} ms ($(r "$pf" "$b")× buildah's gzip push, hod zstd $(r "$z" "$pf")× floor)"
echo "pull ~200 MB: hod ${p} ms, buildah ${bp} ms ($(r "$p" "$bp")×); floor gzip -dc|tee sha256|tar -x ${f} ms (hod $(r "$p" "$f")× floor)"
if [ -n "${BEFORE:-}" ]; then
  o=$(med "${before[@]}")
  echo "pull before ($BEFORE): ${o} ms ($(r "$o" "$f")× floor)"
  oz=$(med "${beforezst[@]}")
  og=$(med "${beforegz[@]}")
  echo "push before ($BEFORE): gzip ${og} ms ($(r "$og" "$b")× buildah's), zstd ${oz} ms ($(r "$oz" "$b")× buildah's gzip push)"
fi
