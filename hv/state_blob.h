/*
 * hv/state_blob.h — the vCPU state blob a generation carries: the guest's
 * general registers, every guest-state VMCS field (as field/value pairs,
 * so a blob names what it restores and a damaged one is refused field by
 * field), the read shadows and a pending event injection, the MSRs the
 * CPU holds for the guest, its FPU/SSE state (FXSAVE), the guest clocks
 * and timer, and the restart epoch.
 *
 * A blob read from disk is untrusted input: hv_state_check() validates
 * every field before hv_state_apply() loads any of it into the CPU.
 */
#ifndef AMBER_HV_STATE_BLOB_H
#define AMBER_HV_STATE_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "hv/vcpu.h"

#define HV_STATE_MAGIC     0x555043564D424D41ull /* "AMBMVCPU" */
#define HV_STATE_VERSION   1u
#define HV_STATE_MAX_PAIRS 64u

struct hv_vmcs_pair {
	uint32_t field, pad;
	uint64_t value;
};

struct hv_state {
	uint64_t magic;
	uint32_t version, npairs;
	struct guest_regs regs;
	uint64_t guest_tsc, mono_ns, timer_deadline_ns, epoch;
	uint32_t pending, event_set;
	uint64_t star, lstar, cstar, fmask, kernel_gs;
	uint8_t fxsave[512] __attribute__((aligned(16)));
	struct hv_vmcs_pair pairs[HV_STATE_MAX_PAIRS];
};

/* Whether a generation carries VMCS field `f` (guest state and the entry
 * controls of a pending injection; never host state or other controls). */
int hv_state_carried(uint32_t f);

/* What this CPU's VMX and FPU accept (SDM Vol. 3C §A.7, A.8; Vol. 1
 * §11.6.6 MXCSR_MASK), set once at boot before any blob is checked. */
struct hv_state_limits {
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint32_t mxcsr_mask;
	int unrestricted;   /* CR0.PE and PG may be 0 */
};
void hv_state_set_limits(const struct hv_state_limits *l);
/* The same from this CPU (hv/state_blob.c). */
void hv_state_limits_init(const struct vmx_caps *c);

/*
 * Validates a blob of `len` bytes read from disk, every field the way the
 * store validates its metadata: layout, which VMCS fields (each once), the
 * value rules of the VM-entry checks (CR0/CR4 fixed bits, EFER, RFLAGS,
 * canonical bases and RIP, segment access rights, activity and
 * interruptibility), MSRs loaded by WRMSR (canonical LSTAR/CSTAR/
 * KERNEL_GS_BASE, FMASK), MXCSR against MXCSR_MASK (FXRSTOR), a pending
 * injection, pending interrupts, epoch. 0 when it may be loaded; otherwise
 * HV_EINVAL with a sentence naming the field and value in why[cap].
 */
int hv_state_check(const struct hv_state *s, size_t len, char *why, size_t cap);

/* Whether a checked blob holds an event injection for the next VM entry
 * (the entry field itself travels as a VMCS pair). */
int hv_state_event_pending(const struct hv_state *s);

/* Fills *s from the current VMCS, v and the CPU (in a VM exit). */
void hv_state_save(struct vcpu *v, struct hv_state *s);
/* Loads a checked blob into the current VMCS, v and the CPU. */
void hv_state_apply(struct vcpu *v, const struct hv_state *s);

#endif
