/*
 * hv/vmx.c — VMXON, the guest's VMCS and the run loop (see vmx.h).
 * References: SDM Vol. 3C (edition 084) §24.7 "Enabling and entering VMX
 * operation", §25 "Virtual Machine Control Structures", §27 "VM entries"
 * (checks), §28 "VM exits"; guest state accepted by Bochs: ../shared/notes/bochs.md.
 */
#include "hv/vmx.h"
#include "hv/cpu.h"
#include "hv/ctl.h"
#include "hv/desc.h"
#include "hv/exit.h"
#include "hv/hv.h"
#include "hv/msr.h"
#include "hv/persist.h"
#include "hv/pmem.h"
#include "hv/vmcs.h"
#include "hv/vmx_ops.h"

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_TSD (1ull << 2)
#define CR4_DE (1ull << 3)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_PCE (1ull << 8)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_VMXE (1ull << 13)
#define CR4_FSGSBASE (1ull << 16)

/* CR bits the guest may change without an exit; every other bit is owned
 * by the hypervisor (guest/host mask, SDM Vol. 3C §25.6.6) and a change
 * to it is refused with #GP. The guest never sees CR4.VMXE (read shadow). */
#define GUEST_CR0_FREE (CR0_MP | CR0_EM | CR0_TS | CR0_WP | CR0_AM)
#define GUEST_CR4_FREE (CR4_TSD | CR4_DE | CR4_PSE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE)
#define GUEST_CR0_START (CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG)
#define GUEST_CR4_START (CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT)

/* Guest segment state at entry (SDM Vol. 3C §25.4.1, access rights Table 25-2). */
#define AR_CODE64   0xA09B  /* P, DPL 0, code exec/read accessed, L=1, G=1 */
#define AR_DATA     0xC093  /* P, DPL 0, data read/write accessed, D/B=1, G=1 */
#define AR_TSS_BUSY 0x008B  /* P, busy 64-bit TSS */
#define AR_UNUSABLE 0x10000 /* bit 16: segment unusable */
#define GUEST_SEL_CODE 0x08
#define GUEST_SEL_DATA 0x10
#define GUEST_SEL_TSS  0x18
#define PAT_DEFAULT 0x0007040600070406ull /* power-on PAT (SDM Vol. 3A §13.12.4) */
#define DR7_INIT 0x400ull
#define RFLAGS_RESERVED1 0x2ull
#define ACTIVITY_ACTIVE 0

static uint64_t vmxon_pa;

int vmx_enable(const struct vmx_caps *caps)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	/* Bochs' BIOS locks it already; writing a locked MSR raises #GP. */
	if (!(fc & FEATCTL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATCTL_LOCK | FEATCTL_VMX_OUTSIDE_SMX);
	/* Fixed CR bits in VMX operation (SDM Vol. 3D Appendix A.7, A.8). */
	uint64_t cr0 = (read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) & rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	uint64_t cr4 = (read_cr4() | CR4_VMXE | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) & rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	write_cr0(cr0);
	write_cr4(cr4);
	int e = pmem_alloc_page(&vmxon_pa);
	if (e)
		return e;
	*(volatile uint32_t *)(uintptr_t)vmxon_pa = caps->revision;
	if (vmx_on(vmxon_pa)) {
		kprintf("amber: error: VMXON failed (rflags %llx)\n", (unsigned long long)read_rflags());
		return HV_ENOTSUP;
	}
	return 0;
}

void vmx_invept(struct vcpu *v)
{
	int single = v->caps->invept_single;
	if (vmx_op_invept(single ? INVEPT_SINGLE_CONTEXT : INVEPT_ALL_CONTEXT, v->eptp))
		vmcs_fail("INVEPT", VMCS_CTRL_EPTP);
}

void vmx_flush_vpid(struct vcpu *v)
{
	if (!v->vpid)
		return;
	int single = v->caps->invvpid_single;
	if (vmx_op_invvpid(single ? INVVPID_SINGLE_CONTEXT : INVVPID_ALL_CONTEXT, v->vpid))
		vmcs_fail("INVVPID", VMCS_CTRL_VPID);
}

/* A control that must have `need` set after (wanted | must1) & may1. */
static int control(const char *name, struct vmx_ctl c, uint32_t wanted, uint32_t need, uint32_t *out)
{
	*out = vmx_ctl_value(c, wanted);
	if ((*out & need) != need) {
		kprintf("amber: error: VT-x %s controls: required bits %08x not allowed (may1 %08x)\n", name,
			need & ~*out, c.may1);
		return HV_ENOTSUP;
	}
	return 0;
}

