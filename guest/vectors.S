/*
 * guest/vectors.S — one entry stub per interrupt vector and the common
 * path into trap() (guest/trap.c).
 *
 * Each stub pushes a zero where the CPU pushes no error code (SDM Vol. 3A
 * Table 6-1: vectors 8, 10-14, 17, 21, 29, 30 have one), then its vector, so
 * that every frame has the shape of struct trapframe (guest/trap.h).
 *
 * Only general registers are saved: everything trap() can reach is built
 * with -mgeneral-regs-only (guest/module.mk), so SSE state is never touched
 * on the interrupt path and code using SSE can be interrupted safely.
 */
	.altmacro
	.macro stub n
	.globl vector\n
vector\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq	$0
	.endif
	pushq	$\n
	jmp	alltraps
	.endm

	.text
	.set	i, 0
	.rept	256
	stub	%i
	.set	i, i + 1
	.endr

/*
 * In 64-bit mode the CPU aligns RSP to 16 before pushing its frame; 5 CPU
 * words + error + vector + 15 registers = 22 words keeps that alignment,
 * which the C ABI wants at the call.
 */
alltraps:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rbp
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	call	trap
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rbp
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq

	.macro vecaddr n
	.quad	vector\n
	.endm

	.section .rodata
	.balign 8
	.globl vectors
vectors:
	.set	i, 0
	.rept	256
	vecaddr	%i
	.set	i, i + 1
	.endr
