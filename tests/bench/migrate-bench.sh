#!/usr/bin/env bash
# tests/bench/migrate-bench.sh — live migration in Bochs at 64 and 512 MiB
# of guest RAM (guest=counter at 50 counts/s: 400 dirty pages/s), with one
# `amber-ctl migrate --to 'snapctl recv B'` each, then B booted:
#   downtime   from the stop request to the final generation received
#              (host wall clock: capture + write + power-off of the source,
#              the last delta through snapctl), plus B's own start to its
#              first guest instruction (B's emulated time, its console);
#   bytes      everything sent ÷ memory changed while migrating (pages that
#              differ between the first and the final generation), and the
#              deltas alone ÷ changed (1.0 would be ideal).
# Ends with "N passed, N failed" (a run that did not migrate is a failure).
. "$(dirname "$0")/../integ/lib.sh"
SNAPCTL=$TOP/build/tools/snapctl
CTL=$TOP/build/tools/amber-ctl
declare -A res
for mem in 64 512; do
	a=$T/mb-$mem-a.img b=$T/mb-$mem-b.img
	rm -f "$a" "$b"
	engine_start "mb-$mem-a" --engine bochs --mem $((mem + 256)) --disk "$a" --disk-mib $((mem * 2 + 64)) \
		--timeout 400 --cmdline "format mem=$mem guest=counter tick_hz=50"
	check "$mem MiB: A counts" wait_for "mb-$mem-a" '^count=100$' 240
	"$CTL" --disk "$a" --timeout 60 migrate --to "'$SNAPCTL' recv -q '$b'" > "$T/mb-$mem.txt" 2>&1
	check "$mem MiB: migrated" grep -q '^migrate: done' "$T/mb-$mem.txt"
	sed 's/^/    /' "$T/mb-$mem.txt"
	wait_exit "mb-$mem-a" 60 >/dev/null
	engine_start "mb-$mem-b" --engine bochs --mem $((mem + 256)) --disk "$b" --timeout 400 \
		--cmdline "mem=$mem guest=counter tick_hz=50"
	check "$mem MiB: B resumes" wait_for "mb-$mem-b" '^resumed epoch=' 240
	engine_kill "mb-$mem-b"
	res[$mem,down]=$(grep -oE 'downtime [0-9]+ ms' "$T/mb-$mem.txt" | grep -oE '[0-9]+')
	res[$mem,entry]=$(grep -m1 -oE 'entering the guest [0-9]+ ms' "$T/mb-$mem-b.serial" | grep -oE '[0-9]+')
	line=$(grep '^migrate: sent' "$T/mb-$mem.txt")
	res[$mem,sent]=$(echo "$line" | sed -E 's/.*sent ([0-9]+) bytes in all.*/\1/')
	res[$mem,full]=$(echo "$line" | sed -E 's/.*\(([0-9]+) full.*/\1/')
	res[$mem,changed]=$(echo "$line" | sed -E 's/.*migration: ([0-9]+) bytes.*/\1/')
done
echo
printf '%-8s %14s %16s %14s %14s %14s %12s %12s\n' "RAM" "downtime ms" "B start->guest ms" "sent bytes" \
	"full stream" "changed bytes" "sent/chg" "deltas/chg"
for mem in 64 512; do
	awk -v m="$mem MiB" -v d="${res[$mem,down]:-0}" -v e="${res[$mem,entry]:-0}" -v s="${res[$mem,sent]:-0}" \
		-v f="${res[$mem,full]:-0}" -v c="${res[$mem,changed]:-0}" 'BEGIN {
		printf "%-8s %14d %16d %14d %14d %14d %12s %12s\n", m, d, e, s, f, c,
			c ? sprintf("%.2f", s / c) : "n/a", c ? sprintf("%.2f", (s - f) / c) : "n/a" }'
done
finish
