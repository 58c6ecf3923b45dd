#!/usr/bin/env bash
# tests/bench/snap-bench.sh — what live snapshots cost, measured in Bochs
# in one run, printed as ratios (guest TSC = emulated instructions here):
#   1. pause per snapshot vs stopping the guest and copying the same dirty
#      set (the hypervisor times a page copy at boot: the baseline)
#   2. pause at 512 MiB vs 64 MiB of guest RAM, same guest (O(dirty) means ~1)
#   3. guest throughput with a snapshot every 100 ms vs none (guest=spin)
#   4. bytes written per dirty page
#   5. hypervisor start to first guest instruction, eager vs lazy restore,
#      at 64 MiB and 512 MiB, and 1 GiB and 1.75 GiB (RESTORE_MEMS), with the
#      boot's parts (hv/main.c, hv/persist.c print them)
# BENCH_ONLY=pause runs only the pause rows; with BENCH_REUSE=1 it reads the
# logs of the last run again instead of booting. BENCH_ONLY=restore runs only
# the restore rows (each store made by a short run to its second commit).
# BENCH_ISO=FILE boots that ISO instead (an older build, side by side).
. "$(dirname "$0")/../integ/lib.sh"
SECS=${BENCH_SECS:-25}
# Guest sizes: Bochs holds at most 2048 MiB, the guest's and 256 MiB for
# the hypervisor (bochs_mem).
MEMS=${BENCH_MEMS:-64 512 1024 1792}
bochs_mem() { local m=$(( $1 + 256 )); echo $(( m > 2048 ? 2048 : m )); }
declare -A ms
declare -a pause pages copy lazy
RESTORE_MEMS=${RESTORE_MEMS:-$MEMS}

run() { # NAME SECONDS ARGS...: boots, lets it run, stops it
	local name=$1 secs=$2; shift 2
	engine_start "$name" --engine bochs --timeout $((secs + 120)) ${BENCH_ISO:+--iso "$BENCH_ISO"} "$@"
	wait_for "$name" '^amber: entering the guest' 120 >/dev/null
	sleep "$secs"
	engine_kill "$name"
}
# mean of field F (name=value) over committed lines, skipping generation 1 (every page)
mean_field() { grep -E '^amber: snapshot gen=[0-9]+ committed' "$T/$1.serial" | grep -v ' gen=1 ' |
	sed -E "s/.* $2=([0-9]+).*/\\1/" | awk '{s+=$1; n++} END {if (n) printf "%.0f", s/n; else print 0}'; }
