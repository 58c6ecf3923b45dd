/*
 * hv/event.c — events into the guest: exceptions the hypervisor injects
 * (#GP, #UD for refusals), the two vdev interrupts (timer, console), the
 * interrupt window, and reinjection of an event whose delivery a VM exit
 * interrupted (SDM Vol. 3C §28.2.4 IDT-vectoring information, §27.6
 * event injection, §28.8.3 reinjection).
 *
 * Polling: the hypervisor takes no interrupts itself. The VMX-preemption
 * timer bounds every stretch of guest execution (to the next timer
 * deadline or v->poll_tsc), and every exit polls the deadline and COM1.
 */
#include "hv/cpu.h"
#include "hv/exit.h"
#include "hv/serial.h"
#include "hv/time.h"
#include "hv/vcpu.h"
#include "hv/vdev_backend.h"
#include "hv/vmcs.h"
#include "hv/vmx.h"

#define PREEMPT_MAX 0xFFFFFFFFull

void event_inject_exception(struct vcpu *v, unsigned vector, int has_err, uint32_t err)
{
	vmcs_write32(VMCS_CTRL_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC | vector |
		     (has_err ? INTR_INFO_ERRCODE : 0));
	if (has_err)
		vmcs_write32(VMCS_CTRL_ENTRY_EXC_ERRCODE, err);
	v->event_set = 1;
}

void event_skip_instruction(struct vcpu *v)
{
	(void)v;
	uint64_t rip = vmcs_readnat(VMCS_GUEST_RIP) + vmcs_read32(VMCS_INFO_EXIT_INSTR_LEN);
	vmcs_writenat(VMCS_GUEST_RIP, rip);
	/* The emulated instruction ends any STI / MOV SS blocking (§25.4.2). */
	uint32_t intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, intr & ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

void event_after_exit(struct vcpu *v)
{
	uint32_t idt = vmcs_read32(VMCS_INFO_IDT_VECTORING_INFO);
	if (!(idt & INTR_INFO_VALID))
		return;
	/* Bits 30:12 are reserved in the entry field (§25.8.3). */
	vmcs_write32(VMCS_CTRL_ENTRY_INTR_INFO, idt & (INTR_INFO_VALID | INTR_INFO_ERRCODE | INTR_TYPE_MASK | 0xFF));
	if (idt & INTR_INFO_ERRCODE)
		vmcs_write32(VMCS_CTRL_ENTRY_EXC_ERRCODE, vmcs_read32(VMCS_INFO_IDT_VECTORING_ERRCODE));
	uint32_t type = idt & INTR_TYPE_MASK;
	if (type == INTR_TYPE_SW_INT || type == INTR_TYPE_SW_EXC)
		vmcs_write32(VMCS_CTRL_ENTRY_INSTR_LEN, vmcs_read32(VMCS_INFO_EXIT_INSTR_LEN));
	v->event_set = 1;
}

void event_poll(struct vcpu *v)
{
	serial_pump();
	if (v->timer_deadline_tsc && rdtsc() >= v->timer_deadline_tsc) {
		v->timer_deadline_tsc = 0;
		v->timer_deadline_ns = 0;
		v->pending |= PEND_TIMER;
	}
	if (vdev_console_poll())
		v->pending |= PEND_CONSOLE;
}

static void set_window(struct vcpu *v, int on)
{
	uint32_t proc = on ? v->proc | PROC_INTR_WINDOW_EXITING : v->proc & ~PROC_INTR_WINDOW_EXITING;
	if (proc != v->proc) {
		v->proc = proc;
		vmcs_write32(VMCS_CTRL_PROC, proc);
	}
}

void event_prepare_entry(struct vcpu *v)
{
	if (v->pending && !v->event_set) {
		uint64_t rflags = vmcs_readnat(VMCS_GUEST_RFLAGS);
		uint32_t intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
		if ((rflags & RFLAGS_IF) && !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))) {
			unsigned vec = (v->pending & PEND_TIMER) ? VDEV_VEC_TIMER : VDEV_VEC_CONSOLE;
			v->pending &= (v->pending & PEND_TIMER) ? ~PEND_TIMER : ~PEND_CONSOLE;
			vmcs_write32(VMCS_CTRL_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXT_INT | vec);
			v->event_set = 1;
		}
	}
	/* Still something waiting: exit as soon as the guest can take it. */
	set_window(v, v->pending != 0);
	uint64_t now = rdtsc(), run = v->poll_tsc;
	/* Queued log output: come back when the UART has sent the byte it
	 * shifts and the one it holds (2 × 10 bits at 115200 baud), so each
	 * exit hands it two (serial_pump) and the line runs at full rate. */
	uint64_t two_bytes_tsc = time_tsc_hz() / 5760;
	if (serial_queued() && run > two_bytes_tsc)
		run = two_bytes_tsc;
	if (v->timer_deadline_tsc)
		run = v->timer_deadline_tsc > now ? (v->timer_deadline_tsc - now < run ? v->timer_deadline_tsc - now : run) : 0;
	uint64_t ticks = run >> v->caps->preempt_rate;
	vmcs_write32(VMCS_GUEST_PREEMPT_TIMER, ticks > PREEMPT_MAX ? PREEMPT_MAX : ticks);
}
