/*
 * snapshot/engine.c — live snapshot engine (see engine.h for the model).
 *
 * Four bitmaps of one bit per guest frame (the page states of engine.h):
 *   track    written since the last capture (fault log, PML log, host
 *            writes, or pages of an aborted generation); becomes D(N+1) at
 *            the next capture
 *   gen      D(N), every page of the generation being written, stored or
 *            not; kept until N commits, so that an aborted N hands all of
 *            them to the next generation
 *   pending  pages of gen not stored yet; exactly these are write-protected
 *            for copy-on-write
 *   loaded   while a lazy restore is in progress (s.absent > 0): the
 *            frames it has read back. A frame is ABSENT exactly when a
 *            restore is in progress and its bit is clear, so starting a
 *            restore marks nothing: the bitmap is zero from create on, and
 *            the host's leaves of a restored guest start not present
 *            (engine.h). Meaningless once the restore is complete.
 *
 * Beside track, a list of the frames in it (dlist, in the order they became
 * dirty) lets capture touch only the dirty frames: the pause is O(dirty), not
 * a pass over the bitmaps, which at 512 MiB alone costs more than a small
 * dirty set. The list is bounded (DLIST_MAX entries); when it overflows, or
 * when track changes wholesale (a failed generation's pages given back, the
 * first generation, the AD tier's scan), capture falls back to one pass over
 * the bitmap (dover).
 *
 * Nothing before the guest's first instruction may grow with guest RAM
 * (issue 15): create allocates the bitmaps and zeroes them (npages / 16
 * bytes, one memset) but touches no leaf; restore touches none either. A
 * lazy restore prefetches in ascending frame order: the order of the
 * store's map (each map block is read once) and of the first generation's
 * data blocks, and low memory first, where the guest kernel, its page
 * tables and the start of its heap live; pages the guest touches first
 * come in by their faults, ahead of the prefetch.
 */
#include "snapshot/engine.h"

#define WORD_BITS 64u
#define DLIST_MAX 8192u /* 64 KiB: 32 MiB of dirty pages per generation */

typedef uint64_t u64_any __attribute__((may_alias, aligned(1))); /* a word at any address */

struct snapeng {
	struct snapeng_host h;
	snap_store *st;
	enum snapeng_tier tier;
	uint64_t npages, words;
	uint64_t *track, *gen, *pending, *loaded;
	int all_dirty;          /* fresh start: the first generation holds every frame */
	int busy;
	uint64_t base;          /* generation the next one is built from, 0 = none */
	uint64_t remaining;     /* pending pages left */
	uint64_t cursor, rcursor;
	snap_gen *rgen;         /* where absent pages are read from */
	uint64_t *state;        /* the captured state blob, stored just before commit */
	size_t state_len, state_cap;
	int err;                /* why a generation was given up outside snapeng_step */
	uint64_t *dlist;        /* the frames in track, while !dover */
	uint64_t ndl, dcap;
	int dover;              /* track holds frames dlist does not */
	uint64_t (*clock)(void);
	struct snapeng_stats s;
};

static void check(const snapeng *e);

static int test_bit(const uint64_t *m, uint64_t i) { return (m[i / WORD_BITS] >> (i % WORD_BITS)) & 1; }
static void set_bit(uint64_t *m, uint64_t i) { m[i / WORD_BITS] |= 1ull << (i % WORD_BITS); }
static void clear_bit(uint64_t *m, uint64_t i) { m[i / WORD_BITS] &= ~(1ull << (i % WORD_BITS)); }

/* A frame becomes DIRTY (engine.h): into track, and into the list. */
static void mark_dirty(snapeng *e, uint64_t gfn)
{
	uint64_t *w = &e->track[gfn / WORD_BITS], b = 1ull << (gfn % WORD_BITS);
	if (*w & b)
		return;
	*w |= b;
	if (e->ndl < e->dcap)
		e->dlist[e->ndl++] = gfn;
	else
		e->dover = 1;
}

static uint64_t now(const snapeng *e) { return e->clock ? e->clock() : 0; }

/* ABSENT (engine.h): a restore is in progress and has not read gfn yet. */
static int is_absent(const snapeng *e, uint64_t gfn) { return e->s.absent && !test_bit(e->loaded, gfn); }

