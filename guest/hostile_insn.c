/*
 * guest/hostile_insn.c — the hostile program's instruction attacks: MSRs,
 * control registers, port I/O, VMX and other instructions only the
 * hypervisor may execute, and a VMCALL from CPL 3 (guest/hostile.c says
 * how they are judged).
 *
 * Each instruction is wrapped in PROBE() (guest/trap.h), so the exception
 * the hypervisor injects comes back as a value instead of a panic. The
 * VDEV_HC_STATS counter of the attack's kind is read before and after, to
 * tell a refusal by the hypervisor from one by the CPU itself.
 */
#include <stddef.h>
#include "guest/fmt.h"
#include "guest/hostile_int.h"
#include "guest/hypercall.h"
#include "guest/trap.h"
#include "guest/user.h"
#include "guest/x86.h"

/*
 * Each returns nonzero when the forbidden effect is visible afterwards
 * (a control register that did change), whatever exception came.
 */
typedef int insn_fn(uint64_t a, uint64_t b);

static int i_rdmsr(uint64_t msr, uint64_t b)
{
	uint32_t lo, hi;
	(void)b;
	__asm__ volatile(PROBE("rdmsr") : "=a"(lo), "=d"(hi) : "c"((uint32_t)msr) : "memory");
	return 0;
}

static int i_wrmsr(uint64_t msr, uint64_t v)
{
	__asm__ volatile(PROBE("wrmsr")::"c"((uint32_t)msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)) : "memory");
	return 0;
}

static int i_cr4_set(uint64_t bit, uint64_t b)
{
	(void)b;
	uint64_t v = rcr4() | bit;
	__asm__ volatile(PROBE("mov %0, %%cr4")::"r"(v) : "memory");
	return (rcr4() & bit) != 0;
}

static int i_cr4_clear(uint64_t bit, uint64_t b)
{
	(void)b;
	uint64_t v = rcr4() & ~bit;
	__asm__ volatile(PROBE("mov %0, %%cr4")::"r"(v) : "memory");
	return (rcr4() & bit) == 0;
}

static int i_cr0_clear(uint64_t bit, uint64_t b)
{
	(void)b;
	uint64_t v = rcr0() & ~bit;
	__asm__ volatile(PROBE("mov %0, %%cr0")::"r"(v) : "memory");
	return (rcr0() & bit) == 0;
}

static int i_outb(uint64_t port, uint64_t v)
{
	__asm__ volatile(PROBE("outb %b0, %w1")::"a"(v), "d"(port) : "memory");
	return 0;
}

static int i_outw(uint64_t port, uint64_t v)
{
	__asm__ volatile(PROBE("outw %w0, %w1")::"a"(v), "d"(port) : "memory");
	return 0;
}

static int i_outl(uint64_t port, uint64_t v)
{
	__asm__ volatile(PROBE("outl %k0, %w1")::"a"(v), "d"(port) : "memory");
	return 0;
}

static int i_inb(uint64_t port, uint64_t b)
{
	uint8_t v;
	(void)b;
	__asm__ volatile(PROBE("inb %w1, %b0") : "=a"(v) : "d"(port) : "memory");
	return 0;
}

static int i_inw(uint64_t port, uint64_t b)
{
	uint16_t v;
	(void)b;
	__asm__ volatile(PROBE("inw %w1, %w0") : "=a"(v) : "d"(port) : "memory");
	return 0;
}

/* Bochs powers off once "Shutdown" has been written to port 0x8900. */
static int i_bochs_shutdown(uint64_t port, uint64_t b)
{
	static const char s[] = "Shutdown";
	int passed = 0;
	(void)b;
	for (int i = 0; s[i]; i++) {
		probe_arm();
		i_outb(port, (uint8_t)s[i]);
		passed += probe_result().vec < 0;
	}
	return passed;
}

static int i_outsb(uint64_t port, uint64_t n)
{
	const void *src = hostile_msg;
	__asm__ volatile(PROBE("rep outsb") : "+S"(src), "+c"(n) : "d"(port) : "memory");
	return 0;
}

static int i_vmxon(uint64_t a, uint64_t b)
{
	(void)b;
	__asm__ volatile(PROBE("vmxon (%0)")::"r"(a) : "memory", "cc");
	return 0;
}

