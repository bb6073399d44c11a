#!/bin/bash
# hod's speed and memory figures, paired with buildah 1.28 on the same store
# and data (medians; timing is never asserted in tests). Prints a table.
#   commit: a 500 MB change set (one 300 MB file + 20,000 files of 10 kB),
#           against buildah and the one-pass floor `tar | tee >(sha256sum) | tar -x`
#   calls:  the call mix config --env / images / inspect / containers
#   run:    `run -- true` (default network), against buildah and bare runc
#           running hod's own bundle
#   bud:    a 40-step Dockerfile, all cached and with the last COPY changed;
#           two independent 2 s stages built at once
#   memory: commit peak RSS (GNU time), which must not grow with the layer
set -euo pipefail
hod=${HOD:-bin/hod}
runs=${RUNS:-5}
dir=${BENCH_DIR:-$(mktemp -d /var/tmp/hod-bench.XXXXXX)}
store=(--root "$dir/root" --runroot "$dir/run")
H() { $hod "${store[@]}" "$@"; }
# BEFORE=path/to/an/older/hod adds that binary's commits to the commit
# rounds: before and after, paired.
before=${BEFORE:-}
O() { $before "${store[@]}" "$@"; }
B() { BUILDAH_RUNTIME=runc buildah "${store[@]}" --storage-driver overlay "$@"; }
trap 'for c in $(H containers -q 2>/dev/null); do H rm "$c" >/dev/null; done; B rm -a >/dev/null 2>&1; rm -rf "$dir"' EXIT

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk "BEGIN {printf \"%.2f×\", $1 / $2}"; }
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 |"); }

data=$dir/data
mkdir -p "$data/many"
head -c 300M /dev/urandom > "$data/big"
head -c $((20000 * 10240)) /dev/urandom | split -b 10240 -a 5 - "$data/many/f"

# commit_once TOOL: ms of committing the change set with TOOL (H or B);
# hod's peak RSS goes to $dir/rss.all.
commit_once() {
  local ctr mnt t0 t
  ctr=$($1 from scratch); mnt=$($1 mount "$ctr")
  cp -a "$data/." "$mnt/"; sync
  t0=$(now)
  if [ "$1" = H ]; then
    /usr/bin/time -f %M -o "$dir/rss" $hod "${store[@]}" commit -q "$ctr" >/dev/null
    cat "$dir/rss" >> "$dir/rss.all"
  else
    $1 commit -q "$ctr" >/dev/null
  fi
  t=$(ms "$t0" "$(now)")
  $1 rm "$ctr" >/dev/null; H rmi --prune >/dev/null; sync
  echo "$t"
}
# Interleaved (floor, hod, buildah per round): the disk's state drifts
# between rounds, and each round's three share it.
floor=() hcs=() bcs=() ocs=()
for _ in $(seq "$runs"); do
  rm -rf "$dir/out" && mkdir "$dir/out"; sync
  t0=$(now)
  tar -cf - -C "$data" . | tee >(sha256sum >/dev/null) | tar -xf - -C "$dir/out"
  floor+=("$(ms "$t0" "$(now)")")
  rm -rf "$dir/out"; sync
  hcs+=("$(commit_once H)"); bcs+=("$(commit_once B)")
  if [ -n "$before" ]; then ocs+=("$(commit_once O)"); fi
done
f=$(printf '%s\n' "${floor[@]}" | median)
hc=$(printf '%s\n' "${hcs[@]}" | median); bc=$(printf '%s\n' "${bcs[@]}" | median)
row "commit, 500 MB change set" "${hc} ms" "${bc} ms ($(ratio "$hc" "$bc"))" "floor ${f} ms ($(ratio "$hc" "$f"))"
if [ -n "$before" ]; then
  oc=$(printf '%s\n' "${ocs[@]}" | median)
  row "commit, 500 MB change set, BEFORE binary" "${oc} ms" "${bc} ms ($(ratio "$oc" "$bc"))" "floor ${f} ms ($(ratio "$oc" "$f"))"
fi
if [ -n "${COMMIT_ONLY:-}" ]; then
  echo "| workload | hod | buildah 1.28 (hod/buildah) | floor (hod/floor) |"; echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"; exit 0
fi

# A base with busybox for the call mix and runs.
rctr=$(H from scratch); rmnt=$(H mount "$rctr")
mkdir -p "$rmnt/bin" "$rmnt/etc" "$rmnt/proc" "$rmnt/dev" "$rmnt/sys"
cp /bin/busybox "$rmnt/bin/" && ln -s busybox "$rmnt/bin/true" && ln -s busybox "$rmnt/bin/sh"
H commit -q "$rctr" localhost/bench-base >/dev/null
# mix TOOL: mean µs per call of the call mix, on a fresh container (a
# script configures a container a few times, not hundreds: hod records a
# history entry per config call, which inspect prints).
mix() {
  local t0 ctr; ctr=$($1 from localhost/bench-base)
  t0=$(now)
  for i in $(seq 25); do
    $1 config --env "A=$i" "$ctr" >/dev/null; $1 images >/dev/null; $1 inspect "$ctr" >/dev/null; $1 containers >/dev/null
  done
  echo $(( ($(now) - t0) / 100000 ))
  $1 rm "$ctr" >/dev/null
}
hm=() bm=()
for _ in $(seq "$runs"); do hm+=("$(mix H)"); bm+=("$(mix B)"); done
hctr=$(H from localhost/bench-base); bctr=$(B from localhost/bench-base)
hm=$(printf '%s\n' "${hm[@]}" | median); bm=$(printf '%s\n' "${bm[@]}" | median)
row "call mix (config, images, inspect, containers), per call" "$(awk "BEGIN {printf \"%.1f ms\", $hm / 1000}")" "$(awk "BEGIN {printf \"%.1f ms\", $bm / 1000}") ($(ratio "$hm" "$bm"))" ""

