/*
 * snapshot/txn.c — writing a generation: begin, pages, state, commit, abort;
 * and the other catalog changes (pin, keep), each one superblock commit.
 *
 * Pages go to disk as they arrive, each into a fresh block (never one a
 * committed generation can reach, invariant 1), so the hypervisor can write
 * them in any order over many VM exits and from a copy-on-write buffer. The
 * page map is built in bounded memory as they come (build.c): 24 bytes per
 * page for at most SNAP_WP_MAX pages, then per map leaf. A block released in
 * this generation (a page written twice, a replaced state blob) is not
 * reused before a flush (invariant 5).
 */
#include "snapshot/snap_int.h"

static int check_state(snap_store *st, enum st_state want)
{
	if (st->state == ST_ERROR)
		return snap_err(st, SNAP_EFATAL, "store is in the error state "
				"after a failed write; reopen it");
	if (st->state != want)
		return snap_err(st, SNAP_EBUSY, want == ST_WRITING ?
				"no generation is being written" :
				"a generation is being written");
	return 0;
}

const struct cat_ent *cat_find(const struct catalog *c, u64 gen)
{
	for (u32 i = 0; i < c->count; i++)
		if (c->ent[i].gen == gen)
			return &c->ent[i];
	return NULL;
}

/* The generations this session can read, newest first: the catalog and,
 * after a fallback past a damaged catalog, the ones only that catalog
 * listed (st->orphan). The k-th newest, or NULL. */
const struct cat_ent *view_ent(const snap_store *st, u32 k)
{
	u32 i = 0, j = 0;
	for (;;) {
		const struct cat_ent *a = i < st->cat.count ? &st->cat.ent[i] : NULL;
		const struct cat_ent *b = j < st->orphan.count ?
			&st->orphan.ent[j] : NULL;
		const struct cat_ent *e = !b || (a && a->gen > b->gen) ? a : b;
		if (!e || !k--)
			return e;
		if (e == a)
			i++;
		else
			j++;
	}
}

const struct cat_ent *view_find(const snap_store *st, u64 gen)
{
	const struct cat_ent *e = cat_find(&st->cat, gen);
	return e ? e : cat_find(&st->orphan, gen);
}

int gen_quarantined(const snap_store *st, u64 gen)
{
	for (u32 i = 0; i < st->nquar; i++)
		if (st->quar[i] == gen)
			return 1;
	return 0;
}

/* What a fallback stepped over goes into every new catalog, pinned and
 * flagged damaged, until the user drops it (snap.h, snap_fallback). */
static void cat_carry(snap_store *st, struct catalog *c)
{
	for (u32 i = 0; i < c->count; i++)
		if (gen_quarantined(st, c->ent[i].gen))
			c->ent[i].flags |= CAT_PINNED | CAT_DAMAGED;
	for (u32 k = 0; k < st->orphan.count; k++) {
		const struct cat_ent *o = &st->orphan.ent[k];
		if (cat_find(c, o->gen) || c->count == ARRAY_SIZE(c->ent))
			continue;
		u32 i = c->count++;
		for (; i && c->ent[i - 1].gen < o->gen; i--)
			c->ent[i] = c->ent[i - 1];
		c->ent[i] = *o;
	}
}

/* After the catalog with them is committed, it keeps them itself. */
static void carry_done(snap_store *st)
{
	st->orphan.count = 0;
	st->nquar = 0;
}

/* Retention: the newest `keep` generations plus every pinned one. */
static int cat_retain(snap_store *st, struct catalog *c, unsigned keep)
{
	u32 n = 0;
	for (u32 i = 0; i < c->count; i++)
		if (i < keep || (c->ent[i].flags & CAT_PINNED))
			c->ent[n++] = c->ent[i];
	c->count = n;
	if (n > SNAP_MAX_RETAINED)
		return snap_err(st, SNAP_ELIMIT, "more than %u generations to "
				"retain: unpin some", SNAP_MAX_RETAINED);
	return 0;
}

#define WP_FIRST (SNAP_WP_MAX < 1024 ? SNAP_WP_MAX : 1024)

/* The end of a generation. The record block and the entry buffer at its
 * first size stay allocated for the next one, the record cleared now: begin
 * runs in the hypervisor's capture pause (see build_init). */
