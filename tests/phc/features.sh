#!/usr/bin/env bash
# One program per language feature: tests/phc/features/NAME.ph is compiled by
# phc and run on pvm-run (method 8, with the boot object as console); its
# console output must equal NAME.out byte for byte.
#   tests/phc/features.sh [BUILD_DIR]
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
pass=0; fail=0
roots=$(phc_roots) || { echo "roots do not compile"; echo "0 passed, 1 failed"; exit 1; }
for src in "$here"/features/*.ph; do
	name=$(basename "$src" .ph)
	out=$tmp/f-$name; mkdir -p "$out"
	if ! "$phc" -o "$out" -I "$roots" -I "$pc" "$src" 2> "$tmp/err"; then
		fail=$((fail + 1)); echo "FAIL $name: does not compile"; sed 's/^/    /' "$tmp/err"; continue
	fi
	timeout 10 "$run" -C "$out" -C "$roots" -C "$pc" "phc.test.$name" > "$tmp/out" 2> "$tmp/err"
	st=$?
	if [ $st -eq 0 ] && cmp -s "$tmp/out" "$here/features/$name.out"; then
		pass=$((pass + 1)); echo "ok   $name"
	else
		fail=$((fail + 1)); echo "FAIL $name (status $st)"
		diff "$here/features/$name.out" "$tmp/out" | head -10 | sed 's/^/    /'
		head -5 "$tmp/err" | sed 's/^/    /'
	fi
done
# line maps: an unhandled exception's backtrace names the source lines
mkdir -p "$tmp/lm"
printf 'package .phc.test;\nclass lines\n{\n    void inner()\n    {\n        throw "boom";\n    }\n    void run( var c ) [8]\n    {\n        inner();\n    }\n};\n' > "$tmp/lines.ph"
"$phc" -o "$tmp/lm" "$tmp/lines.ph" && timeout 10 "$run" -C "$tmp/lm" phc.test.lines > /dev/null 2> "$tmp/err"
if grep -q 'phc.test.lines.inner .* line 6$' "$tmp/err" && grep -q 'phc.test.lines.run .* line 10$' "$tmp/err"; then
	pass=$((pass + 1)); echo "ok   line maps: the backtrace shows lines 6 and 10"
else fail=$((fail + 1)); echo "FAIL line maps:"; sed 's/^/    /' "$tmp/err"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
