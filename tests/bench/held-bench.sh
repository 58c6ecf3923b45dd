#!/usr/bin/env bash
# tests/bench/held-bench.sh — what output commit costs, in Bochs, in guest
# time (issue 13):
#   1. echo latency, byte in -> echo out on COM1, console=held vs direct, at
#      snap_ms=100 and 500 (the default guest echoes lines; the hypervisor
#      measures from the arrival of a line's first byte to the release of
#      the first output the guest wrote after reading it: stats)
#   2. throughput of a guest that prints all the time (guest=spin at
#      tick_hz=100: 100 lines per second) held vs direct, snap_ms=100: the
#      cost of the captures that held output brings forward (hold_ms=10)
. "$(dirname "$0")/../integ/lib.sh"
LINES=${BENCH_LINES:-16}
SECS=${BENCH_SECS:-20}

echo_run() { # NAME CONSOLE SNAP_MS
	local name=$1 fifo=$T/$1.in
	rm -f "$fifo" "$T/$name.img"; mkfifo "$fifo"
	exec 3<>"$fifo"
	ENGINE_STDIN=$fifo engine_start "$name" --engine bochs --timeout 400 --disk "$T/$name.img" \
		--cmdline "format mem=16 guest=default tick_hz=1 snap_ms=$3 console=$2 stats"
	wait_for "$name" '^amber: entering the guest' 120 >/dev/null
	sleep 2
	for ((i = 1; i <= LINES; i++)); do
		printf 'bench-%d\n' "$i" >&3
		wait_for "$name" "^echo: bench-$i\$" 60 >/dev/null
		sleep 0.$((RANDOM % 5 + 3))
	done
	wait_for "$name" "^amber: console: echo n=$LINES " 30 >/dev/null
	engine_kill "$name"
	exec 3>&-
	rm -f "$fifo"
}
echo_field() { grep -aE "^amber: console: echo n=$LINES " "$T/$1.serial" | tail -1 | sed -E "s/.* $2=([0-9]+).*/\\1/"; }

spin_run() { # NAME CONSOLE
	rm -f "$T/$1.img"
	engine_start "$1" --engine bochs --timeout $((SECS + 200)) --disk "$T/$1.img" \
		--cmdline "format mem=16 guest=spin tick_hz=100 snap_ms=100 console=$2"
	wait_for "$1" '^amber: entering the guest' 120 >/dev/null
	wait_for "$1" '^spin: rate=' 120 >/dev/null
	sleep "$SECS"
	engine_kill "$1"
}
# mean rate over the second half of the run's lines (past the first full capture)
spin_rate() { grep -aoE '^spin: rate=[0-9]+' "$T/$1.serial" | cut -d= -f2 |
	awk '{ v[NR] = $1 } END { for (i = int(NR / 2) + 1; i <= NR; i++) { s += v[i]; n++ } if (n) printf "%.0f", s / n; else print 0 }'; }
captures() { grep -acE '^amber: snapshot gen=[0-9]+ committed' "$T/$1.serial"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

for ms in 100 500; do
	for con in held direct; do
		echo_run "hb-echo-$con-$ms" "$con" "$ms"
	done
done
for con in held direct; do
	spin_run "hb-spin-$con" "$con"
done

echo "held-bench: echo latency, byte in -> echo out, guest time, $LINES lines each"
printf '  %-8s %-7s %10s %10s\n' snap_ms console mean_us max_us
for ms in 100 500; do
	for con in held direct; do
		printf '  %-8s %-7s %10s %10s\n' "$ms" "$con" "$(echo_field "hb-echo-$con-$ms" mean_us)" \
			"$(echo_field "hb-echo-$con-$ms" max_us)"
	done
done
rh=$(spin_rate hb-spin-held) rd=$(spin_rate hb-spin-direct)
echo "held-bench: guest=spin printing 100 lines/s, snap_ms=100, hold_ms=10"
echo "  direct: rate=$rd per s, $(captures hb-spin-direct) commits"
echo "  held:   rate=$rh per s, $(captures hb-spin-held) commits"
echo "  throughput held / direct = $(ratio "$rh" "$rd")"
ok=1
for ms in 100 500; do for con in held direct; do
	[ -n "$(echo_field "hb-echo-$con-$ms" mean_us)" ] || ok=0
done; done
check "every echo run measured $LINES echoes" test $ok = 1
check "both spin runs measured a rate" test "${rh:-0}" -gt 0 -a "${rd:-0}" -gt 0
finish
