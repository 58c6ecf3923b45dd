/*
 * hv/vmcs.h — width-checked VMCS accessors (the KVM vmx_ops.h idea).
 *
 * vmcs_read16/32/64/nat and vmcs_write16/32/64/nat take a VMCS_* field
 * constant; the width encoded in bits 14:13 (SDM Vol. 3C §25.11.2) is
 * checked at build time, so a 32-bit accessor on a natural-width field
 * does not compile. A failed VMREAD/VMWRITE is a hypervisor bug: it goes
 * to vmcs_fail(), which names the instruction, the field and the
 * VM-instruction error (SDM Vol. 3C §32.4) and stops.
 */
#ifndef AMBER_HV_VMCS_H
#define AMBER_HV_VMCS_H

#include <stdint.h>

#include "hv/vmcs_fields.h"

#define VMCS_WIDTH(f)     (((unsigned)(f) >> 13) & 3)
#define VMCS_WIDTH_16     0
#define VMCS_WIDTH_64     1
#define VMCS_WIDTH_32     2
#define VMCS_WIDTH_NAT    3

uint64_t vmcs_read_raw(uint32_t field);
void vmcs_write_raw(uint32_t field, uint64_t value);
_Noreturn void vmcs_fail(const char *insn, uint32_t field);

#define VMCS_CHECK(f, w) _Static_assert(VMCS_WIDTH(f) == (w), "VMCS field width mismatch: " #f)
#define vmcs_read16(f)  ({ VMCS_CHECK(f, VMCS_WIDTH_16);  (uint16_t)vmcs_read_raw(f); })
#define vmcs_read32(f)  ({ VMCS_CHECK(f, VMCS_WIDTH_32);  (uint32_t)vmcs_read_raw(f); })
#define vmcs_read64(f)  ({ VMCS_CHECK(f, VMCS_WIDTH_64);  (uint64_t)vmcs_read_raw(f); })
#define vmcs_readnat(f) ({ VMCS_CHECK(f, VMCS_WIDTH_NAT); (uint64_t)vmcs_read_raw(f); })
#define vmcs_write16(f, v)  do { VMCS_CHECK(f, VMCS_WIDTH_16);  vmcs_write_raw(f, (uint16_t)(v)); } while (0)
#define vmcs_write32(f, v)  do { VMCS_CHECK(f, VMCS_WIDTH_32);  vmcs_write_raw(f, (uint32_t)(v)); } while (0)
#define vmcs_write64(f, v)  do { VMCS_CHECK(f, VMCS_WIDTH_64);  vmcs_write_raw(f, (uint64_t)(v)); } while (0)
#define vmcs_writenat(f, v) do { VMCS_CHECK(f, VMCS_WIDTH_NAT); vmcs_write_raw(f, (uint64_t)(v)); } while (0)

/* Name of a field encoding ("GUEST_RIP"), "?" when not in the table. */
const char *vmcs_field_name(uint32_t field);
/* Text of a VM-instruction error number (SDM Vol. 3C §32.4, Table 32-1). */
const char *vmx_insn_error_name(uint32_t err);

#endif
