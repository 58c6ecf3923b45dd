/*
 * hv/vmxcap.c — decoding and checking VT-x capabilities (see vmxcap.h).
 * Pure functions of the raw values, so the host tests can feed any CPU.
 */
#include "hv/vmxcap.h"
#include "hv/hv.h"

static struct vmx_ctl ctl(uint64_t msr) { return (struct vmx_ctl){ (uint32_t)msr, (uint32_t)(msr >> 32) }; }

void vmx_caps_decode(const struct vmx_raw *raw, struct vmx_caps *c)
{
	*c = (struct vmx_caps){ 0 };
	c->vmx = !!(raw->cpuid1_ecx & CPUID1_ECX_VMX);
	if (!c->vmx)
		return;
	c->locked = !!(raw->feature_control & FEATCTL_LOCK);
	/* Unlocked: the hypervisor may set the enable bit and lock it itself. */
	c->enabled = !c->locked || (raw->feature_control & FEATCTL_VMX_OUTSIDE_SMX);
	c->revision = VMX_BASIC_REVISION(raw->basic);
	c->region_size = VMX_BASIC_REGION_SIZE(raw->basic);
	c->true_ctls = !!(raw->basic & VMX_BASIC_TRUE_CTLS);
	c->pin = ctl(raw->pinbased);
	c->proc = ctl(raw->procbased);
	c->exit = ctl(raw->exit);
	c->entry = ctl(raw->entry);
	if (c->proc.may1 & PROC_ACTIVATE_SECONDARY)
		c->proc2 = ctl(raw->procbased2);
	uint64_t cap = raw->ept_vpid_cap;
	c->ept = !!(c->proc2.may1 & PROC2_ENABLE_EPT);
	if (c->ept) {
		c->ept_walk4 = !!(cap & EPT_CAP_WALK4);
		c->ept_wb = !!(cap & EPT_CAP_MEMTYPE_WB);
		c->ept_2m = !!(cap & EPT_CAP_2M_PAGE);
		c->ept_1g = !!(cap & EPT_CAP_1G_PAGE);
		c->invept = !!(cap & EPT_CAP_INVEPT);
		c->invept_single = !!(cap & EPT_CAP_INVEPT_SINGLE);
		c->invept_all = !!(cap & EPT_CAP_INVEPT_ALL);
		c->ept_ad = !!(cap & EPT_CAP_AD);
		c->pml = c->ept_ad && (c->proc2.may1 & PROC2_ENABLE_PML);
		c->unrestricted = !!(c->proc2.may1 & PROC2_UNRESTRICTED_GUEST);
	}
	c->vpid = !!(c->proc2.may1 & PROC2_ENABLE_VPID);
	c->invvpid = c->vpid && (cap & VPID_CAP_INVVPID);
	c->invvpid_single = c->invvpid && (cap & VPID_CAP_INVVPID_SINGLE);
	c->invvpid_all = c->invvpid && (cap & VPID_CAP_INVVPID_ALL);
	c->preempt_timer = !!(c->pin.may1 & PIN_PREEMPT_TIMER);
	c->preempt_rate = VMX_MISC_PREEMPT_RATE(raw->misc);
}

int vmx_caps_check(const struct vmx_caps *c, char *why, size_t len)
{
	const char *miss = NULL;
	if (!c->vmx)
		miss = "this CPU has no VT-x (CPUID.1:ECX.VMX[bit 5] = 0)";
	else if (!c->enabled)
		miss = "VT-x is disabled by the firmware (IA32_FEATURE_CONTROL locked with bit 2 clear); enable it in the BIOS setup";
	else if (!(c->proc.may1 & PROC_ACTIVATE_SECONDARY))
		miss = "VT-x lacks secondary processor-based controls (IA32_VMX_PROCBASED_CTLS bit 63)";
	else if (!c->ept)
		miss = "VT-x lacks EPT (IA32_VMX_PROCBASED_CTLS2 bit 33)";
	else if (!c->ept_walk4)
		miss = "EPT lacks 4-level page walks (IA32_VMX_EPT_VPID_CAP bit 6)";
	else if (!c->ept_wb)
		miss = "EPT lacks the write-back memory type (IA32_VMX_EPT_VPID_CAP bit 14)";
	else if (!c->invept || !(c->invept_single || c->invept_all))
		miss = "VT-x lacks INVEPT (IA32_VMX_EPT_VPID_CAP bits 20, 25, 26)";
	else if (!c->preempt_timer)
		miss = "VT-x lacks the VMX-preemption timer (IA32_VMX_PINBASED_CTLS bit 38)";
	if (!miss)
		return 0;
	amber_snprintf(why, len, "%s", miss);
	return HV_ENOTSUP;
}

static const char *yes_no(int v) { return v ? "yes" : "no"; }

void vmx_caps_summary(const struct vmx_caps *c, char *buf, size_t len)
{
	amber_snprintf(buf, len, "vmx=%s ept=%s ad=%s pml=%s vpid=%s ug=%s preempt=%s(rate %u) rev=%u",
		    yes_no(c->vmx), yes_no(c->ept), yes_no(c->ept_ad), yes_no(c->pml), yes_no(c->vpid),
		    yes_no(c->unrestricted), yes_no(c->preempt_timer), c->preempt_rate, c->revision);
}
