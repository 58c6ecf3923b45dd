/*
 * hv/vmcs.c — VMREAD/VMWRITE on the current VMCS, with the named error
 * routine every failure goes to.
 */
#include "hv/hv.h"
#include "hv/vmcs.h"
#include "hv/vmx_ops.h"

_Noreturn void vmcs_fail(const char *insn, uint32_t field)
{
	uint64_t err = 0;
	/* The error field itself may be unreadable (no current VMCS: VMfailInvalid). */
	int valid = vmx_read(VMCS_INFO_VM_INSTR_ERROR, &err) == 0;
	hv_panic("%s of VMCS field %s (%04x) failed: %s (VM-instruction error %u)", insn, vmcs_field_name(field),
		 field, valid ? vmx_insn_error_name((uint32_t)err) : "VMfailInvalid, no current VMCS", (unsigned)err);
}

uint64_t vmcs_read_raw(uint32_t field)
{
	uint64_t v;
	if (vmx_read(field, &v))
		vmcs_fail("VMREAD", field);
	return v;
}

void vmcs_write_raw(uint32_t field, uint64_t value)
{
	if (vmx_write(field, value))
		vmcs_fail("VMWRITE", field);
}
