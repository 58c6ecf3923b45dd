#!/usr/bin/env bash
# tests/integ/migrate.sh — live migration in Bochs with one command
# (`amber-ctl migrate --to 'snapctl recv IMAGE'`), twice:
#   A (corei7_skylake_x, PML) -> B (same model), then
#   B -> C (corei7_icelake_u, dirty=wp: another CPU model and tier);
# then C, stopped over the control channel, again on corei7_haswell_4770
# with dirty=pml, which that CPU lacks: the hypervisor says so and tracks
# with EPT A/D bits instead.
# Each time the source stops by itself with a "handed over" line, the
# target's first "resumed ... count=N" continues the source's last printed
# count (N is that count or the one after it, whose line the source never
# got to print) and its first count= line is the source's last + 1: nothing
# lost, nothing shown twice; the whole region verifies ("integrity ok").
# A handed-over source refuses to resume, unless booted with `takeback`.
# Streams that do not continue a
# target (a diverged base, another store's full stream) are refused and
# leave it byte-identical.
. "$(dirname "$0")/lib.sh"
SNAPCTL=$TOP/build/tools/snapctl
CTL=$TOP/build/tools/amber-ctl
A=$T/mig-a.img B=$T/mig-b.img C=$T/mig-c.img
rm -f "$A" "$B" "$C" "$T"/mig-*.serial

last_count() { grep -E '^count=[0-9]+$' "$T/$1.serial" | tail -1 | cut -d= -f2; }
# TARGET SOURCE_LAST: the continuation checks on the target's log
continues() {
	local name=$1 last=$2 n first end=$((SECONDS + 60))
	n=$(grep -m1 '^resumed epoch=' "$T/$name.serial" | grep -oE 'count=[0-9]+' | cut -d= -f2)
	# Held output: the first count after the restore leaves with the next
	# commit, which can be after the integrity line.
	while :; do
		first=$(sed -n '/^resumed epoch=/,$p' "$T/$name.serial" | grep -m1 -E '^count=[0-9]+$' | cut -d= -f2)
		[ -n "$first" ] || [ $SECONDS -ge $end ] && break
		sleep 0.5
	done
	echo "    source's last count=$last; target resumed at count=$n, first printed count=$first"
	[ -n "$n" ] && [ -n "$first" ] && { [ "$n" = "$last" ] || [ "$n" = $((last + 1)) ]; } &&
		[ "$first" = $((last + 1)) ]
}
migrate() { # SOURCE_IMAGE TARGET_IMAGE NAME
	"$CTL" --disk "$1" --timeout 30 migrate --to "'$SNAPCTL' recv -q '$2'" > "$T/$3.txt" 2>&1
	local rc=$?
	cat "$T/$3.txt" | sed 's/^/    /'
	return $rc
}

echo "A -> B"
engine_start mig-a --engine bochs --disk "$A" --timeout 200 --cmdline "format guest=counter"
check "A counts" wait_for mig-a '^count=5$' 60
check "migrate A -> B" migrate "$A" "$B" mig1
check "A stops by itself, handed over" wait_exit mig-a 60
check "A says so" grep -qE '^amber: handed over at gen=[0-9]+' "$T/mig-a.serial"
lastA=$(last_count mig-a)
check "A's store is marked handed over" bash -c "'$SNAPCTL' ls --json '$A' | grep -qE '\"handed_over\": [1-9]'"
check "the migration's pins on A are gone" bash -c "! '$SNAPCTL' ls '$A' | grep -qE ' yes( |\$)'"
check "B was created for the engine (whole cylinders)" test $(( $(stat -c %s "$B") % 516096 )) = 0
check "B verifies" bash -c "'$SNAPCTL' verify '$B' >/dev/null"

engine_start mig-a2 --engine bochs --disk "$A" --timeout 60 --cmdline "guest=counter"
check "A refuses to resume" wait_for mig-a2 '^amber: handed over: this guest moved to another host' 60
check "A did not run the guest" bash -c "sleep 1; ! grep -qE '^(resumed|count=)' '$T/mig-a2.serial'"
engine_kill mig-a2

engine_start mig-b --engine bochs --disk "$B" --timeout 200 --cmdline "guest=counter"
check "B resumes" wait_for mig-b '^integrity (ok|FAIL)' 90
check "B: integrity ok" grep -q '^integrity ok' "$T/mig-b.serial"
check "B says guest= on its command line is moot" grep -q '^amber: note: guest= on the command line is ignored' "$T/mig-b.serial"
check "B continues A's count" continues mig-b "$lastA"
check "B keeps A's guest id" bash -c "[ \"\$(grep -m1 -oE '^amber: guest id [0-9a-f]+' '$T/mig-a.serial')\" = \"\$(grep -m1 -oE '^amber: guest id [0-9a-f]+' '$T/mig-b.serial')\" ]"
check "B counts on" wait_for mig-b "^count=$((lastA + 4))\$" 60