static int setup_controls(struct vcpu *v)
{
	const struct vmx_caps *c = v->caps;
	uint32_t pin, proc, proc2, exit, entry;
	int e = 0;
	e |= control("pin-based", c->pin, PIN_EXT_INT_EXITING | PIN_NMI_EXITING | PIN_PREEMPT_TIMER,
		     PIN_PREEMPT_TIMER | PIN_EXT_INT_EXITING, &pin);
	/* No MSR or I/O bitmaps: every RDMSR/WRMSR and port access exits. */
	uint32_t want = PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_MWAIT_EXITING | PROC_MONITOR_EXITING |
			PROC_RDPMC_EXITING | PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | PROC_ACTIVATE_SECONDARY;
	e |= control("processor-based", c->proc, want, PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING |
		     PROC_ACTIVATE_SECONDARY, &proc);
	if (proc & (PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS))
		e |= HV_ENOTSUP; /* never must-be-one on any CPU; we have no bitmaps */
	/* VPID only with a way to flush it (MOV to CR3 is emulated: vmx_flush_vpid). */
	int vpid = c->invvpid_single || c->invvpid_all;
	e |= control("secondary", c->proc2, PROC2_ENABLE_EPT | (vpid ? PROC2_ENABLE_VPID : 0),
		     PROC2_ENABLE_EPT, &proc2);
	e |= control("VM-exit", c->exit, EXIT_HOST_ADDR_SPACE | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
		     EXIT_SAVE_PAT | EXIT_LOAD_PAT, EXIT_HOST_ADDR_SPACE | EXIT_SAVE_EFER | EXIT_LOAD_EFER, &exit);
	e |= control("VM-entry", c->entry, ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT,
		     ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER, &entry);
	if (e)
		return HV_ENOTSUP;
	v->proc = proc;
	vmcs_write32(VMCS_CTRL_PIN, pin);
	vmcs_write32(VMCS_CTRL_PROC, proc);
	vmcs_write32(VMCS_CTRL_PROC2, proc2);
	vmcs_write32(VMCS_CTRL_EXIT, exit);
	vmcs_write32(VMCS_CTRL_ENTRY, entry);
	vmcs_write32(VMCS_CTRL_EXCEPTION_BITMAP, 0); /* the guest handles its own exceptions */
	vmcs_write32(VMCS_CTRL_PF_MASK, 0);
	vmcs_write32(VMCS_CTRL_PF_MATCH, 0);
	vmcs_write32(VMCS_CTRL_CR3_TARGET_COUNT, 0);
	vmcs_write32(VMCS_CTRL_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VMCS_CTRL_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_CTRL_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_CTRL_ENTRY_INTR_INFO, 0);
	vmcs_write64(VMCS_CTRL_EPTP, v->eptp);
	if (proc2 & PROC2_ENABLE_VPID)
		vmcs_write16(VMCS_CTRL_VPID, v->vpid);
	else
		v->vpid = 0; /* every VM entry and exit flushes the guest's TLB */
	kprintf("amber: vmcs: pin %08x proc %08x proc2 %08x exit %08x entry %08x\n", pin, proc, proc2, exit, entry);
	return 0;
}

