/*
 * guest/entry.S — the guest kernel's first instructions.
 *
 * The hypervisor enters _start in 64-bit mode, CPL 0, interrupts off, with
 * RDI = guest-physical address of struct vdev_boot_info and its own identity
 * page tables and boot stack (vdev/vdev.h). We zero .bss (the ELF loader
 * should have, but a stale .bss would be a silent bug), move to the kernel's
 * own stack in .bss and call kmain(boot_info). Nothing here touches SSE: it
 * is switched on from C once the IDT can report a refusal.
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	cli
	cld
	movq	%rdi, %rbx		/* rep stosb below clobbers RDI */
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_end(%rip), %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	rep stosb
	leaq	stack_top(%rip), %rsp
	xorl	%ebp, %ebp		/* ends backtraces */
	movq	%rbx, %rdi
	call	kmain
1:	cli				/* kmain does not return */
	hlt
	jmp	1b

	.section .bss
	.balign 16
	.globl stack_bottom
stack_bottom:
	.skip	32768
stack_top:
