/*
 * guest/usermode.S — the way to CPL 3 and back (guest/user.h), and the code
 * that runs there, alone in a page that is mapped user-accessible.
 *
 * user_enter(rip, rsp) saves the callee-saved registers and RSP, then
 * IRETQs to CPL 3 with interrupts off. The CPU comes back through the IDT
 * on the TSS's RSP0 stack; trap() calls user_fault(), which ends in
 * user_leave(): it abandons that trap frame, restores the saved RSP and
 * returns from user_enter.
 */
#define SEG_UDATA 0x2b
#define SEG_UCODE 0x33
#define VDEV_HC_EPOCH 6

	.text
	.globl user_enter
user_enter:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, saved_rsp(%rip)
	pushq	$SEG_UDATA		/* SS */
	pushq	%rsi			/* RSP */
	pushq	$0x2			/* RFLAGS: IF clear, IOPL 0 */
	pushq	$SEG_UCODE		/* CS */
	pushq	%rdi			/* RIP */
	iretq

	.globl user_leave
user_leave:
	movq	saved_rsp(%rip), %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

	.section .bss
	.balign 8
saved_rsp:
	.quad	0

	.section .user, "ax"
	.balign 4096
	.globl user_vmcall, user_vmcall_insn, user_after_vmcall
user_vmcall:
	movl	$VDEV_HC_EPOCH, %eax
user_vmcall_insn:
	vmcall
user_after_vmcall:
	hlt				/* privileged: #GP at CPL 3 brings us back */
	.balign 4096
