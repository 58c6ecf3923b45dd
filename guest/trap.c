/*
 * guest/trap.c — the IDT and the C side of every interrupt and exception.
 *
 * Exceptions are kernel bugs unless they hit a probe (guest/trap.h) or
 * come from the hostile program's trip to CPL 3 (guest/user.h): the
 * report names the vector, error code, RIP, CR2 and all general registers,
 * then the guest asks the hypervisor to stop it. Interrupts come only from
 * the hypervisor (vdev/vdev.h): the PV timer and console input; there is
 * no local APIC to acknowledge.
 */
#include "guest/console.h"
#include "guest/hypercall.h"
#include "guest/mmu.h"
#include "guest/timer.h"
#include "guest/trap.h"
#include "guest/user.h"
#include "guest/x86.h"

extern uint64_t vectors[256];   /* guest/vectors.S */
struct probe { uint64_t insn, resume; };
extern const struct probe __probes_start[], __probes_end[];

static struct gate idt[256];
static volatile struct probe_result last_probe;
static volatile uint64_t spurious;

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t a = vectors[v];
		idt[v] = (struct gate){
			.off_lo = a & 0xffff, .sel = SEG_KCODE, .ist = v == T_DF ? 1 : 0,
			.type = GATE_INTR, .off_mid = a >> 16 & 0xffff, .off_hi = a >> 32,
		};
	}
	struct dtr d = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" ::"m"(d));
}

const char *trap_name(uint64_t vec)
{
	static const char *const names[32] = {
		"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
		"#BR bound range", "#UD invalid opcode", "#NM device not available",
		"#DF double fault", "coprocessor overrun", "#TS invalid TSS",
		"#NP segment not present", "#SS stack fault", "#GP general protection",
		"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
		"#MC machine check", "#XM SIMD error", "#VE virtualization exception",
		"#CP control protection",
	};
	if (vec < 32)
		return names[vec] ? names[vec] : "reserved";
	if (vec == VDEV_VEC_TIMER)
		return "timer";
	if (vec == VDEV_VEC_CONSOLE)
		return "console";
	return "interrupt";
}

void probe_arm(void)
{
	last_probe.vec = -1;
	last_probe.err = 0;
}

struct probe_result probe_result(void)
{
	return (struct probe_result){ last_probe.vec, last_probe.err };
}

static int probe_fixup(struct trapframe *tf)
{
	/* NMI, #DF and #MC are never caused by the probed instruction itself. */
	if (tf->vec == 2 || tf->vec == T_DF || tf->vec == 18)
		return 0;
	for (const struct probe *p = __probes_start; p < __probes_end; p++) {
		if (p->insn == tf->rip) {
			last_probe.vec = (int)tf->vec;
			last_probe.err = tf->err;
			tf->rip = p->resume;
			return 1;
		}
	}
	return 0;
}

static _Noreturn void report(struct trapframe *tf)
{
	kprintf("guest: panic: exception %llu (%s) err=0x%llx\n",
		(unsigned long long)tf->vec, trap_name(tf->vec), (unsigned long long)tf->err);
	kprintf("guest:   rip=%016llx cs=%04llx rflags=%016llx cr2=%016llx\n",
		(unsigned long long)tf->rip, (unsigned long long)tf->cs,
		(unsigned long long)tf->rflags, (unsigned long long)rcr2());
	kprintf("guest:   rsp=%016llx ss=%04llx cr0=%016llx cr3=%016llx cr4=%016llx\n",
		(unsigned long long)tf->rsp, (unsigned long long)tf->ss,
		(unsigned long long)rcr0(), (unsigned long long)rcr3(), (unsigned long long)rcr4());
	kprintf("guest:   rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n",
		(unsigned long long)tf->rax, (unsigned long long)tf->rbx,
		(unsigned long long)tf->rcx, (unsigned long long)tf->rdx);
	kprintf("guest:   rsi=%016llx rdi=%016llx rbp=%016llx  r8=%016llx\n",
		(unsigned long long)tf->rsi, (unsigned long long)tf->rdi,
		(unsigned long long)tf->rbp, (unsigned long long)tf->r8);
	kprintf("guest:    r9=%016llx r10=%016llx r11=%016llx r12=%016llx\n",
		(unsigned long long)tf->r9, (unsigned long long)tf->r10,
		(unsigned long long)tf->r11, (unsigned long long)tf->r12);
	kprintf("guest:   r13=%016llx r14=%016llx r15=%016llx\n",
		(unsigned long long)tf->r13, (unsigned long long)tf->r14,
		(unsigned long long)tf->r15);
	kprintf("guest: shutting down (code %d)\n", EXIT_PANIC);
	hc_shutdown(EXIT_PANIC);
}

void trap(struct trapframe *tf)
{
	switch (tf->vec) {
	case VDEV_VEC_TIMER:
		timer_intr();
		return;
	case VDEV_VEC_CONSOLE:
		console_intr();
		return;
	}
	if (tf->vec < 32) {
		if ((tf->cs & 3) == 3)
			user_fault(tf->vec, tf->err, tf->rip, tf->rax);
		if (probe_fixup(tf))
			return;
		report(tf);
	}
	/* Nobody sends other vectors; count them rather than die for them. */
	spurious++;
}
