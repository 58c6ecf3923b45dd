/*
 * hv/msr.h — the guest's MSR allow-list (SDM Vol. 4, MSR numbers). Every
 * other RDMSR/WRMSR gets #GP and is counted (vdev_stats.msr_refused).
 *
 *   MSR                    read            write
 *   IA32_TSC      0x010    TSC             refused
 *   IA32_APIC_BASE 0x01B   0xFEE00100      refused (no local APIC: BSP flag only, disabled)
 *   IA32_PAT      0x277    VMCS guest PAT  valid memory types only
 *   IA32_EFER     0xC0000080  VMCS         SCE and NXE; LME/LMA stay set
 *   STAR/LSTAR/CSTAR/FMASK 0xC0000081-84   passed to the CPU (the host never
 *                                          uses SYSCALL); addresses canonical
 *   FS_BASE/GS_BASE 0xC0000100/101  VMCS   canonical
 *   KERNEL_GS_BASE 0xC0000102  the CPU's   canonical
 */
#ifndef AMBER_HV_MSR_H
#define AMBER_HV_MSR_H

#include <stdint.h>

#define MSR_IA32_TSC            0x010
#define MSR_IA32_APIC_BASE      0x01B
#define MSR_IA32_PAT            0x277
#define MSR_IA32_EFER           0xC0000080
#define MSR_IA32_STAR           0xC0000081
#define MSR_IA32_LSTAR          0xC0000082
#define MSR_IA32_CSTAR          0xC0000083
#define MSR_IA32_FMASK          0xC0000084
#define MSR_IA32_FS_BASE        0xC0000100
#define MSR_IA32_GS_BASE        0xC0000101
#define MSR_IA32_KERNEL_GS_BASE 0xC0000102

#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

#define APIC_BASE_GUEST 0xFEE00100ull /* base 0xFEE00000, BSP (bit 8), global enable (bit 11) clear */

/* Where an allowed MSR lives. */
enum msr_home { MSR_REFUSED, MSR_TSC, MSR_APIC_BASE, MSR_VMCS_PAT, MSR_VMCS_EFER,
		MSR_VMCS_FS, MSR_VMCS_GS, MSR_CPU };

/* Pure policy: where `msr` lives for a read (write = 0) or a write. */
enum msr_home msr_policy(uint32_t msr, int write);
/*
 * Checks a write of `val` to an allowed MSR; returns 0 and the value to
 * store in *out, or -1 (#GP). `cur` is the current value (EFER).
 */
int msr_check_write(uint32_t msr, uint64_t val, uint64_t cur, uint64_t *out);

int msr_is_canonical(uint64_t va);

#endif
