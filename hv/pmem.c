/*
 * hv/pmem.c — physical frame allocator (see pmem.h).
 */
#include "hv/pmem.h"
#include "hv/hv.h"
#include "hv/smp.h"

#include <string.h>

#define LOW_RESERVED 0x100000ull   /* BIOS data, real-mode IVT, option ROMs, and
				    * the second CPU's trampoline (SMP_TRAMPOLINE_PA) */
_Static_assert(SMP_TRAMPOLINE_PA + PAGE_SIZE <= LOW_RESERVED, "the trampoline page is inside the low hole");
#define IDENTITY_LIMIT (4ull << 30) /* boot/entry.asm maps the low 4 GiB */

struct pmem hv_pmem;
int pmem_trampoline_ok;

static uint64_t up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
static uint64_t down(uint64_t v, uint64_t a) { return v & ~(a - 1); }

/* Removes [hb, he) from the free list, splitting a range when needed. */
static int punch(struct pmem *pm, uint64_t hb, uint64_t he)
{
	hb = down(hb, PAGE_SIZE);
	he = up(he, PAGE_SIZE);
	for (unsigned i = 0; i < pm->n; i++) {
		struct pmem_range *r = &pm->r[i];
		if (he <= r->base || hb >= r->end)
			continue;
		if (hb > r->base && he < r->end) { /* split in two */
			if (pm->n == PMEM_MAX_RANGES)
				return HV_ENOSPC;
			memmove(&pm->r[i + 2], &pm->r[i + 1], (pm->n - i - 1) * sizeof *r);
			pm->r[i + 1] = (struct pmem_range){ he, r->end };
			r->end = hb;
			pm->n++;
			i++;
		} else if (hb <= r->base && he >= r->end) {
			r->end = r->base; /* emptied; dropped below */
		} else if (hb <= r->base) {
			r->base = he;
		} else {
			r->end = hb;
		}
	}
	unsigned k = 0;
	for (unsigned i = 0; i < pm->n; i++)
		if (pm->r[i].end > pm->r[i].base)
			pm->r[k++] = pm->r[i];
	pm->n = k;
	return 0;
}

int pmem_build(struct pmem *pm, const struct mb2_region *map, unsigned n_map,
	       const struct pmem_hole *holes, unsigned n_holes, uint64_t limit)
{
	*pm = (struct pmem){ 0 };
	for (unsigned i = 0; i < n_map; i++) {
		if (map[i].type != MB2_MEM_AVAILABLE)
			continue;
		uint64_t b = up(map[i].base, PAGE_SIZE), e = down(map[i].base + map[i].len, PAGE_SIZE);
		if (e > limit)
			e = limit;
		if (b >= e)
			continue;
		if (pm->n == PMEM_MAX_RANGES)
			return HV_ENOSPC;
		/* Insertion keeps the list sorted. */
		unsigned j = pm->n++;
		while (j > 0 && pm->r[j - 1].base > b) {
			pm->r[j] = pm->r[j - 1];
			j--;
		}
		pm->r[j] = (struct pmem_range){ b, e };
	}
	/* Overlapping "available" entries would hand a frame out twice: remove
	 * each range's overlap with its predecessor. */
	for (unsigned i = 1; i < pm->n; i++)
		if (pm->r[i].base < pm->r[i - 1].end)
			pm->r[i].base = pm->r[i - 1].end < pm->r[i].end ? pm->r[i - 1].end : pm->r[i].end;
	for (unsigned i = 0; i < n_holes; i++) {
		int e = punch(pm, holes[i].base, holes[i].end);
		if (e)
			return e;
	}
	for (unsigned i = 0; i < pm->n; i++)
		pm->total += pm->r[i].end - pm->r[i].base;
	return 0;
}

int pmem_page_is_free_ram(const struct mb2_region *map, unsigned n_map,
			  const struct pmem_hole *holes, unsigned n_holes, uint64_t pa)
{
	uint64_t end = pa + PAGE_SIZE;
	int ram = 0;
	for (unsigned i = 0; i < n_map; i++) {
		if (map[i].base <= pa && map[i].base + map[i].len >= end) {
			if (map[i].type != MB2_MEM_AVAILABLE)
				return 0; /* reported twice, once reserved: not ours */
			ram = 1;
		} else if (map[i].type != MB2_MEM_AVAILABLE && map[i].base < end &&
			   map[i].base + map[i].len > pa) {
			return 0;
		}
	}
	for (unsigned i = 0; i < n_holes; i++)
		if (holes[i].base < end && holes[i].end > pa)
			return 0;
	return ram;
}

int pmem_alloc_range(struct pmem *pm, uint64_t n, uint64_t align, uint64_t *pa)
{
	if (n == 0 || align < PAGE_SIZE || (align & (align - 1)))
		return HV_EINVAL;
	for (unsigned i = 0; i < pm->n; i++) {
		uint64_t b = up(pm->r[i].base, align);
		if (b < pm->r[i].base || b >= pm->r[i].end || (pm->r[i].end - b) / PAGE_SIZE < n)
			continue;
		uint64_t e = b + n * PAGE_SIZE;
		if (punch(pm, b, e))
			return HV_ENOSPC;
		pm->used += n * PAGE_SIZE;
		*pa = b;
		return 0;
	}
	return HV_ENOMEM;
}

#ifndef AMBER_HOST_TEST
extern char __hv_start[], __hv_end[];

int pmem_init(const struct mb2_info *mb, uint32_t mbi_addr)
{
	struct pmem_hole holes[3 + MB2_MAX_MODULES];
	unsigned n = 0;
	holes[n++] = (struct pmem_hole){ 0, LOW_RESERVED };
	holes[n++] = (struct pmem_hole){ (uintptr_t)__hv_start, (uintptr_t)__hv_end };
	holes[n++] = (struct pmem_hole){ mbi_addr, (uint64_t)mbi_addr + mb->total_size };
	for (unsigned i = 0; i < mb->n_modules; i++)
		holes[n++] = (struct pmem_hole){ mb->modules[i].start, mb->modules[i].end };
	/* Holes 2.. are what GRUB left (MBI, modules): none may cover the trampoline. */
	pmem_trampoline_ok = pmem_page_is_free_ram(mb->mmap, mb->n_mmap, holes + 2, n - 2, SMP_TRAMPOLINE_PA);
	return pmem_build(&hv_pmem, mb->mmap, mb->n_mmap, holes, n, IDENTITY_LIMIT);
}

int pmem_alloc_contig(uint64_t n, uint64_t align, uint64_t *pa)
{
	int e = pmem_alloc_range(&hv_pmem, n, align, pa);
	if (!e)
		memset((void *)(uintptr_t)*pa, 0, n * PAGE_SIZE);
	return e;
}

int pmem_alloc_page(uint64_t *pa)
{
	return pmem_alloc_contig(1, PAGE_SIZE, pa);
}
#endif
