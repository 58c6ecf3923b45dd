#!/usr/bin/env bash
# Runs the phc libFuzzer target for SECONDS (default 60), seeded with the
# original library sources and the feature and error test programs.
#   tests/phc/fuzz.sh SECONDS [BUILD_DIR]
# Prints "1 passed, 0 failed" when the fuzzer found no crash, leak or hang.
set -u
secs=${1:-60}
build=${2:-build}
bin=$build/tests/phc/fuzz_phc
corpus=$build/tests/phc/corpus
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$bin" ] || { echo "fuzz: $bin not built (needs clang with libFuzzer)"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$corpus" "$build/tests/phc/crashes"
ph=${PHANTOM_PH:-$(dirname "${PHANTOM_PC:-../shared/phantom/pc}")/ph}
seeds=("$here/features")
[ -d "$ph/plib/sys/src" ] && seeds+=("$ph/plib/sys/src/ru.dz" "$ph/plib/sys/src/phantom" "$ph/plib/sys/src/tetris" "$ph/plib/roots/src/internal")
if "$bin" -max_total_time="$secs" -seed="${FUZZ_SEED:-0}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-dict="$here/fuzz.dict" -artifact_prefix="$build/tests/phc/crashes/" -print_final_stats=1 "$corpus" "${seeds[@]}" \
	> "$build/tests/phc/fuzz.log" 2>&1; then
	grep -E "stat::number_of_executed_units|stat::peak_rss" "$build/tests/phc/fuzz.log"
	echo "1 passed, 0 failed"
else
	tail -40 "$build/tests/phc/fuzz.log"
	echo "0 passed, 1 failed"
	exit 1
fi
