/*
 * snapshot/super.c — superblocks and the catalog: format, open, and the
 * commit point itself (super_write).
 *
 * Two superblocks, in the first sector of blocks 0 and 1 (LMDB's two meta
 * pages, plus a checksum). Transaction t writes slot t % 2, so the slot it
 * overwrites holds t - 2 and the other slot still holds t - 1: a torn or
 * lost superblock write leaves t - 1 to recover from. The superblock is one
 * 512-byte sector because only sectors are atomic on an ATA disk.
 */
#include "snapshot/snap_int.h"

#define MIN_DEV_BLOCKS 16u

void sb_seal(struct sb_disk *sb, unsigned slot)
{
	sb->csum = snap_hash(sb, offsetof(struct sb_disk, csum), slot);
}

static int sb_check(const struct sb_disk *sb, unsigned slot)
{
	if (sb->magic != SB_MAGIC)
		return SNAP_ENOTSTORE;
	if (CSUM_BAD(sb->csum, snap_hash(sb, offsetof(struct sb_disk, csum), slot)))
		return SNAP_ECORRUPT;
	if (sb->version < SNAP_VERSION_MIN || sb->version > SNAP_VERSION ||
	    sb->block_size != SNAP_BLOCK_SIZE)
		return SNAP_EVERSION;
	/* version 1 wrote zeros where version 2 keeps its catalog: a catalog
	 * in both places, or inline in version 1, is damage */
	if (sb->icat_count > (sb->version >= 2 ? SB_CAT_INLINE : 0) ||
	    (sb->icat_count && sb->cat.blk))
		return SNAP_ECORRUPT;
	if (sb->txid % SB_SLOTS != slot || sb->keep < 2 ||
	    sb->dev_blocks < MIN_DEV_BLOCKS ||
	    sb->inlog_blocks > SNAP_INLOG_MAX_BLOCKS ||
	    sb->dev_blocks - sb->inlog_blocks < MIN_DEV_BLOCKS)
		return SNAP_ECORRUPT;
	return 0;
}

/*
 * Each slot's block carries the superblock twice, in sectors 0 and 1: one
 * flipped bit then costs nothing, and since each sector is atomic a torn
 * block write leaves each copy either old or new, both valid. The better
 * copy of a slot is the valid one with the higher txid.
 */
int sb_read_both(const struct snap_io *io, struct sb_read *r)
{
	u8 *buf = io->alloc(io->ctx, SNAP_BLOCK_SIZE);
	int best = SNAP_ENOTSTORE;
	snap_memset(r, 0, sizeof *r);
	if (!buf)
		return SNAP_ENOMEM;
	for (unsigned s = 0; s < SB_SLOTS; s++) {
		if (io->read(io->ctx, s, 1, buf)) {
			best = SNAP_EIO;
			r->bad_copies += SB_COPIES;
			continue;
		}
		r->zero[s] = snap_is_zero(buf, SNAP_BLOCK_SIZE);
		unsigned blank = 0;
		for (unsigned c = 0; c < SB_COPIES; c++) {
			const struct sb_disk *sb =
				(const struct sb_disk *)(buf + c * SNAP_SECTOR_SIZE);
			int rc = sb_check(sb, s);
			if (sb->magic == SB_MAGIC)
				r->magic_seen = 1;
			if (rc) {
				r->bad_copies++;
				blank += snap_is_zero(sb, SNAP_SECTOR_SIZE);
				if (best == SNAP_ENOTSTORE || rc == SNAP_EVERSION)
					best = rc;
			} else if (!r->valid[s] || sb->txid > r->sb[s].txid) {
				snap_memcpy(&r->sb[s], sb, sizeof *sb);
				r->valid[s] = 1;
			}
		}
		/* a format's write torn on a blank device: the copy was never
		 * written, not damaged (only format writes txid 0 and 1) */
		if (r->valid[s] && r->sb[s].txid < SB_SLOTS)
			r->bad_copies -= blank;
	}
	io->free(io->ctx, buf, SNAP_BLOCK_SIZE);
	return r->valid[0] || r->valid[1] ? 0 : best;
}