runs_of() {
  local t=()
  for _ in $(seq 20); do t0=$(now); "$@" >/dev/null; t+=("$(ms "$t0" "$(now)")"); done
  printf '%s\n' "${t[@]}" | median
}
# The floor is runc running hod's own bundle (same spec, seccomp included):
# a pass-through "runtime" keeps a copy of it.
bundle=$dir/bundle
cat > "$dir/keep-bundle" <<WRAP
#!/bin/sh
for a in "\$@"; do [ "\$prev" = --bundle ] && rm -rf "$bundle" && cp -r "\$a" "$bundle" && sed -i "s|\$a|$bundle|g" "$bundle/config.json"; prev=\$a; done
exec runc "\$@"
WRAP
chmod +x "$dir/keep-bundle"
H run --network none --runtime "$dir/keep-bundle" "$hctr" -- /bin/true
H mount "$hctr" >/dev/null   # the bundle's root must stay mounted
n=0; bare_run() { n=$((n+1)); runc --root "$dir/runc-state" run --bundle "$bundle" "bench$n"; }
bare=$(runs_of bare_run)
H umount "$hctr" >/dev/null
hr=$(runs_of H run "$hctr" -- /bin/true); br=$(runs_of B run "$bctr" -- /bin/true)
row "run -- true (private network)" "${hr} ms" "${br} ms ($(ratio "$hr" "$br"))" "bare runc ${bare} ms ($(ratio "$hr" "$bare"))"
hn=$(runs_of H run --network none "$hctr" -- /bin/true); bn=$(runs_of B run --network none "$bctr" -- /bin/true)
row "run --network none -- true" "${hn} ms" "${bn} ms ($(ratio "$hn" "$bn"))" "bare runc ${bare} ms ($(ratio "$hn" "$bare"))"
hx=$(runs_of H run --isolation chroot "$hctr" -- /bin/true); bx=$(runs_of B run --isolation chroot "$bctr" -- /bin/true)
row "run --isolation chroot -- true" "${hx} ms" "${bx} ms ($(ratio "$hx" "$bx"))" ""

# bud: a 40-step Dockerfile (ENV/RUN/COPY mix); rebuilt with every step
# cached, and after changing the last COPY's source.
ctx=$dir/ctx && mkdir -p "$ctx"
{ echo "FROM localhost/bench-base"
  for i in $(seq 13); do echo "ENV V$i=$i"; echo "RUN echo $i > /r$i"; echo "f$i" > "$ctx/f$i"; echo "COPY f$i /f$i"; done
  echo "ENV LAST=1"; } > "$ctx/Dockerfile"
# --layers: bud's default follows buildah's ($BUILDAH_LAYERS, false), and
# without it nothing is cached (this row measured uncached builds from
# the day bud took that default until it said so).
H bud -q --layers "$ctx" >/dev/null
cached=() changed=()
for i in $(seq "$runs"); do
  t0=$(now); H bud -q --layers "$ctx" >/dev/null; cached+=("$(ms "$t0" "$(now)")")
  echo "change $i" > "$ctx/f13"
  t0=$(now); H bud -q --layers "$ctx" >/dev/null; changed+=("$(ms "$t0" "$(now)")")
done
row "bud 40 steps, all cached / last COPY changed" "$(printf '%s\n' "${cached[@]}" | median) ms / $(printf '%s\n' "${changed[@]}" | median) ms" "" ""

pctx=$dir/pctx && mkdir -p "$pctx"
printf '%s\n' 'FROM localhost/bench-base AS a' 'RUN ["/bin/busybox", "sleep", "2"]' \
  'FROM localhost/bench-base AS b' 'RUN ["/bin/busybox", "sleep", "2"]' \
  'FROM scratch' 'COPY --from=a /bin/true /a' 'COPY --from=b /bin/true /b' > "$pctx/Dockerfile"
t0=$(now); H bud -q --no-cache "$pctx" >/dev/null
row "bud, two independent 2 s stages" "$(ms "$t0" "$(now)") ms wall" "" ""

# commit peak RSS of a 50 MB change set, against the 500 MB one above.
sctr=$(H from scratch)
head -c 50M /dev/urandom > "$(H mount "$sctr")/small"
/usr/bin/time -f %M -o "$dir/rss" $hod "${store[@]}" commit -q "$sctr" >/dev/null
row "commit peak RSS, 50 MB / 500 MB change set" "$(( $(cat "$dir/rss") / 1024 )) MiB / $(( $(median < "$dir/rss.all") / 1024 )) MiB" "" ""

echo "| workload | hod | buildah 1.28 (hod/buildah) | floor (hod/floor) |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