static void txn_free(snap_store *st)
{
	build_end(st);
	if (st->capwp != WP_FIRST) {
		snap_free(st, st->wp, st->capwp * sizeof *st->wp);
		st->wp = NULL;
		st->capwp = 0;
	}
	st->nwp = 0;
	delta_free(st, 0);
	if (st->rec)
		snap_memset(st->rec, 0, SNAP_BLOCK_SIZE);
}

void txn_release(snap_store *st)
{
	delta_free(st, 1);
	snap_free(st, st->wp, st->capwp * sizeof *st->wp);
	snap_free(st, st->rec, SNAP_BLOCK_SIZE);
	st->wp = NULL;
	st->rec = NULL;
	st->nwp = st->capwp = 0;
	build_free(st);
}

/* What snap_begin on the newest generation needs, made ready now: the
 * free-space bitmap, the map builder's arrays and the newest generation's
 * map root (st->last). */
int snap_prepare(snap_store *st)
{
	int rc = check_state(st, ST_OPEN);
	if (rc || (rc = alloc_init(st)))
		return rc;
	/* the map builder's arrays too (build_init: kept from then on) */
	if (st->sb.npages && (rc = build_init(st, st->sb.npages)))
		return rc;
	const struct cat_ent *base = NULL;
	for (u32 i = 0; !base && i < st->cat.count; i++) /* as snap_begin picks it */
		if (!(st->cat.ent[i].flags & CAT_DAMAGED) &&
		    !gen_quarantined(st, st->cat.ent[i].gen))
			base = &st->cat.ent[i];
	if (!base || base->gen == st->last.gen)
		return 0;
	struct rec_disk *r = snap_alloc(st, SNAP_BLOCK_SIZE);
	if (!r)
		return SNAP_ENOMEM;
	if (!(rc = rec_load(st, base, r))) {
		st->last = *base;
		st->last.flags = 0;
		st->last_root = r->root;
		st->last_delta = r->delta;
		st->last_delta_n = r->delta_n;
	}
	snap_free(st, r, SNAP_BLOCK_SIZE);
	return rc;
}

int snap_begin(snap_store *st, const struct snap_begin_opts *o)
{
	struct snap_begin_opts def = { 0 };
	const struct cat_ent *base = NULL;
	int rc;

	if (!o)
		o = &def;
	if ((rc = check_state(st, ST_OPEN)) || (rc = alloc_init(st)))
		return rc;
	u64 npages = o->npages ? o->npages : st->sb.npages;
	if (!npages || npages > (1ull << (FANOUT_BITS * MAX_DEPTH)))
		return snap_err(st, SNAP_EINVAL, "guest size of %llu frames is "
				"not supported", npages);
	if (st->sb.npages && npages != st->sb.npages)
		return snap_err(st, SNAP_EINVAL, "store holds a guest of %llu "
				"frames, not %llu", st->sb.npages, npages);
	if (o->base != SNAP_BASE_NONE) {
		u64 b = o->base;
		/* never on a generation a fallback stepped over */
		for (u32 i = 0; b == SNAP_BASE_NEWEST && i < st->cat.count; i++)
			if (!(st->cat.ent[i].flags & CAT_DAMAGED) &&
			    !gen_quarantined(st, st->cat.ent[i].gen))
				b = st->cat.ent[i].gen;
		if (b && !(base = view_find(st, b)))
			return snap_err(st, SNAP_ENOENT, "base generation %llu is "
					"not retained", b);
	}
	u64 next = snap_next_gen(st);
	u64 gen = o->gen ? o->gen : next;
	if (gen < next)
		return snap_err(st, SNAP_EEXIST, "generation %llu is not newer "
				"than generation %llu, the highest ever committed",
				gen, next - 1);

	/* Reclaim only when short, judged by the largest commit so far:
	 * marking reads every retained map. */
	u64 need = 2 * st->big_commit + npages / FANOUT * 2 + REC_STATE_PTRS + 16;
	if ((st->want_mark || (st->nfree < need && st->dropped_since_mark)) &&
	    (rc = alloc_mark(st)))
		return rc;

	if (!st->rec && (st->rec = snap_alloc(st, SNAP_BLOCK_SIZE)))
		snap_memset(st->rec, 0, SNAP_BLOCK_SIZE);
	if (!st->wp) {
		st->capwp = WP_FIRST;
		st->wp = snap_alloc(st, st->capwp * sizeof *st->wp);
	}
	if (!st->rec || !st->wp) {
		txn_release(st);
		return SNAP_ENOMEM;
	}
	if ((rc = build_init(st, npages))) {
		txn_free(st);
		return rc;
	}
	struct ptr root = { 0, 0 }, delta = { 0, 0 };
	u32 delta_n = 0;
	if (base && base->gen == st->last.gen && base->rec.blk == st->last.rec.blk &&
	    base->rec.csum == st->last.rec.csum) {
		root = st->last_root; /* no disk read in the pause */
		delta = st->last_delta;
		delta_n = st->last_delta_n;
	} else if (base) {
		if ((rc = rec_load(st, base, st->rec))) {
			txn_free(st);
			return rc;
		}
		root = st->rec->root;
		delta = st->rec->delta;
		delta_n = st->rec->delta_n;
		snap_memset(st->rec, 0, SNAP_BLOCK_SIZE);
	}
	st->rec->magic = REC_MAGIC;
	st->rec->gen = gen;
	st->rec->base = base ? base->gen : 0;
	st->rec->time_ns = o->time_ns ? o->time_ns : snap_now(st);
	st->rec->npages = npages;
	st->rec->depth = map_depth(npages);
	st->rec->root = root; /* the base's map, until commit (delta.c) */
	st->rec->delta = delta;
	st->rec->delta_n = delta_n;
	st->rec->flags = delta_n ? REC_DELTA : 0;
	st->blocks_written = 0;
	st->txn_rc = 0;
	st->state = ST_WRITING;
	return 0;
}

