/*
 * hv/exit_cr.c — control-register accesses (exit reason 28). The
 * guest/host masks (vmx.c) make only refused changes exit: writes that
 * change an owned CR0/CR4 bit (PE, PG, NE, CD, NW, PAE, VMXE, ...), LMSW of
 * PE, and every CR8 access (no TPR: the guest has no local APIC). They get
 * #GP(0), counted in cr_refused. MOV to/from CR3 is emulated when a CPU
 * forces CR3 exiting. Qualification: SDM Vol. 3C §28.2.1, Table 28-3.
 */
#include "hv/exit.h"
#include "hv/vcpu.h"
#include "hv/vmcs.h"
#include "hv/vmx.h"

#define CRQ_NUM(q)    ((unsigned)(q) & 0xF)        /* bits 3:0 */
#define CRQ_TYPE(q)   ((unsigned)((q) >> 4) & 3)   /* bits 5:4 */
#define CRQ_GPR(q)    ((unsigned)((q) >> 8) & 0xF) /* bits 11:8 */
#define CR_MOV_TO     0
#define CR_MOV_FROM   1

/* GPR numbering of the qualification: RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15. */
static uint64_t *gpr(struct vcpu *v, unsigned n)
{
	struct guest_regs *r = &v->regs;
	uint64_t *map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, NULL, &r->rbp, &r->rsi, &r->rdi,
			      &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15 };
	return map[n & 15];
}

static uint64_t get(struct vcpu *v, unsigned n)
{
	return n == 4 ? vmcs_readnat(VMCS_GUEST_RSP) : *gpr(v, n);
}

static void set(struct vcpu *v, unsigned n, uint64_t val)
{
	if (n == 4)
		vmcs_writenat(VMCS_GUEST_RSP, val);
	else
		*gpr(v, n) = val;
}

int exit_cr_access(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_INFO_EXIT_QUALIFICATION);
	unsigned cr = CRQ_NUM(q), type = CRQ_TYPE(q), reg = CRQ_GPR(q);
	if (cr == 3 && type == CR_MOV_TO) {
		/* Bit 63 is a no-flush hint only with CR4.PCIDE, which the guest cannot set. */
		vmcs_writenat(VMCS_GUEST_CR3, get(v, reg) & ~(1ull << 63));
		vmx_flush_vpid(v);
		event_skip_instruction(v);
		return EXIT_RESUME;
	}
	if (cr == 3 && type == CR_MOV_FROM) {
		set(v, reg, vmcs_readnat(VMCS_GUEST_CR3));
		event_skip_instruction(v);
		return EXIT_RESUME;
	}
	v->env.stats.cr_refused++;
	event_inject_exception(v, VEC_GP, 1, 0);
	return EXIT_RESUME;
}
