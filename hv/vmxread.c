/*
 * hv/vmxread.c — reads the raw VT-x inputs from the CPU. Separate from
 * vmxcap.c so that the decoder stays a pure function for host tests.
 */
#include "hv/cpu.h"
#include "hv/vmxcap.h"

void vmx_raw_read(struct vmx_raw *r)
{
	*r = (struct vmx_raw){ 0 };
	r->cpuid1_ecx = cpuid(1, 0).ecx;
	/* The VMX MSRs raise #GP on a CPU without VMX: read none of them. */
	if (!(r->cpuid1_ecx & CPUID1_ECX_VMX))
		return;
	r->feature_control = rdmsr(MSR_IA32_FEATURE_CONTROL);
	r->basic = rdmsr(MSR_IA32_VMX_BASIC);
	r->misc = rdmsr(MSR_IA32_VMX_MISC);
	int t = !!(r->basic & VMX_BASIC_TRUE_CTLS);
	r->pinbased = rdmsr(t ? MSR_IA32_VMX_TRUE_PINBASED : MSR_IA32_VMX_PINBASED_CTLS);
	r->procbased = rdmsr(t ? MSR_IA32_VMX_TRUE_PROCBASED : MSR_IA32_VMX_PROCBASED_CTLS);
	r->exit = rdmsr(t ? MSR_IA32_VMX_TRUE_EXIT : MSR_IA32_VMX_EXIT_CTLS);
	r->entry = rdmsr(t ? MSR_IA32_VMX_TRUE_ENTRY : MSR_IA32_VMX_ENTRY_CTLS);
	r->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	r->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	r->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	r->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	/* Secondary controls and EPT/VPID caps exist only when offered (SDM A.3.3). */
	if ((r->procbased >> 32) & PROC_ACTIVATE_SECONDARY) {
		r->procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		uint32_t may1 = (uint32_t)(r->procbased2 >> 32);
		if (may1 & (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID))
			r->ept_vpid_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	}
}
