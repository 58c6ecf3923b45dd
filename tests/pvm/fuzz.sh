#!/usr/bin/env bash
# Runs the PVM libFuzzer target for SECONDS (default 60), seeded with the
# bundled class files and the assembled test programs.
#   tests/pvm/fuzz.sh SECONDS [BUILD_DIR]
# Prints "1 passed, 0 failed" when the fuzzer found no crash, leak or hang.
set -u
secs=${1:-60}
build=${2:-build}
bin=$build/tests/pvm/fuzz_pvm
corpus=$build/tests/pvm/corpus
[ -x "$bin" ] || { echo "fuzz: $bin not built (needs clang with libFuzzer)"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$corpus" "$build/tests/pvm/crashes"
seeds=()
for d in "${PHANTOM_PC:-../shared/phantom/pc}" "$build/tests/pvm/pc"; do [ -d "$d" ] && seeds+=("$d"); done
# -timeout: the step limit (3 slices) bounds every input's work; an input
# that still runs long is a defect (a catch loop ran 62 s before a throw
# was charged for its catchers), while a traced 3-slice run takes ~4 s here
# and twice that on a loaded CI machine.
if "$bin" -max_total_time="$secs" -seed="${FUZZ_SEED:-0}" -timeout=30 -rss_limit_mb=2048 -max_len=65536 \
	-artifact_prefix="$build/tests/pvm/crashes/" -print_final_stats=1 "$corpus" "${seeds[@]}" \
	> "$build/tests/pvm/fuzz.log" 2>&1; then
	grep -E "stat::number_of_executed_units|stat::peak_rss" "$build/tests/pvm/fuzz.log"
	echo "1 passed, 0 failed"
else
	tail -40 "$build/tests/pvm/fuzz.log"
	echo "0 passed, 1 failed"
	exit 1
fi
