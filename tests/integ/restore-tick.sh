#!/usr/bin/env bash
# tests/integ/restore-tick.sh — a generation captured between a timer tick
# firing and its injection (the vCPU state holds deadline 0 and PEND_TIMER;
# hv/event.c event_poll, then a capture in the HLT idle loop) restores to a
# guest that gets that tick and counts on.
#
# The migrate.sh stall (about 2 runs in 10): B's handover generation landed
# at that moment; the restore re-armed the timer the way TIMER_SET does,
# cancelling the tick, and the halted guest on C never woke. Here such a
# generation is made on purpose: the newest generation of a counter guest,
# its state blob changed to "tick fired, not delivered", committed anew.
. "$(dirname "$0")/lib.sh"
SNAPCTL=$TOP/build/tools/snapctl
IMG=$T/rtick.img RAW=$T/rtick.raw ST=$T/rtick.state
rm -f "$IMG" "$RAW" "$ST" "$T"/rtick-*.serial

engine_start rtick-a --engine bochs --disk "$IMG" --timeout 120 --cmdline "format guest=counter"
check "the counter counts" wait_for rtick-a '^count=3$' 60
check "a generation is committed after it" wait_for rtick-a '^amber: snapshot gen=([5-9]|[1-9][0-9]+) committed' 60
engine_kill rtick-a

gen=$("$SNAPCTL" ls "$IMG" | awk 'NR == 2 {print $1}')
check "the newest generation ($gen) is read out" "$SNAPCTL" cat -q "$IMG" -g "$gen" -o "$RAW" --state "$ST"
# struct hv_state (hv/state_blob.h): magic, version at 0 and 8,
# timer_deadline_ns at 152, pending at 168 (PEND_TIMER is bit 0).
tick_fired() {
	python3 - "$ST" <<'PY'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
magic, version = struct.unpack_from('<QI', b, 0)
if magic != 0x555043564D424D41 or version != 2:
    sys.exit('%s: magic %x version %d: not the state blob this test knows (hv/state_blob.h)' % (p, magic, version))
struct.pack_into('<Q', b, 152, 0)
struct.pack_into('<I', b, 168, struct.unpack_from('<I', b, 168)[0] | 1)
open(p, 'wb').write(b)
PY
}
check "its state: the tick fired, not delivered" tick_fired
check "committed as a new generation" "$SNAPCTL" commit -q "$IMG" "$RAW" --state "$ST"
rm -f "$RAW" "$ST"
new=$("$SNAPCTL" ls "$IMG" | awk 'NR == 2 {print $1}')

engine_start rtick-b --engine bochs --disk "$IMG" --timeout 120 --cmdline "guest=counter"
check "restored from it (gen $new)" wait_for rtick-b "^amber: restored gen=$new\$" 60
check "the guest resumes" wait_for rtick-b '^integrity (ok|FAIL)' 60
check "  integrity ok" grep -q '^integrity ok' "$T/rtick-b.serial"
n=$(grep -m1 '^resumed epoch=' "$T/rtick-b.serial" | grep -oE 'count=[0-9]+' | cut -d= -f2)
check "and counts on: ticks keep coming" wait_for rtick-b "^count=$((${n:-0} + 3))\$" 60
engine_kill rtick-b
rm -f "$IMG"
finish
