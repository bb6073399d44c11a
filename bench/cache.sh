#!/bin/bash
# The registry as a shared layer cache (medians): a 40-step Dockerfile
# (20 RUN steps that each take 0.2 s and write 2 MB, 20 COPY steps) built
#   cold:        on a fresh store, no cache
#   cold+push:   the same with --cache-to a registry (pushes overlap the build)
#   cold+cache:  on a fresh store with --cache-from a registry another
#                store filled with --cache-to
#   warm:        again on the store that built it (local cache)
# against a real docker-registry on loopback.
set -euo pipefail
hod=${HOD:-bin/hod}
runs=${RUNS:-3}
dir=${BENCH_DIR:-$(mktemp -d /var/tmp/hod-cachebench.XXXXXX)}
regpid=""
trap '[ -n "$regpid" ] && kill $regpid; rm -rf "$dir"' EXIT
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

port=$((20000 + RANDOM % 20000)); reg=127.0.0.1:$port
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' "$dir/registry" "$reg" > "$dir/registry.yml"
docker-registry serve "$dir/registry.yml" > "$dir/registry.log" 2>&1 &
regpid=$!
until curl -sf "http://$reg/v2/" >/dev/null; do sleep 0.05; done

n=0
fresh() { n=$((n+1)); s="--root $dir/s$n/root --runroot $dir/s$n/run"; }
fresh; base=$s
ctr=$($hod $base from scratch); mnt=$($hod $base mount "$ctr")
mkdir -p "$mnt/bin" && cp /bin/busybox "$mnt/bin/" && ln -s busybox "$mnt/bin/sh"
$hod $base commit -q --rm "$ctr" "oci:$dir/base:latest" >/dev/null
ctx=$dir/ctx && mkdir -p "$ctx"
{ echo "FROM oci:$dir/base:latest"
  for i in $(seq 20); do
    echo "RUN head -c 2097152 /dev/urandom > /d$i && sleep 0.2"
    echo "f$i" > "$ctx/f$i"; echo "COPY f$i /f$i"
  done; } > "$ctx/Dockerfile"

cold=() pushed=() cached=() warm=()
for i in $(seq "$runs"); do
  fresh; t0=$(now); $hod $s bud -q --layers "$ctx" >/dev/null; cold+=("$(ms "$t0" "$(now)")")
  fresh; t0=$(now); $hod $s bud -q --tls-verify=false --cache-to "$reg/cache/r$i" "$ctx" >/dev/null; pushed+=("$(ms "$t0" "$(now)")")
  t0=$(now); $hod $s bud -q --layers "$ctx" >/dev/null; warm+=("$(ms "$t0" "$(now)")")
  fresh; t0=$(now); $hod $s bud -q --tls-verify=false --cache-from "$reg/cache/r$i" "$ctx" >/dev/null; cached+=("$(ms "$t0" "$(now)")")
done
c=$(printf '%s\n' "${cold[@]}" | median); r=$(printf '%s\n' "${cached[@]}" | median); w=$(printf '%s\n' "${warm[@]}" | median)
p=$(printf '%s\n' "${pushed[@]}" | median)
echo "| 40-step build | cold, no cache | cold, --cache-to | cold, registry cache | warm, local cache |"
echo "|---|---|---|---|---|"
echo "| wall time | ${c} ms | ${p} ms | ${r} ms ($(awk "BEGIN {printf \"%.2f×\", $r / $c}") of cold) | ${w} ms |"
