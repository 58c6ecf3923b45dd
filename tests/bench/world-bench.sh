#!/usr/bin/env bash
# tests/bench/world-bench.sh — the persistent world's costs, as ratios in one run.
#
# 1. PVM speed inside the guest against pvm-run on the host, for the same
#    class files (tests/bench/world/): amber.bench.loop runs 5,000,000
#    bytecodes (1M turns of a 5-bytecode loop); amber.bench.empty is the
#    same program without the loop, so loading and start-up cancel out.
#    Guest: the TSC cycles the world reports around pvm_run_class, in Bochs
#    (cpu ips=50000000 and the hypervisor calibrates the TSC at 50 MHz, so
#    one cycle is one emulated instruction, hypervisor exits included).
#    Host: instructions (Ir) of pvm-run under callgrind. Both per bytecode,
#    and their ratio.
# 2. A world with 64 MiB of live objects (amber.bench.fill, mem=128): the
#    snapshot generation that carries them, then steady generations while one
#    byte changes every 200 ms: pause (cycles) and bytes per generation.
. "$(dirname "$0")/../integ/lib.sh"
BC=$TOP/build/tests/world-bench
RUN=$TOP/build/tools/pvm-run
N=5000000

guest_cycles() { # CLASS
	engine_start "wb-$1" --engine bochs --timeout 400 --classes "$BC" --cmdline "guest=pvm pvm=$1"
	wait_for "wb-$1" "^world: every thread of $1 has ended" 380 >/dev/null || { echo 0; return; }
	grep -aoE "^world: every thread of $1 has ended \([0-9]+ TSC" "$T/wb-$1.serial" | grep -oE '[0-9]+ TSC' | cut -d' ' -f1
	engine_kill "wb-$1"
}
host_ir() { # CLASS
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$RUN" -C "$BC" "$1" 2>&1 |
		grep -oE 'Collected : [0-9]+' | grep -oE '[0-9]+$'
}

echo "PVM speed: guest (Bochs) against host (callgrind), same class files"
gl=$(guest_cycles amber.bench.loop); ge=$(guest_cycles amber.bench.empty)
hl=$(host_ir amber.bench.loop); he=$(host_ir amber.bench.empty)
check "guest figures" test "${gl:-0}" -gt 0 -a "${ge:-0}" -gt 0
check "host figures" test "${hl:-0}" -gt 0 -a "${he:-0}" -gt 0
awk -v gl="$gl" -v ge="$ge" -v hl="$hl" -v he="$he" -v n=$N 'BEGIN {
	g = (gl - ge) / n; h = (hl - he) / n
	printf "  guest: %d - %d TSC cycles = %.1f emulated instructions per bytecode\n", gl, ge, g
	printf "  host:  %d - %d instructions = %.1f instructions per bytecode\n", hl, he, h
	if (h > 0) printf "  ratio guest/host: %.2f\n", g / h }'

echo "snapshots of a world with 64 MiB of live objects"
disk=$T/wb-fill.img; rm -f "$disk"
engine_start wb-fill --engine bochs --timeout 900 --disk "$disk" --disk-mib 512 --mem 512 --classes "$BC" \
	--cmdline "guest=pvm pvm=amber.bench.fill mem=128 format"
check "the world holds 64 MiB of live objects" wait_for wb-fill '^bench: 64 MiB of live objects' 600
# the generation that carries the 64 MiB (>= 16384 pages), then 4 more
big() { grep -aE 'committed pages=[0-9]{5,}' "$T/wb-fill.serial" | head -1; }
check "a generation carries them" wait_for wb-fill 'committed pages=(1[6-9]|[2-9][0-9])[0-9]{3} ' 800
after() { sed -n "/$(big | sed 's/[][\/.*^$]/\\&/g')/,\$p" "$T/wb-fill.serial" | grep -a 'committed pages=' | sed 1d; }
end=$((SECONDS + 120))
while [ $SECONDS -lt $end ] && [ "$(after | wc -l)" -lt 4 ]; do sleep 1; done
check "four steady generations after it" test "$(after | wc -l)" -ge 4
engine_kill wb-fill
echo "  the 64 MiB generation: $(big | sed 's/^amber: snapshot //')"
after | head -4 | sed 's/^amber: snapshot /  steady: /'
after | head -4 | awk -v big="$(big)" '{
	for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] } n++ }
	END { split(big, f, /[ =]/); for (i = 1; i in f; i++) { if (f[i] == "bytes") bb = f[i+1]; if (f[i] == "pause_cycles") bp = f[i+1] }
	printf "  steady mean: %.0f bytes, pause %.0f cycles; pause ratio 64 MiB gen / steady: %.2f\n",
		v["bytes"] / n, v["pause_cycles"] / n, bp / (v["pause_cycles"] / n) }'
finish
