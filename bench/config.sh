#!/bin/bash
# Configuration instructions at scale (medians): a Containerfile of N LABEL
# lines (FROM scratch, nothing else) built by hod and by buildah 1.28, each
# on a fresh store of its own, for N = 1,000, 4,000 and 10,000. Each
# instruction must cost the same whatever came before it (issue 20: hod
# took 16 s for 1,000 and 143 s for 4,000 when it wrote its state after
# every instruction and copied the label map at every label).
set -euo pipefail
hod=${HOD:-bin/hod}
runs=${RUNS:-3}
dir=${BENCH_DIR:-$(mktemp -d /var/tmp/hod-configbench.XXXXXX)}
trap 'rm -rf "$dir"' EXIT
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| LABEL lines | hod | buildah |"
echo "|---|---|---|"
for n in 1000 4000 10000; do
	mkdir -p "$dir/ctx$n"
	{ echo 'FROM scratch'; for i in $(seq 1 "$n"); do echo "LABEL l$i=v$i"; done; } > "$dir/ctx$n/Containerfile"
	for tool in hod buildah; do
		for r in $(seq 1 "$runs"); do
			s="--root $dir/$tool$n-$r/root --runroot $dir/$tool$n-$r/run --storage-driver vfs"
			if [ $tool = hod ]; then cmd=$hod; else cmd=buildah; fi
			t0=$(now)
			$cmd $s bud -q "$dir/ctx$n" >/dev/null
			ms "$t0" "$(now)"
			$cmd $s rmi -a -f >/dev/null 2>&1 || true
		done | median > "$dir/$tool$n"
	done
	echo "| $n | $(cat "$dir/hod$n") ms | $(cat "$dir/buildah$n") ms |"
done