/* The entry buffer grows to SNAP_WP_MAX; when full, or when it cannot
 * grow for want of memory, it is spilled into the map leaves. */
static int wp_push(snap_store *st, u64 gfn, u64 blk, u64 csum)
{
	int rc;
	if (st->nwp == st->capwp) {
		u64 cap = st->capwp * 2;
		struct wpage *n = cap <= SNAP_WP_MAX ?
			snap_alloc(st, cap * sizeof *n) : NULL;
		if (n) {
			snap_memcpy(n, st->wp, st->nwp * sizeof *n);
			snap_free(st, st->wp, st->capwp * sizeof *n);
			st->wp = n;
			st->capwp = cap;
		} else if ((rc = build_spill(st))) {
			return rc;
		}
	}
	st->wp[st->nwp++] = (struct wpage){ gfn, blk, csum };
	return 0;
}

/* A generation missing one of its writes must never be committed: the first
 * failed write or state call is remembered and snap_commit refuses. */
static int poison(snap_store *st, int rc)
{
	if (rc && !st->txn_rc)
		st->txn_rc = rc;
	return rc;
}

static int write_page(snap_store *st, uint64_t gfn, const void *page)
{
	int rc;
	if (gfn >= st->rec->npages)
		return snap_err(st, SNAP_EINVAL, "guest frame %llu is beyond the "
				"guest's %llu frames", gfn, st->rec->npages);
	u64 blk = 0, csum = 0;
	if (!snap_is_zero(page, SNAP_PAGE_SIZE)) {
		if ((rc = alloc_block(st, &blk)))
			return rc;
		csum = snap_hash(page, SNAP_PAGE_SIZE, 0);
		if ((rc = io_write(st, blk, page))) {
			alloc_release(st, blk);
			return rc;
		}
	}
	if ((rc = wp_push(st, gfn, blk, csum)))
		alloc_release(st, blk);
	return rc;
}

int snap_write_page(snap_store *st, uint64_t gfn, const void *page)
{
	int rc = check_state(st, ST_WRITING);
	return rc ? rc : poison(st, write_page(st, gfn, page));
}

