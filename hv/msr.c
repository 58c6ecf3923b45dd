/*
 * hv/msr.c — the MSR allow-list policy (see msr.h). Pure, host-testable;
 * hv/exit_msr.c applies it.
 */
#include "hv/msr.h"

int msr_is_canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va; /* 48-bit linear addresses */
}

enum msr_home msr_policy(uint32_t msr, int write)
{
	switch (msr) {
	case MSR_IA32_TSC:            return write ? MSR_REFUSED : MSR_TSC;
	case MSR_IA32_APIC_BASE:      return write ? MSR_REFUSED : MSR_APIC_BASE;
	case MSR_IA32_PAT:            return MSR_VMCS_PAT;
	case MSR_IA32_EFER:           return MSR_VMCS_EFER;
	case MSR_IA32_FS_BASE:        return MSR_VMCS_FS;
	case MSR_IA32_GS_BASE:        return MSR_VMCS_GS;
	case MSR_IA32_STAR: case MSR_IA32_LSTAR: case MSR_IA32_CSTAR: case MSR_IA32_FMASK:
	case MSR_IA32_KERNEL_GS_BASE: return MSR_CPU;
	}
	return MSR_REFUSED;
}

/* PAT entries: UC 0, WC 1, WT 4, WP 5, WB 6, UC- 7 (SDM Vol. 3A §13.12.2). */
static int pat_valid(uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		unsigned t = (v >> (8 * i)) & 0xFF;
		if (t == 2 || t == 3 || t > 7)
			return 0;
	}
	return 1;
}

int msr_check_write(uint32_t msr, uint64_t val, uint64_t cur, uint64_t *out)
{
	(void)cur;
	switch (msr) {
	case MSR_IA32_PAT:
		if (!pat_valid(val))
			return -1;
		break;
	case MSR_IA32_EFER:
		/* Long mode is the only mode the guest has: LME must stay set. LMA is
		 * read-only (the CPU ignores writes to it). */
		if ((val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) || !(val & EFER_LME))
			return -1;
		val = (val & (EFER_SCE | EFER_NXE)) | EFER_LME | EFER_LMA;
		break;
	case MSR_IA32_LSTAR: case MSR_IA32_CSTAR: case MSR_IA32_FS_BASE: case MSR_IA32_GS_BASE:
	case MSR_IA32_KERNEL_GS_BASE:
		if (!msr_is_canonical(val))
			return -1;
		break;
	case MSR_IA32_STAR:
	case MSR_IA32_FMASK:
		if (msr == MSR_IA32_FMASK && (val >> 32))
			return -1; /* upper half reserved */
		break;
	default:
		if (msr_policy(msr, 1) == MSR_REFUSED)
			return -1;
	}
	*out = val;
	return 0;
}
