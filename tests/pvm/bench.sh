#!/usr/bin/env bash
# PVM benchmarks beside the same programs in Lua 5.4, in one run.
#   tests/pvm/bench.sh BUILD_DIR
# Each program is timed 3 times; the best wall-clock time counts. Prints
# the times and the ratio PVM/Lua (goal: <= 1.5).
set -u
build=${1:-build}
pc=$build/tests/pvm/bench
run=$build/tools/pvm-run
lua=$(command -v lua5.4 || true)
[ -n "$lua" ] || { echo "bench: lua5.4 not installed"; echo "0 passed, 1 failed"; exit 1; }
dir=$(cd "$(dirname "$0")" && pwd)/bench

best() {   # best of 3 wall-clock seconds of "$@"
	local b=
	for _ in 1 2 3; do
		local s e
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || { echo fail; return; }
		e=$(date +%s%N)
		local t=$(( (e - s) / 1000 ))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
	done
	echo "$b"
}

printf '%-8s %10s %10s %8s\n' bench "pvm (s)" "lua (s)" pvm/lua
pass=0; fail=0
for b in loop fib call alloc concat; do
	p=$(best "$run" -C "$pc" "b.$b")
	l=$(best "$lua" "$dir/b.$b.lua")
	if [ "$p" = fail ] || [ "$l" = fail ]; then
		printf '%-8s %10s %10s %8s\n' "$b" "$p" "$l" "-"
		fail=$((fail + 1))
		continue
	fi
	awk -v b="$b" -v p="$p" -v l="$l" 'BEGIN { printf "%-8s %10.3f %10.3f %8.2f\n", b, p / 1e6, l / 1e6, p / l }'
	pass=$((pass + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
