/*
 * hv/vmcs_names.c — names of VMCS fields and VM-instruction errors, for
 * reports. Pure tables, host-testable.
 */
#include "hv/vmcs.h"

#define VMCS_NAME(name, enc) { enc, #name },
static const struct { uint32_t enc; const char *name; } fields[] = { VMCS_FIELDS(VMCS_NAME) };

const char *vmcs_field_name(uint32_t field)
{
	for (unsigned i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (fields[i].enc == field)
			return fields[i].name;
	return "?";
}

/* SDM Vol. 3C §32.4, Table 32-1 "VM-Instruction Error Numbers". */
static const char *const insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "Invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(uint32_t err)
{
	if (err < sizeof insn_errors / sizeof insn_errors[0] && insn_errors[err])
		return insn_errors[err];
	return "unknown VM-instruction error";
}