/* Next clear bit at or after i, or npages; skips full words whole. */
static uint64_t next_clear(const snapeng *e, const uint64_t *m, uint64_t i)
{
	while (i < e->npages) {
		uint64_t w = ~m[i / WORD_BITS] >> (i % WORD_BITS);
		if (w) {
			i += (uint64_t)__builtin_ctzll(w);
			return i < e->npages ? i : e->npages;
		}
		i = (i / WORD_BITS + 1) * WORD_BITS;
	}
	return e->npages;
}

/* Next set bit at or after i, or npages; skips empty words whole. */
static uint64_t next_bit(const snapeng *e, const uint64_t *m, uint64_t i)
{
	while (i < e->npages) {
		uint64_t w = m[i / WORD_BITS] >> (i % WORD_BITS);
		if (w)
			return i + (uint64_t)__builtin_ctzll(w);
		i = (i / WORD_BITS + 1) * WORD_BITS;
	}
	return e->npages;
}

/* Permissions of a present, clean page: the WP tier keeps it read-only so
 * that its first write is seen. D and A are cleared so PML logs again. */
static void set_clean(snapeng *e, uint64_t gfn)
{
	uint64_t *l = e->h.leaf(e->h.ctx, gfn);
	*l = (*l & ~(SNAPENG_EPT_RWX | SNAPENG_EPT_A | SNAPENG_EPT_D)) |
	     (e->tier == SNAPENG_WP ? SNAPENG_EPT_R | SNAPENG_EPT_X : SNAPENG_EPT_RWX);
}

static void grant_write(snapeng *e, uint64_t gfn)
{
	*e->h.leaf(e->h.ctx, gfn) |= SNAPENG_EPT_W;
}

static void *zalloc(const struct snapeng_host *h, size_t n)
{
	void *p = h->alloc(h->ctx, n);
	if (p)
		__builtin_memset(p, 0, n);
	return p;
}

int snapeng_create(const struct snapeng_host *h, snap_store *st, uint64_t npages,
		   enum snapeng_tier tier, snapeng **out)
{
	*out = NULL;
	if (!npages || tier < SNAPENG_PML || tier > SNAPENG_WP)
		return SNAP_EINVAL;
	snapeng *e = zalloc(h, sizeof *e);
	if (!e)
		return SNAP_ENOMEM;
	e->h = *h;
	e->st = st;
	e->tier = tier;
	e->npages = npages;
	e->words = (npages + WORD_BITS - 1) / WORD_BITS;
	e->track = zalloc(h, e->words * 8);
	e->gen = zalloc(h, e->words * 8);
	e->pending = zalloc(h, e->words * 8);
	e->loaded = zalloc(h, e->words * 8);
	e->dcap = npages < DLIST_MAX ? npages : DLIST_MAX;
	e->dlist = h->alloc(h->ctx, e->dcap * 8);
	if (!e->track || !e->gen || !e->pending || !e->loaded || !e->dlist) {
		snapeng_destroy(e);
		return SNAP_ENOMEM;
	}
	/* Every frame is in the first generation (all_dirty), so nothing needs
	 * tracking before it and no leaf is touched here: O(1) in guest RAM. */
	e->all_dirty = 1;
	*out = e;
	check(e);
	return 0;
}

void snapeng_destroy(snapeng *e)
{
	if (!e)
		return;
	if (e->rgen)
		snap_gen_close(e->rgen);
	if (e->busy && e->st)
		snap_abort(e->st);
	if (e->track)
		e->h.free(e->h.ctx, e->track, e->words * 8);
	if (e->gen)
		e->h.free(e->h.ctx, e->gen, e->words * 8);
	if (e->pending)
		e->h.free(e->h.ctx, e->pending, e->words * 8);
	if (e->loaded)
		e->h.free(e->h.ctx, e->loaded, e->words * 8);
	if (e->state)
		e->h.free(e->h.ctx, e->state, e->state_cap * 8);
	if (e->dlist)
		e->h.free(e->h.ctx, e->dlist, e->dcap * 8);
	e->h.free(e->h.ctx, e, sizeof *e);
}

