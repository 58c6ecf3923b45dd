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
 *             PML and WP tiers (a bounded list of the dirty frames; past
 *             it, one pass over a bitmap); the A/D tier scans every leaf.
 *   step      (while the guest runs, in slices) store pages of D(N) and
 *             give write access back; when none is left, commit: N is durable.
 *   fault     a guest write to a page of D(N) not yet stored: the page is
 *             stored first (copy-on-write through the store's buffer), then
 *             the write proceeds.
 * A page's dirty state is retired only once the generation holding it is
 * committed: an aborted generation hands all its pages to the next one.
 *
 * Life of a page (guest frame). The engine keeps four bitmaps (track, gen,
 * pending, loaded: engine.c) and the frame's EPT leaf; a page's state is
 * their combination:
 *
 *   ABSENT    a lazy restore is in progress (s.absent > 0) and the frame is
 *             not in loaded; leaf not present; in no other set. Only after
 *             snapeng_restore(); its content is in the read generation.
 *   CLEAN     present; not in track; (not in gen, or in gen and stored).
 *             Leaf: WP tier read-only; PML/AD tiers writable with D clear
 *             (the first write sets D and, in PML, logs the page).
 *   DIRTY     written since the last capture: in track, or (PML/AD) D set
 *             in the leaf and not yet logged/scanned into track.
 *   CAPTURED  in gen and pending: in D(N), not stored yet. Leaf not
 *             writable, so a write faults and is stored first.
 *   STORED    in gen, not pending: its content of capture N is in the
 *             store's buffer or on disk, not yet committed.
 * A page may be STORED and DIRTY at once (written after it was stored).
 *
 *   from      to        by
 *   ABSENT    CLEAN     snapeng_fault (first touch), snapeng_restore_step
 *                       (prefetch), snapeng_guest_read/write (host access)
 *   CLEAN     DIRTY     guest write: snapeng_fault (WP), D bit + PML log
 *                       (snapeng_pml_log) or capture's scan (AD);
 *                       host write: snapeng_guest_write
 *   DIRTY     CAPTURED  snapeng_capture (every DIRTY page at once; W cleared)
 *   CAPTURED  STORED    snapeng_step (the writer), or a write to it:
 *                       snapeng_fault / snapeng_guest_write (copy first)
 *   STORED    CLEAN     snapeng_step's commit (gen cleared)
 *   CAPTURED,
 *   STORED    DIRTY     the generation fails: snapeng_step's error, a failed
 *                       copy-before-write (snapeng_take_error), or
 *                       snapeng_detach_store; all of gen goes back to track
 *   any       ABSENT    snapeng_restore (on a new engine, before any capture:
 *                       every frame at once, by setting s.absent; no pass)
 *
 * Invariants (checked after every call in a -DSNAPENG_DEBUG build, which
 * the host tests use; a violation calls snapeng_debug_fail):
 *   I1 absent ∩ (track ∪ gen ∪ pending) = ∅, and an absent leaf has no
 *      R/W/X; s.absent = |absent| (while s.absent > 0: the frames not in
 *      loaded).
 *   I2 pending ⊆ gen; a pending leaf is not writable.
 *   I3 not busy ⇒ gen = pending = ∅; busy ⇒ remaining = |pending| and
 *      s.stored + remaining = s.dirty = |gen|.
 *   I4 WP tier: a present writable leaf is in track (else its writes
 *      would go unseen), or no capture has happened yet (every frame is in
 *      the first generation).
 *   I5 absent pages remain ⇒ a read generation is open (rgen), unless the
 *      store is detached; none remain ⇒ no read generation.
 *   I6 unless the dirty list overflowed (engine.c), it holds exactly the
 *      frames in track, once each.
 *
 * Dirty-tracking tiers (all three yield identical generations):
 *   PML  hardware logs each 0→1 change of a leaf's D bit; the hypervisor
 *        passes the logged addresses to snapeng_pml_log().
 *   AD   capture scans every leaf's D bit (and clears it).
 *   WP   every clean page is write-protected; its first write faults into
 *        snapeng_fault(), which records it and opens the page.
 *
 * Lazy restore: snapeng_restore() makes every frame ABSENT in O(1) (no
 * pass over frames or leaves: the guest's first instruction must not wait
 * for anything that grows with its RAM); the first touch of a page reads it
 * from the restored generation (snapeng_fault), and snapeng_restore_step()
 * prefetches the rest in ascending frame order (engine.c says why). A
 * capture before the restore finished is based on the restored generation,
 * so the pages not yet read keep referring to their old blocks.
 *
 * The leaves are the host's, and two calls leave them to it:
 *   snapeng_create   a fresh guest: before it runs, the host maps every
 *                    frame present and writable (the first generation holds
 *                    every frame, so no write needs seeing before it; its
 *                    capture sets each leaf's tracking permissions);
 *   snapeng_restore  the host's leaves of every frame are not present (no
 *                    R/W/X) and may not exist at all: h.leaf() may build a
 *                    frame's leaf (not present) on its first call. The
 *                    engine asks only for leaves of frames it reads back or
 *                    that are present (a -DSNAPENG_DEBUG check, all).
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
	/* Host address of a guest frame. The engine reads and writes frames
	 * only through it: hv/cow_shadow.c returns a copy of a CAPTURED page
	 * the guest went on writing (with cpus=2; it tells CAPTURED pages by
	 * their leaves, present without W in the PML and AD tiers). */
	uint8_t *(*page)(void *ctx, uint64_t gfn);
	/* Its 4 KiB EPT leaf entry, never NULL; a host that builds its EPT on
	 * demand builds it here (not present, naming the frame: see above). */
	uint64_t *(*leaf)(void *ctx, uint64_t gfn);
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
	/* The last capture's pause, part by part, in the units of the clock
	 * given to snapeng_set_clock (all 0 without one): */
	uint64_t t_begin;         /* snap_begin: the store's new generation */
	uint64_t t_state;         /* copying the state blob */
	uint64_t t_dirty;         /* moving the dirty set to the generation and
	                           * write-protecting it (AD tier: the leaf scan) */
	uint64_t t_invept;        /* the INVEPT callback */
	uint64_t dirty_list;      /* 1: the dirty set came from the list (O(dirty)),
	                           * 0: from a pass over the bitmap */
};