int snap_probe(const struct snap_io *io)
{
	struct sb_read r;
	int rc = sb_read_both(io, &r);
	return r.magic_seen ? 0 : rc ? rc : SNAP_ENOTSTORE;
}

static void sb_block(u8 *buf, const struct sb_disk *sb)
{
	snap_memset(buf, 0, SNAP_BLOCK_SIZE);
	for (unsigned c = 0; c < SB_COPIES; c++)
		snap_memcpy(buf + c * SNAP_SECTOR_SIZE, sb, sizeof *sb);
}

int snap_format(const struct snap_io *io, const struct snap_format_opts *o)
{
	unsigned keep = o && o->keep ? o->keep : 2;
	unsigned version = o && o->version ? o->version : SNAP_VERSION;
	unsigned inlog = !o || !o->inlog_blocks ? SNAP_INLOG_DEFAULT_BLOCKS :
		o->inlog_blocks == SNAP_INLOG_NONE ? 0 : o->inlog_blocks;
	u64 dev = io->size(io->ctx);
	if (keep < 2 || keep > SNAP_MAX_RETAINED || dev < MIN_DEV_BLOCKS ||
	    version < SNAP_VERSION_MIN || version > SNAP_VERSION)
		return SNAP_EINVAL;
	/* a small device gets no input log rather than no store */
	if (dev < MIN_DEV_BLOCKS + 4 * (u64)inlog)
		inlog = 0;
	if (inlog > SNAP_INLOG_MAX_BLOCKS)
		return SNAP_EINVAL;
	if (!(o && o->force) && snap_probe(io) == 0)
		return SNAP_EEXIST;
	/* Interrupted, a format must leave the old store or the new one: the
	 * slot of the old store's previous commit is overwritten first and
	 * flushed, so that the old newest commit stays the higher txid until
	 * the second write; never the previous commit alone. */
	struct sb_read *old = io->alloc(io->ctx, sizeof *old); /* 1 KiB */
	unsigned first = 0;
	if (!old)
		return SNAP_ENOMEM;
	if (sb_read_both(io, old) == 0 && old->valid[0] && old->valid[1] &&
	    old->sb[0].txid > old->sb[1].txid)
		first = 1;
	io->free(io->ctx, old, sizeof *old);
	u8 *buf = io->alloc(io->ctx, SNAP_BLOCK_SIZE);
	if (!buf)
		return SNAP_ENOMEM;
	int rc = 0;
	/* The input log region starts empty, durably before either slot is
	 * valid: records a previous store left there must not be read as this
	 * store's input (inlog.c). One write, one flush. */
	if (inlog) {
		u8 *z = io->alloc(io->ctx, (size_t)inlog * SNAP_BLOCK_SIZE);
		if (!z) {
			io->free(io->ctx, buf, SNAP_BLOCK_SIZE);
			return SNAP_ENOMEM;
		}
		snap_memset(z, 0, (size_t)inlog * SNAP_BLOCK_SIZE);
		rc = io->write(io->ctx, dev - inlog, inlog, z) || io->flush(io->ctx) ? SNAP_EIO : 0;
		io->free(io->ctx, z, (size_t)inlog * SNAP_BLOCK_SIZE);
	}
	/* Both slots, txid 0 and 1, empty catalogs: each slot is always valid
	 * unless damaged, so a slot without a valid copy is damage (but see
	 * format_interrupted()). */
	for (unsigned i = 0; i < SB_SLOTS && !rc; i++) {
		unsigned s = i ? !first : first;
		struct sb_disk sb = {
			.magic = SB_MAGIC, .version = version,
			.block_size = SNAP_BLOCK_SIZE, .txid = s,
			.time_ns = io->now ? io->now(io->ctx) : 0,
			.dev_blocks = dev, .keep = keep,
			.inlog_blocks = inlog,
		};
		sb_seal(&sb, s);
		sb_block(buf, &sb);
		rc = io->write(io->ctx, s, 1, buf) || io->flush(io->ctx) ?
			SNAP_EIO : 0;
	}
	io->free(io->ctx, buf, SNAP_BLOCK_SIZE);
	return rc;
}

