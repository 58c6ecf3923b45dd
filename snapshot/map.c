/*
 * snapshot/map.c — the copy-on-write radix page map.
 *
 * A generation's map is a tree of 4 KiB blocks of 256 pointers each, depth
 * 1..4 chosen from the guest's frame count (256^depth >= frames). Level 0
 * blocks point at pages (checksum = content hash), higher levels at map
 * blocks (checksum seeded with the child's block number, so a block found at
 * the wrong address fails). A zero pointer is a zero page or an all-zero
 * subtree. A new generation rewrites only the paths to the pages it wrote;
 * everything else is shared with its base, which is why two generations can
 * be compared by pointer, subtree by subtree.
 */
#include "snapshot/snap_int.h"

#define IDX(gfn, level) (((gfn) >> (FANOUT_BITS * (level))) & (FANOUT - 1))

u32 map_depth(u64 npages)
{
	u32 d = 1;
	while (d < MAX_DEPTH && (1ull << (FANOUT_BITS * d)) < npages)
		d++;
	return d;
}

int rec_load(snap_store *st, const struct cat_ent *e, struct rec_disk *rec)
{
	int rc = io_read_meta(st, e->rec, rec, "generation record", e->gen);
	if (rc)
		return rc;
	if (rec->magic != REC_MAGIC || rec->gen != e->gen ||
	    !rec->npages || (st->sb.npages && rec->npages != st->sb.npages) || rec->npages > (1ull << (FANOUT_BITS * MAX_DEPTH)) ||
	    rec->depth != map_depth(rec->npages) ||
	    (rec->flags & ~REC_FLAGS_KNOWN) ||
	    ((rec->flags & REC_DELTA) ?
	     !rec->delta_n || rec->delta_n > DELTA_MAX ||
	     rec->delta.blk < FIRST_DATA_BLOCK || rec->delta.blk >= st->dev_blocks :
	     rec->delta_n || rec->delta.blk || rec->delta.csum) ||
	    ((rec->flags & REC_STATE_INLINE) ?
	     rec->nstate || rec->state_len > REC_INLINE_MAX :
	     rec->nstate > REC_STATE_PTRS ||
	     rec->state_len > (u64)rec->nstate * SNAP_BLOCK_SIZE ||
	     (rec->nstate && rec->state_len <= (u64)(rec->nstate - 1) * SNAP_BLOCK_SIZE)))
		return snap_err(st, SNAP_ECORRUPT, "generation %llu: record block "
				"%llu is malformed", e->gen, e->rec.blk);
	return 0;
}

int map_lookup(snap_gen *g, u64 gfn, struct ptr *out)
{
	int rc = delta_find(g, gfn, out);
	if (rc)
		return rc < 0 ? rc : 0;
	struct ptr p = g->rec->root;
	for (int level = (int)g->rec->depth - 1; level >= 0; level--) {
		if (!p.blk) {
			*out = p;
			return 0;
		}
		if (g->node_blk[level] != p.blk) {
			g->node_blk[level] = 0;
			rc = io_read_meta(g->st, p, g->node[level],
					      "page map", g->rec->gen);
			if (rc)
				return snap_err(g->st, rc, "%s (guest frame %llu, "
						"map level %d)", snap_errmsg(g->st),
						gfn, level);
			g->node_blk[level] = p.blk;
		}
		p = ((const struct ptr *)g->node[level])[IDX(gfn, level)];
	}
	*out = p;
	return 0;
}

static int bufs_alloc(snap_store *st, u8 **buf, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!(buf[i] = snap_alloc(st, SNAP_BLOCK_SIZE)))
			return SNAP_ENOMEM;
	return 0;
}

static void bufs_free(snap_store *st, u8 **buf, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		snap_free(st, buf[i], SNAP_BLOCK_SIZE);
}

/* --- walking every block of a map (allocation marking) --- */

struct walker {
	snap_store *st;
	u64 gen;
	int tolerant;        /* skip unreadable subtrees instead of failing */
	map_walk_fn fn;
	void *ctx;
	u8 *buf[MAX_DEPTH];
};

static int walk(struct walker *w, struct ptr p, u32 level)
{
	if (p.blk < FIRST_DATA_BLOCK || p.blk >= w->st->dev_blocks)
		return w->tolerant ? 0 : snap_err(w->st, SNAP_ECORRUPT, "generation %llu: page map "
				"pointer to block %llu is outside the data area",
				w->gen, p.blk);
	int rc = w->fn(w->ctx, p.blk, 1);
	if (rc)
		return rc < 0 ? rc : 0; /* 1: seen, its subtree too */
	struct ptr *node = (struct ptr *)w->buf[level];
	if ((rc = io_read_meta(w->st, p, node, "page map", w->gen)))
		return w->tolerant && rc == SNAP_ECORRUPT ? 0 : rc;
	for (u32 i = 0; i < FANOUT; i++) {
		if (!node[i].blk)
			continue;
		if (level == 0) {
			if (node[i].blk < FIRST_DATA_BLOCK ||
			    node[i].blk >= w->st->dev_blocks) {
				if (w->tolerant)
					continue;
				return snap_err(w->st, SNAP_ECORRUPT, "generation "
						"%llu: map block %llu points at "
						"block %llu outside the device",
						w->gen, p.blk, node[i].blk);
			}
			if ((rc = w->fn(w->ctx, node[i].blk, 0)) < 0)
				return rc;
		} else if ((rc = walk(w, node[i], level - 1))) {
			return rc;
		}
	}
	return 0;
}