static int do_restore(snapeng *e, uint64_t gen, void *state, size_t cap, size_t *len)
{
	struct snap_geninfo gi;
	snap_gen *g;
	/* Only on a new engine: no capture, no restore yet (all_dirty), so
	 * gen, pending and loaded are empty and nothing needs undoing. */
	if (e->busy || e->rgen || !e->all_dirty || !e->st)
		return SNAP_EBUSY;
	int rc = snap_gen_open(e->st, gen, 0, &g);
	if (rc)
		return rc;
	snap_gen_info(g, &gi);
	if (gi.npages != e->npages || gi.state_len > cap) {
		snap_gen_close(g);
		return SNAP_EINVAL;
	}
	if ((rc = snap_read_state(g, state, gi.state_len))) {
		snap_gen_close(g);
		return rc;
	}
	*len = gi.state_len;
	e->rgen = g;
	e->base = gi.gen;
	e->all_dirty = 0;
	e->s.restored_from = e->s.gen = gi.gen;
	/* Writes recorded before the restore are overwritten by it. */
	if (e->dover)
		__builtin_memset(e->track, 0, e->words * 8);
	else
		for (uint64_t i = 0; i < e->ndl; i++)
			clear_bit(e->track, e->dlist[i]);
	e->ndl = 0;
	e->dover = 0;
	/* Every frame is now ABSENT (loaded is empty): no pass over them. The
	 * host made their leaves not present (engine.h); a stale translation
	 * of an earlier mapping must not survive either. */
	e->s.absent = e->npages;
	e->rcursor = 0;
	e->h.invept(e->h.ctx);
	return 0;
}

static int load_page(snapeng *e, uint64_t gfn)
{
	if (!e->rgen) /* detached from a failed store that could not be reopened */
		return SNAP_EFATAL;
	int rc = snap_read_page(e->rgen, gfn, e->h.page(e->h.ctx, gfn));
	if (rc)
		return rc;
	set_bit(e->loaded, gfn);
	set_clean(e, gfn);
	if (--e->s.absent == 0) {
		snap_gen_close(e->rgen);
		e->rgen = NULL;
	}
	return 0;
}

static int64_t do_restore_step(snapeng *e, unsigned budget)
{
	while (budget-- && e->s.absent) {
		e->rcursor = next_clear(e, e->loaded, e->rcursor);
		if (e->rcursor == e->npages) {
			e->rcursor = 0;
			continue;
		}
		int rc = load_page(e, e->rcursor);
		if (rc)
			return rc;
	}
	return (int64_t)e->s.absent;
}

static int give_back(snapeng *e, int rc);

static int store_page(snapeng *e, uint64_t gfn)
{
	int rc = snap_write_page(e->st, gfn, e->h.page(e->h.ctx, gfn));
	if (rc)
		return rc;
	clear_bit(e->pending, gfn);
	e->remaining--;
	e->s.stored++;
	return 0;
}

/*
 * A write is about to change a frame the generation being written still
 * needs: store it first. When that fails the write must still go ahead (the
 * guest cannot wait for a disk), so the generation is given up instead: its
 * pages return to the dirty set and the error waits in e->err for the
 * hypervisor (snapeng_take_error).
 */
static void copy_before_write(snapeng *e, uint64_t gfn)
{
	int rc = store_page(e, gfn);
	if (rc) {
		e->err = give_back(e, rc);
		return;
	}
	e->s.cow_faults++;
}

static int do_fault(snapeng *e, uint64_t gfn, int write, int *handled)
{
	*handled = 0;
	if (gfn >= e->npages)
		return 0;
	if (is_absent(e, gfn)) {
		int rc = load_page(e, gfn);
		*handled = !rc;
		return rc;
	}
	if (!write) {
		/* loaded since the guest's CPU faulted on it (the restore's
		 * prefetch on the second CPU): the leaf is present now */
		*handled = (*e->h.leaf(e->h.ctx, gfn) & SNAPENG_EPT_R) != 0;
		return 0;
	}
	if (!(*e->h.leaf(e->h.ctx, gfn) & SNAPENG_EPT_W)) {
		if (test_bit(e->pending, gfn))
			copy_before_write(e, gfn);
		mark_dirty(e, gfn);
		grant_write(e, gfn);
	}
	*handled = 1; /* also a stale TLB entry: the leaf already allows it */
	return 0;
}