/* Catalog entries, wherever they are kept, checked against the superblock
 * listing them: numbered within what it ever committed, newest first. */
static int cat_entries(snap_store *st, const struct sb_disk *sb,
		       const struct cat_ent *ent, u32 count, struct catalog *c)
{
	c->count = 0;
	for (u32 i = 0; i < count; i++) {
		if (!ent[i].gen || ent[i].gen > sb->newest_gen ||
		    (i && ent[i].gen >= ent[i - 1].gen))
			return snap_err(st, SNAP_ECORRUPT, "catalog %s%llu: "
					"entry %u (generation %llu) out of order",
					sb->cat.blk ? "block " : "in superblock txid ",
					sb->cat.blk ? sb->cat.blk : sb->txid, i,
					ent[i].gen);
		c->ent[i] = ent[i];
	}
	c->count = count;
	return 0;
}

/* A catalog block's content, checked against the superblock pointing at
 * it (the block's checksum is checked by the caller, or not: salvage). */
int cat_check(snap_store *st, const struct sb_disk *sb, const u8 *blk,
	      struct catalog *c)
{
	const struct cat_disk *d = (const struct cat_disk *)blk;
	c->count = 0;
	if (d->magic != CAT_MAGIC || d->txid != sb->txid ||
	    d->count > SNAP_MAX_RETAINED)
		return snap_err(st, SNAP_ECORRUPT, "catalog block %llu of "
				"superblock txid %llu is malformed", sb->cat.blk,
				sb->txid);
	return cat_entries(st, sb, d->ent, d->count, c);
}

/* Version 2 keeps a catalog of up to SB_CAT_INLINE entries in the
 * superblock itself (covered by its checksum); a longer one, and every
 * version 1 catalog, is a block of its own. */
int cat_load(snap_store *st, const struct sb_disk *sb, struct catalog *c)
{
	c->count = 0;
	if (!sb->cat.blk)
		return cat_entries(st, sb, sb->icat, sb->icat_count, c);
	int rc = io_read_meta(st, sb->cat, st->tmp, "catalog", sb->newest_gen);
	return rc ? rc : cat_check(st, sb, st->tmp, c);
}

/*
 * The newest superblock's catalog is damaged and the previous commit is
 * used instead. The generations only the damaged catalog lists (normally
 * the newest one, whole) must not be overwritten by the commits that
 * follow: each entry is taken without the block's checksum but only if the
 * record it points at verifies through the entry's own checksum (seeded
 * with the record's block number, so a wrong pointer fails too).
 */
static void salvage_catalog(snap_store *st, const struct sb_disk *bad)
{
	struct rec_disk *rec = snap_alloc(st, SNAP_BLOCK_SIZE);
	/* errmsg gets the failures of entries skipped here; the open clears
	 * it on success (the damage is in sb_damage and in the fallback) */
	st->orphan.count = 0;
	if (!rec || bad->cat.blk < FIRST_DATA_BLOCK ||
	    bad->cat.blk >= st->dev_blocks || io_read(st, bad->cat.blk, st->tmp))
		goto out;
	st->keep_blk = bad->cat.blk;
	const struct cat_disk *d = (const struct cat_disk *)st->tmp;
	u32 n = d->count < SNAP_MAX_RETAINED ? d->count : SNAP_MAX_RETAINED;
	if (d->magic != CAT_MAGIC)
		n = SNAP_MAX_RETAINED; /* the count may be what flipped */
	/* st->tmp stays as read: rec_load reads into rec only */
	for (u32 i = 0; i < n; i++) {
		const struct cat_ent *e = &d->ent[i];
		if (!e->gen || e->gen > bad->newest_gen || cat_find(&st->cat, e->gen) ||
		    cat_find(&st->orphan, e->gen) || rec_load(st, e, rec))
			continue;
		u32 j = st->orphan.count++;
		while (j && st->orphan.ent[j - 1].gen < e->gen) {
			st->orphan.ent[j] = st->orphan.ent[j - 1];
			j--;
		}
		st->orphan.ent[j] = *e;
		st->orphan.ent[j].flags |= CAT_PINNED | CAT_DAMAGED;
	}
out:
	snap_free(st, rec, SNAP_BLOCK_SIZE);
}

