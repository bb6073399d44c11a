#!/bin/bash
# hod's speed and memory figures (never asserted in tests). Prints medians.
#   commit:  a 500 MB change set (one 300 MB file + 20,000 files of 10 kB),
#            against the floor `tar -cf - | tee >(sha256sum) | tar -x`
#   short:   hod config --env / images / inspect
#   memory:  peak RSS of commit (GNU time), which should not grow with the layer
set -euo pipefail
hod=${HOD:-bin/hod}
runs=${RUNS:-5}
dir=${BENCH_DIR:-$(mktemp -d /var/tmp/hod-bench.XXXXXX)}
store=(--root "$dir/root" --runroot "$dir/run")
trap 'for c in $($hod "${store[@]}" containers -q 2>/dev/null); do $hod "${store[@]}" rm "$c" >/dev/null; done; rm -rf "$dir"' EXIT

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

data=$dir/data
mkdir -p "$data/many"
head -c 300M /dev/urandom > "$data/big"
head -c $((20000 * 10240)) /dev/urandom | split -b 10240 -a 5 - "$data/many/f"

floor=()
for _ in $(seq "$runs"); do
  rm -rf "$dir/out" && mkdir "$dir/out"
  t0=$(now)
  tar -cf - -C "$data" . | tee >(sha256sum >/dev/null) | tar -xf - -C "$dir/out"
  floor+=("$(ms "$t0" "$(now)")")
done
rm -rf "$dir/out"

commit=() rss=()
for _ in $(seq "$runs"); do
  ctr=$($hod "${store[@]}" from scratch)
  mnt=$($hod "${store[@]}" mount "$ctr")
  cp -a "$data/." "$mnt/"
  sync
  t0=$(now)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$dir/rss" $hod "${store[@]}" commit -q "$ctr" >/dev/null
    rss+=("$(cat "$dir/rss")")
  else
    $hod "${store[@]}" commit -q "$ctr" >/dev/null
  fi
  commit+=("$(ms "$t0" "$(now)")")
  $hod "${store[@]}" rm "$ctr" >/dev/null
  $hod "${store[@]}" rmi --prune >/dev/null
done

short() {
  local t=()
  for _ in $(seq 50); do
    t0=$(now); $hod "${store[@]}" "$@" >/dev/null; t+=("$(( ($(now) - t0) / 100000 ))")
  done
  printf '%s\n' "${t[@]}" | median | awk '{printf "%.1f", $1 / 10}'
}
ctr=$($hod "${store[@]}" from scratch)

# run: a rootfs with busybox, 20 runs of "true" per isolation, and the same
# bundle run by bare runc for the floor.
rctr=$($hod "${store[@]}" from scratch)
rmnt=$($hod "${store[@]}" mount "$rctr")
mkdir -p "$rmnt/bin" "$rmnt/etc" "$rmnt/proc" "$rmnt/dev" "$rmnt/sys"
cp /bin/busybox "$rmnt/bin/" && ln -s busybox "$rmnt/bin/true" && ln -s busybox "$rmnt/bin/sh"
$hod "${store[@]}" umount "$rctr" >/dev/null   # runs below mount and unmount it themselves
runs_of() {
  local t=()
  for _ in $(seq 20); do t0=$(now); "$@" >/dev/null; t+=("$(ms "$t0" "$(now)")"); done
  printf '%s\n' "${t[@]}" | median
}
run_oci=$(runs_of $hod "${store[@]}" run "$rctr" -- /bin/true)
run_chroot=$(runs_of $hod "${store[@]}" run --isolation chroot "$rctr" -- /bin/true)
# --network none: loopback only, no slirp4netns (the fast option).
run_oci_none=$(runs_of $hod "${store[@]}" run --network none "$rctr" -- /bin/true)
run_chroot_none=$(runs_of $hod "${store[@]}" run --network none --isolation chroot "$rctr" -- /bin/true)
# The floor is runc running hod's own bundle (same spec, seccomp included):
# a pass-through "runtime" keeps a copy of it.
bundle=$dir/bundle
cat > "$dir/keep-bundle" <<WRAP
#!/bin/sh
for a in "\$@"; do [ "\$prev" = --bundle ] && rm -rf "$bundle" && cp -r "\$a" "$bundle" && sed -i "s|\$a|$bundle|g" "$bundle/config.json"; prev=\$a; done
exec runc "\$@"
WRAP
chmod +x "$dir/keep-bundle"
$hod "${store[@]}" run --network none --runtime "$dir/keep-bundle" "$rctr" -- /bin/true
$hod "${store[@]}" mount "$rctr" >/dev/null   # the bundle's root must stay mounted
n=0; bare_run() { n=$((n+1)); runc --root "$dir/runc-state" run --bundle "$bundle" "bench$n"; }
bare=$(runs_of bare_run)
$hod "${store[@]}" umount "$rctr" >/dev/null

