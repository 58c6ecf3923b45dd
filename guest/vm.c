/* guest/vm.c — identity page tables (guest/vm.h). */
#include "guest/console.h"
#include "guest/kalloc.h"
#include "guest/mmu.h"
#include "guest/vm.h"
#include "guest/x86.h"

static uint64_t *pml4;

/*
 * Returns the entry for va at `level` (0 = PT, 1 = PD), creating the
 * tables above it. Panics on running out of pages: the tables are built at
 * boot, when that means RAM is far too small anyway.
 */
static uint64_t *walk(uint64_t va, int level)
{
	uint64_t *table = pml4;
	for (int l = 3; l > level; l--) {
		uint64_t *e = &table[PX(l, va)];
		if (!(*e & PTE_P)) {
			uint64_t *t = kzalloc();
			if (!t)
				panic("vm: out of pages for page tables");
			*e = (uint64_t)(uintptr_t)t | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			panic("vm: %llx already mapped by a large page", (unsigned long long)va);
		}
		table = (uint64_t *)(uintptr_t)PTE_ADDR(*e);
	}
	return &table[PX(level, va)];
}

void vm_init(uint64_t ram_bytes)
{
	pml4 = kzalloc();
	if (!pml4)
		panic("vm: out of pages for page tables");
	/* 4 KiB pages where a 2 MiB page would not fit: the first 2 MiB (page 0
	   left out) and any tail of RAM that is not a whole 2 MiB. */
	for (uint64_t a = PGSIZE; a < ram_bytes;) {
		if (a % HUGE_SIZE == 0 && ram_bytes - a >= HUGE_SIZE) {
			*walk(a, 1) = a | PTE_P | PTE_W | PTE_PS;
			a += HUGE_SIZE;
		} else {
			*walk(a, 0) = a | PTE_P | PTE_W;
			a += PGSIZE;
		}
	}
	lcr3((uint64_t)(uintptr_t)pml4);
}

void vm_map_page(uint64_t pa)
{
	pa &= ~(PGSIZE - 1);
	*walk(pa, 0) = pa | PTE_P | PTE_W;
	/* A new mapping needs no TLB flush, but the page may have been
	   cached as not present by a speculative walk: be sure. */
	__asm__ volatile("invlpg (%0)" ::"r"(pa) : "memory");
}

void vm_user_page(uint64_t va)
{
	uint64_t *table = pml4;
	for (int l = 3; l >= 0; l--) {
		uint64_t *e = &table[PX(l, va)];
		if (!(*e & PTE_P) || (l > 0 && (*e & PTE_PS)))
			panic("vm: %llx is not mapped by a 4 KiB page", (unsigned long long)va);
		*e |= PTE_U;
		table = (uint64_t *)(uintptr_t)PTE_ADDR(*e);
	}
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}