/* Whether a catalog of n entries goes into the superblock (version 2). */
int super_cat_inline(const snap_store *st, u32 n)
{
	return !(st->compat & SNAP_COMPAT_V1) && n <= SB_CAT_INLINE;
}

/* The version the next superblock gets. */
static u32 super_version(const snap_store *st)
{
	return st->compat & SNAP_COMPAT_V1 ? 1 : st->compat & SNAP_COMPAT_V2 ? 2 : SNAP_VERSION;
}

/* Superblock blocks the next commit writes: 2 when it upgrades a version 1
 * store (see super_write, step 3). */
u32 super_blocks(const snap_store *st)
{
	return st->sb.version < super_version(st) ? 2 : 1;
}

/* The commit point of everything: data is flushed, then one sector. */
int super_write(snap_store *st, const struct catalog *c, u64 npages,
		u64 newest_gen, unsigned keep)
{
	struct sb_disk nsb = st->sb;
	u64 txid = st->sb.txid + 1;
	unsigned slot = (unsigned)(txid % SB_SLOTS);
	int rc;

	nsb.cat.blk = nsb.cat.csum = 0;
	nsb.version = super_version(st);
	nsb.icat_count = nsb.icat_pad = 0;
	snap_memset(nsb.icat, 0, sizeof nsb.icat);
	snap_memset(nsb.reserved, 0, sizeof nsb.reserved);
	if (c->count && super_cat_inline(st, c->count)) {
		/* the commit writes no catalog block: one sector holds it */
		nsb.icat_count = c->count;
		for (u32 i = 0; i < c->count; i++)
			nsb.icat[i] = c->ent[i];
	} else if (c->count) {
		struct cat_disk *d = (struct cat_disk *)st->tmp;
		snap_memset(st->tmp, 0, SNAP_BLOCK_SIZE);
		d->magic = CAT_MAGIC;
		d->txid = txid;
		d->count = c->count;
		for (u32 i = 0; i < c->count; i++)
			d->ent[i] = c->ent[i];
		if ((rc = alloc_block(st, &nsb.cat.blk)))
			return rc;
		nsb.cat.csum = snap_hash(st->tmp, SNAP_BLOCK_SIZE, nsb.cat.blk);
		if ((rc = io_write(st, nsb.cat.blk, st->tmp)))
			return rc;
	}
	nsb.txid = txid;
	nsb.time_ns = snap_now(st);
	/* never below a number the disk may hold (a dropped newest generation,
	 * or one only the damaged superblock of a fallback open knew) */
	if (newest_gen < st->gen_floor)
		newest_gen = st->gen_floor;
	nsb.newest_gen = newest_gen;
	nsb.npages = npages;
	nsb.keep = keep;
	sb_seal(&nsb, slot);

	/* 1. every block the new superblock reaches is durable ... */
	if ((rc = io_flush(st)))
		return rc;
	/* 2. ... before the superblock (two sector copies) that makes it
	 *    reachable: the commit point. */
	sb_block(st->tmp, &nsb);
	if ((rc = io_write(st, slot, st->tmp)) || (rc = io_flush(st)))
		return rc;
	/* 3. The first version 2 commit on a version 1 store seals the
	 *    previous commit's slot as version 2 too, same content: an older
	 *    Amber then refuses the store for its version instead of taking
	 *    the version 1 slot for the only valid one (a damaged store, to
	 *    it). Lost or torn, each copy is still that commit, valid here. */
	if (st->sb.version < nsb.version) {
		struct sb_disk prev = st->sb;
		prev.version = nsb.version;
		sb_seal(&prev, (unsigned)(prev.txid % SB_SLOTS));
		sb_block(st->tmp, &prev);
		if ((rc = io_write(st, prev.txid % SB_SLOTS, st->tmp)) ||
		    (rc = io_flush(st)))
			return rc;
		st->sb = prev;
	}

	for (u32 i = 0; i < st->cat.count; i++) {
		u32 j = 0;
		while (j < c->count && c->ent[j].gen != st->cat.ent[i].gen)
			j++;
		if (j == c->count)
			st->dropped_since_mark = 1;
	}
	st->other_sb = st->sb;
	st->other_cat = st->cat;
	st->other_valid = 1;
	st->cat = *c;
	st->sb = nsb;
	return 0;
}

