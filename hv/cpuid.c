/*
 * hv/cpuid.c — the guest's CPUID (see cpuid.h). A fixed table, not a
 * filter of the host's values: what the guest sees never depends on the
 * machine. Hidden on purpose: VMX (the guest cannot nest), XSAVE/AVX (the
 * hypervisor switches no extended state), x2APIC/APIC/TSC-deadline (the
 * guest has no local APIC: timers are a hypercall), MONITOR/MWAIT, MTRR,
 * SYSENTER, RDRAND/RDSEED/RDTSCP, performance counters, topology leaves.
 */
#include "hv/cpuid.h"
#include "vdev/vdev.h"

#define MAX_BASIC    0x7u
#define MAX_EXT      0x80000008u
#define MAX_HV       0x40000001u
/* Family 6, model 0x55, stepping 4 (SDM Vol. 2A, CPUID leaf 1 EAX layout). */
#define VERSION_EAX  ((0x5u << 16) | (6u << 8) | (0x5u << 4) | 4u)
#define CLFLUSH_8QW  (8u << 8)   /* EBX 15:8: CLFLUSH line size 64 bytes */
#define ONE_LOGICAL  (1u << 16)  /* EBX 23:16 */
#define ADDR_SIZES   ((48u << 8) | 39u) /* 0x80000008 EAX: 48-bit linear, 39-bit physical */

static uint32_t str4(const char *s) { return s[0] | s[1] << 8 | s[2] << 16 | (uint32_t)s[3] << 24; }

struct cpuid_regs cpuid_policy(uint32_t leaf, uint32_t subleaf)
{
	static const char brand[48] = "Amber virtual CPU";
	struct cpuid_regs r = { 0, 0, 0, 0 };
	switch (leaf) {
	case 0:
		r.eax = MAX_BASIC;
		r.ebx = str4("Genu"), r.edx = str4("ineI"), r.ecx = str4("ntel");
		break;
	case 1:
		r.eax = VERSION_EAX;
		r.ebx = CLFLUSH_8QW | ONE_LOGICAL;
		r.ecx = CPUID1_ECX_SSE3 | CPUID1_ECX_SSSE3 | CPUID1_ECX_CX16 | CPUID1_ECX_SSE41 |
			CPUID1_ECX_SSE42 | CPUID1_ECX_POPCNT | CPUID1_ECX_HYPERVISOR;
		r.edx = CPUID1_EDX_FPU | CPUID1_EDX_DE | CPUID1_EDX_PSE | CPUID1_EDX_TSC | CPUID1_EDX_MSR |
			CPUID1_EDX_PAE | CPUID1_EDX_CX8 | CPUID1_EDX_PGE | CPUID1_EDX_CMOV | CPUID1_EDX_PAT |
			CPUID1_EDX_CLFSH | CPUID1_EDX_MMX | CPUID1_EDX_FXSR | CPUID1_EDX_SSE | CPUID1_EDX_SSE2;
		break;
	case 7:
		if (subleaf == 0)
			r.ebx = CPUID7_EBX_FSGSBASE | CPUID7_EBX_ERMS;
		break;
	case CPUID_HV_LEAF:
		r.eax = MAX_HV;
		r.ebx = str4(CPUID_HV_SIGNATURE), r.ecx = str4(CPUID_HV_SIGNATURE + 4),
		r.edx = str4(CPUID_HV_SIGNATURE + 8);
		break;
	case CPUID_HV_LEAF + 1:
		r.eax = VDEV_ABI_VERSION;
		break;
	case 0x80000000:
		r.eax = MAX_EXT;
		break;
	case 0x80000001:
		r.ecx = CPUIDX1_ECX_LAHF;
		r.edx = CPUIDX1_EDX_SYSCALL | CPUIDX1_EDX_NX | CPUIDX1_EDX_LM;
		break;
	case 0x80000002: case 0x80000003: case 0x80000004: {
		const char *b = brand + (leaf - 0x80000002) * 16;
		r.eax = str4(b), r.ebx = str4(b + 4), r.ecx = str4(b + 8), r.edx = str4(b + 12);
		break;
	}
	case 0x80000007:
		r.edx = CPUIDX7_EDX_INVTSC;
		break;
	case 0x80000008:
		r.eax = ADDR_SIZES;
		break;
	default: /* every other leaf, in range or not: all zero */
		break;
	}
	return r;
}

uint32_t cpuid_policy_missing(uint32_t leaf, int reg, struct cpuid_regs host)
{
	struct cpuid_regs p = cpuid_policy(leaf, 0);
	uint32_t want = reg == 1 ? p.ebx : reg == 2 ? p.ecx : reg == 3 ? p.edx : 0;
	uint32_t have = reg == 1 ? host.ebx : reg == 2 ? host.ecx : reg == 3 ? host.edx : 0;
	if (leaf == 1 && reg == 2)
		want &= ~CPUID1_ECX_HYPERVISOR; /* ours to set */
	if (leaf == 1 && reg == 1)
		return 0; /* EBX holds numbers, not feature bits */
	return want & ~have;
}
