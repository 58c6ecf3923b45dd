/*
 * snapshot/build.c — the page map of the generation being written, built
 * in bounded memory.
 *
 * Pages go to disk as they arrive (txn.c) and leave a 24-byte entry (frame,
 * block, hash) in a buffer of at most SNAP_WP_MAX entries. When the buffer
 * is full, and at commit, it is "spilled": sorted (stably: of two writes of
 * one frame the later wins), and each map leaf it touches is read, updated
 * and written to a fresh block at once. What stays in memory for the whole
 * generation is per leaf, not per page: the leaf's current pointer (16
 * bytes per 256 frames), two flag bits, and one bit per frame saying the
 * frame was written in this generation. At commit the levels above the
 * leaves are rebuilt from those pointers, only along the paths to leaves
 * this generation changed; every other subtree is shared with the base.
 *
 * A 3 GiB guest (786432 frames) thus needs 48 KiB of leaf pointers, 96 KiB
 * of frame bits and the entry buffer with its sort space (1.5 MiB), whatever
 * it writes; before, its first commit needed 42 MiB (24 bytes per page plus
 * as much again to sort).
 *
 * Blocks written in this generation and superseded within it (a page
 * written again after a spill, a leaf written by an earlier spill, a
 * replaced state blob) are never reachable; they are freed after the next
 * flush (invariant 5), and the list of them is bounded by flushing early.
 */
#include "snapshot/snap_int.h"

#define LEAF_MOD 1u  /* the leaf changed in this generation */
#define LEAF_OWN 2u  /* its pointer is a block written in this generation */

#define IDX(gfn, level) (((gfn) >> (FANOUT_BITS * (level))) & (FANOUT - 1))

static int bit(const u8 *bm, u64 i)
{
	return bm[i >> 3] >> (i & 7) & 1;
}

/* The arrays are kept from one generation to the next and cleared when a
 * generation ends (build_end, in the writer's time): begin runs in the
 * hypervisor's capture pause and must not allocate or clear O(RAM) bytes. */
int build_init(snap_store *st, u64 npages)
{
	struct build *b = &st->b;
	if (b->leaf && b->npages == npages) {
		b->ndirty = 0;
		b->ndead = 0;
		b->loaded = 0;
		return 0;
	}
	build_free(st);
	b->npages = npages;
	b->nleaves = (npages + FANOUT - 1) / FANOUT;
	b->leaf = snap_alloc(st, b->nleaves * sizeof *b->leaf);
	b->lflag = snap_alloc(st, b->nleaves);
	b->wbits = snap_alloc(st, (npages + 7) / 8);
	b->dead = snap_alloc(st, SNAP_DEAD_MAX * sizeof *b->dead);
	b->node = snap_alloc(st, SNAP_BLOCK_SIZE);
	if (!b->leaf || !b->lflag || !b->wbits || !b->dead || !b->node) {
		build_free(st);
		return snap_err(st, SNAP_ENOMEM, "no memory for the page map of "
				"a guest of %llu frames", npages);
	}
	snap_memset(b->leaf, 0, b->nleaves * sizeof *b->leaf);
	snap_memset(b->lflag, 0, b->nleaves);
	snap_memset(b->wbits, 0, (npages + 7) / 8);
	return 0;
}

void build_end(snap_store *st)
{
	struct build *b = &st->b;
	if (!b->leaf)
		return;
	snap_memset(b->leaf, 0, b->nleaves * sizeof *b->leaf);
	snap_memset(b->lflag, 0, b->nleaves);
	snap_memset(b->wbits, 0, (b->npages + 7) / 8);
	b->ndirty = 0;
	b->ndead = 0;
	b->loaded = 0;
}

void build_free(snap_store *st)
{
	struct build *b = &st->b;
	u64 npages = b->npages;
	snap_free(st, b->leaf, b->nleaves * sizeof *b->leaf);
	snap_free(st, b->lflag, b->nleaves);
	snap_free(st, b->wbits, (npages + 7) / 8);
	snap_free(st, b->dead, SNAP_DEAD_MAX * sizeof *b->dead);
	snap_free(st, b->node, SNAP_BLOCK_SIZE);
	snap_memset(b, 0, sizeof *b);
}

/* Frees the superseded blocks: only after a flush, so that the write that
 * made them and the next write to them cannot reach the disk reordered. */
int build_release_dead(snap_store *st, int flushed)
{
	struct build *b = &st->b;
	int rc = flushed ? 0 : io_flush(st);
	if (rc)
		return rc;
	for (u32 i = 0; i < b->ndead; i++)
		alloc_release(st, b->dead[i]);
	b->ndead = 0;
	return 0;
}

int build_dead(snap_store *st, u64 blk)
{
	struct build *b = &st->b;
	int rc;
	if (!blk)
		return 0;
	if (b->ndead == SNAP_DEAD_MAX && (rc = build_release_dead(st, 0)))
		return rc;
	b->dead[b->ndead++] = blk;
	return 0;
}

/* The base map's leaf pointers, read once (levels above the leaves only:
 * one block per 65536 frames), at the first spill rather than in begin,
 * which the hypervisor calls in its capture pause. */
