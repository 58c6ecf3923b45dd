/*
 * snapshot/txn.c — writing a generation: begin, pages, state, commit, abort;
 * and the other catalog changes (pin, keep), each one superblock commit.
 *
 * Pages go to disk as they arrive, each into a fresh block (never one a
 * committed generation can reach, invariant 1), so the hypervisor can write
 * them in any order over many VM exits and from a copy-on-write buffer. Only
 * 24 bytes per page stay in memory; commit sorts them and rewrites the map
 * paths they touch. A block released in this generation (a page written
 * twice, a replaced state blob) is not reused before the commit's flush
 * (invariant 5).
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

static void txn_free(snap_store *st)
{
	snap_free(st, st->wp, st->capwp * sizeof *st->wp);
	snap_free(st, st->rec, SNAP_BLOCK_SIZE);
	st->wp = NULL;
	st->rec = NULL;
	st->nwp = st->capwp = 0;
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
		u64 b = o->base == SNAP_BASE_NEWEST ? snap_newest(st) : o->base;
		if (b && !(base = cat_find(&st->cat, b)))
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

	st->rec = snap_alloc(st, SNAP_BLOCK_SIZE);
	st->capwp = 1024;
	st->wp = snap_alloc(st, st->capwp * sizeof *st->wp);
	if (!st->rec || !st->wp) {
		txn_free(st);
		return SNAP_ENOMEM;
	}
	snap_memset(st->rec, 0, SNAP_BLOCK_SIZE);
	if (base && (rc = rec_load(st, base, st->rec))) {
		txn_free(st);
		return rc;
	}
	struct ptr root = base ? st->rec->root : (struct ptr){ 0, 0 };
	snap_memset(st->rec, 0, SNAP_BLOCK_SIZE);
	st->rec->magic = REC_MAGIC;
	st->rec->gen = gen;
	st->rec->base = base ? base->gen : 0;
	st->rec->time_ns = o->time_ns ? o->time_ns : snap_now(st);
	st->rec->npages = npages;
	st->rec->depth = map_depth(npages);
	st->rec->root = root;
	st->blocks_written = 0;
	st->txn_rc = 0;
	st->state = ST_WRITING;
	return 0;
}

static int wp_push(snap_store *st, u64 gfn, u64 blk, u64 csum)
{
	if (st->nwp == st->capwp) {
		u64 cap = st->capwp * 2;
		struct wpage *n = snap_alloc(st, cap * sizeof *n);
		if (!n)
			return snap_err(st, SNAP_ENOMEM, "no memory for %llu page "
					"entries", cap);
		snap_memcpy(n, st->wp, st->nwp * sizeof *n);
		snap_free(st, st->wp, st->capwp * sizeof *n);
		st->wp = n;
		st->capwp = cap;
	}
	st->wp[st->nwp++] = (struct wpage){ gfn, blk, csum };
	return 0;
}

/* Blocks to release after the commit flush ride in wp with this gfn. */
#define GFN_DEAD UINT64_MAX

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
		if ((rc = wp_push(st, GFN_DEAD, r->state[i].blk, 0)))
			return rc;
	r->nstate = 0;
	r->state_len = 0;
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

/* Stable bottom-up merge sort by gfn: of two writes of one page, the later
 * must win. The hypervisor has no qsort, and qsort is not stable. */
static int wp_sort(snap_store *st)
{
	u64 n = st->nwp;
	struct wpage *a = st->wp;
	struct wpage *b = snap_alloc(st, n * sizeof *b + 1);
	if (!b)
		return snap_err(st, SNAP_ENOMEM, "no memory to sort %llu pages", n);
	struct wpage *src = a, *dst = b;
	for (u64 w = 1; w < n; w *= 2) {
		for (u64 lo = 0; lo < n; lo += 2 * w) {
			u64 mid = lo + w < n ? lo + w : n;
			u64 hi = lo + 2 * w < n ? lo + 2 * w : n;
			u64 i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = src[j].gfn < src[i].gfn ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		struct wpage *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		snap_memcpy(a, src, n * sizeof *a);
	snap_free(st, b, n * sizeof *b + 1);
	return 0;
}

/* After sorting: the last write of each page leads, superseded writes and
 * dead state blocks follow as GFN_DEAD. Returns the number of live pages. */
static u64 wp_dedup(snap_store *st)
{
	u64 n = st->nwp, live = 0;
	for (u64 i = 0; i < n; i++) {
		if (st->wp[i].gfn == GFN_DEAD)
			continue;
		if (i + 1 < n && st->wp[i + 1].gfn == st->wp[i].gfn) {
			st->wp[i].gfn = GFN_DEAD;
			continue;
		}
		struct wpage t = st->wp[live];
		st->wp[live++] = st->wp[i];
		st->wp[i] = t;
	}
	return live;
}

static int commit_gen(snap_store *st, uint64_t *gen)
{
	struct rec_disk *r = st->rec;
	struct catalog *c = &st->newcat;
	struct ptr recp;
	int rc;

	if ((rc = wp_sort(st)))
		return rc;
	u64 live = wp_dedup(st);
	if ((rc = map_apply(st, r->root, r->depth, st->wp, live, &r->root)))
		return rc;
	r->dirty_pages = live;
	/* the record, the catalog and the superblock are still to come */
	r->bytes_written = (st->blocks_written + 3) * SNAP_BLOCK_SIZE;
	if ((rc = alloc_block(st, &recp.blk)))
		return rc;
	recp.csum = snap_hash(r, SNAP_BLOCK_SIZE, recp.blk);
	if ((rc = io_write(st, recp.blk, r)))
		return rc;

	c->ent[0] = (struct cat_ent){ r->gen, recp, 0 };
	for (u32 i = 0; i < st->cat.count; i++)
		c->ent[i + 1] = st->cat.ent[i];
	c->count = st->cat.count + 1;
	if ((rc = cat_retain(st, c, st->sb.keep)) ||
	    (rc = super_write(st, c, r->npages, r->gen, st->sb.keep)))
		return rc;
	if (r->bytes_written / SNAP_BLOCK_SIZE > st->big_commit)
		st->big_commit = r->bytes_written / SNAP_BLOCK_SIZE;
	for (u64 i = live; i < st->nwp; i++)
		alloc_release(st, st->wp[i].blk);
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
	 * once these writes are out of the way (see the file comment). */
	st->wbuf_n = 0;
	if (io_flush(st) == 0) {
		for (u64 i = 0; i < st->nwp; i++)
			alloc_release(st, st->wp[i].blk);
		for (u32 i = 0; i < st->rec->nstate; i++)
			alloc_release(st, st->rec->state[i].blk);
	}
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
		c->ent[i].flags &= ~CAT_PINNED;
	if ((rc = cat_retain(st, c, st->sb.keep)))
		return rc;
	return super_write(st, c, st->sb.npages, st->sb.newest_gen, st->sb.keep);
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
	if ((rc = cat_retain(st, c, keep)))
		return rc;
	return super_write(st, c, st->sb.npages, st->sb.newest_gen, keep);
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
