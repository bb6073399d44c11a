#!/bin/bash
# Rootless against root, paired (issue 11's goal: rootless/root <= 1.3x).
# Run as root: it uses (and creates, with subuid/subgid ranges) the user
# $BENCH_USER. Prints medians in ms and the rootless/root ratio of:
#   run:    hod run --network none CTR -- true (OCI isolation)
#   commit: a change set of $SIZE_MB MB (one file plus 2,000 small ones)
#   bud:    a warm 40-step build (every step a cache hit)
set -euo pipefail
hod=$(readlink -f "${HOD:-bin/hod}")
runs=${RUNS:-5}
size=${SIZE_MB:-500}
user=${BENCH_USER:-hodbench}
id "$user" >/dev/null 2>&1 || useradd -m -s /bin/bash "$user"
grep -q "^$user:" /etc/subuid || usermod --add-subuids 400000-465535 --add-subgids 400000-465535 "$user"
dir=$(mktemp -d /var/tmp/hod-rootless-bench.XXXXXX)
chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT
cp "$hod" "$dir/hod"
mkdir -p "$dir/data/many" "$dir/ctx" "$dir/bb/bin"
head -c "${size}M" /dev/urandom > "$dir/data/big"
head -c $((2000 * 4096)) /dev/urandom | split -b 4096 -a 4 - "$dir/data/many/f"
cp /bin/busybox "$dir/bb/bin/busybox"
for a in sh true echo; do ln -s busybox "$dir/bb/bin/$a"; done
{ echo "FROM scratch"; echo "COPY bb /"; for i in $(seq 40); do echo "RUN echo $i > /f$i"; done; } > "$dir/ctx/Dockerfile"
cp -a "$dir/bb" "$dir/ctx/bb"
chmod -R a+rX "$dir"

# one workload, printed as "NAME MEDIAN_MS", as the given user ("" = root)
cat > "$dir/work.sh" <<'WORK'
set -eu
d=$1 runs=$2
H="$d/hod --root $3/root --runroot $3/run"
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
c=$($H from scratch); $H copy $c $d/bb/bin /bin >/dev/null
for i in $(seq $runs); do t=$(now); $H run --network none $c -- true; echo $(( ($(now) - t) / 1000000 )); done | median | sed 's/^/run /'
for i in $(seq $runs); do
  k=$($H from scratch); $H copy $k $d/data /data >/dev/null
  t=$(now); $H commit -q $k >/dev/null; echo $(( ($(now) - t) / 1000000 )); $H rm $k >/dev/null
done | median | sed 's/^/commit /'
$H bud -q --isolation chroot --network none $d/ctx >/dev/null
for i in $(seq $runs); do t=$(now); $H bud -q --isolation chroot --network none $d/ctx >/dev/null; echo $(( ($(now) - t) / 1000000 )); done | median | sed 's/^/bud /'
WORK
mkdir -p "$dir/root-store"
bash "$dir/work.sh" "$dir" "$runs" "$dir/root-store" > "$dir/root.txt"
su - "$user" -c "bash $dir/work.sh $dir $runs \$HOME/.hod-bench-store" > "$dir/user.txt" 2>/dev/null
su - "$user" -c "$dir/hod --root \$HOME/.hod-bench-store/root --runroot \$HOME/.hod-bench-store/run rm --all >/dev/null; rm -rf \$HOME/.hod-bench-store" 2>/dev/null || true
echo "workload  root_ms  rootless_ms  ratio"
pkill -u "$user" -f hod-pause || true
join "$dir/root.txt" "$dir/user.txt" | awk '{printf "%-8s  %7d  %11d  %5.2f\n", $1, $2, $3, $3/$2}'
