/*
 * snapshot/alloc.c — which blocks may be written.
 *
 * There is no free-space map on disk: it could only be wrong after a crash.
 * Instead the in-memory bitmap is rebuilt by marking every block reachable
 * from the catalogs of BOTH superblocks (alloc_mark): the newest one, and
 * the previous commit that recovery would fall back to if the newest
 * superblock were lost to damage. Between marks the bitmap only gains bits (allocation) or loses
 * bits of blocks this store allocated and never committed, so it stays a
 * superset of the reachable set: invariant 1.
 *
 * Generations open for reading (snap_gen handles) are marked too.
 *
 * Marking reads the map blocks of every retained generation once: shared
 * subtrees are skipped when their root is already marked. It runs when the
 * first write needs the bitmap, on snap_gc(), after an allocation failed,
 * and at snap_begin() when free space is less than twice the largest
 * retained commit and a generation has left the catalog since the last mark.
 */
#include "snapshot/snap_int.h"

static int test_bit(const u8 *bm, u64 b)
{
	return bm[b >> 3] >> (b & 7) & 1;
}

/* Sets a bit; returns 1 if it was already set. */
static int set_bit(snap_store *st, u64 b)
{
	if (test_bit(st->bitmap, b))
		return 1;
	st->bitmap[b >> 3] |= (u8)(1u << (b & 7));
	st->nfree--;
	return 0;
}

static int mark_fn(void *ctx, u64 blk, int is_node)
{
	snap_store *st = ctx;
	int seen = set_bit(st, blk);
	return is_node ? seen : 0;
}

/* tolerant: mark what can be read of a damaged generation, skip the rest */
static int mark_gen(snap_store *st, u64 rec_blk, const struct rec_disk *rec,
		    int tolerant)
{
	set_bit(st, rec_blk);
	if (rec->bytes_written / SNAP_BLOCK_SIZE > st->big_commit)
		st->big_commit = rec->bytes_written / SNAP_BLOCK_SIZE;
	for (u32 s = 0; s < rec->nstate; s++) {
		if (rec->state[s].blk < FIRST_DATA_BLOCK ||
		    rec->state[s].blk >= st->dev_blocks) {
			if (tolerant)
				continue;
			return snap_err(st, SNAP_ECORRUPT, "generation %llu: state "
					"block pointer %llu outside the device",
					rec->gen, rec->state[s].blk);
		}
		set_bit(st, rec->state[s].blk);
	}
	int rc = map_walk(st, rec->root, rec->depth, rec->gen, tolerant, mark_fn,
			  st);
	return rc ? rc : delta_walk(st, rec, tolerant, mark_fn, st);
}

static int mark_catalog(snap_store *st, u64 cat_blk, const struct catalog *c,
			u64 except)
{
	struct rec_disk *rec = snap_alloc(st, SNAP_BLOCK_SIZE);
	int rc = 0;
	if (!rec)
		return SNAP_ENOMEM;
	if (cat_blk >= FIRST_DATA_BLOCK && cat_blk < st->dev_blocks)
		set_bit(st, cat_blk);
	for (u32 i = 0; i < c->count && !rc; i++) {
		const struct cat_ent *e = &c->ent[i];
		/* a generation a fallback stepped over is kept as far as it
		 * can be read; its damage must not stop every write */
		int tolerant = e->gen == except || (e->flags & CAT_DAMAGED) ||
			gen_quarantined(st, e->gen);
		/* listed by both catalogs: marked already */
		if (e->rec.blk >= FIRST_DATA_BLOCK && e->rec.blk < st->dev_blocks &&
		    test_bit(st->bitmap, e->rec.blk))
			continue;
		rc = rec_load(st, e, rec);
		if (rc == SNAP_ECORRUPT && tolerant) {
			/* its record is lost: only the block itself is known */
			if (e->rec.blk >= FIRST_DATA_BLOCK &&
			    e->rec.blk < st->dev_blocks)
				set_bit(st, e->rec.blk);
			rc = 0;
		} else if (!rc) {
			rc = mark_gen(st, e->rec.blk, rec, tolerant);
		}
	}
	snap_free(st, rec, SNAP_BLOCK_SIZE);
	return rc;
}

/* except: a generation being dropped, whose map may be unreadable: what can
 * be read of it is marked, the rest cannot be known. */
static int mark_all(snap_store *st, u64 except);

/* Marking reads every retained map once: what it reads is not kept in the
 * metadata cache, which would lose the paths the next commit needs. */
static int mark(snap_store *st, u64 except)
{
	st->mc_nofill++;
	int rc = mark_all(st, except);
	st->mc_nofill--;
	if (!rc)
		io_forget_unmarked(st);
	return rc;
}

