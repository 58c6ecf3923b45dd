#!/usr/bin/env bash
# tests/integ/world-torture.sh [CYCLES] — crash/restore torture of the
# persistent world: the PVM inside the guest, not a C test program.
#
# Boots guest=pvm pvm=amber.test.torture (tests/guest/world/) on one disk:
# a counter in an object and a linked list of 10,000 objects with a checksum,
# "world count=N" every 250 ms. SIGKILLs the engine at a random moment
# (random time, or right after a capture, commit, restore or count line),
# boots again from the same disk, and after every restore checks:
#   - the program noticed the restart (boot.getRestartCount grew) and
#     re-walked its whole list: "world ok count=N restarts=R", never FAIL;
#   - N is the last count printed before "gen=G captured" of the restored
#     generation G (in a restored boot, before its first line: the count the
#     restored generation had), or one more;
#   - R is one more than the R of the boot that captured G (a boot killed
#     before its first commit leaves the count of restarts behind);
# and at the end that `snapctl verify` passes on the disk. As the counter
# torture (tests/integ/torture.sh), whose approach this copies.
. "$(dirname "$0")/lib.sh"
CYCLES=${1:-20}
SNAPCTL=$TOP/build/tools/snapctl
CLASSES=$TOP/build/tests/world
disk=$T/world-torture.img
rm -f "$disk" "$T"/wtorture-*.serial
RANDOM=${TORTURE_SEED:-4242}
declare -A count_at_capture   # gen -> last count printed before its capture
declare -A r_at_capture       # gen -> restart count of the boot that captured it
restores=0 last_r=0

learn_log() {
	# Before its first line the program's count is 0 (it prints 1 first).
	local last=0 line r=0 g0
	# a restored boot starts with the restored generation's count and counts
	# one more restart than that generation's boot
	g0=$(grep -am1 -oE '^amber: restored gen=[0-9]+' "$1" | grep -oE '[0-9]+$')
	if [ -n "$g0" ]; then
		last=${count_at_capture[$g0]:-0}
		r=$(( ${r_at_capture[$g0]:-0} + 1 ))
	fi
	while IFS= read -r line; do
		case $line in
		"world count="*) last=${line#world count=}; last=${last%% *} ;;
		"world ok count="*) last=${line#world ok count=}; last=${last%% *} ;;
		"amber: snapshot gen="*" captured"*)
			local g=${line#amber: snapshot gen=}; g=${g%% *}
			count_at_capture[$g]=$last r_at_capture[$g]=$r ;;
		esac
	done < <(tr -d '\r' < "$1")
}

wait_line() { # FILE REGEX SECS
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		grep -qaE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

check_restore() { # LOG: judge the restore at the start of this boot
	local log=$1 g n r
	g=$(grep -am1 -oE '^amber: restored gen=[0-9]+' "$log" | grep -oE '[0-9]+$') || return 0
	restores=$((restores + 1))
	[ -n "${count_at_capture[$g]:-}" ] || { echo "    restored gen $g was never seen captured"; return 1; }
	local wr=$(( ${r_at_capture[$g]} + 1 ))
	# (a verdict the restored generation was about to print names its own
	# boot's count; the one for this boot follows it)
	wait_line "$log" "^world (ok .* restarts=$wr\$|FAIL)" 120 ||
		{ echo "    no verdict with restarts=$wr after restoring gen $g"; grep -a '^world ok' "$log" | head -2; return 1; }
	grep -aq '^world FAIL' "$log" && { echo "    $(grep -a -m1 '^world FAIL' "$log")"; return 1; }
	n=$(grep -aE "^world ok .* restarts=$wr\$" "$log" | head -1 | grep -oE 'count=[0-9]+' | cut -d= -f2)
	r=$wr
	local want=${count_at_capture[$g]}
	if [ "$n" -lt "$want" ] || [ "$n" -gt $((want + 1)) ]; then
		echo "    restored gen $g: count=$n, want $want or $((want + 1))"
		return 1
	fi
	last_r=$r
	return 0
}

# (each marker appears many times per boot: waiting for the k-th one never
# runs into the 60 s limit)
markers=('snapshot gen=[0-9]+ captured' 'snapshot gen=[0-9]+ committed' '^world count=' '')
for ((c = 1; c <= CYCLES; c++)); do
	name=wtorture-$c
	# console=direct: the judge maps each count line to the capture that
	# follows it, so lines must leave at once (held output: held.sh).
	engine_start "$name" --engine bochs --disk "$T/world-torture.img" --timeout 300 --classes "$CLASSES" \
		--cmdline "guest=pvm pvm=amber.test.torture snap_ms=200 console=direct format"
	log=$T/$name.serial
	if ! wait_line "$log" '^amber: (fresh start|restored gen=)' 60; then
		check "cycle $c: boots to a fresh start or a restore" false
		engine_kill "$name"; break
	fi
	rc=0
	check_restore "$log" || rc=1
	check "cycle $c: restore correct" test $rc = 0
	m=${markers[RANDOM % ${#markers[@]}]}
	if [ -n "$m" ]; then
		k=$((RANDOM % 3 + 1)) base=$(grep -caE "$m" "$log")
		end=$((SECONDS + 60))
		while [ $SECONDS -lt $end ] && [ "$(grep -caE "$m" "$log")" -lt $((base + k)) ]; do sleep 0.05; done
	else
		sleep "$((RANDOM % 4)).$((RANDOM % 10))"
	fi
	engine_kill "$name"
	learn_log "$log"
done
check "restored at least $((CYCLES / 2)) times" test "$restores" -ge $((CYCLES / 2))
check "no world FAIL in any boot" bash -c "! grep -aq '^world FAIL' $T/wtorture-*.serial"
check "snapctl verify passes on the disk" "$SNAPCTL" verify "$disk"
echo "world torture: $CYCLES cycles, $restores restores, restarts seen $last_r"
finish