static int store_alloc(const struct snap_io *io, snap_store **out)
{
	snap_store *st = io->alloc(io->ctx, sizeof *st);
	if (!st)
		return SNAP_ENOMEM;
	snap_memset(st, 0, sizeof *st);
	st->io = *io;
	st->tmp = io->alloc(io->ctx, SNAP_BLOCK_SIZE);
	st->wbuf = io->alloc(io->ctx, (size_t)SNAP_WBUF_BLOCKS * SNAP_BLOCK_SIZE);
	*out = st;
	return st->tmp && st->wbuf ? 0 : SNAP_ENOMEM;
}

int snap_open(const struct snap_io *io, unsigned flags, snap_store **out)
{
	struct sb_read r;
	int rc;
	snap_store *st = NULL;

	*out = NULL;
	if ((rc = store_alloc(io, &st)))
		goto fail;
	st->rdonly = !!(flags & SNAP_OPEN_RDONLY);
	st->dev_blocks = io->size(io->ctx);
	rc = sb_read_both(io, &r);
	if (rc) {
		if (rc == SNAP_ECORRUPT)
			snap_err(st, rc, "both superblocks (blocks 0 and 1) are "
				 "damaged");
		goto fail;
	}
	/* numbers a damaged view may have used are never given again */
	for (unsigned s = 0; s < SB_SLOTS; s++)
		if (r.valid[s] && r.sb[s].newest_gen > st->gen_floor)
			st->gen_floor = r.sb[s].newest_gen;
	if ((!r.valid[0] && !r.zero[0]) || (!r.valid[1] && !r.zero[1]))
		st->gen_floor++; /* a lost slot may have committed one more */
	unsigned newest = !r.valid[0] ||
		(r.valid[1] && r.sb[1].txid > r.sb[0].txid);
	unsigned other = !newest;
	/* A slot is never invalid after a crash (format writes both, sectors
	 * are atomic), so a lost slot is damage, and it may have held the
	 * newest commit: using the other one is a fallback, asked for. The
	 * one exception is a format interrupted between its two writes on a
	 * blank device: nothing can be lost there. */
	int interrupted = !r.valid[other] && r.zero[other] &&
		r.sb[newest].txid < SB_SLOTS && !r.sb[newest].cat.blk &&
		!r.sb[newest].newest_gen;
	if (interrupted)
		r.bad_copies = 0;
	if (r.bad_copies)
		snap_fmt(st->sb_damage, sizeof st->sb_damage, "%u of 4 superblock "
			 "copies are damaged%s", r.bad_copies, r.valid[other] ?
			 "" : "; a whole slot is lost");
	if (!r.valid[other] && !interrupted && !(flags & SNAP_OPEN_FALLBACK)) {
		rc = snap_err(st, SNAP_ECORRUPT, "superblock slot %u (block %u) "
			      "is damaged in both copies and may have held the "
			      "newest commit; slot %u holds txid %llu, "
			      "generation %llu (open with fallback to use it)",
			      other, other, newest, r.sb[newest].txid,
			      r.sb[newest].newest_gen);
		goto fail;
	}
	if (r.sb[newest].dev_blocks > st->dev_blocks) {
		rc = snap_err(st, SNAP_ECORRUPT, "superblock %u says the device "
			      "has %llu blocks but it has %llu", newest,
			      r.sb[newest].dev_blocks, st->dev_blocks);
		goto fail;
	}
	st->dev_blocks = r.sb[newest].dev_blocks;
	st->sb = r.sb[newest];
	rc = cat_load(st, &st->sb, &st->cat);
	if (rc && (flags & SNAP_OPEN_FALLBACK) && r.valid[other]) {
		/* asked for: the previous commit's view */
		int why = rc;
		snap_fmt(st->sb_damage, sizeof st->sb_damage, "%s", st->errmsg);
		const struct sb_disk *bad = &r.sb[newest];
		st->sb = r.sb[other];
		r.valid[newest] = 0;
		rc = cat_load(st, &st->sb, &st->cat);
		other = newest;
		if (!rc) {
			salvage_catalog(st, bad);
			st->fb = (struct snap_fallback){
				.why = SNAP_FB_CATALOG, .err = why,
				.damaged_txid = bad->txid,
				.damaged_gen = bad->newest_gen,
				.used_txid = st->sb.txid,
				.used_gen = snap_newest(st),
				.salvaged = st->orphan.count,
			};
			snap_fmt(st->fb.msg, sizeof st->fb.msg, "the catalog of "
				 "superblock txid %llu (generation %llu) is "
				 "damaged (%s); using txid %llu and %u generation(s) "
				 "whose records still verify in the damaged one: "
				 "newest generation %llu", (unsigned long long)bad->txid,
				 (unsigned long long)bad->newest_gen, snap_strerror(why),
				 (unsigned long long)st->sb.txid, (unsigned)st->orphan.count,
				 (unsigned long long)snap_newest(st));
		}
	} else if (!rc && !r.valid[other] && !interrupted) {
		st->fb = (struct snap_fallback){
			.why = SNAP_FB_SLOT_LOST, .err = SNAP_ECORRUPT,
			.used_txid = st->sb.txid, .used_gen = snap_newest(st),
		};
		snap_fmt(st->fb.msg, sizeof st->fb.msg, "superblock slot %u is "
			 "damaged in both copies; using slot %u (txid %llu, newest "
			 "generation %llu); a newer commit the lost slot may have "
			 "held (generation %llu at most) cannot be found",
			 (unsigned)other, (unsigned)newest, (unsigned long long)st->sb.txid,
			 (unsigned long long)snap_newest(st), (unsigned long long)st->gen_floor);
	}
	if (rc)
		goto fail;
	if (r.valid[other] && cat_load(st, &r.sb[other], &st->other_cat) == 0) {
		st->other_sb = r.sb[other];
		st->other_valid = 1;
	}
	st->errmsg[0] = 0;
	*out = st;
	return 0;
fail:
	/* handed out anyway so that the caller can read snap_errmsg() */
	*out = st;
	return rc;
}

