/*
 * hv/exit.c — the exit-handler table and the handlers that fit in a few
 * lines (CPUID, HLT, VMCALL, refusals, stops). CR and MSR accesses are in
 * exit_cr.c and exit_msr.c. See exit.h for the return contract.
 *
 * Exits that can happen with the controls of vmx.c: exception/NMI (NMI
 * exiting only; the exception bitmap is 0), external interrupt, triple
 * fault, INIT/SIPI, interrupt window, CPUID, GETSEC, HLT, INVD, RDPMC,
 * VMCALL and every VMX instruction, CR access, I/O, RDMSR/WRMSR, entry
 * failures, MWAIT/MONITOR, EPT violation/misconfiguration, preemption
 * timer, XSETBV. Any other reason stops the guest with a report.
 */
#include "hv/cpuid.h"
#include "hv/ctl.h"
#include "hv/exit.h"
#include "hv/persist.h"
#include "hv/hv.h"
#include "hv/vcpu.h"
#include "hv/vmcs.h"
#include "hv/vmx.h"

int exit_cr_access(struct vcpu *v);
int exit_rdmsr(struct vcpu *v);
int exit_wrmsr(struct vcpu *v);

void exit_print_summary(struct vcpu *v)
{
	const struct vdev_stats *s = &v->env.stats;
	kprintf("amber: summary: exits=%llu refused: hypercalls=%llu msr=%llu cr=%llu io=%llu priv=%llu ept=%llu\n",
		(unsigned long long)v->exits, (unsigned long long)s->bad_hypercalls,
		(unsigned long long)s->msr_refused, (unsigned long long)s->cr_refused,
		(unsigned long long)s->io_refused, (unsigned long long)s->priv_refused,
		(unsigned long long)s->ept_refused);
	char line[400];
	int n = amber_snprintf(line, sizeof line, "amber: exits by reason:");
	for (unsigned r = 0; r < sizeof v->exits_by_reason / sizeof v->exits_by_reason[0]; r++)
		if (v->exits_by_reason[r] && n < (int)sizeof line)
			n += amber_snprintf(line + n, sizeof line - n, " %s=%llu", exit_reason_name(r),
					 (unsigned long long)v->exits_by_reason[r]);
	kprintf("%s\n", line);
}

int exit_stop_guest(struct vcpu *v, const char *why)
{
	kprintf("amber: guest stopped: %s\n", why);
	kprintf("amber:   rip %016llx rsp %016llx rax %016llx rdi %016llx\n",
		(unsigned long long)vmcs_readnat(VMCS_GUEST_RIP), (unsigned long long)vmcs_readnat(VMCS_GUEST_RSP),
		(unsigned long long)v->regs.rax, (unsigned long long)v->regs.rdi);
	exit_print_summary(v);
	v->stopped = 1;
	return EXIT_STOP;
}

static int do_refuse_ud(struct vcpu *v)
{
	v->env.stats.priv_refused++;
	event_inject_exception(v, VEC_UD, 0, 0);
	return EXIT_RESUME;
}

static int do_io(struct vcpu *v)
{
	/* The guest has no ports: every IN/OUT/INS/OUTS is #GP(0). */
	v->env.stats.io_refused++;
	event_inject_exception(v, VEC_GP, 1, 0);
	return EXIT_RESUME;
}

static int do_cpuid(struct vcpu *v)
{
	struct cpuid_regs r = cpuid_policy((uint32_t)v->regs.rax, (uint32_t)v->regs.rcx);
	v->regs.rax = r.eax, v->regs.rbx = r.ebx, v->regs.rcx = r.ecx, v->regs.rdx = r.edx;
	event_skip_instruction(v);
	return EXIT_RESUME;
}

/* Ignoring is correct: external interrupts stay masked at the PIC, and
 * NMIs only serve to force an exit. */
static int do_nothing(struct vcpu *v)
{
	(void)v;
	return EXIT_RESUME;
}

static int do_intr_window(struct vcpu *v)
{
	(void)v; /* event_prepare_entry injects and turns the window off */
	return EXIT_RESUME;
}

static int do_hlt(struct vcpu *v)
{
	event_skip_instruction(v);
	if (!(vmcs_readnat(VMCS_GUEST_RFLAGS) & RFLAGS_IF) && !v->pending)
		return exit_stop_guest(v, "HLT with interrupts disabled: the guest can never wake up");
	/* Idle in VMX root until the timer deadline or console input; the
	 * idle time goes to snapshot work. */
	while (!v->pending && !v->stopped) {
		event_poll(v);
		persist_work(v);
		ctl_poll(v);
		persist_unlock(); /* idle: the second CPU's writer may run */
		__asm__ volatile("pause");
	}
	if (v->stopped)
		return EXIT_STOP;
	return EXIT_RESUME;
}

