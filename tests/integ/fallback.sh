#!/usr/bin/env bash
# tests/integ/fallback.sh — damage on the disk never stops a boot that an
# older generation can serve, and is never written over:
#   A. the newest generation's record is damaged (dd): the boot says
#      FALLBACK, restores the generation before it and takes new
#      generations numbered above the damaged one, which the store keeps
#      (pinned, flagged damaged) for snapctl;
#   B. the newest superblock is damaged: the store opens from the previous
#      commit (said loudly) and the guest resumes from its newest generation
#      instead of starting fresh.
. "$(dirname "$0")/lib.sh"
SNAPCTL=$TOP/build/tools/snapctl
img=$T/fallback.img sb=$T/fallback-sb.img
rm -f "$img" "$sb"
args="guest=workload snap_ms=600000 mem=64"
engine_start fb0 --engine bochs --disk "$img" --timeout 240 --cmdline "format $args"
check "four generations" wait_for fb0 '^workload: round 4 in generation 4 \(wait 0\)' 180
engine_kill fb0
cp "$img" "$sb"

# Damages every generation record (magic "ABMRGREC") of generation $2 in image $1.
damage_record() {
	python3 - "$1" "$2" <<'PY'
import sys
path, gen = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    data = f.read(); hits = 0
    for off in range(0, len(data), 4096):
        b = data[off:off + 16]
        if b[:8] == b"ABMRGREC" and int.from_bytes(b[8:16], "little") == gen:
            f.seek(off + 200); f.write(b"\xde\xad\xbe\xef"); hits += 1
    sys.exit(0 if hits else 1)
PY
}

echo "A. damaged newest generation"
check "damage generation 4's record" damage_record "$img" 4
engine_start fbA --engine bochs --disk "$img" --timeout 240 --cmdline "$args"
check "says FALLBACK, which generation and why" \
	wait_for fbA '^amber: FALLBACK: restoring generation 3, the newest that verifies; generation 4 cannot be restored' 120
check "names the damage" grep -aq '^amber: error: generation 4 cannot be restored: .*checksum' "$T/fbA.serial"
check "restores generation 3" wait_for fbA '^amber: restored gen=3' 30
check "the guest resumes from it" wait_for fbA '^workload: round 3 in generation 3 \(wait 0\)' 120
check "snapshots go on, numbered above the damaged 4" \
	wait_for fbA '^workload: round 4 in generation 5 \(wait 0\)' 120
engine_kill fbA
check "generation 5 verifies" "$SNAPCTL" verify "$img" -g 5
check "the damaged generation 4 is kept for inspection" bash -c "$SNAPCTL ls '$img' 2>/dev/null | grep -qE '^ *4 '"

echo "B. damaged newest superblock"
txid=$("$SNAPCTL" ls "$sb" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["txid"])')
check "damage superblock slot $((txid % 2))" \
	dd if=/dev/urandom of="$sb" bs=4096 seek=$((txid % 2)) count=1 conv=notrunc status=none
engine_start fbB --engine bochs --disk "$sb" --timeout 240 --cmdline "$args"
check "says the store fell back to the previous commit" \
	wait_for fbB '^amber: disk: FALLBACK: opened the previous commit' 120
check "restores generation 3" wait_for fbB '^amber: restored gen=3' 60
check "the guest resumes from it" wait_for fbB '^workload: round 3 in generation 3 \(wait 0\)' 120
check "no fresh start" bash -c "! grep -aq '^amber: fresh start' '$T/fbB.serial'"
check "snapshots go on" wait_for fbB '^workload: round 4 in generation [0-9]+ \(wait 0\)' 120
engine_kill fbB
check "snapctl verify" "$SNAPCTL" verify "$sb"
finish