static int do_guest_read(snapeng *e, uint64_t gfn)
{
	if (gfn >= e->npages)
		return SNAP_EINVAL;
	return is_absent(e, gfn) ? load_page(e, gfn) : 0;
}

static int do_guest_write(snapeng *e, uint64_t gfn)
{
	int rc = do_guest_read(e, gfn);
	if (rc)
		return rc;
	if (test_bit(e->pending, gfn))
		copy_before_write(e, gfn);
	/* No D bit, PML entry or fault will see a write by the host: record it. */
	mark_dirty(e, gfn);
	grant_write(e, gfn);
	return 0;
}

static void do_pml_log(snapeng *e, const uint64_t *gpa, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t gfn = gpa[i] >> 12;
		if (gfn < e->npages && !is_absent(e, gfn)) /* an absent page cannot be written */
			mark_dirty(e, gfn);
	}
}

static int do_capture(snapeng *e, const void *state, size_t len, uint64_t time_ns, uint64_t *gen)
{
	if (e->busy)
		return SNAP_EBUSY;
	if (!e->st)
		return SNAP_EFATAL;
	struct snap_begin_opts o = {
		.base = e->base ? e->base : SNAP_BASE_NONE,
		.gen = snap_next_gen(e->st), /* above every generation ever committed, dropped ones too */
		.npages = e->npages,
		.time_ns = time_ns,
	};
	/* The blob is only copied during the pause; hashing and writing it
	 * happen with the pages, while the guest runs. */
	size_t words = (len + 7) / 8;
	if (words > e->state_cap) {
		uint64_t *p = e->h.alloc(e->h.ctx, words * 8);
		if (!p)
			return SNAP_ENOMEM;
		if (e->state)
			e->h.free(e->h.ctx, e->state, e->state_cap * 8);
		e->state = p;
		e->state_cap = words;
	}
	uint64_t t0 = now(e);
	int rc = snap_begin(e->st, &o);
	if (rc)
		return rc;
	uint64_t t1 = now(e);
	if (words)
		e->state[words - 1] = 0;
	for (size_t i = 0; i < len / 8; i++)
		e->state[i] = ((const u64_any *)state)[i];
	for (size_t i = len / 8 * 8; i < len; i++)
		((uint8_t *)e->state)[i] = ((const uint8_t *)state)[i];
	e->state_len = len;
	uint64_t t2 = now(e);
	/* Nothing below can fail: the dirty state moves from track to pending. */
	if (e->tier == SNAPENG_AD) {
		/* Absent frames cannot be dirty, and asking for their leaves
		 * would make the host build them. */
		for (uint64_t g = 0; g < e->npages; g++)
			if (!is_absent(e, g) && (*e->h.leaf(e->h.ctx, g) & SNAPENG_EPT_D))
				set_bit(e->track, g);
		e->dover = 1;
	}
	uint64_t n = 0;
	if (!e->all_dirty && !e->dover) {
		/* The list: O(dirty). gen and pending are empty (I3), track
		 * holds exactly the listed frames (I6), none of them absent (I1). */
		for (; n < e->ndl; n++) {
			uint64_t g = e->dlist[n];
			clear_bit(e->track, g);
			set_bit(e->gen, g);
			set_bit(e->pending, g);
			*e->h.leaf(e->h.ctx, g) &= ~(SNAPENG_EPT_W | SNAPENG_EPT_D);
		}
	} else {
		if (e->all_dirty) {
			for (uint64_t w = 0; w < e->words; w++)
				e->track[w] = ~0ull;
			if (e->npages % WORD_BITS) /* no frames beyond the last */
				e->track[e->words - 1] = (1ull << (e->npages % WORD_BITS)) - 1;
		}
		/* One pass over the bitmap, clearing it as it goes: the dirty
		 * pages plus one word test per 64 frames. */
		for (uint64_t w = 0; w < e->words; w++) {
			uint64_t bits = e->track[w] & (e->s.absent ? e->loaded[w] : ~0ull);
			e->track[w] = 0;
			e->gen[w] = bits;
			e->pending[w] = bits;
			for (; bits; bits &= bits - 1, n++) {
				uint64_t g = w * WORD_BITS + (uint64_t)__builtin_ctzll(bits);
				*e->h.leaf(e->h.ctx, g) &= ~(SNAPENG_EPT_W | SNAPENG_EPT_D);
			}
		}
	}
	e->s.dirty_list = !e->all_dirty && !e->dover;
	e->ndl = 0;
	e->dover = 0;
	uint64_t t3 = now(e);
	e->h.invept(e->h.ctx);
	uint64_t t4 = now(e);
	e->s.t_begin = t1 - t0;
	e->s.t_state = t2 - t1;
	e->s.t_dirty = t3 - t2;
	e->s.t_invept = t4 - t3;
	e->all_dirty = 0;
	e->busy = 1;
	e->remaining = n;
	e->cursor = 0;
	e->s.gen = *gen = o.gen;
	e->s.dirty = n;
	e->s.stored = e->s.cow_faults = 0;
	return 0;
}

