#!/usr/bin/env bash
# tests/snapshot/torture.sh — long crash simulation: several seeds, three
# fates of the pending writes at every crash point, 5000 operations each
# (TORTURE_OPS, TORTURE_SEEDS override), with the store as built and with a
# delta list for every commit it fits (crash_sim_delta). Ends with
# "N passed, N failed" counting runs.
set -u -o pipefail
ops=${TORTURE_OPS:-5000}
seeds=${TORTURE_SEEDS:-"11 12 13 14"}
pass=0; fail=0
for s in $seeds; do
	for sim in crash_sim crash_sim_delta; do
		echo "--- $sim $ops ops, seed $s, 3 fates per crash point"
		if build/tests/snapshot/$sim "$ops" "$s" 3 | tail -2; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
		fi
	done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
