#!/usr/bin/env bash
# tests/snapshot/torture.sh — long crash simulation: several seeds, three
# fates of the pending writes at every crash point, 5000 operations each
# (TORTURE_OPS, TORTURE_SEEDS override). Ends with "N passed, N failed"
# counting seeds.
set -u -o pipefail
ops=${TORTURE_OPS:-5000}
seeds=${TORTURE_SEEDS:-"11 12 13 14"}
pass=0; fail=0
for s in $seeds; do
	echo "--- crash_sim $ops ops, seed $s, 3 fates per crash point"
	if build/tests/snapshot/crash_sim "$ops" "$s" 3 | tail -2; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
