/*
 * hv/state_blob.c — saving the vCPU state blob of a generation in a VM
 * exit and loading a checked one into the CPU at restore (state_blob.h).
 */
#include "hv/state_blob.h"

#include "hv/cpu.h"
#include "hv/msr.h"
#include "hv/vdev_backend.h"
#include "hv/vmcs.h"
#include "hv/vmx.h"
#include "hv/vmxcap.h"

#define PROC_USE_TSC_OFFSETTING (1u << 3) /* SDM Vol. 3C §25.6.2, Table 25-6 */

#define X(name, enc) enc,
static const uint32_t vmcs_all[] = { VMCS_FIELDS(X) };
#undef X

void hv_state_limits_init(const struct vmx_caps *c)
{
	static uint8_t fx[512] __attribute__((aligned(16)));
	__asm__ volatile("fxsave64 %0" : "=m"(fx));
	uint32_t mask;
	__builtin_memcpy(&mask, fx + 28, sizeof mask); /* MXCSR_MASK, SDM Vol. 1 §11.6.6 */
	struct hv_state_limits l = { rdmsr(MSR_IA32_VMX_CR0_FIXED0), rdmsr(MSR_IA32_VMX_CR0_FIXED1),
				     rdmsr(MSR_IA32_VMX_CR4_FIXED0), rdmsr(MSR_IA32_VMX_CR4_FIXED1),
				     mask ? mask : 0xFFBF, c->unrestricted };
	hv_state_set_limits(&l);
}

void hv_state_save(struct vcpu *v, struct hv_state *s)
{
	s->magic = HV_STATE_MAGIC;
	s->version = HV_STATE_VERSION;
	s->npairs = 0;
	for (unsigned i = 0; i < sizeof vmcs_all / sizeof vmcs_all[0]; i++)
		if (hv_state_carried(vmcs_all[i]))
			s->pairs[s->npairs++] = (struct hv_vmcs_pair){ vmcs_all[i], 0, vmcs_read_raw(vmcs_all[i]) };
	/* An event this exit already set up for the next entry goes with it. */
	if (!v->event_set)
		for (uint32_t i = 0; i < s->npairs; i++)
			if (s->pairs[i].field == VMCS_CTRL_ENTRY_INTR_INFO)
				s->pairs[i].value = 0;
	s->regs = v->regs;
	s->pending = v->pending;
	s->event_set = (uint32_t)v->event_set;
	s->guest_tsc = rdtsc() + ((v->proc & PROC_USE_TSC_OFFSETTING) ? vmcs_read64(VMCS_CTRL_TSC_OFFSET) : 0);
	s->mono_ns = vdev_backend_mono();
	s->timer_deadline_ns = v->timer_deadline_ns;
	s->epoch = v->env.epoch;
	s->star = rdmsr(MSR_IA32_STAR);
	s->lstar = rdmsr(MSR_IA32_LSTAR);
	s->cstar = rdmsr(MSR_IA32_CSTAR);
	s->fmask = rdmsr(MSR_IA32_FMASK);
	s->kernel_gs = rdmsr(MSR_IA32_KERNEL_GS_BASE);
	__asm__ volatile("fxsave64 %0" : "=m"(s->fxsave));
}

void hv_state_apply(struct vcpu *v, const struct hv_state *s)
{
	for (uint32_t i = 0; i < s->npairs; i++)
		vmcs_write_raw(s->pairs[i].field, s->pairs[i].value);
	v->regs = s->regs;
	v->pending = s->pending;
	/* A saved injection is in CTRL_ENTRY_INTR_INFO (a pair above): the next
	 * entry delivers it, and no timer or console vector may replace it. */
	v->event_set = hv_state_event_pending(s);
	wrmsr(MSR_IA32_STAR, s->star);
	wrmsr(MSR_IA32_LSTAR, s->lstar);
	wrmsr(MSR_IA32_CSTAR, s->cstar);
	wrmsr(MSR_IA32_FMASK, s->fmask);
	wrmsr(MSR_IA32_KERNEL_GS_BASE, s->kernel_gs);
	__asm__ volatile("fxrstor64 %0" ::"m"(s->fxsave));
	if (v->proc & PROC_USE_TSC_OFFSETTING)
		vmcs_write64(VMCS_CTRL_TSC_OFFSET, s->guest_tsc - rdtsc());
}
