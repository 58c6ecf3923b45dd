/*
 * hv/state_check.c — which VMCS fields a generation carries, and the
 * validation of a state blob read from disk (see state_blob.h). Pure C, so
 * the host tests drive it (tests/hv/check_vmx.c).
 */
#include "hv/state_blob.h"

#include "hv/hv.h"
#include "hv/vmcs.h"
#include "hv/vmx.h"

#define VMCS_TYPE(f) (((f) >> 10) & 3) /* SDM Vol. 3C §25.11.2: 2 = guest state */

int hv_state_carried(uint32_t f)
{
	if (VMCS_TYPE(f) == 2)
		return f != VMCS_GUEST_VMCS_LINK && f != VMCS_GUEST_PML_INDEX && f != VMCS_GUEST_PREEMPT_TIMER;
	return f == VMCS_CTRL_CR0_SHADOW || f == VMCS_CTRL_CR4_SHADOW || f == VMCS_CTRL_ENTRY_INTR_INFO ||
	       f == VMCS_CTRL_ENTRY_EXC_ERRCODE || f == VMCS_CTRL_ENTRY_INSTR_LEN;
}

/* The value a blob holds for VMCS field f (0 when it does not carry it). */
static uint64_t pair_value(const struct hv_state *s, uint32_t f)
{
	for (uint32_t i = 0; i < s->npairs && i < HV_STATE_MAX_PAIRS; i++)
		if (s->pairs[i].field == f)
			return s->pairs[i].value;
	return 0;
}

int hv_state_event_pending(const struct hv_state *s)
{
	return s->event_set && (pair_value(s, VMCS_CTRL_ENTRY_INTR_INFO) & INTR_INFO_VALID);
}

/* What this machine's VMX allows (set at boot from the capability MSRs);
 * until set, only the checks that hold on every CPU are made. */
static struct hv_state_limits lim = { .cr0_fixed1 = ~0ull, .cr4_fixed1 = ~0ull, .mxcsr_mask = 0xFFBF };

void hv_state_set_limits(const struct hv_state_limits *l) { lim = *l; }

#define CR0_PE   (1ull << 0)  /* SDM Vol. 3A §2.5 */
#define CR0_PG   (1ull << 31)
#define CR4_PAE  (1ull << 5)
#define EFER_OK  ((1ull << 0) | (1ull << 8) | (1ull << 10) | (1ull << 11)) /* SCE LME LMA NXE */
#define EFER_LMA (1ull << 10)
#define AR_UNUSABLE    (1u << 16)      /* SDM Vol. 3C §25.4.1, Table 25-2 */
#define AR_RESERVED    0xFFFE0F00u     /* bits 31:17 and 11:8 */
#define AR_PRESENT     (1u << 7)
#define AR_L           (1u << 13)
#define AR_DB          (1u << 14)
#define RFLAGS_FIXED1  (1ull << 1)     /* SDM Vol. 3C §27.3.1.4: bit 1 set, 3, 5, 15, 63:22 clear */
#define RFLAGS_RSVD0   ((1ull << 3) | (1ull << 5) | (1ull << 15) | ~0x3FFFFFull)
#define INTR_RESERVED  (~0x1Full)      /* interruptibility state bits 31:5 */
#define FX_MXCSR       24              /* FXSAVE image: MXCSR at byte 24 (SDM Vol. 1 §10.5.1) */
#define PEND_ALL       3u              /* PEND_TIMER | PEND_CONSOLE (hv/vcpu.h) */

/* 48-bit canonical: bits 63:47 all equal (SDM Vol. 1 §3.3.7.1). */
static int canonical(uint64_t a) { return (uint64_t)((int64_t)(a << 16) >> 16) == a; }

#define FAIL(...) do { amber_snprintf(why, cap, __VA_ARGS__); return HV_EINVAL; } while (0)