#define SIMPLE_INSN(fn, insn) \
	static int fn(uint64_t a, uint64_t b) \
	{ \
		(void)a, (void)b; \
		__asm__ volatile(PROBE(insn)::: "memory", "cc"); \
		return 0; \
	}
SIMPLE_INSN(i_vmxoff, "vmxoff")
SIMPLE_INSN(i_vmlaunch, "vmlaunch")
SIMPLE_INSN(i_vmresume, "vmresume")
SIMPLE_INSN(i_invd, "invd")

static int i_vmptr(uint64_t op, uint64_t a)
{
	switch (op) {
	case 0: __asm__ volatile(PROBE("vmclear (%0)")::"r"(a) : "memory", "cc"); break;
	case 1: __asm__ volatile(PROBE("vmptrld (%0)")::"r"(a) : "memory", "cc"); break;
	default: __asm__ volatile(PROBE("vmptrst (%0)")::"r"(a) : "memory", "cc"); break;
	}
	return 0;
}

#define VMCS_GUEST_RIP 0x681eull   /* SDM Vol. 3D Appendix B.4.3 */

static int i_vmread(uint64_t field, uint64_t b)
{
	uint64_t v = 0;
	(void)b;
	__asm__ volatile(PROBE("vmread %1, %0") : "+r"(v) : "r"(field) : "memory", "cc");
	return 0;
}

static int i_vmwrite(uint64_t field, uint64_t v)
{
	__asm__ volatile(PROBE("vmwrite %1, %0")::"r"(field), "r"(v) : "memory", "cc");
	return 0;
}

static int i_invept(uint64_t type, uint64_t desc)
{
	__asm__ volatile(PROBE("invept (%1), %0")::"r"(type), "r"(desc) : "memory", "cc");
	return 0;
}

static int i_invvpid(uint64_t type, uint64_t desc)
{
	__asm__ volatile(PROBE("invvpid (%1), %0")::"r"(type), "r"(desc) : "memory", "cc");
	return 0;
}

static int i_vmfunc(uint64_t leaf, uint64_t index)
{
	__asm__ volatile(PROBE("vmfunc")::"a"(leaf), "c"(index) : "memory", "cc");
	return 0;
}

static int i_getsec(uint64_t leaf, uint64_t b)
{
	(void)b;
	__asm__ volatile(PROBE("getsec")::"a"(leaf) : "rbx", "rcx", "memory", "cc");
	return 0;
}

static int i_rdpmc(uint64_t counter, uint64_t b)
{
	uint32_t lo, hi;
	(void)b;
	__asm__ volatile(PROBE("rdpmc") : "=a"(lo), "=d"(hi) : "c"((uint32_t)counter) : "memory");
	return 0;
}

static int i_xsetbv(uint64_t xcr, uint64_t v)
{
	__asm__ volatile(PROBE("xsetbv")::"c"((uint32_t)xcr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)) : "memory");
	return 0;
}

static int i_monitor(uint64_t addr, uint64_t b)
{
	(void)b;
	__asm__ volatile(PROBE("monitor")::"a"(addr), "c"(0), "d"(0) : "memory");
	return 0;
}

static int i_mwait(uint64_t hints, uint64_t b)
{
	(void)b;
	__asm__ volatile(PROBE("mwait")::"a"(hints), "c"(0) : "memory");
	return 0;
}

static int i_cr8_read(uint64_t a, uint64_t b)
{
	uint64_t v = 0;
	(void)a, (void)b;
	__asm__ volatile(PROBE("mov %%cr8, %0") : "+r"(v)::"memory");
	return 0;
}

static int i_cr8_write(uint64_t v, uint64_t b)
{
	(void)b;
	__asm__ volatile(PROBE("mov %0, %%cr8")::"r"(v) : "memory");
	return 0;
}

#define STAT(f) offsetof(struct vdev_stats, f)

struct insn_attack {
	const char *name;
	int want;             /* T_GP or T_UD */
	size_t stat;          /* the vdev_stats counter of this kind of refusal */
	insn_fn *fn;
	uint64_t a, b;
};

static uint64_t stat_of(const struct vdev_stats *s, size_t off)
{
	return *(const uint64_t *)((const char *)s + off);
}

