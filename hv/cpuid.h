/*
 * hv/cpuid.h — the CPU the guest sees: a fixed, normalised feature set,
 * the same on every host, so that a snapshot runs anywhere (DESIGN.md).
 * The full table is in vdev/ABI.md ("CPUID policy").
 */
#ifndef AMBER_HV_CPUID_H
#define AMBER_HV_CPUID_H

#include <stdint.h>

#include "hv/cpu.h"

#define CPUID_HV_LEAF      0x40000000u
#define CPUID_HV_SIGNATURE "AmberAmberAm"   /* EBX, ECX, EDX of leaf 0x40000000 */

/* Leaf 1 ECX/EDX and leaf 0x80000001 ECX/EDX bits offered (SDM Vol. 2A, CPUID). */
#define CPUID1_ECX_SSE3       (1u << 0)
#define CPUID1_ECX_SSSE3      (1u << 9)
#define CPUID1_ECX_CX16       (1u << 13)
#define CPUID1_ECX_SSE41      (1u << 19)
#define CPUID1_ECX_SSE42      (1u << 20)
#define CPUID1_ECX_POPCNT     (1u << 23)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_EDX_FPU        (1u << 0)
#define CPUID1_EDX_DE         (1u << 2)
#define CPUID1_EDX_PSE        (1u << 3)
#define CPUID1_EDX_TSC        (1u << 4)
#define CPUID1_EDX_MSR        (1u << 5)
#define CPUID1_EDX_PAE        (1u << 6)
#define CPUID1_EDX_CX8        (1u << 8)
#define CPUID1_EDX_PGE        (1u << 13)
#define CPUID1_EDX_CMOV       (1u << 15)
#define CPUID1_EDX_PAT        (1u << 16)
#define CPUID1_EDX_CLFSH      (1u << 19)
#define CPUID1_EDX_MMX        (1u << 23)
#define CPUID1_EDX_FXSR       (1u << 24)
#define CPUID1_EDX_SSE        (1u << 25)
#define CPUID1_EDX_SSE2       (1u << 26)
#define CPUID7_EBX_FSGSBASE   (1u << 0)
#define CPUID7_EBX_ERMS       (1u << 9)
#define CPUIDX1_ECX_LAHF      (1u << 0)
#define CPUIDX1_EDX_SYSCALL   (1u << 11)
#define CPUIDX1_EDX_NX        (1u << 20)
#define CPUIDX1_EDX_LM        (1u << 29)
#define CPUIDX7_EDX_INVTSC    (1u << 8)

/* What the guest's CPUID(leaf, subleaf) returns. Pure. */
struct cpuid_regs cpuid_policy(uint32_t leaf, uint32_t subleaf);

/*
 * Bits the policy offers in leaf 1 / 7 / 0x80000001 that `host` (the real
 * CPUID values of the same leaf) lacks; 0 when the host can run the policy.
 */
uint32_t cpuid_policy_missing(uint32_t leaf, int reg, struct cpuid_regs host);

#endif