static int load_level(snap_store *st, struct ptr p, u32 level, u64 first,
		      u8 **buf)
{
	struct build *b = &st->b;
	const struct ptr *node = (const struct ptr *)buf[level];
	int rc;
	if ((rc = io_read_meta(st, p, buf[level], "base page map",
			       st->rec->base)))
		return rc;
	u64 span = 1ull << (FANOUT_BITS * (level - 1)); /* leaves per child */
	for (u32 i = 0; i < FANOUT; i++) {
		u64 f = first + i * span;
		if (f >= b->nleaves)
			break;
		if (level == 1)
			b->leaf[f] = node[i];
		else if (node[i].blk &&
			 (rc = load_level(st, node[i], level - 1, f, buf)))
			return rc;
	}
	return 0;
}

static int load_leaves(snap_store *st)
{
	struct build *b = &st->b;
	u32 depth = st->rec->depth;
	u8 *buf[MAX_DEPTH] = { 0 };
	int rc = 0;
	if (b->loaded)
		return 0;
	struct ptr root = st->rec->root; /* the base's, until commit */
	if (depth == 1 || !root.blk) {
		b->leaf[0] = depth == 1 ? root : b->leaf[0];
	} else {
		for (u32 l = 1; l < depth && !rc; l++)
			if (!(buf[l] = snap_alloc(st, SNAP_BLOCK_SIZE)))
				rc = SNAP_ENOMEM;
		if (!rc)
			rc = load_level(st, root, depth - 1, 0, buf);
		for (u32 l = 1; l < depth; l++)
			snap_free(st, buf[l], SNAP_BLOCK_SIZE);
	}
	b->loaded = !rc;
	return rc;
}

/* Stable bottom-up merge sort by gfn. The hypervisor has no qsort, and
 * qsort is not stable. */
static int wp_sort(snap_store *st)
{
	u64 n = st->nwp;
	struct wpage *a = st->wp;
	struct wpage *tmp = snap_alloc(st, n * sizeof *tmp + 1);
	if (!tmp)
		return snap_err(st, SNAP_ENOMEM, "no memory to sort %llu pages", n);
	struct wpage *src = a, *dst = tmp;
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
	snap_free(st, tmp, n * sizeof *tmp + 1);
	return 0;
}

/* One leaf: read its current version, apply the entries (over those of a
 * base's delta being folded, which are no page of this generation's),
 * write it anew. */
static int spill_leaf(snap_store *st, u64 li, const struct wpage *wp, u64 n,
		      const struct wpage *fold, u64 nfold)
{
	struct build *b = &st->b;
	struct ptr *node = (struct ptr *)b->node;
	int rc;
	if (b->leaf[li].blk) {
		if ((rc = io_read_meta(st, b->leaf[li], node, "page map",
				       b->lflag[li] & LEAF_OWN ? st->rec->gen :
				       st->rec->base)))
			return rc;
	} else {
		snap_memset(node, 0, SNAP_BLOCK_SIZE);
	}
	for (u64 k = 0; k < nfold; k++)
		if (!bit(b->wbits, fold[k].gfn)) { /* else this generation's wins */
			node[IDX(fold[k].gfn, 0)].blk = fold[k].blk;
			node[IDX(fold[k].gfn, 0)].csum = fold[k].csum;
		}
	for (u64 k = 0; k < n; k++) { /* one entry per frame (build_sort) */
		u64 gfn = wp[k].gfn;
		struct ptr *e = &node[IDX(gfn, 0)];
		if (bit(b->wbits, gfn)) {
			/* written by an earlier spill of this generation */
			if ((rc = build_dead(st, e->blk)))
				return rc;
		} else {
			b->wbits[gfn >> 3] |= (u8)(1u << (gfn & 7));
			b->ndirty++;
		}
		e->blk = wp[k].blk;
		e->csum = wp[k].csum;
	}
	struct ptr np = { 0, 0 };
	if (!snap_is_zero(node, SNAP_BLOCK_SIZE)) { /* invariant 4 */
		if ((rc = alloc_block(st, &np.blk)))
			return rc;
		np.csum = snap_hash(node, SNAP_BLOCK_SIZE, np.blk);
		if ((rc = io_write_meta(st, np.blk, node)))
			return rc;
	}
	if ((b->lflag[li] & LEAF_OWN) && (rc = build_dead(st, b->leaf[li].blk)))
		return rc;
	b->leaf[li] = np;
	b->lflag[li] = LEAF_MOD | (np.blk ? LEAF_OWN : 0);
	return 0;
}

int build_sort(snap_store *st)
{
	int rc = wp_sort(st);
	if (rc)
		return rc;
	u64 n = 0;
	for (u64 k = 0; k < st->nwp; k++) {
		/* of two writes of one frame the later wins */
		if (k + 1 < st->nwp && st->wp[k + 1].gfn == st->wp[k].gfn) {
			if ((rc = build_dead(st, st->wp[k].blk)))
				return rc;
			continue;
		}
		st->wp[n++] = st->wp[k];
	}
	st->nwp = n;
	return 0;
}

