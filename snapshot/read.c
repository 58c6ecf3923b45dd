/*
 * snapshot/read.c — reading committed generations: list, open, page by
 * guest frame (lazy restore), state blob, full verification.
 *
 * Every read checks the checksum its pointer carries (invariant 2) and
 * reports damage by generation, guest frame and block. Nothing here falls
 * back to another generation unless SNAP_OPEN_FALLBACK asks (invariant 7).
 */
#include "snapshot/snap_int.h"

static void info_of(const struct rec_disk *r, int pinned, int damaged,
		    struct snap_geninfo *o)
{
	o->damaged = damaged;
	o->gen = r->gen;
	o->base = r->base;
	o->time_ns = r->time_ns;
	o->npages = r->npages;
	o->dirty_pages = r->dirty_pages;
	o->bytes_written = r->bytes_written;
	o->state_len = r->state_len;
	o->root_blk = r->root.blk;
	o->pinned = pinned;
}

int snap_list(snap_store *st, struct snap_geninfo *out, unsigned max,
	      unsigned *n)
{
	if (st->state == ST_ERROR)
		return SNAP_EFATAL;
	struct rec_disk *rec = snap_alloc(st, SNAP_BLOCK_SIZE);
	int rc = 0;
	if (!rec)
		return SNAP_ENOMEM;
	*n = 0;
	const struct cat_ent *e;
	for (u32 i = 0; (e = view_ent(st, i)) && *n < max; i++) {
		if ((rc = rec_load(st, e, rec)))
			break;
		info_of(rec, !!(e->flags & CAT_PINNED),
			(e->flags & CAT_DAMAGED) || gen_quarantined(st, e->gen),
			&out[(*n)++]);
	}
	snap_free(st, rec, SNAP_BLOCK_SIZE);
	return rc;
}

unsigned snap_catalog(const snap_store *st, uint64_t *gens, unsigned max)
{
	const struct cat_ent *e;
	unsigned n = 0;
	for (u32 i = 0; n < max && (e = view_ent(st, i)); i++)
		gens[n++] = e->gen;
	return n;
}

void snap_gen_close(snap_gen *g)
{
	if (!g)
		return;
	snap_store *st = g->st;
	for (snap_gen **p = &st->gens; *p; p = &(*p)->next)
		if (*p == g) {
			*p = g->next;
			break;
		}
	for (u32 i = 0; i < MAX_DEPTH; i++)
		snap_free(st, g->node[i], SNAP_BLOCK_SIZE);
	delta_close(g);
	snap_free(st, g->rec, SNAP_BLOCK_SIZE);
	snap_free(st, g, sizeof *g);
}

static int gen_open_one(snap_store *st, const struct cat_ent *e, snap_gen **out)
{
	snap_gen *g = snap_alloc(st, sizeof *g);
	int rc = SNAP_ENOMEM;
	*out = NULL; /* the fallback loop closes what it got, also after a failure */
	if (!g)
		return rc;
	snap_memset(g, 0, sizeof *g);
	g->st = st;
	g->pinned = !!(e->flags & CAT_PINNED);
	g->damaged = (e->flags & CAT_DAMAGED) || gen_quarantined(st, e->gen);
	g->rec_blk = e->rec.blk;
	if (!(g->rec = snap_alloc(st, SNAP_BLOCK_SIZE)))
		goto fail;
	for (u32 i = 0; i < MAX_DEPTH; i++)
		if (!(g->node[i] = snap_alloc(st, SNAP_BLOCK_SIZE)))
			goto fail;
	if ((rc = rec_load(st, e, g->rec)) || (rc = delta_open(g)))
		goto fail;
	g->next = st->gens;
	st->gens = g;
	*out = g;
	return 0;
fail:
	snap_gen_close(g);
	return rc;
}

int snap_gen_open(snap_store *st, uint64_t gen, unsigned flags, snap_gen **out)
{
	const struct cat_ent *e;
	u32 k = 0;
	int rc;
	*out = NULL;
	if (st->state == ST_ERROR)
		return SNAP_EFATAL;
	if (!view_ent(st, 0))
		return snap_err(st, SNAP_ENOENT, "the store holds no generation");
	while (gen && (e = view_ent(st, k)) && e->gen != gen)
		k++;
	if (!(e = view_ent(st, k)))
		return snap_err(st, SNAP_ENOENT, "generation %llu is not in the "
				"store (newest is %llu)", gen, snap_newest(st));
	if (!(flags & SNAP_OPEN_FALLBACK))
		return gen_open_one(st, e, out);

	char first[sizeof st->errmsg];
	u64 asked = e->gen;
	int first_rc = 0;
	first[0] = 0;
	for (; (e = view_ent(st, k)); k++) {
		snap_gen *g;
		rc = gen_open_one(st, e, &g);
		if (!rc && !(rc = snap_verify(g))) {
			if (first[0]) {
				snap_err(st, 0, "%s; fell back to generation %llu",
					 first, e->gen);
				st->fb = (struct snap_fallback){
					.why = SNAP_FB_GENERATION,
					.err = first_rc, .damaged_gen = asked,
					.used_txid = st->sb.txid,
					.used_gen = e->gen,
				};
				snap_fmt(st->fb.msg, sizeof st->fb.msg, "%s",
					 st->errmsg);
			}
			*out = g;
			return 0;
		}
		snap_gen_close(g);
		if (rc != SNAP_ECORRUPT)
			return rc;
		/* kept, and kept out of retention and of new bases, until the
		 * user drops it (snap.h, snap_fallback) */
		if (!gen_quarantined(st, e->gen) &&
		    st->nquar < ARRAY_SIZE(st->quar))
			st->quar[st->nquar++] = e->gen;
		if (!first[0]) {
			snap_memcpy(first, st->errmsg, sizeof first);
			first_rc = rc;
		}
	}
	return snap_err(st, SNAP_ECORRUPT, "%s; no older generation verifies",
			first);
}