static int cpl(void)
{
	return (vmcs_read32(VMCS_GUEST_SS_AR) >> 5) & 3; /* SS.DPL is the CPL (§27.3.1.2) */
}

static int do_vmcall(struct vcpu *v)
{
	if (cpl() != 0)
		return do_refuse_ud(v); /* hypercalls are for the guest kernel only */
	uint64_t a[5] = { v->regs.rdi, v->regs.rsi, v->regs.rdx, v->regs.r10, v->regs.r8 };
	int64_t ret;
	int r = vdev_hypercall(&v->env, v->regs.rax, a, &ret);
	if (r == VDEV_STOP) {
		exit_print_summary(v);
		hv_poweroff();
	}
	v->regs.rax = (uint64_t)ret;
	event_skip_instruction(v);
	return EXIT_RESUME;
}

static int do_preempt(struct vcpu *v)
{
	(void)v; /* the run loop polls the deadline and COM1 before the next entry */
	return EXIT_RESUME;
}

/* EPT violation qualification (SDM Vol. 3C §28.2.1, Table 28-7). */
#define EPTQ_READ       (1ull << 0)
#define EPTQ_WRITE      (1ull << 1)
#define EPTQ_FETCH      (1ull << 2)
#define EPTQ_READABLE   (1ull << 3)
#define EPTQ_WRITABLE   (1ull << 4)
#define EPTQ_EXECUTABLE (1ull << 5)
#define EPTQ_LA_VALID   (1ull << 7)
#define EPTQ_LA_FINAL   (1ull << 8) /* access to the final translation, not a paging structure */

static int do_ept_violation(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_INFO_EXIT_QUALIFICATION);
	uint64_t gpa = vmcs_read64(VMCS_INFO_GUEST_PHYSICAL_ADDR);
	if (gpa < v->ram_bytes) {
		int r = persist_ept_violation(v, gpa, !!(q & EPTQ_WRITE));
		if (r > 0)
			return EXIT_RESUME;
		if (r < 0)
			return exit_stop_guest(v, "a page of the restored generation cannot be read");
	}
	if (gpa < v->ram_bytes && (q & EPTQ_WRITE)) {
		uint64_t *leaf = ept_leaf(&v->ept, gpa);
		if (leaf && (*leaf & EPT_R) && !(*leaf & EPT_W)) {
			/* A page write-protected by VDEV_HC_WRITE_PROTECT: the copy-on-write
			 * point of snapshots. Give W back and retry the write. */
			*leaf |= EPT_W;
			vmx_invept(v);
			return EXIT_RESUME;
		}
	}
	v->env.stats.ept_refused++;
	uint64_t rip = vmcs_readnat(VMCS_GUEST_RIP);
	kprintf("amber: guest fault: EPT violation at GPA %016llx, RIP %016llx: %s%s%s access to a page that is%s%s%s%s; "
		"qualification %llx%s\n",
		(unsigned long long)gpa, (unsigned long long)rip, q & EPTQ_READ ? "read" : "", q & EPTQ_WRITE ? "write" : "",
		q & EPTQ_FETCH ? "fetch" : "", q & (EPTQ_READABLE | EPTQ_WRITABLE | EPTQ_EXECUTABLE) ? "" : " not mapped",
		q & EPTQ_READABLE ? " readable" : "", q & EPTQ_WRITABLE ? " writable" : "",
		q & EPTQ_EXECUTABLE ? " executable" : "", (unsigned long long)q,
		!(q & EPTQ_LA_VALID) ? "" : q & EPTQ_LA_FINAL ? " (the access itself)" : " (a guest page-table walk)");
	if (q & EPTQ_LA_VALID)
		kprintf("amber:   guest linear address %016llx\n", (unsigned long long)vmcs_readnat(VMCS_INFO_GUEST_LINEAR_ADDR));
	return exit_stop_guest(v, gpa >= v->ram_bytes ? "access outside guest RAM" : "EPT violation inside guest RAM");
}

static int do_pml_full(struct vcpu *v)
{
	persist_pml_full(v); /* fault-like: the write is retried (bochs.md) */
	return EXIT_RESUME;
}

static int do_ept_misconfig(struct vcpu *v)
{
	char why[96];
	amber_snprintf(why, sizeof why, "EPT misconfiguration at GPA %llx (hypervisor bug)",
		    (unsigned long long)vmcs_read64(VMCS_INFO_GUEST_PHYSICAL_ADDR));
	return exit_stop_guest(v, why);
}

static int do_triple_fault(struct vcpu *v)
{
	return exit_stop_guest(v, "triple fault (the guest's exception handling failed; it would reset)");
}