sum_field() { grep -E '^amber: snapshot gen=[0-9]+ committed' "$T/$1.serial" | grep -v ' gen=1 ' |
	sed -E "s/.* $2=([0-9]+).*/\\1/" | awk '{s+=$1} END {print s+0}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
entry_ms() { grep -m1 -oE 'entering the guest [0-9]+ ms' "$T/$1.serial" | grep -oE '[0-9]+'; }

# A store of a guest of MEM MiB with two generations, for the restore rows.
make_store() {
	local mem=$1
	rm -f "$T/bench-$mem.img"
	engine_start "bench-mk-$mem" --engine bochs --timeout 600 ${BENCH_ISO:+--iso "$BENCH_ISO"} --mem "$(bochs_mem $mem)" \
		--disk "$T/bench-$mem.img" --disk-mib $((mem * 2 + 64)) --cmdline "format mem=$mem guest=counter snap_ms=100"
	wait_for "bench-mk-$mem" '^amber: snapshot gen=2 committed' 540 >/dev/null
	engine_kill "bench-mk-$mem"
}

restore_rows() {
	local mem how
	for mem in $RESTORE_MEMS; do
		[ -f "$T/bench-$mem.img" ] || make_store "$mem"
		for how in eager lazy; do
			run "bench-restore-$mem-$how" 3 --mem "$(bochs_mem $mem)" --disk "$T/bench-$mem.img" \
				--cmdline "mem=$mem guest=counter snap_ms=100 restore=$how"
			ms[$how]=$(entry_ms "bench-restore-$mem-$how")
		done
		echo "bench: mem=${mem}MiB hypervisor start to first guest instruction eager=${ms[eager]}ms lazy=${ms[lazy]}ms eager/lazy=$(ratio "${ms[eager]}" "${ms[lazy]}")"
		echo "bench: mem=${mem}MiB lazy $(grep -m1 -oE 'restore start.*' "$T/bench-restore-$mem-lazy.serial"); $(grep -m1 -oE 'boot parts.*' "$T/bench-restore-$mem-lazy.serial")"
		lazy[$mem]=${ms[lazy]}
	done
	for mem in $RESTORE_MEMS; do
		[ "$mem" = 64 ] || echo "bench: lazy restore start ${mem}MiB/64MiB=$(ratio "${lazy[$mem]}" "${lazy[64]}") (1.00 = independent of RAM)"
	done
}

if [ "${BENCH_ONLY:-}" = restore ]; then
	rm -f "$T"/bench-*.img
	restore_rows
	rm -f "$T"/bench-*.img
	exit 0
fi

for mem in $MEMS; do
	[ -n "${BENCH_REUSE:-}" ] && continue # analyse the last run's logs again
	rm -f "$T/bench-$mem.img"
	run "bench-$mem" "$SECS" --mem "$(bochs_mem $mem)" --disk "$T/bench-$mem.img" --disk-mib $((mem * 2 + 64)) \
		--cmdline "format mem=$mem guest=counter snap_ms=100 stats"
done
base=$(grep -m1 -oE 'baseline [0-9]+ cycles per page' "$T/bench-64.serial" | grep -oE '[0-9]+')
for mem in $MEMS; do
	pause[$mem]=$(mean_field "bench-$mem" pause_cycles)
	pages[$mem]=$(mean_field "bench-$mem" pages)
	copy[$mem]=$(( ${pages[$mem]} * ${base:-0} ))
	echo "bench: mem=${mem}MiB snapshots=$(grep -c ' committed ' "$T/bench-$mem.serial") dirty_pages=${pages[$mem]} pause_cycles=${pause[$mem]} stop_and_copy_cycles=${copy[$mem]} pause/stop_and_copy=$(ratio "${pause[$mem]}" "${copy[$mem]}")"
done
# the pause part by part (hv/persist.c names them), mean cycles per snapshot
for mem in $MEMS; do
	parts=""
	for f in p_pml p_save p_begin p_blob p_dirty p_invept; do parts="$parts $f=$(mean_field "bench-$mem" $f)"; done
	echo "bench: mem=${mem}MiB pause breakdown (guest TSC):$parts dirty_list=$(mean_field "bench-$mem" dirty_list)"
done
# Same dirty set: the counter guest rewrites the same pages each time, so
# most snapshots hold the same number of pages (and gen 2 holds what piled up
# while gen 1, every frame, was written: more at 512 MiB). Compare the mean
# pause over the snapshots of the commonest non-empty count, and over empty ones.
pages_of() { grep -E '^amber: snapshot gen=[0-9]+ committed' "$T/$1.serial" | grep -v ' gen=[12] ' |
	sed -E 's/.* pages=([0-9]+) .*/\1/'; }
pause_at() { grep -E '^amber: snapshot gen=[0-9]+ committed' "$T/$1.serial" | grep -v ' gen=[12] ' |
	grep " pages=$2 " | sed -E 's/.* pause_cycles=([0-9]+).*/\1/' | awk '{s+=$1; n++} END {if (n) printf "%.0f", s/n; else print 0}'; }
mode=$(pages_of bench-64 | grep -v '^0$' | sort -n | uniq -c | sort -rn | awk 'NR==1 {print $2}')
p64=$(pause_at bench-64 "${mode:-0}") p512=$(pause_at bench-512 "${mode:-0}")
echo "bench: pause at the same dirty set ($mode pages): 64MiB=$p64 512MiB=$p512 cycles, 512MiB/64MiB=$(ratio "$p512" "$p64") (1.00 = O(dirty), 8.00 = O(RAM)); pause/stop_and_copy=$(ratio "$p512" $(( ${mode:-0} * ${base:-0} ))) at 512MiB"
echo "bench: pause floor (0 dirty pages): 64MiB=$(pause_at bench-64 0) 512MiB=$(pause_at bench-512 0) cycles"
big=""
for mem in $MEMS; do
	[ "$mem" -gt 512 ] && big="$big ${mem}MiB=$(pause_at bench-$mem "${mode:-0}") ($(ratio "$(pause_at bench-$mem "${mode:-0}")" "$p64") of 64MiB)"
done
[ -n "$big" ] && echo "bench: pause at the same dirty set ($mode pages), larger guests:$big"
echo "bench: all snapshots (dirty sets differ): pause 512MiB/64MiB=$(ratio "${pause[512]}" "${pause[64]}") per dirty page=$(ratio "$(ratio "${pause[512]}" "${pages[512]}")" "$(ratio "${pause[64]}" "${pages[64]}")")"
echo "bench: bytes per dirty page=$(ratio "$(sum_field bench-64 bytes)" "$(sum_field bench-64 pages)") (4096 = one data block, no overhead)"

[ "${BENCH_ONLY:-}" = pause ] && { rm -f "$T"/bench-*.img; exit 0; }
rm -f "$T/bench-spin.img"
run bench-spin-off "$SECS" --cmdline "guest=spin"
run bench-spin-on "$SECS" --disk "$T/bench-spin.img" --cmdline "format guest=spin snap_ms=100"
rate() { grep -E '^spin: rate=' "$T/$1.serial" | tail -n +3 | grep -oE '[0-9]+' | awk '{s+=$1; n++} END {if (n) printf "%.0f", s/n; else print 0}'; }
on=$(rate bench-spin-on) off=$(rate bench-spin-off)
echo "bench: guest throughput snapshots-every-100ms=$on/s none=$off/s ratio=$(ratio "$on" "$off")"
# Where the guest's lost time goes, per generation (guest TSC; a period is
# 100 ms of it): the pause and the writer's slices (page hashes, copies into
# the write buffer, starting DMA). The rest of the loss is exits (the log
# line leaves COM1 a byte pair per exit) and the hypervisor's work between.
tsc=$(grep -m1 -oE 'tsc [0-9]+ Hz' "$T/bench-spin-on.serial" | grep -oE '[0-9]+')
period=$(( ${tsc:-0} / 10 ))
sp=$(mean_field bench-spin-on pages) sw=$(mean_field bench-spin-on write_cycles)
spause=$(mean_field bench-spin-on pause_cycles)
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else print "n/a" }'; }
echo "bench: spin generation mean: pages=$sp pause=$spause writer=$sw ($(ratio "$sw" "$sp") per page) cycles; of a ${period}-cycle period: pause $(pct "$spause" $period), writer $(pct "$sw" $period), lost in all $(awk -v a="$on" -v b="$off" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * (1 - a / b); else print "n/a" }')"

restore_rows
rm -f "$T"/bench-*.img
