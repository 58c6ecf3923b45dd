/*
 * hv/vmx_ops.h — the VMX instructions, each as a tiny inline function
 * (SDM Vol. 3C, Chapter 32 "VMX Instruction Reference", edition 084).
 *
 * Every VMX instruction reports failure through RFLAGS (§32.2): CF = 1 is
 * VMfailInvalid (no current VMCS), ZF = 1 is VMfailValid (the reason is in
 * the VM-instruction error field). Each wrapper returns 0 on success and
 * -1 on either failure; callers go to a named error routine.
 */
#ifndef AMBER_HV_VMX_OPS_H
#define AMBER_HV_VMX_OPS_H

#include <stdint.h>

static inline int vmx_on(uint64_t pa)
{
	uint8_t fail;
	__asm__ volatile("vmxon %1; setbe %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline int vmx_clear(uint64_t pa)
{
	uint8_t fail;
	__asm__ volatile("vmclear %1; setbe %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline int vmx_ptrld(uint64_t pa)
{
	uint8_t fail;
	__asm__ volatile("vmptrld %1; setbe %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline int vmx_read(uint64_t field, uint64_t *val)
{
	uint8_t fail;
	uint64_t v;
	__asm__ volatile("vmread %2, %1; setbe %0" : "=qm"(fail), "=rm"(v) : "r"(field) : "cc");
	*val = v;
	return fail ? -1 : 0;
}

static inline int vmx_write(uint64_t field, uint64_t val)
{
	uint8_t fail;
	__asm__ volatile("vmwrite %2, %1; setbe %0" : "=qm"(fail) : "r"(field), "rm"(val) : "cc");
	return fail ? -1 : 0;
}

/* INVEPT / INVVPID types (SDM Vol. 3C §32, INVEPT and INVVPID). */
#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXT    2
#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXT    2

static inline int vmx_op_invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };
	uint8_t fail;
	__asm__ volatile("invept %1, %2; setbe %0" : "=qm"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline int vmx_op_invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, addr; } desc = { vpid, 0 };
	uint8_t fail;
	__asm__ volatile("invvpid %1, %2; setbe %0" : "=qm"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	return fail ? -1 : 0;
}

#endif
