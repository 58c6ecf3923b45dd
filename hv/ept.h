/*
 * hv/ept.h — extended page tables: 4-level, 4 KiB leaves only (dirty
 * tracking and write protection work per 4 KiB page), write-back memory
 * type. SDM Vol. 3C §29.3 "The Extended Page Table Mechanism", edition 084.
 *
 * Guest-physical address split (4-level walk, §29.3.2):
 *
 *   47      39 38      30 29      21 20      12 11         0
 *  +----------+----------+----------+----------+------------+
 *  | PML4 idx |  PDPT    |   PD     |   PT     |  offset    |
 *  +----------+----------+----------+----------+------------+
 *
 * The tables are reached through callbacks (allocate a zeroed page, turn
 * a physical address into a pointer), so the same code runs in the
 * hypervisor (identity map) and in host unit tests (malloc'd pages).
 *
 * Guest RAM may be mapped on demand (ept_map_lazy): nothing is built then,
 * so a restored guest starts in time independent of its RAM (issue 15).
 * An access to a GPA whose tables are missing is an EPT violation, like one
 * to a not-present leaf; ept_leaf_build makes the leaf table of its 2 MiB
 * range, every entry naming its host frame but not present (no R/W/X), and
 * the caller grants what it wants.
 */
#ifndef AMBER_HV_EPT_H
#define AMBER_HV_EPT_H

#include <stdint.h>

/* EPT entry bits (SDM Vol. 3C §29.3.2, Tables 29-1..29-6). */
#define EPT_R            (1ull << 0)
#define EPT_W            (1ull << 1)
#define EPT_X            (1ull << 2)
#define EPT_RWX          (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT     3            /* leaf bits 5:3: memory type */
#define EPT_MT_WB        6ull
#define EPT_IGNORE_PAT   (1ull << 6)
#define EPT_A            (1ull << 8)  /* accessed (when EPTP bit 6 is set) */
#define EPT_D            (1ull << 9)  /* dirty, leaves only */
#define EPT_ADDR_MASK    0x000FFFFFFFFFF000ull /* bits 51:12 */

/* EPTP (SDM Vol. 3C §25.6.11, Table 25-9). */
#define EPTP_MT_WB       6ull         /* bits 2:0 */
#define EPTP_WALK4       (3ull << 3)  /* bits 5:3: walk length - 1 */
#define EPTP_AD          (1ull << 6)

#define EPT_ENTRIES      512
#define EPT_MAX_GPA      (1ull << 48)

struct ept_ops {
	void *ctx;
	/* One zeroed 4 KiB page; its physical address in *pa. 0 or HV_ENOMEM. */
	int (*alloc_page)(void *ctx, uint64_t *pa);
	void *(*p2v)(void *ctx, uint64_t pa);
};

struct ept {
	struct ept_ops ops;
	uint64_t pml4_pa;
	int ad;          /* accessed/dirty flags enabled in the EPTP */
	uint64_t tables; /* pages used by the tables, PML4 included */
	uint64_t lazy_gpa, lazy_end, lazy_hpa; /* the range ept_map_lazy recorded */
};

int ept_init(struct ept *ept, const struct ept_ops *ops, int ad);
/* Maps the 4 KiB page at gpa to hpa with perms (EPT_R/W/X), WB memory type. */
int ept_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t perms);
/* Maps [gpa, gpa + len) to [hpa, ...) page by page. */
int ept_map_range(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t len, uint64_t perms);
/* The leaf entry for gpa, or NULL when a table on the way is absent. */
uint64_t *ept_leaf(struct ept *ept, uint64_t gpa);
/* Host-physical address gpa maps to (with page offset); -1 when unmapped. */
int ept_translate(struct ept *ept, uint64_t gpa, uint64_t *hpa);
/* Replaces the permission bits of a mapped leaf. HV_ENOENT when unmapped. */
int ept_set_perms(struct ept *ept, uint64_t gpa, uint64_t perms);
uint64_t ept_eptp(const struct ept *ept);
/*
 * Records [gpa, gpa + len) → [hpa, ...) as mapped on demand; builds
 * nothing. One range per EPT (guest RAM); gpa and hpa 2 MiB aligned
 * (a leaf table covers 2 MiB). HV_EINVAL otherwise.
 */
int ept_map_lazy(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t len);
/*
 * The leaf of gpa; inside the lazy range its tables are built when missing
 * (a new leaf table names the host frame of every page of the range it
 * covers, none present). Outside it, ept_leaf. NULL when a table cannot be
 * allocated or gpa is neither mapped nor lazy.
 */
uint64_t *ept_leaf_build(struct ept *ept, uint64_t gpa);
/* Tables the lazy range needs at most, PML4 included: what to reserve. */
uint64_t ept_lazy_tables(uint64_t gpa, uint64_t len);

#endif
