/*
 * hv/state_check.c — which VMCS fields a generation carries, and the
 * validation of a state blob read from disk (see state_blob.h). Pure C, so
 * the host tests drive it (tests/hv/check_vmx.c).
 */
#include "hv/state_blob.h"

#include "hv/hv.h"
#include "hv/vmcs.h"

#define VMCS_TYPE(f) (((f) >> 10) & 3) /* SDM Vol. 3C §25.11.2: 2 = guest state */

int hv_state_carried(uint32_t f)
{
	if (VMCS_TYPE(f) == 2)
		return f != VMCS_GUEST_VMCS_LINK && f != VMCS_GUEST_PML_INDEX && f != VMCS_GUEST_PREEMPT_TIMER;
	return f == VMCS_CTRL_CR0_SHADOW || f == VMCS_CTRL_CR4_SHADOW || f == VMCS_CTRL_ENTRY_INTR_INFO ||
	       f == VMCS_CTRL_ENTRY_EXC_ERRCODE || f == VMCS_CTRL_ENTRY_INSTR_LEN;
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
	return 0;
}
