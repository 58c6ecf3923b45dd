# tests/integ/lib.sh — helpers for integration tests that boot the real ISO
# through tools/amber-run and judge it by the serial log.
#
#   engine_start NAME ARGS...   starts amber-run in its own process group,
#                               serial log in $T/NAME.serial
#   wait_for NAME REGEX SECS    waits until the serial log matches
#   engine_kill NAME            SIGKILLs the whole process group
#   check DESC CMD...           one test case: counts pass/fail
#   finish                      prints "N passed, N failed", sets exit status

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=${AMBER_TEST_DIR:-$TOP/build/integ}
mkdir -p "$T"
PASS=0 FAIL=0
declare -A PGID

engine_start() {
	local name=$1; shift
	rm -f "$T/$name.serial"
	# setsid: the engine gets a process group of its own, as a user's shell
	# would give it, so that the test can kill exactly that group.
	setsid "$TOP/tools/amber-run" --serial "$T/$name.serial" --log "$T/$name.log" "$@" \
		< "${ENGINE_STDIN:-/dev/null}" > "$T/$name.out" 2>&1 &
	PGID[$name]=$!
}

wait_for() {
	local name=$1 re=$2 secs=$3 end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		grep -qE "$re" "$T/$name.serial" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "    (no line matching /$re/ in $T/$name.serial after ${secs}s)"
	return 1
}

# Waits for the engine to end by itself; fails after SECS.
wait_exit() {
	local name=$1 secs=$2 end=$((SECONDS + $2)) pid=${PGID[$1]}
	while [ $SECONDS -lt $end ]; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	echo "    (engine $name still running after ${secs}s)"
	return 1
}

engine_kill() {
	kill -KILL -- "-${PGID[$1]}" 2>/dev/null
	wait "${PGID[$1]}" 2>/dev/null
	return 0
}

check() {
	local desc=$1; shift
	if "$@"; then
		echo "  ok   $desc"; PASS=$((PASS + 1))
	else
		echo "  FAIL $desc"; FAIL=$((FAIL + 1))
	fi
}

finish() {
	for n in "${!PGID[@]}"; do engine_kill "$n"; done
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}
trap 'for n in "${!PGID[@]}"; do kill -KILL -- "-${PGID[$n]}" 2>/dev/null; done' EXIT