static void run_insn(const struct insn_attack *a)
{
	struct vdev_stats before = { 0 }, after = { 0 };
	char how[120];
	hc_stats(&before);
	probe_arm();
	int leaked = a->fn(a->a, a->b);
	struct probe_result r = probe_result();
	hc_stats(&after);
	uint64_t counted = stat_of(&after, a->stat) - stat_of(&before, a->stat);
	int refused;
	if (leaked) {
		refused = 0;
		ksnprintf(how, sizeof how, "%s, yet the forbidden change took effect",
			  r.vec < 0 ? "no exception" : trap_name(r.vec));
	} else if (r.vec == a->want) {
		refused = 1;
		ksnprintf(how, sizeof how, "%.3s%s", trap_name(r.vec),
			  counted ? ", counted" : ", by the CPU itself");
	} else if (r.vec >= 0) {
		refused = 1;
		hostile_deviations++;
		ksnprintf(how, sizeof how, "%s, but the contract says %.3s", trap_name(r.vec),
			  trap_name(a->want));
	} else if (counted) {
		/* The contract names an exception; a silent refusal is one still. */
		refused = 1;
		hostile_deviations++;
		ksnprintf(how, sizeof how, "no exception but counted in stats; the contract says %.3s",
			  trap_name(a->want));
	} else {
		refused = 0;
		ksnprintf(how, sizeof how, "completed without an exception or a count");
	}
	hostile_verdict(a->name, refused, how);
}

