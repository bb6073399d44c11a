#!/bin/bash
# Many small files (issue 23): a tree of 30,100 files of 100 B to 4 kB
# (about 60 MB) in 301 directories on three levels, the shape of a
# node_modules or vendor tree. Copied into a fresh working container by
# hod and by buildah 1.28 (copy, add, and bud's COPY with and without a
# .dockerignore, and with --layers, whose cache key reads the tree once
# more), each on a fresh overlay store of its own, interleaved, medians of
# RUNS rounds (default 5). The floor is the same tree through
# "tar -c | tar -x": the cost of reading the files and writing them once,
# into a plain directory and into what copy writes to, a working
# container's overlay rootfs (overlayfs costs about 40 % more per file
# created than the tmpfs below it).
#
# Tree, stores and floor target all live on a tmpfs (TMPFS=0 puts them on
# the disk under BENCH_DIR): the disk is excluded, writeback included. On
# this VM's disk (ext4 without a journal) creating a file scans the inode
# table for recently deleted inodes, so after the previous round's
# removal of 30,000 files every create costs tens of microseconds more
# and the same tar -c | tar -x took 1.4 to 8.2 s depending on what was
# deleted in the last half minute: the disk measured itself, not the tools.
set -euo pipefail
hod=${HOD:-bin/hod}
# BEFORE=path/to/an/older/hod adds that binary to every round: before and
# after, paired.
before=${BEFORE:-}
runs=${RUNS:-5}
dir=${BENCH_DIR:-$(mktemp -d /var/tmp/hod-smallfiles.XXXXXX)}
base=${BASE:-}
trap 'for m in $(grep -o "$dir[^ ]*" /proc/self/mountinfo | sort -r); do umount -l "$m" 2>/dev/null || true; done; rm -rf "$dir"' EXIT
if [ "${TMPFS:-1}" = 1 ]; then
	mount -t tmpfs -o size=6g hod-bench "$dir"
fi
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The tree: 7 top directories, 43 below each, 100 files in each of those.
tree=$dir/ctx/tree
if [ ! -d "$tree" ]; then
	mkdir -p "$tree"
	for a in $(seq 1 7); do
		for b in $(seq 1 43); do
			d=$tree/m$a/p$b
			mkdir -p "$d"
			for f in $(seq 1 100); do
				head -c $(( (RANDOM % 40 + 1) * 100 )) /dev/urandom > "$d/f$f.js"
			done
		done
	done
	printf 'FROM scratch\nCOPY tree /app/\n' > "$dir/ctx/Containerfile"
	mkdir -p "$dir/ctxi" && cp -a "$tree" "$dir/ctxi/" && cp "$dir/ctx/Containerfile" "$dir/ctxi/"
	printf 'tree/m7\n**/*.map\n' > "$dir/ctxi/.dockerignore"
fi
files=$(find "$tree" -type f | wc -l)
bytes=$(du -sb "$tree" | cut -f1)

declare -A results
run() { # NAME TOOL COMMAND...
	local name=$1 tool=$2; shift 2
	sync
	local t0; t0=$(now)
	"$@" >/dev/null
	results[$name/$tool]+="$(ms "$t0" "$(now)") "
}

for r in $(seq 1 "$runs"); do
	for tool in hod buildah ${before:+before}; do
		case $tool in hod) cmd=$hod ;; buildah) cmd=buildah ;; before) cmd=$before ;; esac
		s="--root $dir/s/$tool$r/root --runroot $dir/s/$tool$r/run --storage-driver overlay"
		c=$($cmd $s from -q scratch)
		run copy $tool $cmd $s copy -q "$c" "$tree" /app/
		c2=$($cmd $s from -q scratch)
		run add $tool $cmd $s add -q "$c2" "$tree" /app/
		run bud $tool $cmd $s bud -q --layers=false "$dir/ctx"
		run bud-ignore $tool $cmd $s bud -q --layers=false "$dir/ctxi"
		$cmd $s rmi -a -f >/dev/null 2>&1 || true
		run bud-layers $tool $cmd $s bud -q --layers "$dir/ctx"
		$cmd $s rm -a >/dev/null 2>&1 || true
		$cmd $s rmi -a -f >/dev/null 2>&1 || true
		rm -rf "$dir/s/$tool$r"
	done
	rm -rf "$dir/floor"; mkdir -p "$dir/floor"
	run floor tar sh -c "tar -C '$tree' -cf - . | tar -C '$dir/floor' -xf -"
	# The same into what copy writes to: a working container's overlay
	# rootfs on the same tmpfs (the mount is not timed).
	s="--root $dir/s/floor$r/root --runroot $dir/s/floor$r/run --storage-driver overlay"
	c=$($hod $s from -q scratch); m=$($hod $s mount "$c")
	run ofloor tar sh -c "tar -C '$tree' -cf - . | tar -C '$m' -xf -"
	$hod $s rm "$c" >/dev/null; rm -rf "$dir/s/floor$r"
done

echo "Tree: $files files, $((bytes / 1000000)) MB; medians of $runs rounds, ms; $( [ "${TMPFS:-1}" = 1 ] && echo "on a tmpfs" || echo "on $(df --output=fstype "$dir" | tail -1)" )"
echo
med() { echo "${results[$1]:-}" | tr ' ' '\n' | grep . | median; }
floor=$(med floor/tar); ofloor=$(med ofloor/tar)
echo "Floors: tar -c | tar -x into a directory $floor ms; into a working container's overlay rootfs $ofloor ms"
echo
echo "| workload | hod | buildah | hod / buildah | hod / floor (directory) | hod / floor (overlay rootfs) |${before:+ hod before | before / buildah |}"
echo "|---|---|---|---|---|---|${before:+---|---|}"
for w in copy add bud bud-ignore bud-layers; do
	h=$(med "$w/hod"); b=$(med "$w/buildah")
	line="| $w | $h | $b | $(awk "BEGIN {printf \"%.2f\", $h/$b}") | $(awk "BEGIN {printf \"%.2f\", $h/$floor}") | $(awk "BEGIN {printf \"%.2f\", $h/$ofloor}") |"
	if [ -n "$before" ]; then
		o=$(med "$w/before")
		line+=" $o | $(awk "BEGIN {printf \"%.2f\", $o/$b}") |"
	fi
	echo "$line"
done
echo
echo "The cache key's digest pass (bud --layers against bud --layers=false): $(awk "BEGIN {printf \"%+.0f%%\", ($(med bud-layers/hod) / $(med bud/hod) - 1) * 100}")"