echo "B -> C (corei7_icelake_u, dirty=wp)"
check "migrate B -> C" migrate "$B" "$C" mig2
check "B stops by itself, handed over" wait_exit mig-b 60
lastB=$(last_count mig-b)

echo "streams that do not continue C are refused, C unchanged"
cp "$C" "$T/mig-c.before"
gens=($("$SNAPCTL" ls "$A" | awk 'NR > 1 {print $1}'))
"$SNAPCTL" send "$A" -i "${gens[1]}" -g "${gens[0]}" > "$T/mig-stale.stream" 2>/dev/null
check "a stale stream of A (base not on C) is refused" bash -c "! '$SNAPCTL' recv '$C' < '$T/mig-stale.stream' 2>'$T/mig-err1.txt'"
check "  naming the missing base" grep -q "missing from the target" "$T/mig-err1.txt"
check "  C is byte-identical" cmp -s "$C" "$T/mig-c.before"
gens=($("$SNAPCTL" ls "$C" | awk 'NR > 1 {print $1}'))
"$SNAPCTL" send "$C" -i "${gens[1]}" -g "${gens[0]}" > "$T/mig-old.stream" 2>/dev/null
check "a stream on a base that is not C's newest is refused" bash -c "! '$SNAPCTL' recv '$C' < '$T/mig-old.stream' 2>'$T/mig-err3.txt'"
check "  naming the newest" grep -q "the target's newest is ${gens[0]}" "$T/mig-err3.txt"
check "  C is byte-identical" cmp -s "$C" "$T/mig-c.before"
rm -f "$T/mig-f.img"; "$SNAPCTL" format -q "$T/mig-f.img" --size 64M
head -c $((64 << 20)) /dev/urandom > "$T/mig-f.raw"
"$SNAPCTL" commit -q "$T/mig-f.img" "$T/mig-f.raw"
"$SNAPCTL" send "$T/mig-f.img" -g 1 > "$T/mig-f.stream" 2>/dev/null
check "another store's stream is refused" bash -c "! '$SNAPCTL' recv '$C' < '$T/mig-f.stream' 2>'$T/mig-err2.txt'"
check "  naming the guest" grep -q "stream is of guest" "$T/mig-err2.txt"
check "  C is byte-identical" cmp -s "$C" "$T/mig-c.before"
rm -f "$T/mig-c.before" "$T/mig-f.raw" "$T/mig-f.img" "$T"/mig-*.stream

engine_start mig-c --engine bochs --disk "$C" --cpu corei7_icelake_u --timeout 200 --cmdline "guest=counter dirty=wp"
check "C tracks dirty pages by write protection" wait_for mig-c '^amber: snapshots: .*dirty tracking wp' 60
check "C resumes" wait_for mig-c '^integrity (ok|FAIL)' 90
check "C: integrity ok" grep -q '^integrity ok' "$T/mig-c.serial"
check "C continues B's count" continues mig-c "$lastB"
check "C commits generations of its own" wait_for mig-c '^amber: snapshot gen=[0-9]+ committed' 60
check "C stops on request" bash -c "'$CTL' --disk '$C' stop >/dev/null"
check "C powers off" wait_exit mig-c 60
lastC=$(last_count mig-c)
check "C verifies" bash -c "'$SNAPCTL' verify '$C' >/dev/null"

echo "C again on corei7_haswell_4770 (no PML) with dirty=pml: another tier, said so"
engine_start mig-c2 --engine bochs --disk "$C" --cpu corei7_haswell_4770 --timeout 200 --cmdline "guest=counter dirty=pml"
check "the missing tier is named, another taken" wait_for mig-c2 '^amber: snapshots: this CPU lacks PML; dirty tracking ad instead of pml' 60
check "C resumes there" wait_for mig-c2 '^integrity (ok|FAIL)' 90
check "C: integrity ok" grep -q '^integrity ok' "$T/mig-c2.serial"
check "C continues its count" continues mig-c2 "$lastC"
engine_kill mig-c2

echo "takeback: A resumes when told to"
engine_start mig-a3 --engine bochs --disk "$A" --timeout 120 --cmdline "guest=counter takeback"
check "A says it takes the guest back" wait_for mig-a3 '^amber: takeback: resuming this copy' 60
check "A resumes where it handed over" wait_for mig-a3 '^integrity (ok|FAIL)' 90
check "A continues its own count" continues mig-a3 "$lastA"
engine_kill mig-a3
check "A is no longer marked" bash -c "'$SNAPCTL' ls --json '$A' | grep -q '\"handed_over\": 0'"
finish
