/*
 * hv/vmx.h — VMX operation: VMXON, the VMCS of the guest, the run loop.
 * Control bits: SDM Vol. 3C §25.6-§25.8 (edition 084); every control is
 * computed as (wanted | must1) & may1 from the TRUE capability MSRs.
 */
#ifndef AMBER_HV_VMX_H
#define AMBER_HV_VMX_H

#include <stdint.h>

#include "hv/vcpu.h"
#include "hv/vmxcap.h"

/* Pin-based controls, §25.6.1, Table 25-5. */
#define PIN_EXT_INT_EXITING      (1u << 0)
#define PIN_NMI_EXITING          (1u << 3)
/* PIN_PREEMPT_TIMER (bit 6) is in vmxcap.h. */

/* Primary processor-based controls, §25.6.2, Table 25-6. */
#define PROC_INTR_WINDOW_EXITING (1u << 2)
#define PROC_HLT_EXITING         (1u << 7)
#define PROC_INVLPG_EXITING      (1u << 9)
#define PROC_MWAIT_EXITING       (1u << 10)
#define PROC_RDPMC_EXITING       (1u << 11)
#define PROC_RDTSC_EXITING       (1u << 12)
#define PROC_CR3_LOAD_EXITING    (1u << 15)
#define PROC_CR3_STORE_EXITING   (1u << 16)
#define PROC_CR8_LOAD_EXITING    (1u << 19)
#define PROC_CR8_STORE_EXITING   (1u << 20)
#define PROC_MOV_DR_EXITING      (1u << 23)
#define PROC_UNCOND_IO_EXITING   (1u << 24)
#define PROC_USE_IO_BITMAPS      (1u << 25)
#define PROC_USE_MSR_BITMAPS     (1u << 28)
#define PROC_MONITOR_EXITING     (1u << 29)
/* PROC_ACTIVATE_SECONDARY (bit 31) is in vmxcap.h. */

/* Secondary processor-based controls, §25.6.2, Table 25-7. */
#define PROC2_DESC_TABLE_EXITING (1u << 2)
#define PROC2_WBINVD_EXITING     (1u << 6)
/* EPT (1), VPID (5), unrestricted guest (7), PML (17) are in vmxcap.h. */

/* VM-exit controls, §25.7.1, Table 25-13. */
#define EXIT_HOST_ADDR_SPACE     (1u << 9)
#define EXIT_SAVE_PAT            (1u << 18)
#define EXIT_LOAD_PAT            (1u << 19)
#define EXIT_SAVE_EFER           (1u << 20)
#define EXIT_LOAD_EFER           (1u << 21)

/* VM-entry controls, §25.8.1, Table 25-15. */
#define ENTRY_IA32E_GUEST        (1u << 9)
#define ENTRY_LOAD_PAT           (1u << 14)
#define ENTRY_LOAD_EFER          (1u << 15)

/* VM-entry interruption-information field, §25.8.3, Table 25-17. */
#define INTR_INFO_VALID          (1u << 31)
#define INTR_INFO_ERRCODE        (1u << 11)
#define INTR_TYPE_EXT_INT        (0u << 8)
#define INTR_TYPE_NMI            (2u << 8)
#define INTR_TYPE_HW_EXC         (3u << 8)
#define INTR_TYPE_SW_INT         (4u << 8)
#define INTR_TYPE_SW_EXC         (6u << 8)
#define INTR_TYPE_MASK           (7u << 8)

/* Guest interruptibility state, §25.4.2, Table 25-3. */
#define INTERRUPTIBILITY_STI     (1u << 0)
#define INTERRUPTIBILITY_MOV_SS  (1u << 1)

#define RFLAGS_IF                (1ull << 9)

/* Exception vectors the hypervisor injects (SDM Vol. 3A Table 7-1). */
#define VEC_UD 6
#define VEC_GP 13

/* Turns VMX on (CR0/CR4 fixed bits, IA32_FEATURE_CONTROL, VMXON). */
int vmx_enable(const struct vmx_caps *caps);

/* Builds the VMCS: controls, host state, 64-bit guest state per vdev.h. */
int vmx_setup_guest(struct vcpu *v, uint64_t entry, uint64_t rsp, uint64_t rdi, uint64_t cr3);

/* Runs the guest until it stops; returns why (a reason printed already). */
void vmx_run(struct vcpu *v);

/* Flushes the guest's EPT translations (INVEPT single or all context). */
void vmx_invept(struct vcpu *v);

/* Flushes the guest's linear translations (after an emulated MOV to CR3). */
void vmx_flush_vpid(struct vcpu *v);

/* A control value: (wanted | must1) & may1. Pure, host-testable. */
static inline uint32_t vmx_ctl_value(struct vmx_ctl c, uint32_t wanted) { return (wanted | c.must1) & c.may1; }

#endif