/* The generation failed: all its pages, stored or not, go back to the
 * dirty set of the next (the stored ones are in no committed generation). */
static int give_back(snapeng *e, int rc)
{
	for (uint64_t w = 0; w < e->words; w++) {
		e->track[w] |= e->gen[w];
		e->gen[w] = e->pending[w] = 0;
	}
	e->dover = 1; /* the list does not hold the pages given back */
	snap_abort(e->st);
	e->busy = 0;
	return rc;
}

static int do_step(snapeng *e, unsigned budget, int *committed)
{
	*committed = 0;
	if (!e->busy)
		return 0;
	while (budget && e->remaining) {
		uint64_t g = next_bit(e, e->pending, e->cursor);
		if (g == e->npages) {
			e->cursor = 0;
			continue;
		}
		int rc = store_page(e, g);
		if (rc)
			return give_back(e, rc);
		/* Stored: in PML/AD tiers the D bit (clear) tracks it from now on;
		 * in the WP tier the missing W does. */
		if (e->tier != SNAPENG_WP)
			grant_write(e, g);
		e->cursor = g + 1;
		budget--;
	}
	if (e->remaining)
		return 0;
	uint64_t gen;
	int rc = snap_set_state(e->st, e->state, e->state_len);
	if (!rc)
		rc = snap_commit(e->st, &gen);
	if (rc)
		return give_back(e, rc);
	e->busy = 0;
	e->base = gen;
	*committed = 1;
	for (uint64_t w = 0; w < e->words; w++)
		e->gen[w] = 0; /* retired: the pages are in a committed generation */
	/* Absent pages are read from the newest generation, which shares their
	 * blocks, so the restored one may leave the retention window. The new
	 * one is opened before the old one is let go: if that fails, the old one
	 * (whose blocks stay reserved while it is open) serves on. */
	if (e->rgen) {
		snap_gen *g;
		if (!snap_gen_open(e->st, gen, 0, &g)) {
			snap_gen_close(e->rgen);
			e->rgen = g;
		}
	}
	return 0;
}

static void do_detach_store(snapeng *e)
{
	if (e->busy)
		give_back(e, 0);
	if (e->rgen) {
		snap_gen_close(e->rgen);
		e->rgen = NULL;
	}
	e->st = NULL;
}

static int do_attach_store(snapeng *e, snap_store *st)
{
	if (e->st || e->busy)
		return SNAP_EBUSY;
	/* The newest committed generation is the base: either the one the
	 * engine built on, or the one whose commit failed but reached the disk
	 * (its pages went back to the dirty set, so storing them again is right
	 * either way). Absent pages were never dirty: it shares their blocks. */
	uint64_t newest = snap_newest(st);
	if (e->s.absent) {
		if (!newest)
			return SNAP_ENOENT;
		int rc = snap_gen_open(st, newest, 0, &e->rgen);
		if (rc)
			return rc;
	}
	e->st = st;
	if (newest)
		e->base = newest;
	return 0;
}


/* ---- invariants (engine.h), checked after every call in debug builds ---- */

#ifdef SNAPENG_DEBUG
int snapeng_debug_checking;