static int mark_all(snap_store *st, u64 except)
{
	u64 bytes = (st->dev_blocks + 7) / 8;
	snap_memset(st->bitmap, 0, bytes);
	st->nfree = st->dev_blocks;
	for (u64 b = 0; b < FIRST_DATA_BLOCK; b++)
		set_bit(st, b);
	/* the input log region (inlog.c) is never handed out */
	for (u64 b = st->dev_blocks - st->sb.inlog_blocks; b < st->dev_blocks; b++)
		set_bit(st, b);
	int rc = mark_catalog(st, st->sb.cat.blk, &st->cat, except);
	if (!rc && st->other_valid)
		rc = mark_catalog(st, st->other_sb.cat.blk, &st->other_cat,
				  except);
	/* what a damaged catalog still told (snap_open fallback) */
	if (!rc)
		rc = mark_catalog(st, st->keep_blk, &st->orphan, except);
	/* a generation open for reading (lazy restore still faulting pages
	 * in) keeps its blocks even after retention dropped it */
	for (snap_gen *g = st->gens; g && !rc; g = g->next)
		if (!test_bit(st->bitmap, g->rec_blk))
			rc = mark_gen(st, g->rec_blk, g->rec, 0);
	if (rc) {
		/* unknown references: no block may be handed out */
		snap_memset(st->bitmap, 0xff, bytes);
		st->nfree = 0;
		return rc;
	}
	st->dropped_since_mark = 0;
	st->want_mark = 0;
	return 0;
}

int alloc_mark(snap_store *st)
{
	return mark(st, 0);
}

static int bitmap_alloc(snap_store *st)
{
	if (st->rdonly)
		return snap_err(st, SNAP_EINVAL, "store opened read-only");
	st->bitmap = snap_alloc(st, (st->dev_blocks + 7) / 8);
	if (!st->bitmap)
		return SNAP_ENOMEM;
	st->alloc_cursor = FIRST_DATA_BLOCK;
	return 0;
}

int alloc_init(snap_store *st)
{
	if (st->bitmap)
		return 0;
	int rc = bitmap_alloc(st);
	if (!rc && (rc = alloc_mark(st))) {
		snap_free(st, st->bitmap, (st->dev_blocks + 7) / 8);
		st->bitmap = NULL;
	}
	return rc;
}

/* For snap_drop: like alloc_mark, but damage in `gen` is stepped over.
 * Invariant 1 then holds for every block that can be known; only blocks
 * under a damaged map block of `gen` (already lost) may be reused while the
 * catalog without it is committed. */
int alloc_mark_tolerant(snap_store *st, u64 gen)
{
	int rc = st->bitmap ? 0 : bitmap_alloc(st);
	return rc ? rc : mark(st, gen);
}

/* Next fit from a cursor: new blocks of one generation land in ascending
 * order, so they combine into large device writes. */
int alloc_block(snap_store *st, u64 *blk)
{
	if (!st->nfree) {
		st->want_mark = 1;
		return snap_err(st, SNAP_ENOSPC, "no free block left on the "
				"device (%llu blocks)", st->dev_blocks);
	}
	u64 b = st->alloc_cursor;
	for (u64 n = 0; n < st->dev_blocks; n++, b++) {
		if (b >= st->dev_blocks)
			b = FIRST_DATA_BLOCK;
		if ((b & 7) == 0 && st->bitmap[b >> 3] == 0xff &&
		    b + 8 <= st->dev_blocks) {
			b += 7;
			n += 7;
			continue;
		}
		if (!test_bit(st->bitmap, b)) {
			set_bit(st, b);
			*blk = b;
			st->alloc_cursor = b + 1;
			return 0;
		}
	}
	return snap_err(st, SNAP_ENOSPC, "no free block left on the device");
}

void alloc_release(snap_store *st, u64 blk)
{
	if (blk >= FIRST_DATA_BLOCK && blk < st->dev_blocks &&
	    test_bit(st->bitmap, blk)) {
		st->bitmap[blk >> 3] &= (u8)~(1u << (blk & 7));
		st->nfree++;
	}
	io_forget(st, blk); /* a freed block's next content is another's */
}

int snap_space(snap_store *st, struct snap_space *out)
{
	int rc = alloc_init(st);
	if (rc)
		return rc;
	out->dev_blocks = st->dev_blocks;
	out->free_blocks = st->nfree;
	/* the input log region is neither free nor generations' data */
	out->used_blocks = st->dev_blocks - st->nfree - st->sb.inlog_blocks;
	return 0;
}

int snap_gc(snap_store *st, struct snap_space *out)
{
	if (st->state == ST_ERROR)
		return SNAP_EFATAL;
	if (st->state != ST_OPEN)
		return snap_err(st, SNAP_EBUSY, "a generation is being written");
	int rc = st->bitmap ? alloc_mark(st) : alloc_init(st);
	if (rc)
		return rc;
	return snap_space(st, out);
}