/* A pair's value against its field's rules; 0 when it may be loaded. */
static int check_pair(uint32_t f, uint64_t v, char *why, size_t cap)
{
	const char *name = vmcs_field_name(f);
	uint64_t cr0_must = lim.cr0_fixed0 & ~(lim.unrestricted ? CR0_PE | CR0_PG : 0);
	switch (f) {
	case VMCS_GUEST_CR0:
		if ((v & cr0_must) != cr0_must || (v & ~lim.cr0_fixed1) || (v >> 32))
			FAIL("vCPU state: %s %llx breaks the CPU's fixed CR0 bits", name, (unsigned long long)v);
		return 0;
	case VMCS_GUEST_CR4:
		if ((v & lim.cr4_fixed0) != lim.cr4_fixed0 || (v & ~lim.cr4_fixed1))
			FAIL("vCPU state: %s %llx breaks the CPU's fixed CR4 bits", name, (unsigned long long)v);
		return 0;
	case VMCS_GUEST_EFER:
		if (v & ~EFER_OK)
			FAIL("vCPU state: %s %llx sets bits the guest may not have", name, (unsigned long long)v);
		return 0;
	case VMCS_GUEST_RFLAGS:
		if (!(v & RFLAGS_FIXED1) || (v & RFLAGS_RSVD0))
			FAIL("vCPU state: %s %llx has reserved bits wrong", name, (unsigned long long)v);
		return 0;
	case VMCS_GUEST_DR7:
		if (v >> 32)
			FAIL("vCPU state: %s %llx sets bits 63:32", name, (unsigned long long)v);
		return 0;
	case VMCS_GUEST_INTERRUPTIBILITY:
		if (v & INTR_RESERVED)
			FAIL("vCPU state: %s %llx sets reserved bits", name, (unsigned long long)v);
		return 0;
	case VMCS_GUEST_ACTIVITY:
		if (v > 1) /* active or HLT: the only states Amber's guest is ever in */
			FAIL("vCPU state: %s %llu is not active or HLT", name, (unsigned long long)v);
		return 0;
	case VMCS_GUEST_RIP: case VMCS_GUEST_FS_BASE: case VMCS_GUEST_GS_BASE: case VMCS_GUEST_TR_BASE:
	case VMCS_GUEST_LDTR_BASE: case VMCS_GUEST_GDTR_BASE: case VMCS_GUEST_IDTR_BASE:
	case VMCS_GUEST_SYSENTER_ESP: case VMCS_GUEST_SYSENTER_EIP:
		if (!canonical(v))
			FAIL("vCPU state: %s %llx is not canonical", name, (unsigned long long)v);
		return 0;
	case VMCS_GUEST_GDTR_LIMIT: case VMCS_GUEST_IDTR_LIMIT:
		if (v > 0xFFFF)
			FAIL("vCPU state: %s %llx is above 0xFFFF", name, (unsigned long long)v);
		return 0;
	case VMCS_GUEST_ES_AR: case VMCS_GUEST_CS_AR: case VMCS_GUEST_SS_AR: case VMCS_GUEST_DS_AR:
	case VMCS_GUEST_FS_AR: case VMCS_GUEST_GS_AR: case VMCS_GUEST_LDTR_AR: case VMCS_GUEST_TR_AR:
		/* An unusable segment's other bits are not checked at VM entry. */
		if ((v >> 32) || (!(v & AR_UNUSABLE) && ((uint32_t)v & AR_RESERVED)))
			FAIL("vCPU state: %s %llx sets reserved access-rights bits", name, (unsigned long long)v);
		if (!(v & AR_UNUSABLE) && !(v & AR_PRESENT))
			FAIL("vCPU state: %s %llx is usable but not present", name, (unsigned long long)v);
		if (f == VMCS_GUEST_CS_AR && ((v & AR_UNUSABLE) || ((v & AR_L) && (v & AR_DB))))
			FAIL("vCPU state: %s %llx is no code segment a 64-bit guest can run in", name, (unsigned long long)v);
		if (f == VMCS_GUEST_TR_AR && (v & AR_UNUSABLE))
			FAIL("vCPU state: %s %llx: TR must be usable", name, (unsigned long long)v);
		return 0;
	case VMCS_CTRL_ENTRY_INTR_INFO:
		if (v >> 32 || ((uint32_t)v & 0x7FFFF000u)) /* bits 30:12 reserved (SDM Vol. 3C §25.8.3) */
			FAIL("vCPU state: %s %llx sets reserved bits", name, (unsigned long long)v);
		return 0;
	default:
		return 0;
	}
}

