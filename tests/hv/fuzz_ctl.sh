#!/usr/bin/env bash
# tests/hv/fuzz_ctl.sh SECONDS — fuzz the control protocol's parser
# (tests/hv/fuzz_ctl.c). Crashes are kept in build/fuzz/ctl/.
# Ends with "N passed, N failed".
set -u
secs=${1:-60}
out=build/fuzz/ctl
mkdir -p "$out/corpus"
make -s build/tests/fuzz_ctl || {
	echo "fuzz_ctl: cannot build the fuzz target (clang with libFuzzer needed)"
	echo "0 passed, 1 failed"; exit 1; }
# Seeds: one request of each verb and a few broken ones.
i=0
for s in '{"v":1,"id":1,"cmd":"status"}' '{"cmd":"snapshot","wait":true}' \
	'{"cmd":"pin","gen":3}' '{"cmd":"unpin","gen":3}' '{"cmd":"gc"}' \
	'{"cmd":"stop","handover":true}' '{"cmd":"x"' '{"cmd":[1,{"a":2}]}'; do
	printf '%s\n' "$s" > "$out/corpus/seed$i"; i=$((i + 1))
done
if build/tests/fuzz_ctl -max_total_time="$secs" -seed="${FUZZ_SEED:-0}" -max_len=4096 -timeout=10 \
	-artifact_prefix="$out/" -print_final_stats=1 "$out/corpus" >"$out/fuzz.log" 2>&1; then
	grep -E "stat::number_of_executed_units" "$out/fuzz.log" | tail -1
	echo "1 passed, 0 failed"
else
	echo "FAIL: fuzz_ctl found a crash; see $out/fuzz.log and $out/crash-*"
	grep -E "ERROR|SUMMARY" "$out/fuzz.log" | head -5
	echo "0 passed, 1 failed"; exit 1
fi
