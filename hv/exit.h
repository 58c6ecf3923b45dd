/*
 * hv/exit.h — VM exits: basic exit reasons (SDM Vol. 3D Appendix C,
 * Table C-1, edition 084), their names, and the handler table.
 *
 * Handler return contract: EXIT_RESUME (0) re-enters the guest (the
 * handler has advanced RIP or injected an event as the exit requires);
 * EXIT_STOP (1) means the guest is stopped and the handler has printed
 * why. A handler never returns anything else and never panics on guest
 * behaviour.
 */
#ifndef AMBER_HV_EXIT_H
#define AMBER_HV_EXIT_H

#include <stdint.h>

#define EXIT_REASON_EXCEPTION_NMI     0
#define EXIT_REASON_EXTERNAL_INT      1
#define EXIT_REASON_TRIPLE_FAULT      2
#define EXIT_REASON_INIT              3
#define EXIT_REASON_SIPI              4
#define EXIT_REASON_IO_SMI            5
#define EXIT_REASON_OTHER_SMI         6
#define EXIT_REASON_INTR_WINDOW       7
#define EXIT_REASON_NMI_WINDOW        8
#define EXIT_REASON_TASK_SWITCH       9
#define EXIT_REASON_CPUID             10
#define EXIT_REASON_GETSEC            11
#define EXIT_REASON_HLT               12
#define EXIT_REASON_INVD              13
#define EXIT_REASON_INVLPG            14
#define EXIT_REASON_RDPMC             15
#define EXIT_REASON_RDTSC             16
#define EXIT_REASON_RSM               17
#define EXIT_REASON_VMCALL            18
#define EXIT_REASON_VMCLEAR           19
#define EXIT_REASON_VMLAUNCH          20
#define EXIT_REASON_VMPTRLD           21
#define EXIT_REASON_VMPTRST           22
#define EXIT_REASON_VMREAD            23
#define EXIT_REASON_VMRESUME          24
#define EXIT_REASON_VMWRITE           25
#define EXIT_REASON_VMXOFF            26
#define EXIT_REASON_VMXON             27
#define EXIT_REASON_CR_ACCESS         28
#define EXIT_REASON_DR_ACCESS         29
#define EXIT_REASON_IO                30
#define EXIT_REASON_RDMSR             31
#define EXIT_REASON_WRMSR             32
#define EXIT_REASON_ENTRY_GUEST_STATE 33
#define EXIT_REASON_ENTRY_MSR_LOAD    34
#define EXIT_REASON_MWAIT             36
#define EXIT_REASON_MTF               37
#define EXIT_REASON_MONITOR           39
#define EXIT_REASON_PAUSE             40
#define EXIT_REASON_ENTRY_MCE         41
#define EXIT_REASON_TPR_BELOW         43
#define EXIT_REASON_APIC_ACCESS       44
#define EXIT_REASON_EOI               45
#define EXIT_REASON_GDTR_IDTR         46
#define EXIT_REASON_LDTR_TR           47
#define EXIT_REASON_EPT_VIOLATION     48
#define EXIT_REASON_EPT_MISCONFIG     49
#define EXIT_REASON_INVEPT            50
#define EXIT_REASON_RDTSCP            51
#define EXIT_REASON_PREEMPT_TIMER     52
#define EXIT_REASON_INVVPID           53
#define EXIT_REASON_WBINVD            54
#define EXIT_REASON_XSETBV            55
#define EXIT_REASON_APIC_WRITE        56
#define EXIT_REASON_RDRAND            57
#define EXIT_REASON_INVPCID           58
#define EXIT_REASON_VMFUNC            59
#define EXIT_REASON_ENCLS             60
#define EXIT_REASON_RDSEED            61
#define EXIT_REASON_PML_FULL          62
#define EXIT_REASON_XSAVES            63
#define EXIT_REASON_XRSTORS           64
#define EXIT_REASON_COUNT             70  /* size of the handler table */

/* Exit-reason field bits (SDM Vol. 3C §25.9.1, Table 25-18). */
#define EXIT_REASON_BASIC(r)          ((r) & 0xFFFF)
#define EXIT_REASON_ENTRY_FAIL        (1u << 31)

#define EXIT_RESUME 0
#define EXIT_STOP   1

/* "CPUID", "EPT violation"; "unknown" past the table. Pure. */
const char *exit_reason_name(uint32_t basic_reason);

struct vcpu;
typedef int (*exit_handler)(struct vcpu *v);

/* Handles the exit the VMCS describes; bounds-checked table lookup. */
int exit_dispatch(struct vcpu *v, uint32_t reason);

/* Stops the guest: prints the reason and the refusal summary. */
int exit_stop_guest(struct vcpu *v, const char *why);
void exit_print_summary(struct vcpu *v);

/* Events (hv/event.c). */
void event_inject_exception(struct vcpu *v, unsigned vector, int has_err, uint32_t err);
void event_skip_instruction(struct vcpu *v);
/* Before each VM entry: reinjection, pending interrupts, the window. */
void event_prepare_entry(struct vcpu *v);
/* After each VM exit: re-queue an event whose delivery the exit interrupted. */
void event_after_exit(struct vcpu *v);
/* Polls timer deadline and serial input, sets v->pending. */
void event_poll(struct vcpu *v);

#endif
