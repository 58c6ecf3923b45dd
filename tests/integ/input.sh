#!/usr/bin/env bash
# tests/integ/input.sh [CYCLES] — the input log under crashes (issue 13).
#
# The default guest echoes every console line ("echo: LINE"). A typist
# sends the stream "in-1\nin-2\n..." in pieces at random moments (lines
# split at random points too) while Bochs is SIGKILLed at random times and
# booted again from the same disk. At every boot the hypervisor says how
# far its input log is durable ("input log holds bytes S..E"): the typist
# resends from byte E of its stream, exactly as a sender resends what was
# never acknowledged (bytes still in the pty or the UART when the machine
# died never reached it). Across all cycles, the echo lines must be
# in-1, in-2, ... in order, each exactly once: nothing the guest consumed
# is consumed again after a restore, nothing logged is lost. (The one
# exception, counted: an echo lost by a crash between the commit of the
# generation holding it and its release; never a repeat.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/held_lib.sh"
CYCLES=${1:-6}
disk=$T/input.img
rm -f "$disk" "$T"/input-*.serial
RANDOM=${INPUT_SEED:-777}

# The byte stream: line k is "in-k\n". stream_from POS: the rest of the
# line holding byte POS, and sets NEXT to the number of the line after it.
stream_from() {
	local pos=$1 k=1 at=0 line
	while :; do
		line="in-$k"$'\n'
		if [ $((at + ${#line})) -gt "$pos" ]; then
			PIECE=${line:$((pos - at))}
			NEXT=$((k + 1))
			return
		fi
		at=$((at + ${#line}))
		k=$((k + 1))
	done
}

restores=0 typed_lines=0
for ((c = 1; c <= CYCLES; c++)); do
	name=input-$c
	fifo=$T/$name.in; rm -f "$fifo"; mkfifo "$fifo"
	exec 3<>"$fifo"
	ENGINE_STDIN=$fifo engine_start "$name" --engine bochs --disk "$disk" --timeout 300 \
		--cmdline "guest=default mem=16 snap_ms=100 tick_hz=1 format"
	log=$T/$name.serial
	if ! held_wait_line "$log" '^amber: console: held.*input log holds bytes [0-9]+\.\.[0-9]+' 60; then
		check "cycle $c: boots with an input log" false
		engine_kill "$name"; exec 3>&-; break
	fi
	end=$(grep -aoE 'input log holds bytes [0-9]+\.\.[0-9]+' "$log" | head -1 | sed 's/.*\.\.//')
	stream_from "$end"
	last=$c
	# Type for a random time (the last cycle: a few lines, then no crash).
	if [ "$c" -lt "$CYCLES" ]; then stop=$((SECONDS + 1 + RANDOM % 4)); else stop=$((SECONDS + 2)); fi
	while [ $SECONDS -lt $stop ]; do
		if [ $((RANDOM % 3)) = 0 ] && [ ${#PIECE} -gt 2 ]; then
			cut=$((1 + RANDOM % (${#PIECE} - 1)))
			printf '%s' "${PIECE:0:$cut}" >&3
			sleep "0.$((RANDOM % 4))"
			PIECE=${PIECE:$cut}
		fi
		printf '%s' "$PIECE" >&3
		typed_lines=$((NEXT - 1))
		PIECE="in-$NEXT"$'\n'
		NEXT=$((NEXT + 1))
		# now and then a burst of lines at once (the guest is mid-line more often)
		if [ $((RANDOM % 3)) = 0 ]; then
			for ((b = RANDOM % 3 + 1; b > 0; b--)); do
				printf '%s' "$PIECE" >&3
				typed_lines=$((NEXT - 1))
				PIECE="in-$NEXT"$'\n'
				NEXT=$((NEXT + 1))
			done
		fi
		sleep "0.$((RANDOM % 5))$((RANDOM % 10))"
	done
	grep -q '^amber: restored gen=' "$log" 2>/dev/null && restores=$((restores + 1))
	if [ "$c" -lt "$CYCLES" ]; then
		# Most cycles end with a burst and a crash right after it: the
		# guest has read part of it in a state that is never committed.
		if [ $((RANDOM % 4)) != 0 ]; then
			for ((b = RANDOM % 3 + 1; b > 0; b--)); do
				printf '%s' "$PIECE" >&3
				typed_lines=$((NEXT - 1))
				PIECE="in-$NEXT"$'\n'
				NEXT=$((NEXT + 1))
			done
			sleep "0.0$((RANDOM % 10))"
		fi
		held_crash "$name"
	else
		check "the last line typed is echoed" held_wait_line "$log" "^echo: in-$typed_lines\$" 120
		engine_kill "$name"
	fi
	exec 3>&-
	rm -f "$fifo"
done

# As in held.sh: a crash between a commit and the release of its output
# loses that output (never repeats it); only there may an echo be missing.
window() { # CYCLE
	local c=$1 g k
	g=$(grep -aoE '^amber: restored gen=[0-9]+' "$T/input-$c.serial" | grep -oE '[0-9]+$') || return 1
	for ((k = 1; k < c; k++)); do
		grep -qaE "^amber: snapshot gen=$g committed" "$T/input-$k.serial" && return 1
	done
	return 0
}
echoes_ok() {
	local c line n prev=0 lines=0 hits=0 bad=0 first
	for ((c = 1; c <= CYCLES; c++)); do
		first=1
		while IFS= read -r line; do
			lines=$((lines + 1))
			if [[ ! $line =~ ^echo:\ in-([0-9]+)$ ]]; then
				echo "    cycle $c: \"$line\": not a line that was typed"; bad=1; continue
			fi
			n=${BASH_REMATCH[1]}
			if [ "$n" -le "$prev" ]; then
				echo "    cycle $c: in-$n after in-$prev: echoed twice or out of order"; bad=1
			elif [ "$n" -gt $((prev + 1)) ]; then
				if [ $first = 1 ] && window "$c"; then
					hits=$((hits + 1))
					echo "    cycle $c: echo of in-$((prev + 1))..in-$((n - 1)) lost in the commit-to-release window"
				else
					echo "    cycle $c: in-$n after in-$prev: a line was lost"; bad=1
				fi
			fi
			prev=$n first=0
		done < <(whole_lines "$T/input-$c.serial" | grep -a '^echo: ')
	done
	echo "    ($lines echo lines over $CYCLES cycles, $typed_lines lines typed, last echoed in-$prev;" \
		"$hits crashes inside the commit-to-release window)"
	[ "$prev" = "$typed_lines" ] || { echo "    the last line typed was in-$typed_lines"; bad=1; }
	return $bad
}
check "every line typed is echoed exactly once, in order, across all cycles" echoes_ok
check "restored at least $((CYCLES / 2)) times" test "$restores" -ge $((CYCLES / 2))
finish