/*
 * A fresh guest: every frame belongs to the first generation. Touches no
 * leaf and no frame (the host maps them: see above); the bitmaps are
 * npages / 16 bytes, zeroed.
 */
int snapeng_create(const struct snapeng_host *h, snap_store *st, uint64_t npages,
		   enum snapeng_tier tier, snapeng **out);
void snapeng_destroy(snapeng *e);

/* A cycle counter for the pause breakdown in snapeng_stats (NULL: none). */
void snapeng_set_clock(snapeng *e, uint64_t (*clock)(void));

/*
 * Lazy restore of generation `gen` (0 = newest): reads its state blob into
 * state[cap] (*len = its size); every frame becomes ABSENT. O(1) in guest
 * RAM: the host's leaves must already be not present (see above). Only on
 * a new engine, before any capture (else SNAP_EBUSY).
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

/*
 * A store that failed (SNAP_EIO, SNAP_EFATAL: its sticky ERROR state) is
 * closed and opened again (FORMAT.md). snapeng_detach_store() gives up the
 * generation being written (all its pages back to the dirty set) and closes
 * the read generation of a lazy restore, so that the store can be closed;
 * snapeng_attach_store() takes the reopened store, builds the next
 * generation on its newest and reopens the read generation. While detached
 * captures fail (SNAP_EFATAL) and absent pages cannot be read.
 */
void snapeng_detach_store(snapeng *e);
int snapeng_attach_store(snapeng *e, snap_store *st);

void snapeng_stats(const snapeng *e, struct snapeng_stats *out);

#ifdef SNAPENG_DEBUG
/* Supplied by the program that embeds a debug engine (the host tests):
 * invariant `what` (engine.h: I1..I6) does not hold at frame gfn. */
void snapeng_debug_fail(const char *what, uint64_t gfn);
/* 1 while the invariant check runs: it reads every leaf, which is no work
 * of the engine's; a test counting host callbacks leaves those out. */
extern int snapeng_debug_checking;
#endif

#endif
