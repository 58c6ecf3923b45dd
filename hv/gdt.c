/*
 * hv/gdt.c — the hypervisor's GDT: null, 64-bit code, data, 64-bit TSS
 * (a 16-byte system descriptor, SDM Vol. 3A §8.2.3, Figure 8-4).
 * IST1 gives #DF, NMI and #MC a known-good stack.
 */
#include "hv/cpu.h"
#include "hv/desc.h"

#define IST_STACK_SIZE 8192

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t ist1_stack[IST_STACK_SIZE] __attribute__((aligned(16)));

/* Access bytes and flags (SDM Vol. 3A §3.4.5, Figure 3-8). */
#define SEG_CODE64 0x00AF9A000000FFFFull /* P, DPL 0, code exec/read, L=1, G=1 */
#define SEG_DATA   0x00CF92000000FFFFull /* P, DPL 0, data read/write, D/B=1, G=1 */
#define TSS_TYPE_AVAIL64 0x89ull         /* P=1, type 9: available 64-bit TSS */

uint64_t gdt_base(void) { return (uintptr_t)gdt; }
uint64_t tss_base(void) { return (uintptr_t)&tss; }

void gdt_build(uint64_t g[GDT_ENTRIES], struct tss64 *t, uint64_t ist1_top)
{
	uint64_t base = (uintptr_t)t, limit = sizeof *t - 1;
	*t = (struct tss64){ 0 };
	t->ist[0] = ist1_top;
	t->iomap_base = sizeof *t; /* no I/O permission bitmap */
	g[0] = 0;
	g[1] = SEG_CODE64;
	g[2] = SEG_DATA;
	g[3] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | TSS_TYPE_AVAIL64 << 40 |
	       ((limit >> 16) & 0xF) << 48 | ((base >> 24) & 0xFF) << 56;
	g[4] = base >> 32;
}

void gdt_load(const uint64_t g[GDT_ENTRIES])
{
	struct desc_ptr p = { GDT_ENTRIES * sizeof g[0] - 1, (uintptr_t)g };
	lgdt(&p);
	/* Reload CS with a far return, then the data segments. */
	__asm__ volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:\n\t"
			 "movw %w1, %%ds; movw %w1, %%es; movw %w1, %%ss"
			 ::"i"(HV_SEL_CODE), "r"(HV_SEL_DATA) : "rax", "memory");
	ltr(HV_SEL_TSS);
}

void gdt_init(void)
{
	gdt_build(gdt, &tss, (uintptr_t)ist1_stack + sizeof ist1_stack);
	gdt_load(gdt);
}
