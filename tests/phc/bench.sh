#!/usr/bin/env bash
# phc-compiled programs on pvm-run beside the same programs in Lua 5.4.
#   tests/phc/bench.sh [BUILD_DIR]
# Each program is timed 3 times, the best wall-clock time counts (it
# includes starting the process and, for the PVM, loading the class). Both
# must print the same result. Prints the times and the ratio PVM/Lua.
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lua=$(command -v lua5.4 || true)
[ -n "$lua" ] || { echo "bench: lua5.4 not installed"; echo "0 passed, 1 failed"; exit 1; }
out=$tmp/bench; mkdir -p "$out"
"$phc" -o "$out" "$here"/bench/*.ph || { echo "0 passed, 1 failed"; exit 1; }

best() {   # best of 3 wall-clock microseconds of "$@"
	local b=
	for _ in 1 2 3; do
		local s e
		s=$(date +%s%N)
		"$@" > /dev/null 2>&1 || { echo fail; return; }
		e=$(date +%s%N)
		local t=$(( (e - s) / 1000 ))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
	done
	echo "$b"
}

printf '%-8s %10s %10s %8s\n' bench "pvm (s)" "lua (s)" pvm/lua
pass=0; fail=0
for b in loop fib concat; do
	r1=$("$run" -C "$out" "phc.bench.$b" 2>&1); r2=$("$lua" "$here/bench/$b.lua" 2>&1)
	if [ "$r1" != "$r2" ]; then
		printf '%-8s results differ: pvm %s, lua %s\n' "$b" "$r1" "$r2"; fail=$((fail + 1)); continue
	fi
	p=$(best "$run" -C "$out" "phc.bench.$b")
	l=$(best "$lua" "$here/bench/$b.lua")
	if [ "$p" = fail ] || [ "$l" = fail ]; then
		printf '%-8s %10s %10s %8s\n' "$b" "$p" "$l" "-"; fail=$((fail + 1)); continue
	fi
	awk -v b="$b" -v p="$p" -v l="$l" 'BEGIN { printf "%-8s %10.3f %10.3f %8.2f\n", b, p / 1e6, l / 1e6, p / l }'
	pass=$((pass + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