static void setup_host(void)
{
	vmcs_write16(VMCS_HOST_CS_SEL, HV_SEL_CODE);
	vmcs_write16(VMCS_HOST_SS_SEL, HV_SEL_DATA);
	vmcs_write16(VMCS_HOST_DS_SEL, HV_SEL_DATA);
	vmcs_write16(VMCS_HOST_ES_SEL, HV_SEL_DATA);
	vmcs_write16(VMCS_HOST_FS_SEL, 0);
	vmcs_write16(VMCS_HOST_GS_SEL, 0);
	vmcs_write16(VMCS_HOST_TR_SEL, HV_SEL_TSS);
	vmcs_writenat(VMCS_HOST_CR0, read_cr0());
	vmcs_writenat(VMCS_HOST_CR3, read_cr3());
	vmcs_writenat(VMCS_HOST_CR4, read_cr4());
	vmcs_writenat(VMCS_HOST_FS_BASE, 0);
	vmcs_writenat(VMCS_HOST_GS_BASE, 0);
	vmcs_writenat(VMCS_HOST_TR_BASE, tss_base());
	vmcs_writenat(VMCS_HOST_GDTR_BASE, gdt_base());
	vmcs_writenat(VMCS_HOST_IDTR_BASE, idt_base());
	vmcs_write32(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_writenat(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_writenat(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write64(VMCS_HOST_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_write64(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	extern char vmx_exit[];
	vmcs_writenat(VMCS_HOST_RIP, (uintptr_t)vmx_exit);
	/* HOST_RSP is written by vmx_enter before every entry. */
}

static void segment(uint32_t sel_f, uint32_t base_f, uint32_t limit_f, uint32_t ar_f, uint16_t sel,
		    uint32_t limit, uint32_t ar)
{
	vmcs_write_raw(sel_f, sel);
	vmcs_write_raw(base_f, 0);
	vmcs_write_raw(limit_f, limit);
	vmcs_write_raw(ar_f, ar);
}

static void setup_guest_state(struct vcpu *v, uint64_t entry, uint64_t rsp, uint64_t cr3)
{
	uint64_t f0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0), f1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	uint64_t g0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0), g1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	uint64_t cr0 = (GUEST_CR0_START | f0) & f1;
	uint64_t cr4 = (GUEST_CR4_START | g0) & g1;
	/* Owned bits: everything not free, and whatever the CPU cannot change. */
	v->cr0_mask = ~(GUEST_CR0_FREE & f1 & ~f0);
	v->cr4_mask = ~(GUEST_CR4_FREE & g1 & ~g0);
	vmcs_writenat(VMCS_GUEST_CR0, cr0);
	vmcs_writenat(VMCS_GUEST_CR4, cr4);
	vmcs_writenat(VMCS_CTRL_CR0_MASK, v->cr0_mask);
	vmcs_writenat(VMCS_CTRL_CR4_MASK, v->cr4_mask);
	vmcs_writenat(VMCS_CTRL_CR0_SHADOW, cr0);
	vmcs_writenat(VMCS_CTRL_CR4_SHADOW, cr4 & ~CR4_VMXE);
	vmcs_writenat(VMCS_GUEST_CR3, cr3);
	vmcs_writenat(VMCS_GUEST_DR7, DR7_INIT);
	vmcs_writenat(VMCS_GUEST_RSP, rsp);
	vmcs_writenat(VMCS_GUEST_RIP, entry);
	vmcs_writenat(VMCS_GUEST_RFLAGS, RFLAGS_RESERVED1); /* IF = 0 */
	segment(VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR, GUEST_SEL_CODE, 0xFFFFFFFF, AR_CODE64);
	segment(VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR, GUEST_SEL_DATA, 0xFFFFFFFF, AR_DATA);
	segment(VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR, GUEST_SEL_DATA, 0xFFFFFFFF, AR_DATA);
	segment(VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR, GUEST_SEL_DATA, 0xFFFFFFFF, AR_DATA);
	segment(VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR, GUEST_SEL_DATA, 0xFFFFFFFF, AR_DATA);
	segment(VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR, GUEST_SEL_DATA, 0xFFFFFFFF, AR_DATA);
	segment(VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR, GUEST_SEL_TSS, 0x67, AR_TSS_BUSY);
	segment(VMCS_GUEST_LDTR_SEL, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR, 0, 0, AR_UNUSABLE);
	vmcs_writenat(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, 0);
	vmcs_writenat(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, 0);
	vmcs_write64(VMCS_GUEST_EFER, EFER_LME | EFER_LMA);
	vmcs_write64(VMCS_GUEST_PAT, PAT_DEFAULT);
	vmcs_write64(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write32(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_writenat(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_writenat(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write32(VMCS_GUEST_ACTIVITY, ACTIVITY_ACTIVE);
	vmcs_writenat(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write64(VMCS_GUEST_VMCS_LINK, ~0ull); /* no shadow VMCS (§27.3.1.5) */
	vmcs_write32(VMCS_GUEST_PREEMPT_TIMER, 0);
}

int vmx_setup_guest(struct vcpu *v, uint64_t entry, uint64_t rsp, uint64_t rdi, uint64_t cr3)
{
	uint64_t vmcs_pa;
	int e = pmem_alloc_page(&vmcs_pa);
	if (e)
		return e;
	*(volatile uint32_t *)(uintptr_t)vmcs_pa = v->caps->revision;
	if (vmx_clear(vmcs_pa) || vmx_ptrld(vmcs_pa)) {
		kprintf("amber: error: VMCLEAR/VMPTRLD of the guest VMCS failed\n");
		return HV_EINVAL;
	}
	e = setup_controls(v);
	if (e)
		return e;
	setup_host();
	setup_guest_state(v, entry, rsp, cr3);
	v->regs = (struct guest_regs){ .rdi = rdi };
	return 0;
}

static void entry_failed(struct vcpu *v, int rc)
{
	char why[160];
	if (rc == 1) {
		amber_snprintf(why, sizeof why, "VM entry failed: VMfailInvalid (no current VMCS)");
	} else {
		uint32_t err = vmcs_read32(VMCS_INFO_VM_INSTR_ERROR);
		amber_snprintf(why, sizeof why, "VM entry failed: VM-instruction error %u (%s); bochs.log names the field",
			    err, vmx_insn_error_name(err));
	}
	exit_stop_guest(v, why);
}

void vmx_run(struct vcpu *v)
{
	for (;;) {
		event_poll(v);
		event_prepare_entry(v);
		persist_unlock(); /* the second CPU's writer runs while the guest does */
		int rc = vmx_enter(&v->regs, v->launched);
		if (rc) {
			entry_failed(v, rc);
			return;
		}
		v->launched = 1;
		v->event_set = 0;
		v->exits++;
		uint32_t reason = vmcs_read32(VMCS_INFO_EXIT_REASON);
		if (!(reason & EXIT_REASON_ENTRY_FAIL))
			event_after_exit(v);
		if (exit_dispatch(v, reason) == EXIT_STOP)
			return;
		persist_work(v);
		ctl_poll(v);
		if (v->stopped)
			return;
	}
}
