#!/usr/bin/env bash
# (console=direct below: held output would add captures of its own.)
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
# 3 cylinders (1.5 MiB, 378 blocks): room for the first generations of
# guest=workload at mem=64, not for all four of its rounds. Which generation
# G is the first that does not fit depends on the guest kernel's size, so
# the checks below name it from the log rather than assume it.
truncate -s $((3 * 516096)) "$img"
engine_start full1 --engine bochs --disk "$img" --timeout 240 \
	--cmdline "format guest=workload snap_ms=600000 mem=64 console=direct"
check "a generation fails loudly, with a retry" \
	wait_for full1 '^amber: snapshot gen=[0-9]+ failed \(.*no free block.*\), retrying in [0-9]+ ms' 150
G=$(tr -d '\r' < "$T/full1.serial" | grep -m1 -oE '^amber: snapshot gen=[0-9]+ failed' | grep -oE '[0-9]+')
G=${G:-0}; C=$((G - 1))
check "at least one generation committed before it (G=$G)" test "$C" -ge 1 -a "$G" -le 4
check "round $C durable in generation $C" wait_for full1 "^workload: round $C in generation $C \(wait 0\)" 30
check "the guest is told (SNAP_WAIT: EAGAIN) and runs on" \
	wait_for full1 "^workload: round $G in generation $G \(wait -5\)" 60
check "the guest finishes" wait_for full1 '^workload: done' 60
check "no 'snapshots stopped'" bash -c "! grep -aq 'snapshots stopped' '$T/full1.serial'"
engine_kill full1
check "snapctl verify after the full disk" "$SNAPCTL" verify "$img"
check "generations 1..$C are all there" bash -c "$SNAPCTL ls '$img' | grep -qE '^ *$C ' && $SNAPCTL ls '$img' | grep -qE '^ *1 '"

echo "space freed with the emulator off: the next boot carries on"
for ((g = 1; g < C; g++)); do
	check "snapctl drop $g (the remedy for a full disk: free old generations)" "$SNAPCTL" drop "$img" $g --force
done
engine_start full2 --engine bochs --disk "$img" --timeout 240 \
	--cmdline "guest=workload snap_ms=600000 mem=64 console=direct"
check "restores generation $C, the newest committed" wait_for full2 "^amber: restored gen=$C" 120
check "generation $G commits now" wait_for full2 "^amber: snapshot gen=$G committed" 120
check "round $G durable in generation $G" wait_for full2 "^workload: round $G in generation $G \(wait 0\)" 60
engine_kill full2
check "snapctl verify" "$SNAPCTL" verify "$img"
check "generation $C and $G retained" bash -c "$SNAPCTL ls '$img' | grep -qE '^ *$G ' && $SNAPCTL ls '$img' | grep -qE '^ *$C '"
finish