void hostile_insn_attacks(void)
{
	static uint8_t desc[16] __attribute__((aligned(16)));
	const uint64_t pg = GPA(hostile_page), d = GPA(desc);
	const struct insn_attack list[] = {
		{ "rdmsr 0x3a IA32_FEATURE_CONTROL", T_GP, STAT(msr_refused), i_rdmsr, 0x3a, 0 },
		{ "wrmsr 0x3a IA32_FEATURE_CONTROL=0 (unlock VMX)", T_GP, STAT(msr_refused), i_wrmsr, 0x3a, 0 },
		{ "rdmsr 0x480 IA32_VMX_BASIC", T_GP, STAT(msr_refused), i_rdmsr, 0x480, 0 },
		{ "rdmsr 0x48b IA32_VMX_PROCBASED_CTLS2", T_GP, STAT(msr_refused), i_rdmsr, 0x48b, 0 },
		{ "rdmsr 0x9b IA32_SMM_MONITOR_CTL", T_GP, STAT(msr_refused), i_rdmsr, 0x9b, 0 },
		{ "wrmsr 0x1b IA32_APIC_BASE=0 (disable the host APIC)", T_GP, STAT(msr_refused), i_wrmsr, 0x1b, 0 },
		{ "wrmsr 0x79 IA32_BIOS_UPDT_TRIG (load microcode)", T_GP, STAT(msr_refused), i_wrmsr, 0x79, pg },
		{ "wrmsr 0xc0000080 IA32_EFER=0 (leave long mode)", T_GP, STAT(msr_refused), i_wrmsr, 0xc0000080, 0 },
		{ "rdmsr 0x12345678 (no such MSR)", T_GP, STAT(msr_refused), i_rdmsr, 0x12345678, 0 },
		{ "mov to cr4 setting VMXE", T_GP, STAT(cr_refused), i_cr4_set, CR4_VMXE, 0 },
		{ "mov to cr4 clearing PAE", T_GP, STAT(cr_refused), i_cr4_clear, CR4_PAE, 0 },
		{ "mov to cr0 clearing PG", T_GP, STAT(cr_refused), i_cr0_clear, CR0_PG, 0 },
		{ "outb 'Shutdown' to 0x8900 (Bochs power-off port)", T_GP, STAT(io_refused), i_bochs_shutdown, 0x8900, 0 },
		{ "outw 0x2000 to 0x604 (QEMU ACPI power-off)", T_GP, STAT(io_refused), i_outw, 0x604, 0x2000 },
		{ "outb 0x06 to 0xcf9 (PCI reset)", T_GP, STAT(io_refused), i_outb, 0xcf9, 0x06 },
		{ "outb 0xfe to 0x64 (keyboard controller reset)", T_GP, STAT(io_refused), i_outb, 0x64, 0xfe },
		{ "outb 0x01 to 0x92 (fast reset)", T_GP, STAT(io_refused), i_outb, 0x92, 0x01 },
		{ "inb from 0x3f8 (COM1 data: steal console input)", T_GP, STAT(io_refused), i_inb, 0x3f8, 0 },
		{ "outb to 0x3f8 (write COM1 behind the hypervisor)", T_GP, STAT(io_refused), i_outb, 0x3f8, '!' },
		{ "inb from 0x1f7 (disk status)", T_GP, STAT(io_refused), i_inb, 0x1f7, 0 },
		{ "inw from 0x1f0 (disk data)", T_GP, STAT(io_refused), i_inw, 0x1f0, 0 },
		{ "outl 0x80000000 to 0xcf8 (PCI config address)", T_GP, STAT(io_refused), i_outl, 0xcf8, 0x80000000 },
		{ "rep outsb to 0xe9 (Bochs debug port, string I/O)", T_GP, STAT(io_refused), i_outsb, 0xe9, 8 },
		{ "vmxon", T_UD, STAT(priv_refused), i_vmxon, pg, 0 },
		{ "vmxoff", T_UD, STAT(priv_refused), i_vmxoff, 0, 0 },
		{ "vmclear", T_UD, STAT(priv_refused), i_vmptr, 0, pg },
		{ "vmptrld", T_UD, STAT(priv_refused), i_vmptr, 1, pg },
		{ "vmptrst", T_UD, STAT(priv_refused), i_vmptr, 2, pg },
		{ "vmread GUEST_RIP", T_UD, STAT(priv_refused), i_vmread, VMCS_GUEST_RIP, 0 },
		{ "vmwrite GUEST_RIP", T_UD, STAT(priv_refused), i_vmwrite, VMCS_GUEST_RIP, 0 },
		{ "vmlaunch", T_UD, STAT(priv_refused), i_vmlaunch, 0, 0 },
		{ "vmresume", T_UD, STAT(priv_refused), i_vmresume, 0, 0 },
		{ "invept (all contexts)", T_UD, STAT(priv_refused), i_invept, 2, d },
		{ "invvpid (all contexts)", T_UD, STAT(priv_refused), i_invvpid, 2, d },
		{ "vmfunc 0 (EPTP switching)", T_UD, STAT(priv_refused), i_vmfunc, 0, 0 },
		{ "getsec (SMX capabilities)", T_UD, STAT(priv_refused), i_getsec, 0, 0 },
		{ "invd (discard caches without writing back)", T_UD, STAT(priv_refused), i_invd, 0, 0 },
		{ "rdpmc 0 (performance counter)", T_UD, STAT(priv_refused), i_rdpmc, 0, 0 },
		{ "xsetbv xcr0=1", T_UD, STAT(priv_refused), i_xsetbv, 0, 1 },
		{ "monitor", T_UD, STAT(priv_refused), i_monitor, pg, 0 },
		{ "mwait", T_UD, STAT(priv_refused), i_mwait, 0, 0 },
		{ "mov from cr8", T_GP, STAT(cr_refused), i_cr8_read, 0, 0 },
		{ "mov to cr8 (raise the task priority)", T_GP, STAT(cr_refused), i_cr8_write, 15, 0 },
	};
	for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
		run_insn(&list[i]);
}

/* A VMCALL at CPL 3 is not a hypercall (vdev/ABI.md): user code must not reach devices. */
void hostile_user_attack(void)
{
	const char *name = "vmcall VDEV_HC_EPOCH from CPL 3";
	struct vdev_stats before = { 0 }, after = { 0 };
	char how[120];
	hc_stats(&before);
	struct user_result r = user_run();
	hc_stats(&after);
	uint64_t counted = after.priv_refused - before.priv_refused;
	uint64_t at = (uint64_t)(uintptr_t)user_vmcall_insn;
	if (r.rip == at && r.vec == T_UD) {
		ksnprintf(how, sizeof how, "#UD at CPL 3%s", counted ? ", counted" : "");
		hostile_verdict(name, 1, how);
	} else if (r.rip == at) {
		hostile_deviations++;
		ksnprintf(how, sizeof how, "%s at CPL 3, but the contract says #UD", trap_name(r.vec));
		hostile_verdict(name, 1, how);
	} else {
		ksnprintf(how, sizeof how, "the hypercall ran and returned 0x%llx; then %s at %llx",
			  (unsigned long long)r.rax, trap_name(r.vec), (unsigned long long)r.rip);
		hostile_verdict(name, 0, how);
	}
}