int snap_verify_super(snap_store *st)
{
	if (!st->sb_damage[0])
		return 0;
	return snap_err(st, SNAP_ECORRUPT, "%s", st->sb_damage);
}

void snap_close(snap_store *st)
{
	if (!st)
		return;
	if (st->state == ST_WRITING)
		snap_abort(st);
	txn_release(st);
	io_fini(st);
	snap_free(st, st->bitmap, (st->dev_blocks + 7) / 8);
	snap_free(st, st->tmp, SNAP_BLOCK_SIZE);
	snap_free(st, st->wbuf, (size_t)SNAP_WBUF_BLOCKS * SNAP_BLOCK_SIZE);
	struct snap_io io = st->io;
	io.free(io.ctx, st, sizeof *st);
}

uint64_t snap_next_gen(const snap_store *st)
{
	u64 top = st->sb.newest_gen > st->gen_floor ? st->sb.newest_gen :
		st->gen_floor;
	return top + 1;
}

uint64_t snap_newest(const snap_store *st)
{
	const struct cat_ent *e = view_ent(st, 0);
	return e ? e->gen : 0;
}

void snap_fallback_info(const snap_store *st, struct snap_fallback *out)
{
	*out = st->fb;
}

int snap_is_retained(const snap_store *st, uint64_t gen)
{
	return view_find(st, gen) ||
	       (st->other_valid && cat_find(&st->other_cat, gen));
}

unsigned snap_keep(const snap_store *st)
{
	return st->sb.keep;
}

unsigned snap_version(const snap_store *st)
{
	return st->sb.version;
}

void snap_set_compat(snap_store *st, unsigned compat)
{
	st->compat = compat;
}

uint64_t snap_txid(const snap_store *st)
{
	return st->sb.txid;
}