# bud: a 40-step Dockerfile (ENV/RUN/COPY mix) on the run rootfs; rebuilt
# with every step cached, and after changing the last COPY's source.
$hod "${store[@]}" commit -q "$rctr" localhost/bench-base >/dev/null
ctx=$dir/ctx && mkdir -p "$ctx"
{ echo "FROM localhost/bench-base"
  for i in $(seq 13); do echo "ENV V$i=$i"; echo "RUN echo $i > /r$i"; echo "f$i" > "$ctx/f$i"; echo "COPY f$i /f$i"; done
  echo "ENV LAST=1"; } > "$ctx/Dockerfile"
$hod "${store[@]}" bud -q "$ctx" >/dev/null
cached=() changed=()
for i in $(seq "$runs"); do
  t0=$(now); $hod "${store[@]}" bud -q "$ctx" >/dev/null; cached+=("$(ms "$t0" "$(now)")")
  echo "change $i" > "$ctx/f13"
  t0=$(now); $hod "${store[@]}" bud -q "$ctx" >/dev/null; changed+=("$(ms "$t0" "$(now)")")
done

# bud: two independent stages that each take 2 s, built at once.
pctx=$dir/pctx && mkdir -p "$pctx"
printf '%s\n' 'FROM localhost/bench-base AS a' 'RUN ["/bin/busybox", "sleep", "2"]' \
  'FROM localhost/bench-base AS b' 'RUN ["/bin/busybox", "sleep", "2"]' \
  'FROM scratch' 'COPY --from=a /bin/true /a' 'COPY --from=b /bin/true /b' > "$pctx/Dockerfile"
t0=$(now); $hod "${store[@]}" bud -q --no-cache "$pctx" >/dev/null; parallel=$(ms "$t0" "$(now)")

# commit peak RSS of a 50 MB change set, against the 500 MB one above.
small_rss=""
if [ -x /usr/bin/time ]; then
  sctr=$($hod "${store[@]}" from scratch)
  head -c 50M /dev/urandom > "$($hod "${store[@]}" mount "$sctr")/small"
  /usr/bin/time -f %M -o "$dir/rss" $hod "${store[@]}" commit -q "$sctr" >/dev/null
  small_rss=$(cat "$dir/rss")
fi

f=$(printf '%s\n' "${floor[@]}" | median)
c=$(printf '%s\n' "${commit[@]}" | median)
echo "commit 500 MB change set: median ${c} ms; floor tar|tee sha256|tar: ${f} ms; ratio $(awk "BEGIN {printf \"%.2f\", $c / $f}")"
[ ${#rss[@]} -gt 0 ] && echo "commit peak RSS: 500 MB change set median $(printf '%s\n' "${rss[@]}" | median) kB; 50 MB change set ${small_rss} kB"
echo "hod config --env: median $(short config --env A=1 "$ctr") ms"
echo "hod images:       median $(short images) ms"
echo "hod run -- true (default network, slirp4netns): oci median ${run_oci} ms, chroot median ${run_chroot} ms"
echo "hod run --network none -- true: oci median ${run_oci_none} ms, chroot median ${run_chroot_none} ms; runc run of the same bundle: ${bare} ms"
echo "bud 40 steps, all cached: median $(printf '%s\n' "${cached[@]}" | median) ms; last COPY changed: median $(printf '%s\n' "${changed[@]}" | median) ms"
echo "bud, two independent 2 s stages: ${parallel} ms wall"
echo "hod inspect:      median $(short inspect "$ctr") ms"
