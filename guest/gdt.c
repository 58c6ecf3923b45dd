/*
 * guest/gdt.c — the guest's own GDT and TSS. The hypervisor enters us with
 * flat segments loaded but no GDT of ours (vdev/vdev.h), so this runs before
 * anything could reload a segment register, including an interrupt's IRETQ.
 */
#include "guest/mmu.h"
#include "guest/trap.h"

static uint64_t gdt[7];
static struct tss tss;
/* #DF gets a stack of its own: a double fault often means the stack is gone. */
static uint8_t df_stack[4096] __attribute__((aligned(16)));
/* Where the CPU switches to on an interrupt or exception at CPL 3. */
static uint8_t rsp0_stack[8192] __attribute__((aligned(16)));

void gdt_init(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof tss - 1;
	tss.ist[0] = (uint64_t)(uintptr_t)(df_stack + sizeof df_stack);
	tss.rsp[0] = (uint64_t)(uintptr_t)(rsp0_stack + sizeof rsp0_stack);
	tss.iomap_base = sizeof tss;   /* no I/O bitmap */

	gdt[0] = 0;
	gdt[1] = GDT_KCODE;
	gdt[2] = GDT_KDATA;
	/* Available 64-bit TSS (type 9), present; SDM Vol. 3A Figure 8-4. */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	gdt[4] = base >> 32;
	gdt[5] = GDT_UDATA;
	gdt[6] = GDT_UCODE;

	struct dtr d = { sizeof gdt - 1, (uint64_t)(uintptr_t)gdt };
	/* CS can only be reloaded by a far transfer: LRETQ to the next label. */
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\tmovl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "ltr %w3"
			 :
			 : "m"(d), "i"(SEG_KCODE), "i"(SEG_KDATA), "r"(SEG_TSS)
			 : "rax", "memory");
}
