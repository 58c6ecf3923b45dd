#!/usr/bin/env bash
# tests/hv/fuzz.sh SECONDS — fuzz the hypercall dispatcher (tests/hv/fuzz_hcall.c)
# for SECONDS. Crashes are kept in build/fuzz/hcall/. Ends with "N passed, N failed".
set -u
secs=${1:-60}
out=build/fuzz/hcall
mkdir -p "$out/corpus"
make -s build/tests/hv/fuzz_hcall || {
	echo "fuzz: cannot build the fuzz target (clang with libFuzzer needed)"
	echo "0 passed, 1 failed"; exit 1; }
bin=build/tests/hv/fuzz_hcall
echo "--- fuzz_hcall for ${secs}s"
if "$bin" -max_total_time="$secs" -seed="${FUZZ_SEED:-0}" -max_len=70000 -timeout=10 -rss_limit_mb=1024 \
	-artifact_prefix="$out/" -print_final_stats=1 "$out/corpus" >"$out/fuzz_hcall.log" 2>&1; then
	grep -E "stat::number_of_executed_units" "$out/fuzz_hcall.log" | tail -1
	echo "1 passed, 0 failed"
else
	echo "FAIL: fuzz_hcall found a crash; see $out/fuzz_hcall.log and $out/crash-*"
	grep -E "ERROR|SUMMARY" "$out/fuzz_hcall.log" | head -5
	echo "0 passed, 1 failed"
	exit 1
fi
