#!/usr/bin/env bash
# tests/integ/diskfull.sh — a disk that fills while the guest runs: the
# generation that does not fit fails loudly on COM1, snapshots are
# retried (never silently turned off), the guest is told (SNAP_WAIT says
# EAGAIN) and runs on; no committed generation is lost. Once space is
# freed (snapctl drop, emulator off) the next boot restores the newest
# committed generation and commits again; snapctl verify stays clean.
. "$(dirname "$0")/lib.sh"
SNAPCTL=$TOP/build/tools/snapctl
img=$T/diskfull.img
rm -f "$img"
# 3 cylinders (1.5 MiB): room for generations 1..3 of guest=workload at
# mem=64 (125 + 3 x 107 blocks are needed for all four), not for the 4th.
truncate -s $((3 * 516096)) "$img"
engine_start full1 --engine bochs --disk "$img" --timeout 240 \
	--cmdline "format guest=workload snap_ms=600000 mem=64"
check "round 3 durable in generation 3" wait_for full1 '^workload: round 3 in generation 3 \(wait 0\)' 150
check "the 4th generation fails loudly, with a retry" \
	wait_for full1 '^amber: snapshot gen=4 failed \(.*no free block.*\), retrying in [0-9]+ ms' 60
check "the guest is told (SNAP_WAIT: EAGAIN) and runs on" \
	wait_for full1 '^workload: round 4 in generation 4 \(wait -5\)' 60
check "the guest finishes" wait_for full1 '^workload: done' 60
check "no 'snapshots stopped'" bash -c "! grep -aq 'snapshots stopped' '$T/full1.serial'"
engine_kill full1
check "snapctl verify after the full disk" "$SNAPCTL" verify "$img"
check "generations 1..3 are all there" bash -c "$SNAPCTL ls '$img' | grep -qE '^ *3 ' && $SNAPCTL ls '$img' | grep -qE '^ *1 '"

echo "space freed with the emulator off: the next boot carries on"
check "snapctl drop 1 (the remedy for a full disk: free old generations)" "$SNAPCTL" drop "$img" 1 --force
check "snapctl drop 2" "$SNAPCTL" drop "$img" 2 --force
engine_start full2 --engine bochs --disk "$img" --timeout 240 \
	--cmdline "guest=workload snap_ms=600000 mem=64"
check "restores generation 3, the newest committed" wait_for full2 '^amber: restored gen=3' 120
check "generation 4 commits now" wait_for full2 '^amber: snapshot gen=4 committed' 120
check "round 4 durable in generation 4" wait_for full2 '^workload: round 4 in generation 4 \(wait 0\)' 60
engine_kill full2
check "snapctl verify" "$SNAPCTL" verify "$img"
check "generation 3 and 4 retained" bash -c "$SNAPCTL ls '$img' | grep -qE '^ *4 ' && $SNAPCTL ls '$img' | grep -qE '^ *3 '"
finish
