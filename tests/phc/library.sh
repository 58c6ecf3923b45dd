#!/usr/bin/env bash
# phc on the original Phantom sources (../shared/phantom/ph), behaviour not bytes:
#  1. plib/roots/src (the .internal.* interfaces) and every plib/sys/src source
#     compile without error; failures are listed one per line;
#  2. the original compiler tests (test/plc/src, tools/plc/test/plc) compile;
#  3. regression_tests from test/plc/src prints the spec §8.4 lines byte for byte
#     under pvm-run (its `run` method, called by ordinal as in §8.2);
#  4. the boot path compiled by phc (boot, class_loader, regression_tests, ...
#     of plib/sys/src) runs the regression tests to "Finished compiler
#     regression tests" and on to the end of boot (tests/phc/boot.expected);
#  5. method ordinals and field slots equal those of the 20 bundled classes
#     that have sources, and the bundled boot.pc runs identically with phc's
#     builds of them in place of the bundled ones.
#   tests/phc/library.sh [BUILD_DIR]
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

roots=$(phc_roots) && ok "plib/roots/src: $(ls "$roots" | wc -l) interface classes" || { bad "plib/roots/src"; echo "$pass passed, $fail failed"; exit 1; }

# plib/sys/src holds test.hier.{Root,Intermediate,Child1}.ph beside the same
# classes in lower case (a case-insensitive file system keeps one of each):
# the lower-case set goes with the library, the other is compiled on its own.
sys=$ph/plib/sys/src
lib=$tmp/lib; mkdir -p "$lib"
mapfile -t main < <(find "$sys" -name '*.ph' | grep -v 'test\.hier\.[A-Z]' | sort)
mapfile -t upper < <(find "$sys" -name '*.ph' | grep 'test\.hier\.[A-Z]' | sort)
s=$(date +%s%N)
"$phc" -o "$lib" -I "$roots" -I "$pc" "${main[@]}" 2> "$tmp/lib.err"
e=$(date +%s%N)
nf=0
for f in "${main[@]}"; do
	if grep -q "^$f:" "$tmp/lib.err"; then nf=$((nf + 1)); echo "  does not compile: $f"; grep "^$f:" "$tmp/lib.err" | head -3 | sed 's/^/    /'; fi
done
up=$tmp/upper; mkdir -p "$up"
if ! "$phc" -o "$up" -I "$roots" -I "$pc" "${upper[@]}" 2> "$tmp/up.err"; then nf=$((nf + 1)); echo "  test.hier upper-case set:"; head -3 "$tmp/up.err"; fi
if [ $nf -eq 0 ] && [ ! -s "$tmp/lib.err" ]; then
	ok "plib/sys/src: all $(( ${#main[@]} + ${#upper[@]} )) sources compile ($(( (e - s) / 1000000 )) ms for ${#main[@]} files in one run)"
else bad "plib/sys/src: $nf sources fail"; fi

t=$tmp/plctests; mkdir -p "$t"
n=0
for f in "$ph"/test/plc/src/*.ph "$ph"/tools/plc/test/plc/*.ph; do
	case $f in */test_import.ph) continue;; esac   # imports "README", absent here
	"$phc" -o "$t" -I "$lib" -I "$roots" -I "$pc" "$f" 2> "$tmp/err" || { n=$((n + 1)); echo "  $f:"; head -3 "$tmp/err"; }
done
[ $n -eq 0 ] && ok "test/plc/src and tools/plc/test/plc compile (test_import.ph skipped: its README is not in the test material)" || bad "$n original test sources fail"

printf 'Phantom language regression tests are running\nChecking flow control operators... passed\nChecking int math... passed\nChecking arrays... Beeping: beep two! beep one! beep zero! \npassed\n' > "$tmp/rt"
r=$tmp/rt.d; mkdir -p "$r"
"$phc" -o "$r" -I "$roots" -I "$pc" "$ph/test/plc/src/ru.dz.phantom.system.regression_tests.ph" 2> "$tmp/err"
ord=$("$build/tools/pvm-dis" "$r/ru.dz.phantom.system.regression_tests.pc" | awk '$1 == "method" && $2 == "run" { print $3 }')
timeout 10 "$run" -C "$r" -C "$roots" -C "$pc" ru.dz.phantom.system.regression_tests --call "${ord:-0}" > "$tmp/out" 2> /dev/null
if [ -n "$ord" ] && [ "$(head -c "$(wc -c < "$tmp/rt")" "$tmp/out")" = "$(cat "$tmp/rt")" ] && cmp -s <(head -c "$(wc -c < "$tmp/rt")" "$tmp/out") "$tmp/rt"; then
	ok "regression_tests (test/plc/src) run = method $ord prints the §8.4 lines byte for byte"
