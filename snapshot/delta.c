/*
 * snapshot/delta.c — a generation's changes since its map's tree (format
 * version 3, FORMAT.md "Delta lists").
 *
 * Scattered writes over a large guest touch a map leaf per page: 10k pages
 * over 1 GiB rewrote 1,021 of its 1,024 leaves, 0.10 map block per page. A
 * generation may instead keep its base's tree and list what changed since
 * it: (frame, pointer) entries sorted by frame, 170 to a block, found
 * through one index block. The list is cumulative (every change since the
 * tree was last rewritten), so a lookup reads one delta block besides the
 * tree, and no generation needs another's list. At commit the merged list
 * is written when its blocks, times SNAP_DELTA_FACTOR, are at most the
 * blocks folding it into the tree would write; otherwise it is folded.
 * Repeated 10k-page generations over 1 GiB then write lists of 60, 119,
 * 178 and 237 blocks and fold at the fifth: ~1.03 blocks per page in all,
 * where every generation rewriting ~1,030 map blocks made 1.10.
 *
 * The store keeps the last committed list in memory (dc), so the next
 * commit merges into it without reading it back.
 */
#include "snapshot/snap_int.h"

static u64 nblocks(u64 n)
{
	return (n + DENT_PER_BLOCK - 1) / DENT_PER_BLOCK;
}

/* Entries in block i of a list of n: every block is full but the last. */
static u64 blk_entries(u64 n, u64 i)
{
	return n - i * DENT_PER_BLOCK < DENT_PER_BLOCK ? n - i * DENT_PER_BLOCK : DENT_PER_BLOCK;
}

static int bad_blk(const snap_store *st, u64 blk)
{
	return blk < FIRST_DATA_BLOCK || blk >= st->dev_blocks;
}

/* The list named by r->delta and r->delta_n over r->npages frames, of
 * generation `gen` (a commit reads its base's list through the record it
 * builds): its index, read and checked — first frames strictly ascending
 * and in range, blocks in the data area, the rest 0. */
static int idx_read(snap_store *st, const struct rec_disk *r, u64 gen,
		    struct didx *x)
{
	int rc = io_read_meta(st, r->delta, x, "delta index", gen);
	if (rc)
		return rc;
	u64 nb = nblocks(r->delta_n);
	for (u64 i = 0; i < DIDX_MAX; i++) {
		if (i >= nb) {
			if (x[i].first || x[i].p.blk || x[i].p.csum)
				goto bad;
			continue;
		}
		if (x[i].first >= r->npages || (i && x[i].first <= x[i - 1].first) ||
		    bad_blk(st, x[i].p.blk))
			goto bad;
	}
	return 0;
bad:
	return snap_err(st, SNAP_ECORRUPT, "generation %llu: delta index block "
			"%llu is malformed", gen, r->delta.blk);
}

/* Its block i, read and checked: entries strictly ascending from the
 * index's first frame to below the next block's, pages in the data area or
 * zero, the rest of the block 0. */
static int blk_read(snap_store *st, const struct rec_disk *r, u64 gen,
		    const struct didx *x, u64 i, struct wpage *e)
{
	int rc = io_read_meta(st, x[i].p, e, "delta", gen);
	if (rc)
		return rc;
	u64 nb = nblocks(r->delta_n), cnt = blk_entries(r->delta_n, i);
	u64 end = i + 1 < nb ? x[i + 1].first : r->npages;
	if (e[0].gfn != x[i].first)
		goto bad;
	for (u64 k = 0; k < DENT_PER_BLOCK; k++) {
		if (k >= cnt) {
			if (e[k].gfn || e[k].blk || e[k].csum)
				goto bad;
			continue;
		}
		if (e[k].gfn >= end || (k && e[k].gfn <= e[k - 1].gfn) ||
		    (e[k].blk ? bad_blk(st, e[k].blk) : e[k].csum != 0))
			goto bad;
	}
	return 0;
bad:
	return snap_err(st, SNAP_ECORRUPT, "generation %llu: delta block %llu "
			"(%llu of the list) is malformed", gen, x[i].p.blk, i);
}

/* ---- reading ---- */

int delta_open(snap_gen *g)
{
	snap_store *st = g->st;
	g->dblk_i = 0;
	if (!(g->rec->flags & REC_DELTA))
		return 0;
	if (!g->didx && !(g->didx = snap_alloc(st, SNAP_BLOCK_SIZE)))
		return SNAP_ENOMEM;
	if (!g->dblk && !(g->dblk = snap_alloc(st, SNAP_BLOCK_SIZE)))
		return SNAP_ENOMEM;
	return idx_read(st, g->rec, g->rec->gen, g->didx);
}

void delta_close(snap_gen *g)
{
	snap_free(g->st, g->didx, SNAP_BLOCK_SIZE);
	snap_free(g->st, g->dblk, SNAP_BLOCK_SIZE);
	g->didx = NULL;
	g->dblk = NULL;
}

