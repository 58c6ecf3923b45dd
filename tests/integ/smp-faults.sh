#!/usr/bin/env bash
# tests/integ/smp-faults.sh — the writer on the second CPU (cpus=2) under
# injected disk faults (faults=SEED): the AP's failed generations are
# reported by the BSP, the store is reopened, generations commit again;
# then a restart restores with integrity ok and snapctl verify passes.
# About 40 s in Bochs with two CPUs (make torture).
. "$(dirname "$0")/lib.sh"
disk=$T/smp-faults.img
rm -f "$disk" "$disk.lock"
args=(--engine bochs --cpus 2 --timeout 300 --disk "$disk")
engine_start smpf-a "${args[@]}" --cmdline "format guest=counter tick_hz=50 snap_ms=100 cpus=2 console=direct faults=7"
check "a write on the AP fails and the BSP says so" \
	wait_for smpf-a '^amber: snapshot gen=[0-9]+ failed \(writing: ' 150
check "the store is reopened" wait_for smpf-a '^amber: snapshot store reopened' 60
check "snapshots resume" wait_for smpf-a '^amber: snapshots resumed: gen=[0-9]+ committed' 150
engine_kill smpf-a
check "no hypervisor error or exception" \
	bash -c "! grep -aE '^amber: (error|hypervisor exception)' '$T/smpf-a.serial'"
engine_start smpf-b "${args[@]}" --cmdline "guest=counter tick_hz=50 snap_ms=100 cpus=2 console=direct"
check "restart: restores" wait_for smpf-b '^amber: restored gen=[0-9]+' 120
check "restart: integrity ok" wait_for smpf-b '^integrity ok' 120
engine_kill smpf-b
check "snapctl verify passes on the disk" "$TOP/build/tools/snapctl" verify "$disk"
finish
