#!/usr/bin/env bash
# PVM benchmarks beside the same programs in Lua 5.4, in one run.
#   tests/pvm/bench.sh BUILD_DIR
# Environment:
#   BENCH_RUNS=N       wall-clock runs per program (default 5), PVM and Lua
#                      alternating; the best time counts
#   BENCH_CALLGRIND=0  skip the instruction counts (valgrind --tool=callgrind)
#   BENCH_BASE=PATH    a pvm-run of another build (e.g. before a change): its
#                      instruction count is shown beside ours (base/op divides
#                      it by this build's bytecode count)
#
# Wall times are noisy on a shared machine; the instruction counts (Ir,
# callgrind) are repeatable, so the Ir ratio PVM/Lua is the figure to
# compare. Ir/op divides the PVM's count by the bytecodes it executed
# (counted by the pvm-run-count build). Goal: both ratios <= 1.0.
# The plc* programs have the shape the original compiler emits (see their
# .pvs headers); their Lua twins are the same source in Lua.
set -u
build=${1:-build}
pc=$build/tests/pvm/bench
run=$build/tools/pvm-run
count=$build/tools/pvm-run-count
runs=${BENCH_RUNS:-5}
base=${BENCH_BASE:-}
lua=$(command -v lua5.4 || true)
[ -n "$lua" ] || { echo "bench: lua5.4 not installed"; echo "0 passed, 1 failed"; exit 1; }
cg=
if [ "${BENCH_CALLGRIND:-1}" != 0 ] && command -v valgrind >/dev/null; then cg=1; fi
dir=$(cd "$(dirname "$0")" && pwd)/bench

usec() {   # wall-clock microseconds of "$@", or "fail"
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1 || { echo fail; return; }
	e=$(date +%s%N)
	echo $(( (e - s) / 1000 ))
}

ir() {     # instructions (callgrind Ir) of "$@"
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '%-8s %8s %8s %6s' bench "pvm s" "lua s" time
[ -n "$cg" ] && printf ' %12s %12s %6s %10s %6s' "pvm Ir" "lua Ir" Ir "pvm ops" Ir/op
[ -n "$cg" ] && [ -n "$base" ] && printf ' %12s %7s' "base Ir" base/op
printf '\n'
pass=0; fail=0
for b in loop fib call alloc concat plcfib plcloop; do
	bp= bl=
	for _ in $(seq "$runs"); do
		p=$(usec "$run" -C "$pc" "b.$b")
		l=$(usec "$lua" "$dir/b.$b.lua")
		[ "$p" = fail ] || [ "$l" = fail ] && { bp=fail; break; }
		if [ -z "$bp" ] || [ "$p" -lt "$bp" ]; then bp=$p; fi
		if [ -z "$bl" ] || [ "$l" -lt "$bl" ]; then bl=$l; fi
	done
	if [ "$bp" = fail ]; then
		printf '%-8s failed to run\n' "$b"
		fail=$((fail + 1))
		continue
	fi
	awk -v b="$b" -v p="$bp" -v l="$bl" 'BEGIN { printf "%-8s %8.3f %8.3f %6.2f", b, p / 1e6, l / 1e6, p / l }'
	if [ -n "$cg" ]; then
		pi=$(ir "$run" -C "$pc" "b.$b")
		li=$(ir "$lua" "$dir/b.$b.lua")
		ops=$("$count" -C "$pc" "b.$b" 2>&1 >/dev/null | sed -n 's/^pvm-run: \([0-9]*\) instructions$/\1/p')
		awk -v p="$pi" -v l="$li" -v o="$ops" 'BEGIN { printf " %12.0f %12.0f %6.2f %10.0f %6.1f", p, l, p / l, o, p / o }'
		if [ -n "$base" ]; then
			bi=$(ir "$base" -C "$pc" "b.$b")
			awk -v p="$bi" -v o="$ops" 'BEGIN { printf " %12.0f %7.1f", p, p / o }'
		fi
	fi
	printf '\n'
	pass=$((pass + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
