#!/usr/bin/env bash
# tests/integ/guest.sh — the guest kernel under the Amber hypervisor in Bochs:
# greeting, periodic ticks at the requested rate, console echo, and the
# hostile program's attacks all refused with the hypervisor still alive.
. "$(dirname "$0")/lib.sh"

# Prints the guest's clock (seconds) on the line `tick N t=S.SSs`.
tick_time() { grep -aoE "tick $2 t=[0-9]+\.[0-9]+s" "$T/$1.serial" | head -1 | sed -E 's/.*t=([0-9.]+)s/\1/'; }

# rate_ok NAME HZ: ticks 1 and 11 lie 10/HZ s apart on the guest's clock (±10%).
rate_ok() {
	local t1 t11
	t1=$(tick_time "$1" 1) t11=$(tick_time "$1" 11)
	[ -n "$t1" ] && [ -n "$t11" ] || { echo "    (tick 1 or tick 11 missing)"; return 1; }
	awk -v a="$t1" -v b="$t11" -v hz="$2" 'BEGIN {
		want = 10 / hz; got = b - a
		printf "    (ticks 1..11 took %.2f s of guest time, want %.2f s)\n", got, want
		exit !(got > want * 0.9 && got < want * 1.1) }'
}

# stats_agree NAME: the hypervisor's final summary equals the guest's last
# VDEV_HC_STATS reading, plus the one fatal access beyond RAM.
stats_agree() {
	local g h
	g=$(grep -aoE '^hostile: stats: .*' "$T/$1.serial" | sed -E \
		's/.*bad_hypercalls=([0-9]+) msr_refused=([0-9]+) cr_refused=([0-9]+) io_refused=([0-9]+) priv_refused=([0-9]+) ept_refused=([0-9]+).*/\1 \2 \3 \4 \5 \6/')
	h=$(grep -aoE '^amber: summary: .*' "$T/$1.serial" | tail -1 | sed -E \
		's/.*hypercalls=([0-9]+) msr=([0-9]+) cr=([0-9]+) io=([0-9]+) priv=([0-9]+) ept=([0-9]+).*/\1 \2 \3 \4 \5 \6/')
	read -r g1 g2 g3 g4 g5 g6 <<<"$g"
	[ "$h" = "$g1 $g2 $g3 $g4 $g5 $((g6 + 1))" ] && return 0
	echo "    (guest read '$g', hypervisor summary '$h')"
	return 1
}

echo "default program at tick_hz=10: greeting, ticks, echo"
fifo=$T/guest.in; rm -f "$fifo"; mkfifo "$fifo"
exec 3<>"$fifo"        # keeps the engine's stdin open until we type
ENGINE_STDIN=$fifo engine_start default --engine bochs --timeout 300 --cmdline "guest=default tick_hz=10"
check "greeting with epoch and RAM" \
	wait_for default 'guest: hello from the Amber guest \(epoch [0-9]+, RAM [0-9]+ MiB\)' 120
check "at least 11 ticks" wait_for default 'tick 11 t=[0-9]+\.[0-9]+s' 120
check "10 Hz on the guest's monotonic clock" rate_ok default 10
printf 'echo-me-42 please\n' >&3
check "a console line is echoed" wait_for default 'echo: echo-me-42 please' 60
printf 'second\r\n' >&3
check "and the next one" wait_for default 'echo: second$' 60
check "no guest panic" bash -c "! grep -aq 'guest: panic' '$T/default.serial'"
engine_kill default
exec 3>&-

echo "default program at the default tick_hz (4)"
engine_start default4 --engine bochs --timeout 300 --cmdline "guest=default"
check "greeting" wait_for default4 'guest: hello from the Amber guest' 120
check "at least 11 ticks" wait_for default4 'tick 11 t=' 120
check "4 Hz on the guest's monotonic clock" rate_ok default4 4
engine_kill default4

echo "hostile program: every attack refused, the hypervisor survives"
engine_start hostile --engine bochs --timeout 300 --cmdline "guest=hostile mem=64"
check "summary line" wait_for hostile 'hostile: summary: [0-9]+ attacks' 180
check "every attack refused" \
	grep -aqE 'hostile: summary: ([0-9]+) attacks, \1 refused, 0 not refused' "$T/hostile.serial"
check "no attack line says NOT REFUSED" bash -c "! grep -a 'NOT REFUSED' '$T/hostile.serial'"
check "a truncated hypercall number did not run" \
	bash -c "! grep -aq 'HYPERCALL NUMBER WAS TRUNCATED' '$T/hostile.serial'"
check "hypervisor counted refusals" \
	wait_for hostile 'hostile: stats: bad_hypercalls=[1-9][0-9]* msr_refused=[1-9]' 5
check "last attack: write beyond RAM" wait_for hostile 'hostile: last attack: write to gpa' 30
check "hypervisor reports the EPT violation at the first byte beyond RAM" \
	wait_for hostile '^amber: guest fault: EPT violation at GPA 0*4000000' 60
check "hypervisor's refusal summary counts it" \
	wait_for hostile '^amber: summary: .*refused: .*ept=1( |$)' 30
check "its counts agree with what the guest read from VDEV_HC_STATS" stats_agree hostile
check "the write beyond RAM did not complete" \
	bash -c "! grep -aq 'write beyond RAM: NOT REFUSED' '$T/hostile.serial'"
check "the hypervisor says it is still running" \
	wait_for hostile '^amber: the hypervisor is still running; the guest is stopped' 30
check "and it is" kill -0 "${PGID[hostile]}"
finish
