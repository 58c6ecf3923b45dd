/*
 * snapshot/engine.h — the live snapshot engine: dirty tracking, capture,
 * copy-on-write writer and lazy restore, over the store (snap.h).
 *
 * The hypervisor owns the EPT; the engine only flips bits in the 4 KiB EPT
 * leaf of each guest frame through the host callbacks, so the same code runs
 * in the hypervisor and, over a simulated EPT, in the host tests.
 *
 * Life of generation N (see ../shared/DESIGN.md, Snapshots):
 *   capture   (in a VM exit; the pause) take the dirty set D(N), clear its
 *             tracking state, write-protect it, INVEPT, begin generation N
 *             in the store with the vCPU/device state blob. O(|D|) for the
 *             PML and WP tiers; the A/D tier scans every leaf.
 *   step      (while the guest runs, in slices) store pages of D(N) and
 *             give write access back; when none is left, commit: N is durable.
 *   fault     a guest write to a page of D(N) not yet stored: the page is
 *             stored first (copy-on-write through the store's buffer), then
 *             the write proceeds.
 * A page's dirty state is retired only once the generation holding it is
 * committed: an aborted generation hands its pages to the next one.
 *
 * Dirty-tracking tiers (all three yield identical generations):
 *   PML  hardware logs each 0→1 change of a leaf's D bit; the hypervisor
 *        passes the logged addresses to snapeng_pml_log().
 *   AD   capture scans every leaf's D bit (and clears it).
 *   WP   every clean page is write-protected; its first write faults into
 *        snapeng_fault(), which records it and opens the page.
 *
 * Lazy restore: snapeng_restore() marks every leaf not-present; the first
 * touch of a page reads it from the restored generation (snapeng_fault),
 * and snapeng_restore_step() prefetches the rest. A capture before the
 * restore finished is based on the restored generation, so the pages not
 * yet read keep referring to their old blocks.
 */
#ifndef AMBER_SNAPSHOT_ENGINE_H
#define AMBER_SNAPSHOT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot/snap.h"

/* EPT leaf bits (Intel SDM Vol. 3C §29.3.2, Table 29-6, edition 084). */
#define SNAPENG_EPT_R    (1ull << 0)
#define SNAPENG_EPT_W    (1ull << 1)
#define SNAPENG_EPT_X    (1ull << 2)
#define SNAPENG_EPT_RWX  (SNAPENG_EPT_R | SNAPENG_EPT_W | SNAPENG_EPT_X)
#define SNAPENG_EPT_A    (1ull << 8)
#define SNAPENG_EPT_D    (1ull << 9)

enum snapeng_tier { SNAPENG_PML = 1, SNAPENG_AD = 2, SNAPENG_WP = 3 };

struct snapeng_host {
	void *ctx;
	uint8_t *(*page)(void *ctx, uint64_t gfn);   /* host address of a guest frame */
	uint64_t *(*leaf)(void *ctx, uint64_t gfn);  /* its 4 KiB EPT leaf entry */
	void (*invept)(void *ctx);                   /* after taking permissions away */
	void *(*alloc)(void *ctx, size_t bytes);
	void (*free)(void *ctx, void *p, size_t bytes);
};

typedef struct snapeng snapeng;

struct snapeng_stats {
	uint64_t gen;             /* generation being written, or last committed */
	uint64_t dirty;           /* pages in it */
	uint64_t stored;          /* of which stored so far */
	uint64_t cow_faults;      /* stored early because the guest wrote them */
	uint64_t absent;          /* pages not yet read back by a lazy restore */
	uint64_t restored_from;   /* generation restored at boot, 0 = fresh */
};

/*
 * A fresh guest: every frame belongs to the first generation; leaves get
 * the tier's initial permissions (present; writable except in WP tier).
 */
int snapeng_create(const struct snapeng_host *h, snap_store *st, uint64_t npages,
		   enum snapeng_tier tier, snapeng **out);
void snapeng_destroy(snapeng *e);

/*
 * Lazy restore of generation `gen` (0 = newest): reads its state blob into
 * state[cap] (*len = its size), marks every leaf not-present.
 */
int snapeng_restore(snapeng *e, uint64_t gen, void *state, size_t cap, size_t *len);
/* Prefetches up to `budget` absent pages; returns how many are left. */
int64_t snapeng_restore_step(snapeng *e, unsigned budget);

/*
 * An EPT violation on guest frame gfn. Sets *handled when the engine caused
 * it (absent page, or write to a protected page) and has fixed it, so the
 * guest can retry the access; *handled = 0 means the fault is not the
 * engine's (the hypervisor decides). Errors are the store's reading an
 * absent page; a failed copy-on-write is handled (snapeng_take_error).
 */
int snapeng_fault(snapeng *e, uint64_t gfn, int write, int *handled);

/*
 * The hypervisor's own accesses to guest frame gfn (hypercall arguments and
 * results: the one door, hv/guest_mem.c) go through these first, so that
 * they obey the rules a guest access does:
 *   snapeng_guest_read   reads the frame back if a lazy restore has not yet;
 *   snapeng_guest_write  also stores it first if the generation being written
 *                        still needs its old content (copy-before-write), and
 *                        records it as written, since no EPT D bit, PML entry
 *                        or write fault sees a write by the host.
 * SNAP_EINVAL for a frame beyond guest RAM; other errors are the store's
 * reading a restored page (the frame must not be touched then). A failed
 * copy-before-write is no error here: see snapeng_take_error().
 */
int snapeng_guest_read(snapeng *e, uint64_t gfn);
int snapeng_guest_write(snapeng *e, uint64_t gfn);

/* Guest-physical addresses from the PML log (page offsets ignored). */
void snapeng_pml_log(snapeng *e, const uint64_t *gpa, unsigned n);

/*
 * Captures the next generation: the pause. SNAP_EBUSY if the previous one
 * is still being written (finish it with snapeng_step first). *gen gets its
 * number; `state` is copied.
 */
int snapeng_capture(snapeng *e, const void *state, size_t len, uint64_t time_ns, uint64_t *gen);
/* Stores up to `budget` pages; commits when all are stored (*committed = 1). */
int snapeng_step(snapeng *e, unsigned budget, int *committed);
int snapeng_busy(const snapeng *e);   /* a generation is being written */
/*
 * The error that made the engine give up the generation being written
 * outside snapeng_step (a copy-before-write that could not store its page:
 * the write went ahead, the generation's pages went back to the dirty set),
 * or 0. Reading it clears it.
 */
int snapeng_take_error(snapeng *e);

void snapeng_stats(const snapeng *e, struct snapeng_stats *out);

#endif