void snap_gen_info(const snap_gen *g, struct snap_geninfo *out)
{
	info_of(g->rec, g->pinned, g->damaged, out);
}

int snap_read_page(snap_gen *g, uint64_t gfn, void *page)
{
	snap_store *st = g->st;
	struct ptr p;
	int rc;
	if (gfn >= g->rec->npages)
		return snap_err(st, SNAP_EINVAL, "guest frame %llu is beyond the "
				"%llu frames of generation %llu", gfn,
				g->rec->npages, g->rec->gen);
	if ((rc = map_lookup(g, gfn, &p)))
		return rc;
	if (!p.blk) {
		snap_memset(page, 0, SNAP_PAGE_SIZE);
		return 0;
	}
	if (p.blk < FIRST_DATA_BLOCK || p.blk >= st->dev_blocks)
		return snap_err(st, SNAP_ECORRUPT, "generation %llu, guest frame "
				"%llu: pointer to block %llu outside the data "
				"area", g->rec->gen, gfn, p.blk);
	if ((rc = io_read(st, p.blk, page)))
		return rc;
	if (CSUM_BAD(snap_hash(page, SNAP_PAGE_SIZE, 0), p.csum))
		return snap_err(st, SNAP_ECORRUPT, "generation %llu, guest frame "
				"%llu: data block %llu fails its checksum "
				"(damaged or misdirected write)", g->rec->gen,
				gfn, p.blk);
	return 0;
}

int snap_read_state(snap_gen *g, void *buf, size_t len)
{
	snap_store *st = g->st;
	const struct rec_disk *r = g->rec;
	if (len < r->state_len)
		return snap_err(st, SNAP_EINVAL, "state blob of generation %llu "
				"is %llu bytes; buffer has %llu", r->gen,
				r->state_len, (u64)len);
	if (r->flags & REC_STATE_INLINE) { /* checked with the record */
		snap_memcpy(buf, r->inl, r->state_len);
		return 0;
	}
	for (u32 i = 0; i < r->nstate; i++) {
		int rc = io_read_meta(st, r->state[i], st->tmp, "state", r->gen);
		if (rc)
			return rc;
		u64 off = (u64)i * SNAP_BLOCK_SIZE;
		u64 n = r->state_len - off < SNAP_BLOCK_SIZE ?
			r->state_len - off : SNAP_BLOCK_SIZE;
		snap_memcpy((u8 *)buf + off, st->tmp, n);
	}
	return 0;
}

/* Goes on past the first damaged page so that the count is complete; the
 * message names the first one. */
int snap_verify(snap_gen *g)
{
	snap_store *st = g->st;
	const struct rec_disk *r = g->rec;
	u8 *page = snap_alloc(st, SNAP_PAGE_SIZE);
	char first[sizeof st->errmsg];
	u64 bad = 0;
	int rc = 0;

	if (!page)
		return SNAP_ENOMEM;
	/* verification is of the disk: no block from the metadata cache (nor
	 * from the handle's own, filled before) */
	st->mc_bypass++;
	for (u32 i = 0; i < MAX_DEPTH; i++)
		g->node_blk[i] = 0;
	first[0] = 0;
	if ((rc = delta_open(g))) /* the index again, from the disk: without it no page */
		goto out;
	for (u32 i = 0; i < r->nstate; i++) {
		rc = io_read_meta(st, r->state[i], st->tmp, "state", r->gen);
		if (rc == SNAP_ECORRUPT && !bad++)
			snap_memcpy(first, st->errmsg, sizeof first);
		else if (rc)
			goto out;
	}
	for (u64 gfn = 0; gfn < r->npages; gfn++) {
		rc = snap_read_page(g, gfn, page);
		if (rc == SNAP_ECORRUPT) {
			if (!bad++)
				snap_memcpy(first, st->errmsg, sizeof first);
		} else if (rc) {
			goto out;
		}
		if (st->progress && (gfn & 1023) == 0)
			st->progress(st->progress_ctx, gfn, r->npages);
	}
	rc = 0;
	if (bad)
		rc = snap_err(st, SNAP_ECORRUPT, bad > 1 ? "%s (and %llu more "
			      "damaged pages or blocks)" : "%s", first, bad - 1);
out:
	st->mc_bypass--;
	for (u32 i = 0; i < MAX_DEPTH; i++)
		g->node_blk[i] = 0;
	g->dblk_i = 0;
	if (st->progress)
		st->progress(st->progress_ctx, r->npages, r->npages);
	snap_free(st, page, SNAP_PAGE_SIZE);
	return rc;
}
