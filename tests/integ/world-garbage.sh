#!/usr/bin/env bash
# tests/integ/world-garbage.sh (make torture, about 2-4 min) — 80 MiB of
# garbage cycles in a 64 MiB world finish: reference counting plus the cycle
# collector run inside the guest, sooner in a small world, and what stays live
# afterwards is small.
. "$(dirname "$0")/lib.sh"
CLASSES=$TOP/build/tests/world
strip() { tr -d '\r' < "$T/$1.serial"; }

echo "garbage cycles in a 64 MiB world: the collector runs inside the guest"
engine_start wgarbage --engine bochs --timeout 300 --classes "$CLASSES" --cmdline "guest=pvm pvm=amber.test.garbage mem=64"
check "80 MiB of garbage cycles in a 61 MiB world: no out of memory" \
	wait_for wgarbage '^world: every thread of amber.test.garbage has ended' 250
live=$(strip wgarbage | grep -oE 'has ended \([0-9]+ TSC cycles, [0-9]+ bytes live' | grep -oE '[0-9]+ bytes' | cut -d' ' -f1)
check "and what stays live is small (${live:-?} bytes after a last collection)" test "${live:-999999999}" -lt 1048576
engine_kill wgarbage

finish
