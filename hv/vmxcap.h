/*
 * hv/vmxcap.h — VT-x presence and capabilities, decoded from CPUID and the
 * VMX capability MSRs into named fields (never read by index elsewhere).
 *
 * References: Intel SDM Vol. 3D (Order 332831-084, Dec 2024), Appendix A
 * "VMX Capability Reporting Facility"; Vol. 3C §25.6 "VM-Execution Control
 * Fields"; Vol. 4 for the MSR numbers.
 */
#ifndef AMBER_HV_VMXCAP_H
#define AMBER_HV_VMXCAP_H

#include <stddef.h>
#include <stdint.h>

#define CPUID1_ECX_VMX               (1u << 5)   /* SDM Vol. 2A, CPUID leaf 1 */

#define MSR_IA32_FEATURE_CONTROL     0x03A
#define   FEATCTL_LOCK               (1ull << 0)
#define   FEATCTL_VMX_OUTSIDE_SMX    (1ull << 2)
#define MSR_IA32_VMX_BASIC           0x480
#define   VMX_BASIC_REVISION(v)      ((uint32_t)(v) & 0x7FFFFFFF)  /* bits 30:0 */
#define   VMX_BASIC_REGION_SIZE(v)   ((uint32_t)((v) >> 32) & 0x1FFF) /* bits 44:32 */
#define   VMX_BASIC_MEMTYPE(v)       ((uint32_t)((v) >> 50) & 0xF) /* bits 53:50 */
#define   VMX_BASIC_TRUE_CTLS        (1ull << 55)
#define MSR_IA32_VMX_PINBASED_CTLS   0x481
#define MSR_IA32_VMX_PROCBASED_CTLS  0x482
#define MSR_IA32_VMX_EXIT_CTLS       0x483
#define MSR_IA32_VMX_ENTRY_CTLS      0x484
#define MSR_IA32_VMX_MISC            0x485
#define   VMX_MISC_PREEMPT_RATE(v)   ((uint32_t)(v) & 0x1F)        /* bits 4:0 */
#define MSR_IA32_VMX_CR0_FIXED0      0x486
#define MSR_IA32_VMX_CR0_FIXED1      0x487
#define MSR_IA32_VMX_CR4_FIXED0      0x488
#define MSR_IA32_VMX_CR4_FIXED1      0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48B
#define MSR_IA32_VMX_EPT_VPID_CAP    0x48C
#define   EPT_CAP_WALK4              (1ull << 6)
#define   EPT_CAP_MEMTYPE_UC         (1ull << 8)
#define   EPT_CAP_MEMTYPE_WB         (1ull << 14)
#define   EPT_CAP_2M_PAGE            (1ull << 16)
#define   EPT_CAP_1G_PAGE            (1ull << 17)
#define   EPT_CAP_INVEPT             (1ull << 20)
#define   EPT_CAP_AD                 (1ull << 21)
#define   EPT_CAP_INVEPT_SINGLE      (1ull << 25)
#define   EPT_CAP_INVEPT_ALL         (1ull << 26)
#define   VPID_CAP_INVVPID           (1ull << 32)
#define   VPID_CAP_INVVPID_SINGLE    (1ull << 41)
#define   VPID_CAP_INVVPID_ALL       (1ull << 42)
#define MSR_IA32_VMX_TRUE_PINBASED   0x48D
#define MSR_IA32_VMX_TRUE_PROCBASED  0x48E
#define MSR_IA32_VMX_TRUE_EXIT       0x48F
#define MSR_IA32_VMX_TRUE_ENTRY      0x490

/* Control bits we ask about (SDM Vol. 3C §25.6.1, §25.6.2). */
#define PIN_PREEMPT_TIMER            (1u << 6)
#define PROC_ACTIVATE_SECONDARY      (1u << 31)
#define PROC2_ENABLE_EPT             (1u << 1)
#define PROC2_ENABLE_VPID            (1u << 5)
#define PROC2_UNRESTRICTED_GUEST     (1u << 7)
#define PROC2_ENABLE_PML             (1u << 17)

/* A control MSR: bits that must be 1 (low half) and bits that may be 1. */
struct vmx_ctl { uint32_t must1, may1; };

/* The raw inputs, as read from the CPU (all zero when CPUID says no VMX). */
struct vmx_raw {
	uint32_t cpuid1_ecx;
	uint64_t feature_control;
	uint64_t basic, misc, ept_vpid_cap;
	uint64_t pinbased, procbased, exit, entry, procbased2; /* TRUE ones when offered */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

struct vmx_caps {
	int vmx;                 /* CPUID.1:ECX.VMX */
	int locked, enabled;     /* IA32_FEATURE_CONTROL lock and VMX-outside-SMX */
	uint32_t revision, region_size;
	int true_ctls;
	struct vmx_ctl pin, proc, exit, entry, proc2;
	int ept, ept_walk4, ept_wb, ept_2m, ept_1g, invept, invept_single, invept_all, ept_ad;
	int vpid, invvpid, invvpid_single, invvpid_all, unrestricted, pml;
	int preempt_timer;
	uint32_t preempt_rate;   /* timer ticks once every 2^rate TSC cycles */
};

/* Reads CPUID and (only when VMX is present) the capability MSRs. */
void vmx_raw_read(struct vmx_raw *raw);

void vmx_caps_decode(const struct vmx_raw *raw, struct vmx_caps *caps);

/*
 * Checks what Amber cannot run without. Returns 0, or HV_ENOTSUP with a
 * one-line reason naming the missing feature (and the register bit) in why.
 */
int vmx_caps_check(const struct vmx_caps *caps, char *why, size_t len);

/* One-line summary: "ept=yes ad=yes pml=yes vpid=yes ug=yes preempt=yes(rate 0)". */
void vmx_caps_summary(const struct vmx_caps *caps, char *buf, size_t len);

#endif
