/*
 * hv/cow_shadow.c — copy-on-write by copy (see cow_shadow.h).
 */
#include "hv/cow_shadow.h"

#include <string.h>

#include "hv/ept.h"
#include "hv/guest_mem.h"
#include "hv/hv.h"
#include "hv/pmem.h"
#include "hv/smp.h"

#define NO_SLOT 0u /* slot numbers in the map are 1-based */
#define EPT_LEAVES_PER_TABLE 512u

static struct {
	struct vcpu *v;
	uint64_t npages;
	uint32_t *slot_of;  /* per guest frame: its shadow's slot + 1, or NO_SLOT */
	uint64_t *gfn_of;   /* per slot in use: its guest frame (for the release) */
	uint64_t **leaf_of; /* per slot in use: that frame's EPT leaf */
	uint8_t *frames;    /* COW_SHADOW_SLOTS frames */
	uint32_t used;
	uint64_t pages;
} S;

int cow_shadow_init(struct vcpu *v)
{
	uint64_t npages = v->ram_bytes >> 12, map_pages = (npages * 4 + 4095) / 4096;
	uint64_t list_pages = (COW_SHADOW_SLOTS * 8 + 4095) / 4096, pa_map, pa_list, pa_leaf, pa_frames;
	if (pmem_alloc_contig(map_pages, PAGE_SIZE, &pa_map) ||
	    pmem_alloc_contig(list_pages, PAGE_SIZE, &pa_list) ||
	    pmem_alloc_contig(list_pages, PAGE_SIZE, &pa_leaf) ||
	    pmem_alloc_range(&hv_pmem, COW_SHADOW_SLOTS, PAGE_SIZE, &pa_frames))
		return HV_ENOMEM;
	S.v = v;
	S.npages = npages;
	S.slot_of = (uint32_t *)(uintptr_t)pa_map;
	S.gfn_of = (uint64_t *)(uintptr_t)pa_list;
	S.leaf_of = (uint64_t **)(uintptr_t)pa_leaf;
	S.frames = (uint8_t *)(uintptr_t)pa_frames;
	return 0;
}

int cow_shadow_on(void) { return S.frames != NULL; }

uint8_t *cow_shadow_page(uint64_t gfn)
{
	if (!S.frames || gfn >= S.npages || S.slot_of[gfn] == NO_SLOT)
		return NULL;
	return S.frames + (uint64_t)(S.slot_of[gfn] - 1) * PAGE_SIZE;
}

/* CAPTURED in the PML and AD tiers: present (R) without W. */
static int captured(const uint64_t *l)
{
	return l && (*l & EPT_R) && !(*l & EPT_W);
}

/* A window's copies: [0, half) by the BSP, [half, n) by the AP. */
static struct {
	uint32_t first, n, half;
} W;

static void copy_slots(uint32_t from, uint32_t to)
{
	for (uint32_t s = from; s < to; s++)
		memcpy(S.frames + (uint64_t)s * PAGE_SIZE, gpa_ptr(S.v, S.gfn_of[s] << 12), PAGE_SIZE);
}

static void ap_copy(void *arg)
{
	(void)arg;
	copy_slots(W.first + W.half, W.first + W.n);
}

static int claim(uint64_t gfn, uint64_t *leaf)
{
	if (S.used == COW_SHADOW_SLOTS || S.slot_of[gfn] != NO_SLOT || !captured(leaf))
		return 0;
	uint32_t s = S.used++;
	S.gfn_of[s] = gfn;
	S.leaf_of[s] = leaf;
	S.slot_of[gfn] = s + 1;
	return 1;
}

int cow_shadow_fault(uint64_t gfn)
{
	if (!S.frames || gfn >= S.npages)
		return 0;
	uint64_t *l = ept_leaf(&S.v->ept, gfn << 12);
	W.first = S.used;
	if (!claim(gfn, l))
		return 0;
	/* The window: the leaves of one EPT table are consecutive (512 frames
	 * per table, SDM Vol. 3C §29.3.2), so walk once per table. */
	uint64_t end = gfn + COW_SHADOW_WINDOW < S.npages ? gfn + COW_SHADOW_WINDOW : S.npages;
	for (uint64_t g = gfn + 1; g < end && S.used < COW_SHADOW_SLOTS; g++) {
		l = g % EPT_LEAVES_PER_TABLE && l ? l + 1 : ept_leaf(&S.v->ept, g << 12);
		claim(g, l);
	}
	/* The copies, shared with the AP when it is free: the guest waits for
	 * them. The AP is outside the engine (the caller holds the lock). */
	W.n = S.used - W.first;
	W.half = W.n >= 8 ? W.n / 2 : W.n;
	int shared = W.half < W.n && smp_ap_call(ap_copy, NULL);
	if (!shared)
		W.half = W.n;
	copy_slots(W.first, W.first + W.half);
	if (shared && smp_ap_join())
		copy_slots(W.first + W.half, W.first + W.n); /* the AP did not: same bytes */
	/* Write access only once every copy is made. More access needs no
	 * INVEPT: an EPT violation invalidates the guest-physical mappings
	 * that translated its address (SDM Vol. 3C §29.4.3.1, edition 084),
	 * so the retried write sees the leaf; other stale entries of this
	 * CPU just fault once more (the engine's own rule for a stale TLB). */
	for (uint32_t s = W.first; s < S.used; s++)
		*S.leaf_of[s] |= EPT_W;
	S.pages += W.n;
	return 1;
}

void cow_shadow_release(void)
{
	for (uint32_t s = 0; s < S.used; s++)
		S.slot_of[S.gfn_of[s]] = NO_SLOT;
	S.used = 0;
}

uint64_t cow_shadow_take_count(void)
{
	uint64_t n = S.pages;
	S.pages = 0;
	return n;
}
