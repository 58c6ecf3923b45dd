#!/usr/bin/env bash
# tests/integ/disk.sh — the hypervisor's ATA driver and store bring-up in
# Bochs: a disk that is not an Amber store is never written without
# `format`; a formatted one verifies on the host; a generation committed on
# the host is seen by the hypervisor.
. "$(dirname "$0")/lib.sh"
SNAPCTL=$TOP/build/tools/snapctl
img=$T/disk.img
boot_until_ready() { # NAME ARGS...: boots, waits for "ready", stops the engine
	local name=$1; shift
	engine_start "$name" --engine bochs --timeout 120 "$@"
	wait_for "$name" '^amber: ready' 60
	local rc=$?
	engine_kill "$name"
	return $rc
}

echo "no disk attached"
check "boots" boot_until_ready nodisk
check "says snapshots are disabled" grep -q '^amber: disk: .*snapshots disabled' "$T/nodisk.serial"

echo "a disk holding other data is left alone"
rm -f "$img"
truncate -s $((520 * 516096)) "$img"
printf 'precious user data' | dd of="$img" conv=notrunc status=none
printf 'more precious data' | dd of="$img" bs=4096 seek=1 conv=notrunc status=none
before=$(sha256sum < "$img")
check "boots" boot_until_ready foreign --disk "$img"
check "refuses to touch it" grep -q "^amber: disk: ata0 holds no Amber store; not touching it" "$T/foreign.serial"
check "image unchanged, byte for byte" test "$before" = "$(sha256sum < "$img")"
check "snapctl agrees it is not a store" bash -c "! $SNAPCTL ls '$img' >/dev/null 2>&1"

echo "format on request"
check "boots with format" boot_until_ready fmt --disk "$img" --cmdline format
check "formats" grep -qE '^amber: disk: formatted an Amber store on ata0 \([0-9]+ MiB\)' "$T/fmt.serial"
# Bochs (pci: i440fx) has the PIIX3's bus master: the store writes by DMA
check "writes by bus-master DMA, and says so" \
	grep -qE '^amber: disk: bus-master DMA at I/O 0x[0-9a-f]+ \(IDE 8086:7010 ' "$T/fmt.serial"
check "snapctl verify passes on the result" "$SNAPCTL" verify "$img"

echo "a generation committed on the host is read by the hypervisor"
head -c $((64 << 20)) /dev/zero > "$T/raw.img"
printf 'page zero' | dd of="$T/raw.img" conv=notrunc status=none
check "snapctl commit" "$SNAPCTL" commit "$img" "$T/raw.img"
# the format boot may have committed generations before it was stopped:
# the host's is the newest, whatever its number
want=$("$SNAPCTL" ls "$img" | awk 'NR == 2 { print $1 }')
check "boots" boot_until_ready reopen --disk "$img" --cmdline format
check "finds the host's generation $want (format does not reformat a store)" \
	grep -q "^amber: disk: store open, newest generation $want\$" "$T/reopen.serial"
finish