static int set_state(snap_store *st, const void *blob, size_t len)
{
	struct rec_disk *r = st->rec;
	int rc;
	if (len > SNAP_MAX_STATE)
		return snap_err(st, SNAP_ELIMIT, "state blob of %llu bytes is "
				"larger than %u", (u64)len, SNAP_MAX_STATE);
	for (u32 i = 0; i < r->nstate; i++)
		if ((rc = build_dead(st, r->state[i].blk)))
			return rc;
	r->nstate = 0;
	r->state_len = 0;
	r->flags &= ~REC_STATE_INLINE;
	snap_memset(r->inl, 0, sizeof r->inl);
	if (len <= REC_INLINE_MAX && !(st->compat & SNAP_COMPAT_V1)) {
		/* into the record: no block of its own (FORMAT.md) */
		snap_memcpy(r->inl, blob, len);
		r->flags |= REC_STATE_INLINE;
		r->state_len = len;
		return 0;
	}
	for (size_t off = 0; off < len; off += SNAP_BLOCK_SIZE) {
		size_t n = len - off < SNAP_BLOCK_SIZE ? len - off : SNAP_BLOCK_SIZE;
		struct ptr *p = &r->state[r->nstate];
		snap_memset(st->tmp, 0, SNAP_BLOCK_SIZE);
		snap_memcpy(st->tmp, (const u8 *)blob + off, n);
		if ((rc = alloc_block(st, &p->blk)))
			return rc;
		p->csum = snap_hash(st->tmp, SNAP_BLOCK_SIZE, p->blk);
		r->nstate++;
		if ((rc = io_write(st, p->blk, st->tmp)))
			return rc;
	}
	r->state_len = len;
	return 0;
}

int snap_set_state(snap_store *st, const void *blob, size_t len)
{
	int rc = check_state(st, ST_WRITING);
	return rc ? rc : poison(st, set_state(st, blob, len));
}

static int commit_gen(snap_store *st, uint64_t *gen)
{
	struct rec_disk *r = st->rec;
	struct catalog *c = &st->newcat;
	struct ptr recp = { 0, 0 };
	int rc;

	if ((rc = delta_commit(st, r)))
		return rc;
	r->dirty_pages = st->b.ndirty;
	/* the new catalog first: whether it needs a block of its own is part
	 * of what this commit writes; its record pointer is known below */
	c->ent[0] = (struct cat_ent){ r->gen, recp, 0 };
	for (u32 i = 0; i < st->cat.count; i++)
		c->ent[i + 1] = st->cat.ent[i];
	c->count = st->cat.count + 1;
	cat_carry(st, c);
	if ((rc = cat_retain(st, c, st->sb.keep)))
		return rc;
	struct cat_ent *self = NULL;
	for (u32 i = 0; i < c->count; i++)
		if (c->ent[i].gen == r->gen)
			self = &c->ent[i];
	/* still to come: the record, the catalog unless the superblock holds
	 * it, and the superblock (two when it upgrades a version 1 store) */
	u64 more = 1 + !super_cat_inline(st, c->count) + super_blocks(st);
	r->bytes_written = (st->blocks_written + more) * SNAP_BLOCK_SIZE;
	if ((rc = alloc_block(st, &recp.blk)))
		return rc;
	recp.csum = snap_hash(r, SNAP_BLOCK_SIZE, recp.blk);
	if ((rc = io_write_meta(st, recp.blk, r)))
		return rc;
	if (self) /* always: it is the newest and keep >= 2 */
		self->rec = recp;
	if ((rc = super_write(st, c, r->npages, r->gen, st->sb.keep)))
		return rc;
	carry_done(st);
	st->last = (struct cat_ent){ r->gen, recp, 0 };
	st->last_root = r->root;
	st->last_delta = r->delta;
	st->last_delta_n = r->delta_n;
	delta_committed(st, r);
	if (r->bytes_written / SNAP_BLOCK_SIZE > st->big_commit)
		st->big_commit = r->bytes_written / SNAP_BLOCK_SIZE;
	build_release_dead(st, 1); /* super_write flushed */
	if (gen)
		*gen = r->gen;
	txn_free(st);
	st->state = ST_OPEN;
	return 0;
}

int snap_commit(snap_store *st, uint64_t *gen)
{
	int rc = check_state(st, ST_WRITING);
	if (rc)
		return rc;
	if (st->txn_rc)
		rc = snap_err(st, st->txn_rc, "generation %llu lost a page or its "
			      "state to an earlier error (%s); not committed",
			      st->rec->gen, snap_strerror(st->txn_rc));
	else
		rc = commit_gen(st, gen);
	/* A generation that failed to commit is over (its page list is sorted
	 * and half applied): give its blocks back. After an I/O failure the
	 * store is in ERROR instead and keeps its hands off the disk. */
	if (rc && st->state == ST_WRITING)
		snap_abort(st);
	return rc;
}

