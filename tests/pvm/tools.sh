#!/usr/bin/env bash
# Tests of the PVM tools as a user runs them: pvm-run (spec §8.4 outputs,
# error formats, exit status), pvm-dis on every bundled file, the pvm-dis ->
# pvm-as round trip, and pvm-run under valgrind (no leaks, no errors).
#   tests/pvm/tools.sh [BUILD_DIR] [PHANTOM_PC]
set -u
build=${1:-build}
pc=${2:-${PHANTOM_PC:-../shared/phantom/pc}}
tools=$build/tools
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

printf 'Phantom language regression tests are running\nChecking flow control operators... passed\nChecking int math... passed\nChecking arrays... Beeping: beep two! beep one! beep zero! \npassed\n' > "$tmp/rt"
"$tools/pvm-run" -C "$pc" ru.dz.phantom.system.regression_tests --call 19 > "$tmp/out" 2> "$tmp/err"
if [ $? -eq 0 ] && cmp -s "$tmp/out" "$tmp/rt" && [ ! -s "$tmp/err" ]; then ok "regression_tests --call 19: the five lines of §8.4"; else bad "regression_tests output"; fi

{ printf 'Phantom System Envirinment Setup is running\nloading loader class\ncreating loader object\ninitializing loader\nregistering loader\nStarting compiler regression tests\n'
  cat "$tmp/rt"
  printf 'Finished compiler regression tests\nEnv root.shell=.ru.dz.phantom.system.shell\nEnv root.init=.ru.dz.phantom.system.init\nFinished windows tests\nRun Java tests\n'; } > "$tmp/boot"
"$tools/pvm-run" -C "$pc" ru.dz.phantom.system.boot > "$tmp/out" 2> "$tmp/err"
st=$?
if [ $st -eq 2 ] && cmp -s "$tmp/out" "$tmp/boot" && head -1 "$tmp/err" | grep -q '^pvm-run: panic: call depth limit'; then
	ok "boot: §8.4 boot path, then the Java tests' endless <init> recursion stops with exit 2"
else bad "boot output (status $st)"; fi

"$tools/pvm-as" -o "$tmp/t.panic.pc" tests/pvm/asm/t.panic.pvs
"$tools/pvm-run" -C "$tmp" t.panic --call 26 > /dev/null 2> "$tmp/err"
st=$?
if [ $st -eq 2 ] && head -1 "$tmp/err" | grep -qx 'pvm-run: unhandled exception: oops' && grep -q '  at .t.panic.unhandled \[method 26\]' "$tmp/err"; then
	ok "unhandled exception: message, backtrace, exit 2"
else bad "unhandled exception format (status $st)"; fi

printf 'phfr:C\0\0\0\x0e\xff\xff\xff\xff' > "$tmp/bad.class.pc"
"$tools/pvm-run" -C "$tmp" bad.class > /dev/null 2> "$tmp/err"
st=$?
if [ $st -eq 2 ] && grep -qx "pvm-run: $tmp/bad.class.pc: offset 10: negative string length -1" "$tmp/err"; then
	ok "load error: pvm-run: FILE: offset N: what is wrong"
else bad "load error format (status $st): $(cat "$tmp/err")"; fi

n=0; f=0
for c in "$pc"/*.pc; do
	n=$((n + 1))
	"$tools/pvm-dis" "$c" > "$tmp/dis" 2>&1 || { f=$((f + 1)); echo "  pvm-dis failed on $c"; continue; }
	b=$(basename "$c" .pc)
	"$tools/pvm-as" -o "$tmp/$b.pc" "$tmp/dis" || { f=$((f + 1)); echo "  pvm-as failed on $b"; continue; }
	"$tools/pvm-dis" "$tmp/$b.pc" > "$tmp/dis2"
	strip() { grep -vE '^; |^$' "$1" | sed 's/ *;.*//'; }
	if ! cmp -s <(strip "$tmp/dis") <(strip "$tmp/dis2"); then f=$((f + 1)); echo "  round trip differs: $b"; fi
done
if [ "$n" -eq 52 ] && [ $f -eq 0 ]; then ok "pvm-dis disassembles all $n files; pvm-as reassembles them to the same code"; else bad "dis/as on $n files: $f failures"; fi

if "$tools/pvm-dis" "$pc/test.toPhantom.ArrayAssigns.pc" | grep -q '\.byte 0x9f.*undefined opcode'; then
	ok "pvm-dis marks the undefined opcode 0x9F in ArrayAssigns"; else bad "ArrayAssigns 0x9F"; fi

if command -v valgrind > /dev/null; then
	if valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=9 \
		"$tools/pvm-run" -C "$pc" ru.dz.phantom.system.boot > /dev/null 2> "$tmp/vg"; [ $? -eq 2 ] && ! grep -q '==' "$tmp/vg"; then
		ok "valgrind: boot.pc run (panic path included) has no leaks or errors"
	else bad "valgrind: $(grep '==' "$tmp/vg" | head -5)"; fi
else
	bad "valgrind not installed"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
