/*
 * hv/exit_reason.c — exit reason number → name (SDM Vol. 3D Appendix C,
 * Table C-1). Pure, host-testable.
 */
#include "hv/exit.h"

static const char *const names[] = {
	[EXIT_REASON_EXCEPTION_NMI] = "exception or NMI", [EXIT_REASON_EXTERNAL_INT] = "external interrupt",
	[EXIT_REASON_TRIPLE_FAULT] = "triple fault",      [EXIT_REASON_INIT] = "INIT signal",
	[EXIT_REASON_SIPI] = "start-up IPI",              [EXIT_REASON_IO_SMI] = "I/O SMI",
	[EXIT_REASON_OTHER_SMI] = "other SMI",            [EXIT_REASON_INTR_WINDOW] = "interrupt window",
	[EXIT_REASON_NMI_WINDOW] = "NMI window",          [EXIT_REASON_TASK_SWITCH] = "task switch",
	[EXIT_REASON_CPUID] = "CPUID",                    [EXIT_REASON_GETSEC] = "GETSEC",
	[EXIT_REASON_HLT] = "HLT",                        [EXIT_REASON_INVD] = "INVD",
	[EXIT_REASON_INVLPG] = "INVLPG",                  [EXIT_REASON_RDPMC] = "RDPMC",
	[EXIT_REASON_RDTSC] = "RDTSC",                    [EXIT_REASON_RSM] = "RSM",
	[EXIT_REASON_VMCALL] = "VMCALL",                  [EXIT_REASON_VMCLEAR] = "VMCLEAR",
	[EXIT_REASON_VMLAUNCH] = "VMLAUNCH",              [EXIT_REASON_VMPTRLD] = "VMPTRLD",
	[EXIT_REASON_VMPTRST] = "VMPTRST",                [EXIT_REASON_VMREAD] = "VMREAD",
	[EXIT_REASON_VMRESUME] = "VMRESUME",              [EXIT_REASON_VMWRITE] = "VMWRITE",
	[EXIT_REASON_VMXOFF] = "VMXOFF",                  [EXIT_REASON_VMXON] = "VMXON",
	[EXIT_REASON_CR_ACCESS] = "control-register access", [EXIT_REASON_DR_ACCESS] = "MOV DR",
	[EXIT_REASON_IO] = "I/O instruction",             [EXIT_REASON_RDMSR] = "RDMSR",
	[EXIT_REASON_WRMSR] = "WRMSR",
	[EXIT_REASON_ENTRY_GUEST_STATE] = "VM-entry failure: invalid guest state",
	[EXIT_REASON_ENTRY_MSR_LOAD] = "VM-entry failure: MSR loading",
	[EXIT_REASON_MWAIT] = "MWAIT",                    [EXIT_REASON_MTF] = "monitor trap flag",
	[EXIT_REASON_MONITOR] = "MONITOR",                [EXIT_REASON_PAUSE] = "PAUSE",
	[EXIT_REASON_ENTRY_MCE] = "VM-entry failure: machine check",
	[EXIT_REASON_TPR_BELOW] = "TPR below threshold",  [EXIT_REASON_APIC_ACCESS] = "APIC access",
	[EXIT_REASON_EOI] = "virtualized EOI",            [EXIT_REASON_GDTR_IDTR] = "GDTR/IDTR access",
	[EXIT_REASON_LDTR_TR] = "LDTR/TR access",         [EXIT_REASON_EPT_VIOLATION] = "EPT violation",
	[EXIT_REASON_EPT_MISCONFIG] = "EPT misconfiguration", [EXIT_REASON_INVEPT] = "INVEPT",
	[EXIT_REASON_RDTSCP] = "RDTSCP",                  [EXIT_REASON_PREEMPT_TIMER] = "VMX-preemption timer",
	[EXIT_REASON_INVVPID] = "INVVPID",                [EXIT_REASON_WBINVD] = "WBINVD",
	[EXIT_REASON_XSETBV] = "XSETBV",                  [EXIT_REASON_APIC_WRITE] = "APIC write",
	[EXIT_REASON_RDRAND] = "RDRAND",                  [EXIT_REASON_INVPCID] = "INVPCID",
	[EXIT_REASON_VMFUNC] = "VMFUNC",                  [EXIT_REASON_ENCLS] = "ENCLS",
	[EXIT_REASON_RDSEED] = "RDSEED",                  [EXIT_REASON_PML_FULL] = "page-modification log full",
	[EXIT_REASON_XSAVES] = "XSAVES",                  [EXIT_REASON_XRSTORS] = "XRSTORS",
};

const char *exit_reason_name(uint32_t r)
{
	return r < sizeof names / sizeof names[0] && names[r] ? names[r] : "unknown";
}
