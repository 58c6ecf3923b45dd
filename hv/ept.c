/*
 * hv/ept.c — EPT construction and lookup (see ept.h). No privileged
 * instructions here: INVEPT is the caller's job (vmx.c).
 */
#include "hv/ept.h"
#include "hv/hv.h"

static unsigned idx(uint64_t gpa, int level) { return (unsigned)(gpa >> (12 + 9 * level)) & 511; }

static uint64_t *table(struct ept *ept, uint64_t pa) { return ept->ops.p2v(ept->ops.ctx, pa); }

int ept_init(struct ept *ept, const struct ept_ops *ops, int ad)
{
	*ept = (struct ept){ .ops = *ops, .ad = ad };
	int e = ops->alloc_page(ops->ctx, &ept->pml4_pa);
	if (!e)
		ept->tables = 1;
	return e;
}

#define EPT_LEAF_SPAN (1ull << 21) /* bytes one leaf table maps */

static int in_lazy(const struct ept *ept, uint64_t gpa) { return gpa >= ept->lazy_gpa && gpa < ept->lazy_end; }

/* A new leaf table of the lazy range: every page it covers names its host
 * frame, none present, so that granting permissions maps it. */
static void fill_lazy(const struct ept *ept, uint64_t *t, uint64_t gpa)
{
	uint64_t base = gpa & ~(EPT_LEAF_SPAN - 1);
	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		uint64_t g = base + (uint64_t)i * 4096;
		if (in_lazy(ept, g))
			t[i] = ((ept->lazy_hpa + (g - ept->lazy_gpa)) & EPT_ADDR_MASK) | (EPT_MT_WB << EPT_MT_SHIFT);
	}
}

/* Walks to the leaf table (level 0), creating tables when `create`. */
static uint64_t *walk(struct ept *ept, uint64_t gpa, int create)
{
	uint64_t *t = table(ept, ept->pml4_pa);
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &t[idx(gpa, level)];
		if (!(*e & EPT_RWX)) {
			if (!create)
				return NULL;
			uint64_t pa;
			if (ept->ops.alloc_page(ept->ops.ctx, &pa))
				return NULL;
			ept->tables++;
			if (level == 1 && in_lazy(ept, gpa))
				fill_lazy(ept, table(ept, pa), gpa);
			/* Non-leaf entries grant everything; leaves decide. */
			*e = (pa & EPT_ADDR_MASK) | EPT_RWX;
		}
		t = table(ept, *e & EPT_ADDR_MASK);
	}
	return &t[idx(gpa, 0)];
}

int ept_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t perms)
{
	if ((gpa | hpa) & 0xFFF || gpa >= EPT_MAX_GPA || (perms & ~EPT_RWX))
		return HV_EINVAL;
	uint64_t *leaf = walk(ept, gpa, 1);
	if (!leaf)
		return HV_ENOMEM;
	*leaf = (hpa & EPT_ADDR_MASK) | (EPT_MT_WB << EPT_MT_SHIFT) | perms;
	return 0;
}

int ept_map_range(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t len, uint64_t perms)
{
	if (len & 0xFFF || gpa + len < gpa)
		return HV_EINVAL;
	for (uint64_t off = 0; off < len; off += 4096) {
		int e = ept_map(ept, gpa + off, hpa + off, perms);
		if (e)
			return e;
	}
	return 0;
}

uint64_t *ept_leaf(struct ept *ept, uint64_t gpa)
{
	if (gpa >= EPT_MAX_GPA)
		return NULL;
	return walk(ept, gpa, 0);
}

int ept_translate(struct ept *ept, uint64_t gpa, uint64_t *hpa)
{
	uint64_t *leaf = ept_leaf(ept, gpa);
	if (!leaf || !(*leaf & EPT_RWX))
		return HV_ENOENT;
	*hpa = (*leaf & EPT_ADDR_MASK) | (gpa & 0xFFF);
	return 0;
}

int ept_set_perms(struct ept *ept, uint64_t gpa, uint64_t perms)
{
	uint64_t *leaf = ept_leaf(ept, gpa);
	if (perms & ~EPT_RWX)
		return HV_EINVAL;
	if (!leaf || !(*leaf & EPT_RWX))
		return HV_ENOENT;
	*leaf = (*leaf & ~EPT_RWX) | perms;
	return 0;
}

int ept_map_lazy(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t len)
{
	if (((gpa | hpa) & (EPT_LEAF_SPAN - 1)) || len & 0xFFF || !len || gpa + len < gpa ||
	    gpa + len > EPT_MAX_GPA || ept->lazy_end)
		return HV_EINVAL;
	ept->lazy_gpa = gpa;
	ept->lazy_end = gpa + len;
	ept->lazy_hpa = hpa;
	return 0;
}

uint64_t *ept_leaf_build(struct ept *ept, uint64_t gpa)
{
	if (gpa >= EPT_MAX_GPA)
		return NULL;
	return walk(ept, gpa, in_lazy(ept, gpa));
}

uint64_t ept_lazy_tables(uint64_t gpa, uint64_t len)
{
	if (!len)
		return 1;
	uint64_t last = gpa + len - 1;
	/* leaf tables, page directories, PDPTs, and the PML4 */
	return (last >> 21) - (gpa >> 21) + 1 + (last >> 30) - (gpa >> 30) + 1 + (last >> 39) - (gpa >> 39) + 1 + 1;
}

uint64_t ept_eptp(const struct ept *ept)
{
	return ept->pml4_pa | EPTP_MT_WB | EPTP_WALK4 | (ept->ad ? EPTP_AD : 0);
}
