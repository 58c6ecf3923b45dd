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

int hv_state_check(const struct hv_state *s, size_t len, char *why, size_t cap)
{
	if (len != sizeof *s || s->magic != HV_STATE_MAGIC || s->version != HV_STATE_VERSION) {
		hv_snprintf(why, cap, "vCPU state is damaged or of another version (%llu bytes, magic %llx, version %u)",
			    (unsigned long long)len, (unsigned long long)s->magic, s->version);
		return HV_EINVAL;
	}
	if (s->npairs > HV_STATE_MAX_PAIRS) {
		hv_snprintf(why, cap, "vCPU state holds %u VMCS fields, at most %u fit", s->npairs, HV_STATE_MAX_PAIRS);
		return HV_EINVAL;
	}
	for (uint32_t i = 0; i < s->npairs; i++)
		if (!hv_state_carried(s->pairs[i].field)) {
			hv_snprintf(why, cap, "vCPU state names VMCS field %04x, which a snapshot never carries",
				    s->pairs[i].field);
			return HV_EINVAL;
		}
	/* A saved injection is an event_set flag and a valid entry field
	 * together; save clears the field otherwise (hv_state_save). */
	uint64_t info = pair_value(s, VMCS_CTRL_ENTRY_INTR_INFO);
	if (s->event_set > 1 || (s->event_set && !(info & INTR_INFO_VALID)) || (!s->event_set && info)) {
		hv_snprintf(why, cap, "vCPU state holds event_set %u with VM-entry interruption information %llx",
			    s->event_set, (unsigned long long)info);
		return HV_EINVAL;
	}
	return 0;
}