static int load_blk(snap_gen *g, u64 i)
{
	if (g->dblk_i == i + 1)
		return 0;
	g->dblk_i = 0;
	int rc = blk_read(g->st, g->rec, g->rec->gen, g->didx, i, g->dblk);
	if (!rc)
		g->dblk_i = i + 1;
	return rc;
}

int delta_find(snap_gen *g, u64 gfn, struct ptr *out)
{
	const struct rec_disk *r = g->rec;
	if (!(r->flags & REC_DELTA) || gfn < g->didx[0].first)
		return 0;
	u64 lo = 0, hi = nblocks(r->delta_n); /* the last block starting <= gfn */
	while (hi - lo > 1) {
		u64 mid = (lo + hi) / 2;
		if (g->didx[mid].first <= gfn)
			lo = mid;
		else
			hi = mid;
	}
	int rc = load_blk(g, lo);
	if (rc)
		return rc;
	u64 cnt = blk_entries(r->delta_n, lo), a = 0, b = cnt;
	while (a < b) {
		u64 mid = (a + b) / 2;
		if (g->dblk[mid].gfn < gfn)
			a = mid + 1;
		else
			b = mid;
	}
	if (a == cnt || g->dblk[a].gfn != gfn)
		return 0;
	out->blk = g->dblk[a].blk;
	out->csum = g->dblk[a].csum;
	return 1;
}

int delta_at(snap_gen *g, u64 k, struct wpage *out)
{
	int rc = load_blk(g, k / DENT_PER_BLOCK);
	if (!rc)
		*out = g->dblk[k % DENT_PER_BLOCK];
	return rc;
}

/* Every block of a generation's list and every page it names (marking). */
int delta_walk(snap_store *st, const struct rec_disk *r, int tolerant,
	       map_walk_fn fn, void *ctx)
{
	if (!(r->flags & REC_DELTA))
		return 0;
	if (bad_blk(st, r->delta.blk))
		return tolerant ? 0 : snap_err(st, SNAP_ECORRUPT, "generation %llu: "
				"delta index pointer %llu outside the data area",
				r->gen, r->delta.blk);
	int rc = fn(ctx, r->delta.blk, 1);
	if (rc)
		return rc < 0 ? rc : 0; /* seen: a list an empty generation kept */
	struct didx *x = snap_alloc(st, SNAP_BLOCK_SIZE);
	struct wpage *e = snap_alloc(st, SNAP_BLOCK_SIZE);
	if (!x || !e) {
		rc = SNAP_ENOMEM;
		goto out;
	}
	if ((rc = idx_read(st, r, r->gen, x)))
		goto out;
	for (u64 i = 0; i < nblocks(r->delta_n); i++) {
		if ((rc = fn(ctx, x[i].p.blk, 1)) < 0)
			goto out;
		if ((rc = blk_read(st, r, r->gen, x, i, e))) {
			if (tolerant && rc == SNAP_ECORRUPT)
				continue;
			goto out;
		}
		for (u64 k = 0; k < DENT_PER_BLOCK; k++)
			if (e[k].blk && (rc = fn(ctx, e[k].blk, 0)) < 0)
				goto out;
	}
	rc = 0;
out:
	if (tolerant && rc == SNAP_ECORRUPT)
		rc = 0;
	snap_free(st, x, SNAP_BLOCK_SIZE);
	snap_free(st, e, SNAP_BLOCK_SIZE);
	return rc;
}

/* ---- writing ---- */

static void dc_free(snap_store *st)
{
	snap_free(st, st->dc, st->dc_n * sizeof *st->dc + 1);
	st->dc = NULL;
	st->dc_n = 0;
	st->dc_ptr.blk = st->dc_ptr.csum = 0;
}

void delta_free(snap_store *st, int all)
{
	snap_free(st, st->dc_new, st->dc_new_n * sizeof *st->dc_new + 1);
	st->dc_new = NULL;
	st->dc_new_n = 0;
	if (all)
		dc_free(st);
}

/* The base's list (r->delta, r->delta_n until commit): from memory when it
 * is the last one committed, else read from the disk into dc. */
static int base_list(snap_store *st, const struct rec_disk *r)
{
	if (st->dc && st->dc_ptr.blk == r->delta.blk &&
	    st->dc_ptr.csum == r->delta.csum && st->dc_n == r->delta_n)
		return 0;
	dc_free(st);
	if (r->delta_n > DELTA_MAX) /* rec_load checked it: a store bug */
		return snap_err(st, SNAP_ECORRUPT, "generation %llu: delta of %u "
				"entries", r->base, r->delta_n);
	struct didx *x = snap_alloc(st, SNAP_BLOCK_SIZE);
	struct wpage *list = snap_alloc(st, r->delta_n * sizeof *list + 1);
	int rc = SNAP_ENOMEM;
	if (!x || !list || (rc = idx_read(st, r, r->base, x)))
		goto out;
	for (u64 i = 0; i < nblocks(r->delta_n); i++) {
		struct wpage *e = (struct wpage *)st->tmp;
		if ((rc = blk_read(st, r, r->base, x, i, e)))
			goto out;
		snap_memcpy(list + i * DENT_PER_BLOCK, e, blk_entries(r->delta_n, i) * sizeof *e);
	}
	st->dc = list;
	st->dc_n = r->delta_n;
	st->dc_ptr = r->delta;
	list = NULL;
out:
	snap_free(st, x, SNAP_BLOCK_SIZE);
	if (list)
		snap_free(st, list, r->delta_n * sizeof *list + 1);
	return rc;
}

