#!/usr/bin/env bash
# The programs in examples/ compile with phc and run on pvm-run with the
# output the README shows.
#   tests/phc/examples.sh [BUILD_DIR]
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
ex=$here/../../examples
pass=0; fail=0
roots=$(phc_roots) || { echo "roots do not compile"; echo "0 passed, 1 failed"; exit 1; }
expect() {   # NAME EXPECTED-OUTPUT
	local out=$tmp/x-$1; mkdir -p "$out"
	if "$phc" -o "$out" -I "$roots" -I "$pc" "$ex/$1.ph" 2> "$tmp/err" &&
	   timeout 10 "$run" -C "$out" -C "$roots" -C "$pc" "amber.examples.$1" > "$tmp/out" 2>> "$tmp/err" &&
	   [ "$(cat "$tmp/out")" = "$2" ]; then
		pass=$((pass + 1)); echo "ok   examples/$1.ph"
	else
		fail=$((fail + 1)); echo "FAIL examples/$1.ph"; cat "$tmp/err" "$tmp/out" | head -10 | sed 's/^/    /'
	fi
}
expect hello 'Hello, world!'
expect counter 'new counter
count = 1
count = 2
count = 3
count = 4
count = 5'
expect notebook '> (no more input)
notebook: 1 note(s)
  1. bought milk'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
