#!/usr/bin/env bash
# tests/snapshot/bench_meta.sh — what a generation writes besides its pages
# (issue 15: at most 2 blocks of metadata per generation), measured in
# Bochs: the counter guest at 64 MiB with a snapshot every 100 ms for
# BENCH_SECS (20) seconds; the committed lines' bytes= (the store's count,
# superblock included) averaged by dirty page count, generation 1 (every
# page) left out. A generation of n pages in one map leaf of the 2-level
# map writes n + 2 (leaf, root) + 2 (record, superblock) blocks; one of no
# page writes 2 (version 1 of the format: 4, with a state block and a
# catalog block). Ends with "N passed, N failed": empty generations write
# at most 2 blocks.
. "$(dirname "$0")/../integ/lib.sh"
SECS=${BENCH_SECS:-20}
name=bench-meta
rm -f "$T/$name.img"
engine_start "$name" --engine bochs --timeout $((SECS + 150)) --mem 320 --disk "$T/$name.img" \
	--disk-mib 192 --cmdline "format mem=64 guest=counter snap_ms=100"
wait_for "$name" '^amber: entering the guest' 150 >/dev/null
sleep "$SECS"
engine_kill "$name"
grep -E '^amber: snapshot gen=[0-9]+ committed' "$T/$name.serial" | grep -v ' gen=1 ' |
	sed -E 's/.* pages=([0-9]+) bytes=([0-9]+) .*/\1 \2/' | sort -n |
	awk '{n[$1]++; s[$1]+=$2} END {for (p in n) printf "bench: metadata pages=%d generations=%d bytes=%.0f blocks=%.2f beyond_pages=%.2f\n", p, n[p], s[p]/n[p], s[p]/n[p]/4096, s[p]/n[p]/4096 - p}' |
	sort -t= -k2 -n | tee "$T/$name.txt"
empty=$(awk '/pages=0 / {sub(/.*blocks=/, ""); print $1 + 0}' "$T/$name.txt")
check "generations with no dirty page were committed" test -n "$empty"
check "an empty generation writes at most 2 blocks (record, superblock): ${empty:-none}" \
	awk -v b="${empty:-99}" 'BEGIN { exit !(b <= 2) }'
finish
