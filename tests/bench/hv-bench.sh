#!/usr/bin/env bash
# tests/bench/hv-bench.sh — boots the guest's bench program (guest=bench) in
# Bochs and prints what a VMCALL and an EPT-violation round trip cost,
# measured with the guest's TSC, as ratios to a plain loop iteration.
# Bochs' TSC counts instructions, so on Bochs the figures are instruction
# counts; the ratios are what compares across engines.
. "$(dirname "$0")/../integ/lib.sh"

engine=${BENCH_ENGINE:-bochs}
engine_start bench --engine "$engine" --timeout 600 --cmdline "guest=bench"
check "bench figures" wait_for bench '^bench: vmcall_cycles=' 540
grep -aE '^bench: ' "$T/bench.serial" | sed "s/^/  [$engine] /"
check "bench finished" wait_for bench '^bench: done' 10
finish