void snap_abort(snap_store *st)
{
	if (st->state != ST_WRITING)
		return;
	/* Nothing reachable was written; but the blocks may only be reused
	 * once these writes are out of the way (see the file comment): the
	 * flush in build_abort() drains them. */
	build_abort(st);
	if (st->state == ST_WRITING)
		for (u32 i = 0; i < st->rec->nstate; i++)
			alloc_release(st, st->rec->state[i].blk);
	txn_free(st);
	st->dropped_since_mark = 1; /* map blocks of a failed commit leak */
	if (st->state == ST_WRITING)
		st->state = ST_OPEN;
}

int snap_pin(snap_store *st, uint64_t gen, int pinned)
{
	int rc;
	if ((rc = check_state(st, ST_OPEN)) || (rc = alloc_init(st)))
		return rc;
	struct catalog *c = &st->newcat;
	*c = st->cat;
	u32 i = 0;
	while (i < c->count && c->ent[i].gen != gen)
		i++;
	if (i == c->count)
		return snap_err(st, SNAP_ENOENT, "generation %llu is not "
				"retained", gen);
	if (pinned)
		c->ent[i].flags |= CAT_PINNED;
	else
		c->ent[i].flags &= ~(CAT_PINNED | CAT_DAMAGED);
	if (!pinned && gen_quarantined(st, gen))
		for (u32 q = 0; q < st->nquar; q++)
			if (st->quar[q] == gen)
				st->quar[q] = st->quar[--st->nquar];
	cat_carry(st, c);
	if ((rc = cat_retain(st, c, st->sb.keep)) ||
	    (rc = super_write(st, c, st->sb.npages, st->sb.newest_gen,
			      st->sb.keep)))
		return rc;
	carry_done(st);
	return 0;
}

int snap_set_keep(snap_store *st, unsigned keep)
{
	int rc;
	if (keep < 2 || keep > SNAP_MAX_RETAINED)
		return snap_err(st, SNAP_EINVAL, "keep must be 2..%u, not %u",
				SNAP_MAX_RETAINED, keep);
	if ((rc = check_state(st, ST_OPEN)) || (rc = alloc_init(st)))
		return rc;
	struct catalog *c = &st->newcat;
	*c = st->cat;
	cat_carry(st, c);
	if ((rc = cat_retain(st, c, keep)) ||
	    (rc = super_write(st, c, st->sb.npages, st->sb.newest_gen, keep)))
		return rc;
	carry_done(st);
	return 0;
}

/*
 * Removes a generation from the catalog whatever the retention policy says:
 * the way out when a retained generation's map is damaged, which otherwise
 * stops every write (its blocks cannot be known, so none may be reused).
 * Marking steps over its damage (alloc_mark_tolerant); two catalog commits,
 * so that the previous commit no longer lists it either.
 */
int snap_drop(snap_store *st, uint64_t gen)
{
	int rc;
	if ((rc = check_state(st, ST_OPEN)))
		return rc;
	for (u32 q = 0; q < st->nquar; q++)
		if (st->quar[q] == gen)
			st->quar[q] = st->quar[--st->nquar];
	for (u32 k = 0; k < st->orphan.count; k++)
		if (st->orphan.ent[k].gen == gen) {
			/* only the damaged catalog lists it: forget it */
			for (; k + 1 < st->orphan.count; k++)
				st->orphan.ent[k] = st->orphan.ent[k + 1];
			st->orphan.count--;
			st->dropped_since_mark = 1;
			return 0;
		}
	if (!cat_find(&st->cat, gen))
		return snap_err(st, SNAP_ENOENT, "generation %llu is not "
				"retained", gen);
	for (snap_gen *g = st->gens; g; g = g->next)
		if (g->rec->gen == gen)
			return snap_err(st, SNAP_EBUSY, "generation %llu is open "
					"for reading", gen);
	if ((rc = alloc_mark_tolerant(st, gen)))
		return rc;
	struct catalog *c = &st->newcat;
	c->count = 0;
	for (u32 i = 0; i < st->cat.count; i++)
		if (st->cat.ent[i].gen != gen)
			c->ent[c->count++] = st->cat.ent[i];
	for (int pass = 0; pass < 2 && !rc; pass++)
		rc = super_write(st, c, st->sb.npages, st->sb.newest_gen,
				 st->sb.keep);
	return rc ? rc : alloc_mark(st);
}
