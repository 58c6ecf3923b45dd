/*
 * hv/exit_msr.c — RDMSR/WRMSR (exit reasons 31, 32), applying the
 * allow-list of msr.c. No MSR bitmap is used, so every access exits.
 * Refusals inject #GP(0) and are counted in msr_refused.
 */
#include "hv/cpu.h"
#include "hv/exit.h"
#include "hv/msr.h"
#include "hv/vcpu.h"
#include "hv/vmcs.h"
#include "hv/vmx.h"

static int refuse(struct vcpu *v)
{
	v->env.stats.msr_refused++;
	event_inject_exception(v, VEC_GP, 1, 0);
	return EXIT_RESUME;
}

int exit_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t val;
	switch (msr_policy(msr, 0)) {
	case MSR_TSC:       val = rdtsc(); break;
	case MSR_APIC_BASE: val = APIC_BASE_GUEST; break;
	case MSR_VMCS_PAT:  val = vmcs_read64(VMCS_GUEST_PAT); break;
	case MSR_VMCS_EFER: val = vmcs_read64(VMCS_GUEST_EFER); break;
	case MSR_VMCS_FS:   val = vmcs_readnat(VMCS_GUEST_FS_BASE); break;
	case MSR_VMCS_GS:   val = vmcs_readnat(VMCS_GUEST_GS_BASE); break;
	case MSR_CPU:       val = rdmsr(msr); break;
	default:            return refuse(v);
	}
	v->regs.rax = (uint32_t)val;
	v->regs.rdx = val >> 32;
	event_skip_instruction(v);
	return EXIT_RESUME;
}

int exit_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax, out;
	enum msr_home home = msr_policy(msr, 1);
	if (home == MSR_REFUSED || msr_check_write(msr, val, 0, &out))
		return refuse(v);
	switch (home) {
	case MSR_VMCS_PAT:  vmcs_write64(VMCS_GUEST_PAT, out); break;
	case MSR_VMCS_EFER: vmcs_write64(VMCS_GUEST_EFER, out); break;
	case MSR_VMCS_FS:   vmcs_writenat(VMCS_GUEST_FS_BASE, out); break;
	case MSR_VMCS_GS:   vmcs_writenat(VMCS_GUEST_GS_BASE, out); break;
	case MSR_CPU:       wrmsr(msr, out); break; /* checked: cannot fault in root */
	default:            return refuse(v);
	}
	event_skip_instruction(v);
	return EXIT_RESUME;
}
