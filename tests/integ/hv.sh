#!/usr/bin/env bash
# tests/integ/hv.sh — the hypervisor runs a guest in Bochs: the minimal test
# guest (tests/hv/guest-min) prints through hypercalls, is refused what it
# may not do, takes timer and console interrupts and shuts down; a hostile
# guest is stopped while the hypervisor stays up; a broken kernel module is
# reported by name, offset and value.
. "$(dirname "$0")/lib.sh"
ISO=$TOP/build/amber-hvtest.iso

echo "bochs: test guest runs, is refused, takes interrupts, shuts down"
fifo=$T/hv.in; rm -f "$fifo"; mkfifo "$fifo"
exec 3<>"$fifo"
ENGINE_STDIN=$fifo engine_start hv --engine bochs --iso "$ISO" --timeout 120
check "guest launched" wait_for hv '^amber: launching the guest at 100000' 60
check "guest prints through VDEV_HC_CONSOLE_WRITE" wait_for hv '^guest-min: hello' 30
check "boot info valid" wait_for hv '^guest-min: boot info magic: ok' 5
check "pvm module listed in boot info" wait_for hv '^guest-min: modules=1' 5
check "CPUID hypervisor leaf" wait_for hv '^guest-min: cpuid signature AmberAmberAm: ok' 5
check "CPUID policy hides VMX" wait_for hv '^guest-min: cpuid hides VMX, shows SSE2 and hypervisor: ok' 5
check "allowed RDMSR (EFER)" wait_for hv '^guest-min: rdmsr efer has LME\|LMA: ok' 5
check "CR4 read shadow hides VMXE" wait_for hv '^guest-min: cr4 hides VMXE: ok' 5
check "MOV to/from CR3 emulated" wait_for hv '^guest-min: cr3 reload: ok' 5
check "MSR, port and CR refusals are #GP" wait_for hv '^guest-min: 4 refusals became #GP: ok' 5
check "VMX instruction is #UD" wait_for hv '^guest-min: vmxoff became #UD: ok' 5
check "unknown hypercall ENOSYS" wait_for hv '^guest-min: unknown hypercall is ENOSYS: ok' 5
check "range beyond RAM EFAULT" wait_for hv '^guest-min: console write beyond RAM is EFAULT: ok' 5
check "over-long write E2BIG" wait_for hv '^guest-min: console write too long is E2BIG: ok' 5
check "snapshot calls EAGAIN" wait_for hv '^guest-min: snapshot request is EAGAIN: ok' 5
check "stats: msr_refused=2" wait_for hv '^guest-min: stats msr_refused=2$' 5
check "stats: io_refused=1" wait_for hv '^guest-min: stats io_refused=1$' 5
check "stats: cr_refused=1" wait_for hv '^guest-min: stats cr_refused=1$' 5
check "stats: priv_refused=1" wait_for hv '^guest-min: stats priv_refused=1$' 5
check "stats: bad_hypercalls=3" wait_for hv '^guest-min: stats bad_hypercalls=3$' 5
check "write-protect round trip" wait_for hv '^guest-min: write after write-protect landed: ok' 10
check "wall clock from the RTC" wait_for hv '^guest-min: wall clock after 2020: ok' 10
check "three timer interrupts after HLT" wait_for hv '^guest-min: tick 3' 30
check "monotonic clock advances" wait_for hv '^guest-min: 30 ms of mono time passed: ok' 10
check "guest waits for input" wait_for hv '^guest-min: type a line' 10
printf 'typed-hv-line\n' >&3
check "console input via VDEV_VEC_CONSOLE" wait_for hv '^guest-min: got typed-hv-line' 30
check "shutdown reported with its code" wait_for hv '^amber: guest shutdown code=7' 10
check "refusal summary" wait_for hv '^amber: summary: exits=[0-9]+ refused: hypercalls=4 msr=2 cr=1 io=1 priv=1 ept=0' 5
check "powers off" wait_for hv '^amber: power off' 10
check "engine exits by itself" wait_exit hv 30
check "no guest check failed" bash -c "! grep -q ': FAIL' '$T/hv.serial'"
exec 3>&-

echo "bochs: a hostile guest is stopped, the hypervisor stays up"
fifo=$T/hvh.in; rm -f "$fifo"; mkfifo "$fifo"
exec 3<>"$fifo"
ENGINE_STDIN=$fifo engine_start hvh --engine bochs --iso "$ISO" --timeout 120 --cmdline "guest=hostile"
check "hostile guest starts" wait_for hvh '^guest-min: hostile: writing beyond guest RAM' 60
check "guest fault names GPA and RIP" wait_for hvh '^amber: guest fault: EPT violation at GPA 000000003fe00000, RIP [0-9a-f]{16}: write access' 20
check "guest stopped with reason" wait_for hvh '^amber: guest stopped: access outside guest RAM' 5
check "summary counts the EPT refusal" wait_for hvh '^amber: summary: .* ept=1' 5
check "hypervisor says it still runs" wait_for hvh '^amber: the hypervisor is still running; the guest is stopped' 5
check "the guest never continued" bash -c "! grep -q 'hostile: FAIL' '$T/hvh.serial'"
printf 'still-alive-77\n' >&3
check "hypervisor still answers the console" wait_for hvh 'still-alive-77' 30
engine_kill hvh
exec 3>&-

echo "bochs: a guest that triple-faults or halts for ever is stopped cleanly"
engine_start triple --engine bochs --iso "$TOP/build/amber-hvtest-triple.iso" --timeout 120
check "guest about to triple-fault" wait_for triple '^guest-min: triple fault next' 60
check "triple fault reported" wait_for triple '^amber: guest stopped: triple fault' 20
check "hypervisor stays up" wait_for triple '^amber: the hypervisor is still running; the guest is stopped' 5
engine_kill triple
engine_start clihlt --engine bochs --iso "$TOP/build/amber-hvtest-clihlt.iso" --timeout 120
check "guest about to cli; hlt" wait_for clihlt '^guest-min: cli; hlt next' 60
check "HLT with IF=0 reported" wait_for clihlt '^amber: guest stopped: HLT with interrupts disabled' 20
check "hypervisor stays up" wait_for clihlt '^amber: the hypervisor is still running; the guest is stopped' 5
engine_kill clihlt

echo "bochs: a broken or empty kernel module is refused by name"
engine_start bad --engine bochs --iso "$TOP/build/amber-hvtest-badelf.iso" --timeout 120
check "ELF error names module, offset, value" \
	wait_for bad "^amber: error: module 'guest': program headers outside the image at offset 32 \(value 40\)" 60
check "hypervisor stays up without a guest" wait_for bad '^amber: no guest running; the hypervisor stays up' 10
engine_kill bad
engine_start empty --engine bochs --iso "$TOP/build/amber-hvtest-empty.iso" --timeout 120
check "empty guest module named" wait_for empty "^amber: no guest: the GRUB module 'guest' is empty" 60
check "hypervisor stays up without a guest" wait_for empty '^amber: no guest running; the hypervisor stays up' 10
engine_kill empty
finish
