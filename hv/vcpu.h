/*
 * hv/vcpu.h — the one virtual CPU Amber runs: guest registers the VMCS
 * does not hold, event state, timer and the counters of refusals.
 */
#ifndef AMBER_HV_VCPU_H
#define AMBER_HV_VCPU_H

#include <stdint.h>

#include "hv/ept.h"
#include "hv/vmxcap.h"
#include "vdev/vdev_hv.h"

/* ORDER: hv/vmx_entry.asm uses these offsets (8 * index). */
struct guest_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
_Static_assert(sizeof(struct guest_regs) == 15 * 8, "vmx_entry.asm register layout");

/* Interrupts waiting for injection (bits of vcpu.pending). */
#define PEND_TIMER   (1u << 0) /* VDEV_VEC_TIMER */
#define PEND_CONSOLE (1u << 1) /* VDEV_VEC_CONSOLE */

struct vcpu {
	struct guest_regs regs;
	int launched;
	int stopped;
	uint64_t ram_hpa, ram_bytes;   /* guest RAM: contiguous host frames */
	struct ept ept;
	uint64_t eptp;
	uint16_t vpid;
	const struct vmx_caps *caps;
	uint32_t proc;                 /* current primary processor-based controls */
	uint64_t cr0_mask, cr4_mask;   /* guest/host masks: bits the guest may not change */
	uint32_t pending;              /* PEND_* */
	int event_set;                 /* this VM entry already injects an event */
	uint64_t timer_deadline_tsc;   /* 0: no timer armed */
	uint64_t timer_deadline_ns;    /* the same in guest monotonic ns (snapshots keep it) */
	uint64_t poll_tsc;             /* longest run between host polls (serial input) */
	uint64_t exits, exits_by_reason[80];
	struct vdev_env env;           /* vdev state, refusal counters */
};

extern struct vcpu vcpu0;

/* hv/vmx_entry.asm: enters the guest; returns 0 after a VM exit, 1 on
 * VMfailInvalid, 2 on VMfailValid (VM-instruction error in the VMCS). */
int vmx_enter(struct guest_regs *regs, int launched);

#endif
