#!/usr/bin/env bash
# tests/integ/ctl.sh — the control channel (hv/CONTROL.md) against a live
# guest in Bochs: every verb through tools/amber-ctl, then what a careless
# or hostile client sends (malformed JSON, an oversized line, an unknown
# verb, a client that disconnects mid-request); the guest keeps counting,
# the store verifies, and `stop` ends with a final generation.
. "$(dirname "$0")/lib.sh"
SNAPCTL=$TOP/build/tools/snapctl
CTL=$TOP/build/tools/amber-ctl
img=$T/ctl.img sock=$T/ctl.img.ctl
rm -f "$img" "$sock"
ctl() { "$CTL" --socket "$sock" --timeout 20 "$@" >/dev/null; }
raw() { # LINES...: one connection, lines sent, replies until 3 s of silence
	{ printf '%s\n' "$@"; sleep 3; } | timeout 10 socat - UNIX-CONNECT:"$sock" 2>/dev/null
}
quiet() { "$@" >/dev/null; }
counts() { grep -c '^count=' "$T/ctl.serial"; }

echo "amber-run: --cpu is checked; a refusing Amber is a failed run"
check "--cpu names the Bochs models with VMX and EPT" bash -c "'$TOP/tools/amber-run' --engine bochs --cpu pentium 2>&1 | grep -q 'corei7_icelake_u tigerlake'"
check "--engine qemu (no VT-x) exits 3" bash -c "'$TOP/tools/amber-run' --engine qemu --timeout 60 >/dev/null 2>&1; [ \$? = 3 ]"

echo "control channel"
engine_start ctl --engine bochs --disk "$img" --timeout 240 --cmdline "format guest=counter"
check "boots, control channel up" wait_for ctl '^amber: control: JSON lines on COM2' 60
check "guest counts" wait_for ctl '^count=3$' 60
check "socket is the owner's only (0600)" test "$(stat -c %a "$sock")" = 600

"$CTL" --socket "$sock" status > "$T/ctl-status.txt"
check "status: running, snapshots on" grep -qx 'snapshots: true' "$T/ctl-status.txt"
check "status: guest id" grep -qE '^guest_id: [0-9a-f]{32}$' "$T/ctl-status.txt"
check "status --json is one JSON object" bash -c "ctl() { \"$CTL\" --socket '$sock' \"\$@\"; }; ctl status --json | grep -qE '^\\{\"v\":1,\"id\":[0-9]+,\"ok\":true,.*\\}\$'"
"$CTL" --socket "$sock" snapshot --wait > "$T/ctl-snap.txt"
check "snapshot --wait: durable" grep -qx 'durable: true' "$T/ctl-snap.txt"
g=$(sed -n 's/^gen: //p' "$T/ctl-snap.txt")
check "wait for it (already durable)" ctl wait "$g"
check "wait for a generation not captured yet: refused" bash -c "'$CTL' --socket '$sock' wait 999999 2>/dev/null; [ \$? = 1 ]"
check "pin the generation" ctl pin "$g"
check "status lists the pin" bash -c "'$CTL' --socket '$sock' status | grep -qE '^pinned: \\[(.*,)?$g(,.*)?\\]'"
sleep 4 # several commits later: the pin held
check "the pinned generation is still there" bash -c "'$SNAPCTL' ls '$img' | grep -qE '^$g .* yes$'"
check "a live read of it verifies" quiet "$SNAPCTL" verify "$img" -g "$g"
check "unpin it" ctl unpin "$g"
check "gc" ctl gc
check "pin of a generation that is not kept: refused (status 1)" bash -c "'$CTL' --socket '$sock' pin 999999; [ \$? = 1 ]"

before=$(counts)
raw 'this is not json' > "$T/ctl-raw1.txt"
check "malformed JSON: bad_json" grep -q '"error":"bad_json"' "$T/ctl-raw1.txt"
raw '{"v":1,"id":7,"cmd":"reboot"}' > "$T/ctl-raw2.txt"
check "unknown verb: unknown_cmd, id echoed" grep -q '"id":7,"ok":false,"error":"unknown_cmd"' "$T/ctl-raw2.txt"
raw "$(head -c 3000 /dev/zero | tr '\0' x)" > "$T/ctl-raw3.txt"
check "oversized line: too_long" grep -q '"error":"too_long"' "$T/ctl-raw3.txt"
raw '{"cmd":"pin","gen":"x","id":8}' '{"cmd":"gc","id":9,"cmd":"gc"}' > "$T/ctl-raw4.txt"
check "bad member types and duplicates: bad_request" test "$(grep -c '"error":"bad_request"' "$T/ctl-raw4.txt")" = 2
printf '{"v":1,"id":10,"cmd":"sta' | timeout 2 socat -t 0.2 - UNIX-CONNECT:"$sock" 2>/dev/null
check "after a client vanished mid-request, the next one is answered" ctl status
check "the guest kept counting" bash -c "sleep 2; [ \$(grep -c '^count=' '$T/ctl.serial') -gt $before ]"
check "the live store verifies" quiet "$SNAPCTL" verify "$img"

"$CTL" --socket "$sock" stop > "$T/ctl-stop.txt"
check "stop: final generation" grep -qE '^gen: [0-9]+' "$T/ctl-stop.txt"
gf=$(sed -n 's/^gen: //p' "$T/ctl-stop.txt")
check "the engine powered off by itself" wait_exit ctl 60
check "stop line on the console" grep -q "^amber: stopped at gen=$gf by the control channel" "$T/ctl.serial"
check "the final generation is the newest on disk" bash -c "'$SNAPCTL' ls '$img' | awk 'NR==2 {print \$1}' | grep -qx '$gf'"
check "store verifies after stop" quiet "$SNAPCTL" verify "$img"
check "the socket is gone" test ! -e "$sock"
check "no engine: amber-ctl says so (status 3)" bash -c "'$CTL' --socket '$sock' status 2>/dev/null; [ \$? = 3 ]"
finish