int map_walk(snap_store *st, struct ptr root, u32 depth, u64 gen,
	     int tolerant, map_walk_fn fn, void *ctx)
{
	if (!root.blk)
		return 0;
	struct walker w = { .st = st, .gen = gen, .tolerant = tolerant,
			    .fn = fn, .ctx = ctx };
	int rc = bufs_alloc(st, w.buf, depth);
	if (!rc)
		rc = walk(&w, root, depth - 1);
	bufs_free(st, w.buf, depth);
	return rc;
}

/* --- comparing two maps by pointer --- */

struct differ {
	snap_store *st;
	u64 gen_a, gen_b, npages;
	snap_diff_fn fn;
	void *ctx;
	u8 *buf[2 * MAX_DEPTH];
	/* With delta lists (delta.c): the frames either lists names, in
	 * order, are compared by lookup; the trees' differences elsewhere. */
	snap_gen *ga, *gb;
	u64 ka, kb;          /* next entry of each list */
	u64 na, nb;
};

/* The next frame either list names (~0: none left), and which list names
 * it (*in_a, *in_b). */
static int list_next(struct differ *d, u64 *gfn, int *in_a, int *in_b)
{
	struct wpage e;
	u64 ga = ~0ull, gb = ~0ull;
	int rc;
	if (d->ka < d->na) {
		if ((rc = delta_at(d->ga, d->ka, &e)))
			return rc;
		ga = e.gfn;
	}
	if (d->kb < d->nb) {
		if ((rc = delta_at(d->gb, d->kb, &e)))
			return rc;
		gb = e.gfn;
	}
	*gfn = ga < gb ? ga : gb;
	*in_a = ga == *gfn;
	*in_b = gb == *gfn;
	return 0;
}

/* Reports the listed frames below `upto` that differ; *listed: whether
 * `upto` itself is listed (the tree's verdict on it does not count). */
static int lists_upto(struct differ *d, u64 upto, int *listed)
{
	struct ptr zero = { 0, 0 };
	u64 gfn;
	int rc, in_a, in_b;
	*listed = 0;
	for (;;) {
		if ((rc = list_next(d, &gfn, &in_a, &in_b)))
			return rc;
		if (gfn > upto || gfn == ~0ull)
			return 0;
		*listed = gfn == upto;
		struct ptr pa = zero, pb;
		if ((d->ga && (rc = map_lookup(d->ga, gfn, &pa))) ||
		    (rc = map_lookup(d->gb, gfn, &pb)))
			return rc;
		if (pa.blk != pb.blk && (rc = d->fn(d->ctx, gfn, pb.blk != 0)))
			return rc;
		d->ka += in_a;
		d->kb += in_b;
		if (gfn == upto)
			return 0;
	}
}

/* A frame whose tree pointers differ. */
static int tree_differs(struct differ *d, u64 gfn, int present)
{
	int listed = 0, rc = d->na || d->nb ? lists_upto(d, gfn, &listed) : 0;
	if (rc || listed)
		return rc;
	return d->fn(d->ctx, gfn, present);
}

static int load_or_zero(struct differ *d, struct ptr p, void *buf, u64 gen)
{
	if (!p.blk) {
		snap_memset(buf, 0, SNAP_BLOCK_SIZE);
		return 0;
	}
	return io_read_meta(d->st, p, buf, "page map", gen);
}

static int diff(struct differ *d, struct ptr pa, struct ptr pb, u32 level,
		u64 first)
{
	if (pa.blk == pb.blk)
		return 0; /* shared subtree: nothing changed below */
	struct ptr *a = (struct ptr *)d->buf[2 * level];
	struct ptr *b = (struct ptr *)d->buf[2 * level + 1];
	int rc;
	if ((rc = load_or_zero(d, pa, a, d->gen_a)) ||
	    (rc = load_or_zero(d, pb, b, d->gen_b)))
		return rc;
	for (u32 i = 0; i < FANOUT; i++) {
		u64 gfn = first + ((u64)i << (FANOUT_BITS * level));
		if (a[i].blk == b[i].blk || gfn >= d->npages)
			continue;
		if (level == 0)
			rc = tree_differs(d, gfn, b[i].blk != 0);
		else
			rc = diff(d, a[i], b[i], level - 1, gfn);
		if (rc)
			return rc;
	}
	return 0;
}

int snap_diff(snap_gen *ga, snap_gen *gb, snap_diff_fn cb, void *ctx)
{
	snap_store *st = gb->st;
	struct ptr zero = { 0, 0 };
	if (ga && (ga->rec->npages != gb->rec->npages || ga->st != gb->st))
		return snap_err(st, SNAP_EINVAL, "generations %llu and %llu have "
				"different sizes", ga->rec->gen, gb->rec->gen);
	struct differ d = { .st = st, .gen_a = ga ? ga->rec->gen : 0,
			    .gen_b = gb->rec->gen, .npages = gb->rec->npages,
			    .fn = cb, .ctx = ctx, .ga = ga, .gb = gb,
			    .na = ga && (ga->rec->flags & REC_DELTA) ? ga->rec->delta_n : 0,
			    .nb = gb->rec->flags & REC_DELTA ? gb->rec->delta_n : 0 };
	u32 depth = gb->rec->depth;
	int listed, rc = bufs_alloc(st, d.buf, 2 * depth);
	if (!rc)
		rc = diff(&d, ga ? ga->rec->root : zero, gb->rec->root,
			  depth - 1, 0);
	if (!rc && (d.na || d.nb)) /* the listed frames above the last tree difference */
		rc = lists_upto(&d, ~0ull - 1, &listed);
	bufs_free(st, d.buf, 2 * depth);
	return rc;
}
