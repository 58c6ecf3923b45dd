# tests/integ/held_lib.sh — helpers of the output-commit and input-log
# tests (held.sh, input.sh), on top of lib.sh.
#
#   held_crash NAME          SIGKILLs the Bochs of engine NAME, then (after
#                            the COM1 relay drained) the rest of its group
#   held_wait_line FILE RE S waits until FILE has a line matching RE
#   whole_lines FILE         FILE without a last line that has no newline: a
#                            crash inside the release can cut it ("count=9"
#                            of count=95); such a crash is the window, not a line

held_crash() {
	local pg=${PGID[$1]} b
	# Only the emulator dies at once: socat still reads what Bochs wrote to
	# the pty, as a serial cable delivers what a dying machine sent.
	b=$(pgrep -g "$pg" -x 'bochs(-bin)?')
	[ -n "$b" ] && kill -KILL $b 2>/dev/null
	sleep 0.3
	engine_kill "$1"
}

held_wait_line() {
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		grep -qaE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

whole_lines() { if [ -n "$(tail -c1 "$1")" ]; then head -n -1 "$1"; else cat "$1"; fi; }
