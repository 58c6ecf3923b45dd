/*
 * hv/pmem.h — physical frame allocator of the hypervisor.
 *
 * Built once from the multiboot2 memory map: the "available" regions below
 * 4 GiB (the boot identity map covers exactly that), minus the low 1 MiB,
 * the hypervisor image [__hv_start, __hv_end), the multiboot2 information
 * and every module. Frames are handed out in address order and never freed
 * (the hypervisor allocates its structures and guest RAM once per boot).
 * Physical addresses are also valid pointers: the hypervisor runs on an
 * identity map (boot/entry.asm).
 */
#ifndef AMBER_HV_PMEM_H
#define AMBER_HV_PMEM_H

#include <stdint.h>

#include "hv/mb2.h"

#define PAGE_SIZE 4096ull
#define PMEM_MAX_RANGES 96

struct pmem_range { uint64_t base, end; };

struct pmem {
	unsigned n;
	struct pmem_range r[PMEM_MAX_RANGES]; /* free, sorted, page aligned */
	uint64_t total, used;
};

/* A range the allocator must never hand out. */
struct pmem_hole { uint64_t base, end; };

/*
 * Builds the free list from the memory map minus `holes`. Pure (host-
 * testable). Returns 0 or HV_ENOSPC when the map is too fragmented.
 */
int pmem_build(struct pmem *pm, const struct mb2_region *map, unsigned n_map,
	       const struct pmem_hole *holes, unsigned n_holes, uint64_t limit);

/* `n` contiguous pages aligned to `align` bytes (a power of two >= 4 KiB). */
int pmem_alloc_range(struct pmem *pm, uint64_t n, uint64_t align, uint64_t *pa);

/*
 * 1 when the page at `pa` lies in an "available" region of the map and
 * overlaps none of `holes` (boot data GRUB left: the MBI, modules). Pure.
 */
int pmem_page_is_free_ram(const struct mb2_region *map, unsigned n_map,
			  const struct pmem_hole *holes, unsigned n_holes, uint64_t pa);

/* The hypervisor's allocator (initialised by pmem_init in main). */
extern struct pmem hv_pmem;
int pmem_init(const struct mb2_info *mb, uint32_t mbi_addr);
/* Set by pmem_init: the second CPU's trampoline page (SMP_TRAMPOLINE_PA,
 * hv/smp.h) is RAM nothing else holds; the allocator never hands it out. */
extern int pmem_trampoline_ok;
/* One zeroed 4 KiB frame, or HV_ENOMEM. */
int pmem_alloc_page(uint64_t *pa);
/* `n` zeroed contiguous frames aligned to `align`, or HV_ENOMEM. */
int pmem_alloc_contig(uint64_t n, uint64_t align, uint64_t *pa);

#endif
