#!/usr/bin/env bash
# tests/integ/boot.sh — the ISO boots on both engines and says the truth
# about VT-x; bad command lines and killed engines are handled cleanly.
. "$(dirname "$0")/lib.sh"

echo "bochs: banner, VT-x capabilities, console echo"
fifo=$T/boot.in; rm -f "$fifo"; mkfifo "$fifo"
exec 3<>"$fifo"        # keeps the engine's stdin open until we type
ENGINE_STDIN=$fifo engine_start bochs --engine bochs --timeout 120 --cmdline "guest=default"
check "banner on COM1" wait_for bochs '^amber: Amber hypervisor' 60
check "VT-x with EPT, A/D and PML" wait_for bochs '^amber: vt-x: vmx=yes ept=yes ad=yes pml=yes' 30
check "reaches ready" wait_for bochs '^amber: ready' 30
check "multiboot2 memory map reported" wait_for bochs '^amber: mem total available [0-9]+ MiB' 1
printf 'typed-line-42\n' >&3
check "serial input is echoed" wait_for bochs 'typed-line-42' 30
pg=${PGID[bochs]}
engine_kill bochs
exec 3>&-
sleep 0.5
check "SIGKILL of the process group leaves no engine behind" \
	bash -c "! ps -o stat= -g $pg | grep -qv '^Z'"   # zombies are dead, awaiting reaping

echo "qemu (no VT-x): clear error, then the engine stops by itself"
engine_start qemu --engine qemu --timeout 120
check "no-VT-x error names CPUID bit" wait_for qemu '^amber: error: this CPU has no VT-x \(CPUID.1:ECX.VMX\[bit 5\] = 0\)' 60
check "powers off" wait_for qemu '^amber: power off' 10
check "engine exits by itself" wait_exit qemu 30

echo "qemu: a bad command line is an error, not a hang"
engine_start badcmd --engine qemu --timeout 120 --cmdline "mem=99999 bogus"
check "bad mem= named" wait_for badcmd '^amber: error: command line: option mem=99999: want a number in 16..3072' 60
check "engine exits by itself" wait_exit badcmd 30
engine_start badopt --engine qemu --timeout 120 --cmdline "frobnicate=1"
check "unknown option named" wait_for badopt "^amber: error: command line: unknown option 'frobnicate'" 60
check "engine exits by itself" wait_exit badopt 30

echo "amber-run: bad flags are refused with a message"
check "unknown flag" bash -c "$TOP/tools/amber-run --bogus 2>&1 | grep -q \"unknown argument '--bogus'\""
check "bad engine" bash -c "$TOP/tools/amber-run --engine vmware 2>&1 | grep -q 'want auto, bochs, qemu-kvm or qemu'"
check "missing ISO" bash -c "$TOP/tools/amber-run --iso /nonexistent.iso 2>&1 | grep -q \"ISO '/nonexistent.iso' not found\""
check "--mem beyond what Bochs holds" bash -c "$TOP/tools/amber-run --engine bochs --mem 4096 2>&1 | grep -q 'Bochs holds at most 2048 MiB'"
finish