static int spill(snap_store *st, const struct wpage *fold, u64 nfold)
{
	int rc;
	if (!st->nwp && !nfold)
		return 0;
	if ((rc = load_leaves(st)) || (rc = build_sort(st)))
		return rc;
	const struct wpage *wp = st->wp;
	u64 i = 0, j = 0;
	while (i < st->nwp || j < nfold) { /* each leaf either list touches */
		u64 li = i < st->nwp ? wp[i].gfn / FANOUT : ~0ull;
		if (j < nfold && fold[j].gfn / FANOUT < li)
			li = fold[j].gfn / FANOUT;
		u64 i2 = i, j2 = j;
		while (i2 < st->nwp && wp[i2].gfn / FANOUT == li)
			i2++;
		while (j2 < nfold && fold[j2].gfn / FANOUT == li)
			j2++;
		if ((rc = spill_leaf(st, li, wp + i, i2 - i, nfold ? fold + j : NULL, j2 - j)))
			return rc;
		i = i2;
		j = j2;
	}
	st->nwp = 0;
	return 0;
}

int build_spill(snap_store *st)
{
	return spill(st, NULL, 0);
}

static int any_mod(const struct build *b, u64 first, u64 n)
{
	for (u64 i = first; i < first + n && i < b->nleaves; i++)
		if (b->lflag[i] & LEAF_MOD)
			return 1;
	return 0;
}

/* A node of level >= 1 covering leaves [first, first + 256^level). */
static int rebuild(snap_store *st, struct ptr base, u32 level, u64 first,
		   u8 **buf, struct ptr *out)
{
	struct build *b = &st->b;
	u64 span = 1ull << (FANOUT_BITS * (level - 1));
	int rc;
	if (!any_mod(b, first, span * FANOUT)) {
		*out = base; /* shared with the base, unchanged */
		return 0;
	}
	struct ptr *node = (struct ptr *)buf[level];
	if (base.blk) {
		if ((rc = io_read_meta(st, base, node, "base page map",
				       st->rec->base)))
			return rc;
	} else {
		snap_memset(node, 0, SNAP_BLOCK_SIZE);
	}
	for (u32 i = 0; i < FANOUT; i++) {
		u64 f = first + i * span;
		if (f >= b->nleaves)
			break;
		if (level == 1)
			node[i] = b->leaf[f];
		else if ((rc = rebuild(st, node[i], level - 1, f, buf, &node[i])))
			return rc;
	}
	if (snap_is_zero(node, SNAP_BLOCK_SIZE)) {
		out->blk = out->csum = 0;
		return 0;
	}
	if ((rc = alloc_block(st, &out->blk)))
		return rc;
	out->csum = snap_hash(node, SNAP_BLOCK_SIZE, out->blk);
	return io_write_meta(st, out->blk, node);
}

int build_commit(snap_store *st, struct ptr *root, const struct wpage *fold,
		 u64 nfold)
{
	struct build *b = &st->b;
	u32 depth = st->rec->depth;
	u8 *buf[MAX_DEPTH] = { 0 };
	int rc;
	if ((rc = spill(st, fold, nfold)))
		return rc;
	if (!b->loaded) { /* nothing written: the base map as it is */
		*root = st->rec->root;
		return 0;
	}
	if (depth == 1) {
		*root = b->lflag[0] & LEAF_MOD ? b->leaf[0] : st->rec->root;
		return 0;
	}
	for (u32 l = 1; l < depth && !rc; l++)
		if (!(buf[l] = snap_alloc(st, SNAP_BLOCK_SIZE)))
			rc = SNAP_ENOMEM;
	if (!rc)
		rc = rebuild(st, st->rec->root, depth - 1, 0, buf, root);
	for (u32 l = 1; l < depth; l++)
		snap_free(st, buf[l], SNAP_BLOCK_SIZE);
	return rc;
}

/* An aborted generation: every block it wrote goes back (after a flush).
 * Pages already spilled are found through the leaves it wrote; if one of
 * those cannot be read, the next snap_begin re-marks everything instead. */
void build_abort(snap_store *st)
{
	struct build *b = &st->b;
	struct ptr *node = (struct ptr *)b->node;
	if (io_flush(st)) {
		st->want_mark = 1;
		return;
	}
	for (u64 i = 0; i < st->nwp; i++)
		alloc_release(st, st->wp[i].blk);
	st->nwp = 0;
	for (u64 li = 0; li < b->nleaves && node; li++) {
		if (!(b->lflag[li] & LEAF_OWN))
			continue;
		if (io_read_meta(st, b->leaf[li], node, "page map",
				 st->rec->gen)) {
			st->want_mark = 1;
			continue;
		}
		for (u32 k = 0; k < FANOUT; k++) {
			u64 gfn = li * FANOUT + k;
			if (gfn < st->rec->npages && bit(b->wbits, gfn))
				alloc_release(st, node[k].blk);
		}
		alloc_release(st, b->leaf[li].blk);
	}
	build_release_dead(st, 1);
}
