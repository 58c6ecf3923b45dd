#!/usr/bin/env bash
# tests/bench/smp-bench.sh — does a second CPU for the snapshot writer pay
# in Bochs? (issue 15). guest=spin (1 MiB rewritten per 100 ms), snapshot
# every 100 ms, Bochs with two CPUs for every run, alternated:
#   none   no snapshot disk
#   ap     cpus=2: the writer on the second CPU, copy-on-write by copy
#   bsp    cpus=1: the writer on the guest's CPU (the second CPU idles in
#          wait-for-SIPI), as on a one-CPU machine
# Guest rates are per guest second (Bochs advances emulated time per round
# of its CPUs, so the idle or busy AP does not change the guest's clock).
# SMP_BENCH_ROUNDS (default 2) rounds of SMP_BENCH_SECS (default 15) wall
# seconds each; about 1 minute of wall time per run.
. "$(dirname "$0")/../integ/lib.sh"
SECS=${SMP_BENCH_SECS:-15}
ROUNDS=${SMP_BENCH_ROUNDS:-2}

run() { # NAME DISK(0/1) CMDLINE
	local name=$1 disk=$2 cmd=$3 d=()
	rm -f "$T/$name.img"
	[ "$disk" = 1 ] && d=(--disk "$T/$name.img")
	engine_start "$name" --engine bochs --cpus 2 --timeout $((SECS + 300)) "${d[@]}" --cmdline "$cmd"
	wait_for "$name" '^amber: entering the guest' 300 >/dev/null
	sleep "$SECS"
	engine_kill "$name"
	rm -f "$T/$name.img"
}
# mean rate over a kind's runs, skipping each run's first two lines (start-up)
rate() { for f in "$T"/smpb-$1-*.serial; do grep -aE '^spin: rate=' "$f" | tail -n +3; done |
	grep -oE '[0-9]+' | awk '{s+=$1; n++} END {if (n) printf "%.0f", s/n; else print 0}'; }
# mean of field F over a kind's committed lines, generation 1 (every page) left out
field() { cat "$T"/smpb-$1-*.serial | grep -aE '^amber: snapshot gen=[0-9]+ committed' | grep -v ' gen=1 ' |
	grep -oE " $2=[0-9]+" | cut -d= -f2 | awk '{s+=$1; n++} END {if (n) printf "%.0f", s/n; else print 0}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }

rm -f "$T"/smpb-*.serial
for ((r = 1; r <= ROUNDS; r++)); do
	run "smpb-ap-$r" 1 "format guest=spin snap_ms=100 cpus=2 stats"
	run "smpb-none-$r" 0 "guest=spin cpus=2"
	run "smpb-bsp-$r" 1 "format guest=spin snap_ms=100 cpus=1 stats"
done
none=$(rate none) ap=$(rate ap) bsp=$(rate bsp)
echo "bench: smp guest=spin rate/s (2 emulated CPUs, $ROUNDS x ${SECS}s each): none=$none writer-on-AP=$ap writer-on-BSP=$bsp"
echo "bench: smp ratio to no snapshots: writer-on-AP=$(ratio "$ap" "$none") writer-on-BSP=$(ratio "$bsp" "$none")"
for k in ap bsp; do
	echo "bench: smp $k per generation (guest TSC): pages=$(field $k pages) pause=$(field $k pause_cycles) bsp_write=$(field $k write_cycles) ap_write=$(field $k ap_write_cycles) cow=$(field $k cow_cycles) shadowed=$(field $k shadowed) lock_wait=$(field $k lock_wait)"
done
check "every kind measured a rate" test "$none" -gt 0 -a "$ap" -gt 0 -a "$bsp" -gt 0
check "the AP's runs committed with the BSP writing nothing" \
	bash -c "cat '$T'/smpb-ap-*.serial | grep -aE '^amber: snapshot gen=([2-9]|[0-9]{2,}) committed' | grep -q ' write_cycles=0 '"
finish