static int do_init_sipi(struct vcpu *v)
{
	return exit_stop_guest(v, "INIT or start-up IPI: the guest has one CPU and no reset");
}

/* Exit qualification of a VM-entry failure (SDM Vol. 3C §27.8 "VM-Entry Failures
 * During or After Loading Guest State"). */
static const char *entry_fail_qual(uint64_t q)
{
	switch (q) {
	case 0: return "no detail";
	case 2: return "PDPTE loading";
	case 3: return "NMI injection blocked";
	case 4: return "invalid VMCS link pointer";
	}
	return "unknown";
}

static int do_entry_failure(struct vcpu *v, uint32_t reason)
{
	char why[200];
	uint64_t q = vmcs_readnat(VMCS_INFO_EXIT_QUALIFICATION);
	amber_snprintf(why, sizeof why, "VM entry failed: %s (exit reason %u, qualification %llu: %s); bochs.log says which field",
		    exit_reason_name(EXIT_REASON_BASIC(reason)), EXIT_REASON_BASIC(reason), (unsigned long long)q,
		    entry_fail_qual(q));
	return exit_stop_guest(v, why);
}

static const exit_handler handlers[EXIT_REASON_COUNT] = {
	[EXIT_REASON_EXCEPTION_NMI] = do_nothing,
	[EXIT_REASON_EXTERNAL_INT] = do_nothing,
	[EXIT_REASON_TRIPLE_FAULT] = do_triple_fault,
	[EXIT_REASON_INIT] = do_init_sipi,
	[EXIT_REASON_SIPI] = do_init_sipi,
	[EXIT_REASON_INTR_WINDOW] = do_intr_window,
	[EXIT_REASON_CPUID] = do_cpuid,
	[EXIT_REASON_GETSEC] = do_refuse_ud,
	[EXIT_REASON_HLT] = do_hlt,
	[EXIT_REASON_INVD] = do_refuse_ud,
	[EXIT_REASON_RDPMC] = do_refuse_ud,
	[EXIT_REASON_RSM] = do_refuse_ud,
	[EXIT_REASON_VMCALL] = do_vmcall,
	[EXIT_REASON_VMCLEAR] = do_refuse_ud,
	[EXIT_REASON_VMLAUNCH] = do_refuse_ud,
	[EXIT_REASON_VMPTRLD] = do_refuse_ud,
	[EXIT_REASON_VMPTRST] = do_refuse_ud,
	[EXIT_REASON_VMREAD] = do_refuse_ud,
	[EXIT_REASON_VMRESUME] = do_refuse_ud,
	[EXIT_REASON_VMWRITE] = do_refuse_ud,
	[EXIT_REASON_VMXOFF] = do_refuse_ud,
	[EXIT_REASON_VMXON] = do_refuse_ud,
	[EXIT_REASON_CR_ACCESS] = exit_cr_access,
	[EXIT_REASON_DR_ACCESS] = do_refuse_ud,
	[EXIT_REASON_IO] = do_io,
	[EXIT_REASON_RDMSR] = exit_rdmsr,
	[EXIT_REASON_WRMSR] = exit_wrmsr,
	[EXIT_REASON_MWAIT] = do_refuse_ud,
	[EXIT_REASON_MONITOR] = do_refuse_ud,
	[EXIT_REASON_EPT_VIOLATION] = do_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG] = do_ept_misconfig,
	[EXIT_REASON_PML_FULL] = do_pml_full,
	[EXIT_REASON_INVEPT] = do_refuse_ud,
	[EXIT_REASON_PREEMPT_TIMER] = do_preempt,
	[EXIT_REASON_INVVPID] = do_refuse_ud,
	[EXIT_REASON_XSETBV] = do_refuse_ud,
	[EXIT_REASON_VMFUNC] = do_refuse_ud,
	[EXIT_REASON_ENCLS] = do_refuse_ud,
};

int exit_dispatch(struct vcpu *v, uint32_t reason)
{
	uint32_t basic = EXIT_REASON_BASIC(reason);
	if (basic < sizeof v->exits_by_reason / sizeof v->exits_by_reason[0])
		v->exits_by_reason[basic]++;
	if (reason & EXIT_REASON_ENTRY_FAIL)
		return do_entry_failure(v, reason);
	if (basic < EXIT_REASON_COUNT && handlers[basic])
		return handlers[basic](v);
	char why[96];
	amber_snprintf(why, sizeof why, "unexpected VM exit %u (%s), qualification %llx", basic, exit_reason_name(basic),
		    (unsigned long long)vmcs_readnat(VMCS_INFO_EXIT_QUALIFICATION));
	return exit_stop_guest(v, why);
}
