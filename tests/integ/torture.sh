#!/usr/bin/env bash
# tests/integ/torture.sh [CYCLES] — crash/restore torture of live snapshots.
#
# Boots the counter guest in Bochs on one disk, SIGKILLs the engine at a
# random moment (during restore, capture, writing or commit: the kill is
# timed either randomly or right after a chosen serial marker), boots again
# from the same disk, and after every restore checks:
#   - the guest re-verified its whole pattern region: "integrity ok";
#   - "resumed epoch=E count=N": N is the last count= printed before
#     "gen=G captured" of the restored generation G, or one more;
#   - the epoch grew by one per restore;
# and at the end that `snapctl verify` passes on the disk.
# TORTURE_FAULTS=1: every boot also injects disk faults (faults=SEED: writes
# and flushes of the store fail at random, some after reaching the disk);
# then generations must fail, be retried and resume, under the same rule.
. "$(dirname "$0")/lib.sh"
CYCLES=${1:-20}
SNAPCTL=$TOP/build/tools/snapctl
disk=$T/torture.img
rm -f "$disk" "$T"/torture-*.serial
RANDOM=${TORTURE_SEED:-12345}
declare -A count_at_capture   # gen -> last count= printed before its capture
restores=0 last_epoch=0

# Reads one boot's log in order: remembers, for every "gen=G captured", the
# last count= printed before it (later boots overwrite: numbers get reused
# when a captured generation never committed).
learn_log() {
	local last=-1 line
	while IFS= read -r line; do
		case $line in
		count=*) last=${line#count=}; last=${last%% *} ;;
		"resumed epoch="*) last=${line##*count=} ;;
		"amber: snapshot gen="*" captured"*)
			local g=${line#amber: snapshot gen=}; g=${g%% *}
			count_at_capture[$g]=$last ;;
		esac
	done < "$1"
}

check_restore() { # LOG: judge the restore at the start of this boot
	local log=$1 g n e
	g=$(grep -m1 -oE '^amber: restored gen=[0-9]+' "$log" | grep -oE '[0-9]+$') || return 0
	restores=$((restores + 1))
	wait_line "$log" '^resumed epoch=' 60 || { echo "    no 'resumed' line after restore of gen $g"; return 1; }
	wait_line "$log" '^integrity (ok|FAIL)' 120 || { echo "    no integrity verdict after restore"; return 1; }
	grep -q '^integrity ok' "$log" || { echo "    integrity FAIL after restoring gen $g"; return 1; }
	n=$(grep -m1 '^resumed epoch=' "$log" | grep -oE 'count=[0-9]+' | cut -d= -f2)
	e=$(grep -m1 '^resumed epoch=' "$log" | grep -oE 'epoch=[0-9]+' | cut -d= -f2)
	local want=${count_at_capture[$g]:-}
	[ -n "$want" ] || { echo "    restored gen $g was never seen captured"; return 1; }
	if [ "$n" -lt "$want" ] || [ "$n" -gt $((want + 1)) ]; then
		echo "    restored gen $g: count=$n, want $want or $((want + 1))"
		return 1
	fi
	if [ "$e" -le "$last_epoch" ]; then
		echo "    epoch $e did not grow (was $last_epoch)"
		return 1
	fi
	last_epoch=$e
	return 0
}

wait_line() { # FILE REGEX SECS
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

markers=('snapshot gen=[0-9]+ captured' 'snapshot gen=[0-9]+ committed' 'restored gen=' '^count=' '')
ok=1
for ((c = 1; c <= CYCLES; c++)); do
	name=torture-$c
	extra=""
	[ "${TORTURE_FAULTS:-0}" = 1 ] && extra=" faults=$((RANDOM + 1))"
	args=(--engine bochs --disk "$disk" --timeout 300 --cmdline "guest=counter snap_ms=200 format$extra")
	engine_start "$name" "${args[@]}"
	log=$T/$name.serial
	if ! wait_line "$log" '^amber: (fresh start|restored gen=)' 60; then
		check "cycle $c: boots to a fresh start or a restore" false
		engine_kill "$name"; ok=0; break
	fi
	# Judge the restore (waits for the guest's verdict), then pick a kill moment.
	rc=0
	check_restore "$log" || rc=1
	check "cycle $c: restore correct" test $rc = 0
	m=${markers[RANDOM % ${#markers[@]}]}
	if [ -n "$m" ]; then
		# Kill right after the k-th appearance of a marker from now.
		k=$((RANDOM % 3 + 1)) base=$(grep -cE "$m" "$log")
		end=$((SECONDS + 60))
		while [ $SECONDS -lt $end ] && [ "$(grep -cE "$m" "$log")" -lt $((base + k)) ]; do sleep 0.05; done
	else
		sleep "$((RANDOM % 5)).$((RANDOM % 10))"
	fi
	engine_kill "$name"
	learn_log "$log"
done
check "restored at least $((CYCLES / 2)) times" test "$restores" -ge $((CYCLES / 2))
if [ "${TORTURE_FAULTS:-0}" = 1 ]; then
	check "injected faults made generations fail, loudly" \
		bash -c "cat '$T'/torture-*.serial | grep -aqE '^amber: snapshot gen=[0-9]+ failed \(.*\), retrying in'"
	check "and snapshots resumed after them" \
		bash -c "cat '$T'/torture-*.serial | grep -aq '^amber: snapshots resumed'"
	check "never 'snapshots stopped'" bash -c "! cat '$T'/torture-*.serial | grep -aq 'snapshots stopped'"
fi
check "snapctl verify passes on the disk" "$SNAPCTL" verify "$disk"
echo "torture: $CYCLES cycles, $restores restores, newest epoch $last_epoch"
finish