static void check(const snapeng *e)
{
	snapeng_debug_checking = 1;
	uint64_t absent = 0, gen = 0, pending = 0, tracked = 0;
	for (uint64_t g = 0; g < e->npages; g++) {
		tracked += (uint64_t)test_bit(e->track, g);
		uint64_t l = *e->h.leaf(e->h.ctx, g);
		int a = is_absent(e, g), t = test_bit(e->track, g);
		int in_gen = test_bit(e->gen, g), p = test_bit(e->pending, g);
		absent += (uint64_t)a;
		gen += (uint64_t)in_gen;
		pending += (uint64_t)p;
		if (a && (t || in_gen || p || (l & SNAPENG_EPT_RWX)))
			snapeng_debug_fail("I1: an absent page is tracked, in a generation or mapped", g);
		if (p && (!in_gen || (l & SNAPENG_EPT_W)))
			snapeng_debug_fail("I2: a pending page is outside gen or writable", g);
		if (e->tier == SNAPENG_WP && !a && (l & SNAPENG_EPT_W) && !t && !e->all_dirty)
			snapeng_debug_fail("I4: WP tier: a writable page is not tracked", g);
	}
	if (absent != e->s.absent)
		snapeng_debug_fail("I1: the absent count is wrong", absent);
	if (!e->dover && !e->all_dirty) {
		if (tracked != e->ndl)
			snapeng_debug_fail("I6: the dirty list and track differ in size", tracked);
		for (uint64_t i = 0; i < e->ndl; i++)
			if (!test_bit(e->track, e->dlist[i]))
				snapeng_debug_fail("I6: a listed frame is not in track", e->dlist[i]);
	}
	if (!e->busy && (gen || pending))
		snapeng_debug_fail("I3: gen or pending pages while no generation is in flight", gen);
	if (e->busy && (pending != e->remaining || e->s.stored + e->remaining != e->s.dirty || gen != e->s.dirty))
		snapeng_debug_fail("I3: the page counts of the generation in flight disagree", pending);
	if (e->st && !e->s.absent != !e->rgen)
		snapeng_debug_fail("I5: a read generation open without absent pages, or the reverse", e->s.absent);
	snapeng_debug_checking = 0;
}
#else
static void check(const snapeng *e) { (void)e; }
#endif

int snapeng_restore(snapeng *e, uint64_t gen, void *state, size_t cap, size_t *len)
{
	int rc = do_restore(e, gen, state, cap, len);
	check(e);
	return rc;
}

int64_t snapeng_restore_step(snapeng *e, unsigned budget)
{
	int64_t rc = do_restore_step(e, budget);
	check(e);
	return rc;
}

int snapeng_fault(snapeng *e, uint64_t gfn, int write, int *handled)
{
	int rc = do_fault(e, gfn, write, handled);
	check(e);
	return rc;
}

int snapeng_guest_read(snapeng *e, uint64_t gfn)
{
	int rc = do_guest_read(e, gfn);
	check(e);
	return rc;
}

int snapeng_guest_write(snapeng *e, uint64_t gfn)
{
	int rc = do_guest_write(e, gfn);
	check(e);
	return rc;
}

void snapeng_pml_log(snapeng *e, const uint64_t *gpa, unsigned n)
{
	do_pml_log(e, gpa, n);
	check(e);
}

int snapeng_capture(snapeng *e, const void *state, size_t len, uint64_t time_ns, uint64_t *gen)
{
	int rc = do_capture(e, state, len, time_ns, gen);
	check(e);
	return rc;
}

int snapeng_step(snapeng *e, unsigned budget, int *committed)
{
	int rc = do_step(e, budget, committed);
	check(e);
	return rc;
}

void snapeng_detach_store(snapeng *e)
{
	do_detach_store(e);
	check(e);
}

int snapeng_attach_store(snapeng *e, snap_store *st)
{
	int rc = do_attach_store(e, st);
	check(e);
	return rc;
}

int snapeng_busy(const snapeng *e) { return e->busy; }

void snapeng_set_clock(snapeng *e, uint64_t (*clock)(void)) { e->clock = clock; }

int snapeng_take_error(snapeng *e)
{
	int rc = e->err;
	e->err = 0;
	return rc;
}

void snapeng_stats(const snapeng *e, struct snapeng_stats *out) { *out = e->s; }