else bad "regression_tests §8.4 output: $(head -c 300 "$tmp/out")"; fi

timeout 20 "$run" -C "$lib" -C "$roots" -C "$pc" ru.dz.phantom.system.boot > "$tmp/boot" 2> "$tmp/err"
st=$?
if grep -qx 'Finished compiler regression tests' "$tmp/boot"; then
	ok "boot path compiled by phc reaches \"Finished compiler regression tests\""
else bad "boot path: $(tail -3 "$tmp/boot") $(head -3 "$tmp/err")"; fi
if [ $st -eq 0 ] && cmp -s "$tmp/boot" "$here/boot.expected"; then
	ok "boot path runs to its end: output equals tests/phc/boot.expected"
else bad "boot path (status $st) differs from boot.expected: $(diff "$here/boot.expected" "$tmp/boot" | head -5)"; fi
# Ordinals as the original compilers gave them: test/plc/src holds the sources
# of the bundled class files. The newer plc numbered methods in signature-hash
# order (phc's default), the older one in name-hash order (phc
# --ordinals=name); every class must match one of the two (the S-record
# variant does not tell them apart: class_loader is variant B but numbered by
# name). regression_tests.pc was built from an older source than the one in
# test/plc/src, so it cannot match.
for mode in signature name; do
	mkdir -p "$tmp/ord-$mode"
	"$phc" --ordinals=$mode -o "$tmp/ord-$mode" -I "$roots" -I "$pc" "$ph"/test/plc/src/*.ph "$sys/ru.dz/ru.dz.phantom.backgrounds.ph" 2> /dev/null
done
same=0; diffs=""; bysig=0; byname=0
methods() { "$build/tools/pvm-dis" "$1" | awk '$1 == "method" { print $2 ":" $3 } $1 == "fields" || $1 == "field" { print }' | sort; }
for f in "$ph"/test/plc/src/*.ph; do
	b=$(basename "$f" .ph)
	[ -f "$pc/$b.pc" ] && [ "$b" != ru.dz.phantom.system.regression_tests ] || continue
	want=$(methods "$pc/$b.pc")
	if [ "$want" = "$(methods "$tmp/ord-signature/$b.pc")" ]; then same=$((same + 1)); bysig=$((bysig + 1))
	elif [ "$want" = "$(methods "$tmp/ord-name/$b.pc")" ]; then same=$((same + 1)); byname=$((byname + 1))
	else diffs="$diffs $b"; fi
done
[ -z "$diffs" ] && ok "method ordinals and field slots equal the bundled files' for all $same classes with sources ($bysig by signature, $byname by name)" || bad "ordinals differ:$diffs"

# Behaviour across compilers: the bundled boot.pc with every class that has
# a source (all but regression_tests, in the numbering each matched) compiled by phc runs
# exactly as with the bundled classes, tty windows included.
mix=$tmp/mix; mkdir -p "$mix"
for f in "$ph"/test/plc/src/*.ph; do
	b=$(basename "$f" .ph)
	[ -f "$pc/$b.pc" ] && [ "$b" != ru.dz.phantom.system.regression_tests ] || continue
	if [ "$(methods "$pc/$b.pc")" = "$(methods "$tmp/ord-signature/$b.pc")" ]; then cp "$tmp/ord-signature/$b.pc" "$mix/"
	else cp "$tmp/ord-name/$b.pc" "$mix/"; fi
done
timeout 20 "$run" --tty -C "$mix" -C "$pc" ru.dz.phantom.system.boot > "$tmp/mix.out" 2>&1
timeout 20 "$run" --tty -C "$pc" ru.dz.phantom.system.boot > "$tmp/orig.out" 2>&1
if cmp -s "$tmp/mix.out" "$tmp/orig.out" && grep -q 'Finished windows tests' "$tmp/mix.out"; then
	ok "bundled boot.pc with the $(ls "$mix" | wc -l) classes that have sources compiled by phc runs as with the bundled ones"
else bad "mixed boot differs: $(diff "$tmp/orig.out" "$tmp/mix.out" | head -5)"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
