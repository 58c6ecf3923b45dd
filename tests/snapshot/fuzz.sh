#!/usr/bin/env bash
# tests/snapshot/fuzz.sh SECONDS — fuzz the store's reader with damaged
# images and streams (tests/snapshot/fuzz_reader.c) for SECONDS in all,
# split between the normal build and the one that ignores checksums.
# Crashes are kept in build/fuzz/snapshot/. Ends with "N passed, N failed".
set -u
secs=${1:-60}
half=$(( secs / 2 > 1 ? secs / 2 : 1 ))
out=build/fuzz/snapshot
mkdir -p "$out/corpus"
make -s build/tests/snapshot/fuzz_reader build/tests/snapshot/fuzz_reader_nocsum || {
	echo "fuzz: cannot build the fuzz targets (clang with libFuzzer needed)"
	echo "0 passed, 1 failed"; exit 1; }
pass=0; fail=0
for t in fuzz_reader fuzz_reader_nocsum; do
	bin=build/tests/snapshot/$t
	SNAP_FUZZ_SEEDS=$out/corpus "$bin" -runs=0 "$out/corpus" >/dev/null 2>&1
	echo "--- $t for ${half}s"
	if "$bin" -max_total_time="$half" -seed="${FUZZ_SEED:-0}" -max_len=131072 -timeout=20 \
		-rss_limit_mb=2048 -artifact_prefix="$out/$t-" -print_final_stats=1 \
		"$out/corpus" >"$out/$t.log" 2>&1; then
		grep -E "stat::number_of_executed_units|Done" "$out/$t.log" | tail -2
		pass=$((pass + 1))
	else
		echo "FAIL: $t found a crash; see $out/$t.log and $out/$t-*"
		grep -E "ERROR|SUMMARY" "$out/$t.log" | head -5
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
