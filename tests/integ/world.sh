#!/usr/bin/env bash
# tests/integ/world.sh — the persistent world in Bochs (guest=pvm):
#   1. ru.dz.phantom.system.regression_tests prints the five lines of spec
#      §8.4 inside the guest, byte for byte (amber.test.regress calls its
#      method 19 with the boot object);
#   2. the default world (amber.world.init) on a disk: greeting, ticks from a
#      sleeping thread, a notebook line answered by a thread blocked on
#      console input; killed and booted again it continues (restored, ticks
#      go on, restarts: 1, no second greeting) and a line typed after the
#      restore reaches the thread that was waiting when the snapshot was
#      taken (the garbage collector in the guest: world-garbage.sh, make torture);
#   3. boot.waitDurable on a disk with console=direct: the program's line
#      "durable: gen=G" comes after the hypervisor's "gen=G committed"
#      (unheld output, so only the wait can order them); without a disk
#      the call throws;
#   4. refusals: a damaged class file, a missing pvm= class, a class that
#      panics: a clear message on COM1, the hypervisor unharmed.
. "$(dirname "$0")/lib.sh"
CLASSES=$TOP/build/tests/world
strip() { tr -d '\r' < "$T/$1.serial"; }
# Types a line as a person would, a byte at a time: the hypervisor polls
# COM1, and while it is busy writing a snapshot more than the UART's 16-byte
# FIFO of input is lost (a hypervisor limit, not the world's).
type_line() { local s=$1 i; for ((i = 0; i < ${#s}; i++)); do printf '%s' "${s:i:1}" >&3; sleep 0.1; done; printf '\n' >&3; }

echo "regression_tests inside the guest"
engine_start wregress --engine bochs --timeout 200 --classes "$CLASSES" --cmdline "guest=pvm pvm=amber.test.regress"
check "the world runs the class" wait_for wregress '^world: every thread of amber.test.regress has ended' 150
printf 'Phantom language regression tests are running\nChecking flow control operators... passed\nChecking int math... passed\nChecking arrays... Beeping: beep two! beep one! beep zero! \npassed\n' > "$T/wregress.want"
strip wregress | sed -n '/^world: .* running amber.test.regress$/,/^world: every thread/p' | sed '1d;$d' > "$T/wregress.got"
check "the five lines of spec 8.4, byte for byte" cmp "$T/wregress.want" "$T/wregress.got"
engine_kill wregress

echo "float and double bytecodes in the guest (SSE in the PVM, not in the trap path)"
"$TOP/build/tools/pvm-run" -C "$TOP/build/tests/pvm/pc" t.prefix > "$T/wfloat.want"; echo >> "$T/wfloat.want"
engine_start wfloat --engine bochs --timeout 200 --classes "$TOP/build/tests/pvm/pc" --cmdline "guest=pvm pvm=t.prefix"
check "the world runs t.prefix" wait_for wfloat '^world: every thread of t.prefix has ended' 150
# (the guest also shows the PVM's log channel, "pvm: ...", which pvm-run drops)
strip wfloat | sed -n '/^world: .* running t.prefix$/,/^world: every thread/p' | sed '1d;$d' | grep -av '^pvm: ' > "$T/wfloat.got"
check "the same text as pvm-run on the host" cmp "$T/wfloat.want" "$T/wfloat.got"
engine_kill wfloat

echo "a phc-compiled program in the world (--classes with .ph sources)"
engine_start whello --engine bochs --timeout 200 --classes "$TOP/examples" --cmdline "guest=pvm pvm=amber.examples.hello"
check "examples/hello.ph, compiled into the class image, greets inside the guest" wait_for whello '^Hello, world!' 150
engine_kill whello

echo "the default world survives a kill"
disk=$T/world.img; rm -f "$disk"
fifo=$T/world.in; rm -f "$fifo"; mkfifo "$fifo"
exec 3<>"$fifo"
ENGINE_STDIN=$fifo engine_start world1 --engine bochs --timeout 300 --disk "$disk" --cmdline "guest=pvm snap_ms=300 format"
check "greeting" wait_for world1 '^Amber world: hello!' 150
check "ticks from the sleeping thread" wait_for world1 '^world: tick 3, notes: 0, restarts: 0$' 60
type_line 'set colour deep blue'
check "the reader thread answers a note" wait_for world1 '^notebook: colour = deep blue$' 60
check "ticks count the note" wait_for world1 '^world: tick [0-9]+, notes: 1, restarts: 0$' 30
# two commits after the note: the generation holding it is on disk
base=$(grep -ac 'committed' "$T/world1.serial")
end=$((SECONDS + 60))
while [ $SECONDS -lt $end ] && [ "$(grep -ac 'committed' "$T/world1.serial")" -lt $((base + 2)) ]; do sleep 0.2; done
last=$(strip world1 | grep -oE '^world: tick [0-9]+' | tail -1 | grep -oE '[0-9]+$')
engine_kill world1
ENGINE_STDIN=$fifo engine_start world2 --engine bochs --timeout 300 --disk "$disk" --cmdline "guest=pvm snap_ms=300 format"
check "restored from the disk" wait_for world2 '^amber: restored gen=' 150
check "the ticker continues, sees one restart and the note" wait_for world2 '^world: tick [0-9]+, notes: 1, restarts: 1$' 60
first=$(strip world2 | grep -oE '^world: tick [0-9]+' | head -1 | grep -oE '[0-9]+$')
check "its count went on from where it was (last $last before the kill, first $first after)" \
	test "${first:-0}" -gt 0 -a "${first:-0}" -le $((last + 1))
check "nothing was re-initialised: no second greeting" bash -c "! grep -aq '^Amber world: hello' '$T/world2.serial'"
type_line 'get colour'
check "a line typed after the restore reaches the waiting reader" wait_for world2 '^notebook: colour = deep blue$' 60
engine_kill world2
exec 3>&-

echo "a program waits until its effect is durable (boot.waitDurable)"
ddisk=$T/durable.img; rm -f "$ddisk"
engine_start wdurable --engine bochs --timeout 200 --disk "$ddisk" --classes "$CLASSES" \
	--cmdline "guest=pvm pvm=amber.test.durable console=direct format"
check "the program gets a generation" wait_for wdurable '^durable: gen=[0-9]+$' 150
g=$(strip wdurable | grep -aoE '^durable: gen=[0-9]+$' | head -1 | grep -oE '[0-9]+$')
committed_at=$(strip wdurable | grep -anE "^amber: snapshot gen=${g:-x} committed" | head -1 | cut -d: -f1)
said_at=$(strip wdurable | grep -anE "^durable: gen=${g:-x}$" | head -1 | cut -d: -f1)
check "gen ${g:-?} committed (line ${committed_at:-none}) before the program said so (line ${said_at:-none})" \
	test -n "$committed_at" -a -n "$said_at" -a "${committed_at:-0}" -lt "${said_at:-0}"
engine_kill wdurable
rm -f "$ddisk"
engine_start wnodisk --engine bochs --timeout 200 --classes "$CLASSES" --cmdline "guest=pvm pvm=amber.test.durable"
check "without a snapshot disk the call throws, saying why" \
	wait_for wnodisk '^world: amber.test.durable stopped: .*waitDurable: no snapshot disk, so nothing can be made durable' 150
engine_kill wnodisk

echo "refusals"
bad=$T/badclasses; rm -rf "$bad"; mkdir -p "$bad"
printf 'phfr:\x00\x00\x00\x05Cjunk' > "$bad/amber.bad.pc"
engine_start wdamaged --engine bochs --timeout 200 --classes "$bad" --cmdline "guest=pvm"
check "a damaged class file is named with its offset" \
	wait_for wdamaged "^world: error: class image: entry 'amber.bad.pc' at offset [0-9]+ \(data at [0-9]+\): " 150
check "the guest stops; the hypervisor reports it" wait_for wdamaged '^amber: guest shutdown code=3' 30
engine_kill wdamaged
engine_start wmissing --engine bochs --timeout 200 --cmdline "guest=pvm pvm=no.such.Class"
check "a missing pvm= class is named" \
	wait_for wmissing "^world: error: class 'no.such.Class' \(pvm=no.such.Class\) is not in the class image" 150
check "the guest stops; the hypervisor reports it" wait_for wmissing '^amber: guest shutdown code=3' 30
engine_kill wmissing
engine_start wpanic --engine bochs --timeout 200 --classes "$CLASSES" --cmdline "guest=pvm pvm=amber.test.panic"
check "a class that panics: its message" wait_for wpanic '^world: amber.test.panic stopped: ' 150
check "and the world idles, the hypervisor unharmed" wait_for wpanic '^world: idle' 30
check "no guest or hypervisor fault" bash -c "! grep -aqE 'guest fault|guest: panic|amber: error' '$T/wpanic.serial'"
engine_kill wpanic
finish