/* Merges the base's list a (na) with this generation's sorted entries w
 * (nw; its own win): into out when given; returns the entries and, in
 * *fold, the map blocks folding them into the tree would write. */
static u64 merge(const struct wpage *a, u64 na, const struct wpage *w, u64 nw,
		 u32 depth, struct wpage *out, u64 *fold)
{
	u64 i = 0, j = 0, n = 0, last[MAX_DEPTH];
	*fold = 0;
	while (i < na || j < nw) {
		struct wpage e;
		if (j == nw || (i < na && a[i].gfn < w[j].gfn)) {
			e = a[i++];
		} else {
			if (i < na && a[i].gfn == w[j].gfn)
				i++;
			e = w[j++];
		}
		if (out)
			out[n] = e;
		for (u32 l = 0; l < depth; l++) { /* a new node at each level? */
			u64 id = e.gfn >> (FANOUT_BITS * (l + 1));
			if (n && last[l] == id)
				break;
			last[l] = id;
			++*fold;
		}
		n++;
	}
	return n;
}

static int write_list(snap_store *st, struct rec_disk *r, const struct wpage *m,
		      u64 n)
{
	struct didx *x = snap_alloc(st, SNAP_BLOCK_SIZE);
	int rc = 0;
	if (!x)
		return SNAP_ENOMEM;
	snap_memset(x, 0, SNAP_BLOCK_SIZE);
	for (u64 i = 0; i < nblocks(n) && !rc; i++) {
		snap_memset(st->tmp, 0, SNAP_BLOCK_SIZE);
		snap_memcpy(st->tmp, m + i * DENT_PER_BLOCK, blk_entries(n, i) * sizeof *m);
		x[i].first = m[i * DENT_PER_BLOCK].gfn;
		if (!(rc = alloc_block(st, &x[i].p.blk))) {
			x[i].p.csum = snap_hash(st->tmp, SNAP_BLOCK_SIZE, x[i].p.blk);
			rc = io_write(st, x[i].p.blk, st->tmp);
		}
	}
	if (!rc && !(rc = alloc_block(st, &r->delta.blk))) {
		r->delta.csum = snap_hash(x, SNAP_BLOCK_SIZE, r->delta.blk);
		rc = io_write_meta(st, r->delta.blk, x);
	}
	snap_free(st, x, SNAP_BLOCK_SIZE);
	return rc;
}

/* r->root, r->delta and r->delta_n are the base's until here. */
int delta_commit(snap_store *st, struct rec_disk *r)
{
	struct build *b = &st->b;
	int rc;
	const struct wpage *base = NULL;
	u64 nbase = 0;
	if (!b->loaded && !st->nwp) /* nothing written: the base's map as it is */
		return 0;
	if (r->flags & REC_DELTA) {
		if ((rc = base_list(st, r)))
			return rc;
		base = st->dc;
		nbase = st->dc_n;
	}
	if (!b->loaded && !(st->compat & (SNAP_COMPAT_V1 | SNAP_COMPAT_V2))) {
		/* nothing spilled: a list may do */
		if ((rc = build_sort(st)))
			return rc;
		u64 fold, n = merge(base, nbase, st->wp, st->nwp, r->depth, NULL, &fold);
		/* a page the list replaces stays in the tree until the fold:
		 * lists take at most a quarter of the free space */
		if (n <= DELTA_MAX && n <= st->nfree / 4 &&
		    (nblocks(n) + 1) * SNAP_DELTA_FACTOR <= fold) {
			delta_free(st, 0);
			if (!(st->dc_new = snap_alloc(st, n * sizeof *st->dc_new + 1)))
				return SNAP_ENOMEM;
			st->dc_new_n = n;
			merge(base, nbase, st->wp, st->nwp, r->depth, st->dc_new, &fold);
			if ((rc = write_list(st, r, st->dc_new, n)))
				return rc;
			r->delta_n = (u32)n;
			r->flags |= REC_DELTA;
			b->ndirty = st->nwp;
			return 0;
		}
	}
	r->flags &= ~REC_DELTA;
	r->delta.blk = r->delta.csum = 0;
	r->delta_n = 0;
	return build_commit(st, &r->root, base, nbase);
}

/* The generation is committed: its list is the one in memory. */
void delta_committed(snap_store *st, const struct rec_disk *r)
{
	if (!(r->flags & REC_DELTA)) {
		delta_free(st, 1);
		return;
	}
	if (st->dc_new) {
		dc_free(st);
		st->dc = st->dc_new;
		st->dc_n = st->dc_new_n;
		st->dc_new = NULL;
		st->dc_new_n = 0;
		st->dc_ptr = r->delta;
	}
}