int hv_state_check(const struct hv_state *s, size_t len, char *why, size_t cap)
{
	if (len != sizeof *s || s->magic != HV_STATE_MAGIC || s->version != HV_STATE_VERSION) {
		amber_snprintf(why, cap, "vCPU state is damaged or of another version (%llu bytes, magic %llx, version %u)",
			    (unsigned long long)len, (unsigned long long)s->magic, s->version);
		return HV_EINVAL;
	}
	if (s->npairs > HV_STATE_MAX_PAIRS) {
		amber_snprintf(why, cap, "vCPU state holds %u VMCS fields, at most %u fit", s->npairs, HV_STATE_MAX_PAIRS);
		return HV_EINVAL;
	}
	for (uint32_t i = 0; i < s->npairs; i++)
		if (!hv_state_carried(s->pairs[i].field)) {
			amber_snprintf(why, cap, "vCPU state names VMCS field %04x, which a snapshot never carries",
				    s->pairs[i].field);
			return HV_EINVAL;
		}
	for (uint32_t i = 0; i < s->npairs; i++) {
		for (uint32_t j = 0; j < i; j++)
			if (s->pairs[j].field == s->pairs[i].field)
				FAIL("vCPU state names VMCS field %04x twice", s->pairs[i].field);
		int e = check_pair(s->pairs[i].field, s->pairs[i].value, why, cap);
		if (e)
			return e;
	}
	uint64_t efer = pair_value(s, VMCS_GUEST_EFER), cr0 = pair_value(s, VMCS_GUEST_CR0);
	if ((efer & EFER_LMA) && (!(cr0 & CR0_PG) || !(pair_value(s, VMCS_GUEST_CR4) & CR4_PAE)))
		FAIL("vCPU state: long mode (EFER %llx) without paging and PAE (CR0 %llx)", (unsigned long long)efer,
		     (unsigned long long)cr0);
	/* MSRs and FPU state go into the CPU with WRMSR and FXRSTOR, which
	 * fault in the hypervisor on a bad value: each is checked here. */
	if (!canonical(s->lstar) || !canonical(s->cstar) || !canonical(s->kernel_gs))
		FAIL("vCPU state: LSTAR %llx, CSTAR %llx or KERNEL_GS_BASE %llx is not canonical",
		     (unsigned long long)s->lstar, (unsigned long long)s->cstar, (unsigned long long)s->kernel_gs);
	if (s->fmask >> 32)
		FAIL("vCPU state: FMASK %llx sets bits 63:32", (unsigned long long)s->fmask);
	uint32_t mxcsr;
	__builtin_memcpy(&mxcsr, s->fxsave + FX_MXCSR, sizeof mxcsr);
	if (mxcsr & ~lim.mxcsr_mask)
		FAIL("vCPU state: MXCSR %x sets bits outside MXCSR_MASK %x", mxcsr, lim.mxcsr_mask);
	if (s->pending & ~PEND_ALL)
		FAIL("vCPU state: pending interrupts %x name unknown ones", s->pending);
	if (!s->epoch)
		FAIL("vCPU state: restart epoch 0 (it starts at 1)");
	/* A saved injection is an event_set flag and a valid entry field
	 * together; save clears the field otherwise (hv_state_save). */
	uint64_t info = pair_value(s, VMCS_CTRL_ENTRY_INTR_INFO);
	if (s->event_set > 1 || (s->event_set && !(info & INTR_INFO_VALID)) || (!s->event_set && info)) {
		amber_snprintf(why, cap, "vCPU state holds event_set %u with VM-entry interruption information %llx",
			    s->event_set, (unsigned long long)info);
		return HV_EINVAL;
	}
	return 0;
}
