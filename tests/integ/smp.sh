#!/usr/bin/env bash
# tests/integ/smp.sh — the second CPU (cpus=2, hv/smp.c) in Bochs.
#
#  1. Bochs with two CPUs, cpus=2: the hypervisor says the AP is up, the
#     counter guest runs and snapshots commit; SIGKILL after a commit, boot
#     again on two CPUs: the restore is correct (integrity ok, the count goes
#     on from the restored generation), the AP's prefetch completes the
#     lazy restore, and snapshots commit again.
#  2. Bochs with one CPU, cpus=2: the hypervisor says the second CPU did not
#     answer, continues on one, and the guest runs and commits.
# Two CPUs make Bochs ~3x slower in wall time: one cycle only.
. "$(dirname "$0")/lib.sh"
SNAPCTL=$TOP/build/tools/snapctl
disk=$T/smp.img
rm -f "$disk" "$disk.lock"
# console=direct: count= lines appear at once, so the restored count can be
# matched against the last one printed before the restored capture.
# tick_hz=200 with snap_ms=500: each generation holds most of the counter's
# region, and the guest rewrites some of it before the AP has stored it, so
# copy-on-write shadows (hv/cow_shadow.c) get stored and restored.
# stats: the committed lines name the shadowed pages.
cmd="guest=counter tick_hz=200 snap_ms=500 format console=direct cpus=2 stats"

engine_start smp-a --engine bochs --cpus 2 --timeout 300 --disk "$disk" --cmdline "$cmd"
check "two CPUs: the hypervisor says the AP is up" \
	wait_for smp-a '^amber: cpus: 2 \(the second CPU is up' 120
check "two CPUs: the counter guest runs" wait_for smp-a '^count=[0-9]+' 120
check "two CPUs: snapshots commit (three)" wait_for smp-a '^amber: snapshot gen=3 committed' 120
engine_kill smp-a
log=$T/smp-a.serial
check "two CPUs: the writer ran on the AP (ap_write_cycles > 0, write_cycles = 0)" \
	grep -aqE '^amber: snapshot gen=3 committed.* write_cycles=0 .*ap_write_cycles=[1-9]' "$T/smp-a.serial"
check "two CPUs: no hypervisor error or exception" bash -c "! grep -aE '^amber: (error|hypervisor exception)' '$log'"

last_gen=$(grep -aoE '^amber: snapshot gen=[0-9]+ committed' "$log" | tail -1 | grep -oE '[0-9]+')

engine_start smp-b --engine bochs --cpus 2 --timeout 300 --disk "$disk" --cmdline "$cmd"
check "restart on two CPUs: restores a generation" wait_for smp-b '^amber: restored gen=[0-9]+' 120
check "restart: the AP is up again" grep -aq '^amber: cpus: 2 (the second CPU is up' "$T/smp-b.serial"
check "restart: integrity ok" wait_for smp-b '^integrity ok' 120
check "restart: the lazy restore completes (prefetch on the AP)" \
	wait_for smp-b '^amber: restore complete: [0-9]+ pages read' 120
check "restart: snapshots commit after the restore" \
	wait_for smp-b '^amber: snapshot gen=[0-9]+ committed' 120
engine_kill smp-b
check "copy-on-write shadows were stored (shadowed= > 0 in some generation)" \
	bash -c "cat '$T/smp-a.serial' '$T/smp-b.serial' | grep -aqE '^amber: snapshot gen=[0-9]+ committed.* shadowed=[1-9]'"
got_gen=$(grep -aoE '^amber: restored gen=[0-9]+' "$T/smp-b.serial" | head -1 | grep -oE '[0-9]+$')
got=$(grep -am1 '^resumed epoch=' "$T/smp-b.serial" | grep -oE 'count=[0-9]+' | cut -d= -f2)
# The kill may land between a commit and its line: the newest or one more.
check "restart: restored the newest committed generation ($got_gen: $last_gen or one more)" \
	bash -c "[ -n '$got_gen' ] && [ '$got_gen' -ge '$last_gen' ] && [ '$got_gen' -le $((${last_gen:-0} + 1)) ]"
# The count printed last before the restored generation was captured.
want=$(awk -v g="$got_gen" '
	/^count=/ { split($1, a, "="); last = a[2] }
	/^resumed epoch=/ { n = split($0, a, "count="); last = a[2] + 0 }
	$0 ~ "^amber: snapshot gen=" g " captured" { print last; exit }' "$log")
check "restart: the count goes on ($got is $want or $want+1)" \
	bash -c "[ -n '$got' ] && [ -n '$want' ] && [ '$got' -ge '$want' ] && [ '$got' -le $((${want:-0} + 1)) ]"
check "snapctl verify passes on the disk" "$SNAPCTL" verify "$disk"

rm -f "$T/smp1.img"
engine_start smp-c --engine bochs --cpus 1 --timeout 200 --disk "$T/smp1.img" \
	--cmdline "guest=counter snap_ms=200 format console=direct cpus=2"
check "one CPU, cpus=2: says the second CPU did not answer and goes on" \
	wait_for smp-c '^amber: cpus: 1 \(cpus=2 asked, but the second CPU did not answer within [0-9]+ ms; continuing with one CPU\)' 60
check "one CPU: snapshots commit" wait_for smp-c '^amber: snapshot gen=2 committed' 90
engine_kill smp-c
finish
