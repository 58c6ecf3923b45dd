/*
 * guest/user.h — a single trip to CPL 3 and back, for the hostile program:
 * a VMCALL from user mode must not be a hypercall (vdev/ABI.md: #UD).
 *
 * user_run() drops to CPL 3 at user_vmcall (guest/usermode.S), which makes
 * VDEV_HC_EPOCH and then executes HLT. The first exception at CPL 3 comes
 * back here: #UD at the VMCALL means it was refused; #GP at the HLT means
 * the VMCALL completed as a hypercall.
 */
#ifndef AMBER_GUEST_USER_H
#define AMBER_GUEST_USER_H

#include <stdint.h>

struct user_result {
	uint64_t vec, err, rip, rax;
};

extern char user_vmcall[], user_vmcall_insn[], user_after_vmcall[];   /* guest/usermode.S */

struct user_result user_run(void);
_Noreturn void user_fault(uint64_t vec, uint64_t err, uint64_t rip, uint64_t rax);   /* from trap() */

#endif
