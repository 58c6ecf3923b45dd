/*
 * snapshot/inlog.c — the input log: bytes typed to the guest, made durable
 * before the guest may read them (FORMAT.md "Input log").
 *
 * The region is the device's last inlog_blocks blocks, a ring of 512-byte
 * records (one sector each, since only sectors are written atomically).
 * Record number k (k = 1, 2, ...) lives in sector (k - 1) % nsec and carries
 * the stream offset of its first byte. The newest record grows in place
 * until it is full: a torn write of its sector leaves the old record or the
 * new one, and the old one is a prefix of the new. Each record change is
 * one block write followed by a flush, so no block is written twice between
 * two flushes (invariant 5), the other sectors of that block are rewritten
 * with what they already hold, and a record is durable before the next one,
 * which continues it, is written.
 *
 * Recovery takes the valid record with the highest number and walks back
 * while each older record is present, valid and ends where the next one
 * begins. The walk stops at a gap, a stale record of an earlier lap or
 * damage; the bytes held are the chain's.
 *
 * The whole region is kept in memory (32 KiB for the default 8 blocks):
 * appends rewrite a block from that image, reads never touch the disk.
 */
#include "snapshot/snap_int.h"

#define INLOG_MAGIC 0x474C4E49524D4241ull /* "ABMRINLG" */
#define SECS_PER_BLK (SNAP_BLOCK_SIZE / SNAP_SECTOR_SIZE)

struct inlog_rec {
	u64 magic;
	u64 seq;            /* record number, from 1 */
	u64 off;            /* stream offset of data[0] */
	u32 len;            /* 1..SNAP_INLOG_REC_DATA */
	u32 pad;
	u64 reserved;
	u8 data[SNAP_INLOG_REC_DATA];
	u64 csum;           /* xxh64 of the bytes above, seed = device sector */
};
_Static_assert(sizeof(struct inlog_rec) == SNAP_SECTOR_SIZE, "inlog record");

struct snap_inlog {
	snap_store *st;
	u64 first_blk;
	u32 nblk, nsec;
	u8 *img;            /* the region as on disk after the last flush */
	u64 first_seq;      /* oldest record held; > tail_seq: none */
	u64 tail_seq;       /* newest record written (0: none ever) */
	u64 start, end;     /* bytes held */
	u64 released;       /* bytes before this may be overwritten */
	int gap;            /* the next byte starts a new record (skip_to) */
	int err;            /* a write or flush failed: sticky */
};

static struct inlog_rec *rec_at(const snap_inlog *l, u64 seq)
{
	return (struct inlog_rec *)(l->img + ((seq - 1) % l->nsec) * SNAP_SECTOR_SIZE);
}

static u64 sector_no(const snap_inlog *l, u64 seq)
{
	return l->first_blk * SECS_PER_BLK + (seq - 1) % l->nsec;
}

static void seal(const snap_inlog *l, struct inlog_rec *r)
{
	r->csum = snap_hash(r, offsetof(struct inlog_rec, csum), sector_no(l, r->seq));
}

/* Whether the sector of record seq holds that record, intact. */
static int rec_ok(const snap_inlog *l, u64 seq)
{
	const struct inlog_rec *r = rec_at(l, seq);
	return r->magic == INLOG_MAGIC && r->seq == seq && r->len &&
	       r->len <= SNAP_INLOG_REC_DATA && r->off + r->len > r->off &&
	       !CSUM_BAD(r->csum, snap_hash(r, offsetof(struct inlog_rec, csum),
					    sector_no(l, seq)));
}

static void recover(snap_inlog *l)
{
	u64 max = 0;
	for (u32 s = 0; s < l->nsec; s++) {
		const struct inlog_rec *r = (const struct inlog_rec *)(l->img + s * SNAP_SECTOR_SIZE);
		/* a record is only trusted in its own sector */
		if (r->magic == INLOG_MAGIC && r->seq && (r->seq - 1) % l->nsec == s &&
		    rec_ok(l, r->seq) && r->seq > max)
			max = r->seq;
	}
	l->tail_seq = max;
	l->first_seq = max ? max : 1;
	if (!max) {
		l->start = l->end = 0;
		return;
	}
	const struct inlog_rec *t = rec_at(l, max);
	l->end = t->off + t->len;
	u64 k = max;
	while (k > 1 && max - (k - 1) < l->nsec && rec_ok(l, k - 1)) {
		const struct inlog_rec *p = rec_at(l, k - 1);
		if (p->off + p->len != rec_at(l, k)->off)
			break;
		k--;
	}
	l->first_seq = k;
	l->start = rec_at(l, k)->off;
}

int snap_inlog_open(snap_store *st, snap_inlog **out)
{
	*out = NULL;
	if (st->state == ST_ERROR)
		return SNAP_EFATAL;
	u32 n = st->sb.inlog_blocks;
	if (!n)
		return snap_err(st, SNAP_ENOENT, "this store has no input log "
				"(formatted without one)");
	snap_inlog *l = snap_alloc(st, sizeof *l);
	if (!l)
		return SNAP_ENOMEM;
	snap_memset(l, 0, sizeof *l);
	l->st = st;
	l->nblk = n;
	l->nsec = n * SECS_PER_BLK;
	l->first_blk = st->dev_blocks - n;
	l->img = snap_alloc(st, (size_t)n * SNAP_BLOCK_SIZE);
	if (!l->img) {
		snap_free(st, l, sizeof *l);
		return SNAP_ENOMEM;
	}
	if (st->io.read(st->io.ctx, l->first_blk, n, l->img)) {
		snap_inlog_close(l);
		return snap_err(st, SNAP_EIO, "input log: device read failed at "
				"blocks %llu..%llu", l->first_blk, l->first_blk + n - 1);
	}
	recover(l);
	*out = l;
	return 0;
}

void snap_inlog_close(snap_inlog *l)
{
	if (!l)
		return;
	snap_free(l->st, l->img, (size_t)l->nblk * SNAP_BLOCK_SIZE);
	snap_free(l->st, l, sizeof *l);
}

void snap_inlog_span(const snap_inlog *l, uint64_t *start, uint64_t *end)
{
	*start = l->start;
	*end = l->end;
}

/* Room for a new record: its sector holds nothing still needed. */
static int may_reuse(const snap_inlog *l, u64 seq)
{
	if (seq <= l->nsec || seq - l->nsec < l->first_seq)
		return 1;
	const struct inlog_rec *old = rec_at(l, seq - l->nsec);
	return old->off + old->len <= l->released;
}

int snap_inlog_append(snap_inlog *l, const void *buf, size_t n, size_t *taken)
{
	const u8 *p = buf;
	size_t done = 0;
	*taken = 0;
	if (l->err)
		return snap_err(l->st, SNAP_EIO, "input log: an earlier write failed");
	while (done < n) {
		struct inlog_rec *r;
		if (l->tail_seq >= l->first_seq && !l->gap &&
		    rec_at(l, l->tail_seq)->len < SNAP_INLOG_REC_DATA) {
			r = rec_at(l, l->tail_seq);
		} else {
			u64 seq = l->tail_seq + 1;
			if (!may_reuse(l, seq))
				break; /* full of bytes still needed */
			if (seq > l->nsec && seq - l->nsec >= l->first_seq) {
				l->first_seq = seq - l->nsec + 1;
				l->start = l->first_seq <= l->tail_seq ?
					rec_at(l, l->first_seq)->off : l->end;
			}
			r = rec_at(l, seq);
			snap_memset(r, 0, sizeof *r);
			r->magic = INLOG_MAGIC;
			r->seq = seq;
			r->off = l->end;
			if (l->first_seq > l->tail_seq) {
				l->first_seq = seq;
				l->start = l->end;
			}
			l->tail_seq = seq;
			l->gap = 0;
		}
		u32 k = SNAP_INLOG_REC_DATA - r->len;
		if (k > n - done)
			k = (u32)(n - done);
		snap_memcpy(r->data + r->len, p + done, k);
		r->len += k;
		done += k;
		l->end += k;
		seal(l, r);
		/* One record per write and flush: a record is durable before
		 * the next one that depends on it is written (recovery chains
		 * records backwards from the newest). */
		u64 b = ((r->seq - 1) % l->nsec) / SECS_PER_BLK;
		if (l->st->io.write(l->st->io.ctx, l->first_blk + b, 1,
				    l->img + (size_t)b * SNAP_BLOCK_SIZE)) {
			l->err = 1;
			return snap_err(l->st, SNAP_EIO, "input log: device write "
					"failed at block %llu", l->first_blk + b);
		}
		if (l->st->io.flush(l->st->io.ctx)) {
			l->err = 1;
			return snap_err(l->st, SNAP_EIO, "input log: device flush failed");
		}
		*taken = done;
	}
	return 0;
}

size_t snap_inlog_read(const snap_inlog *l, uint64_t off, void *buf, size_t n)
{
	u8 *out = buf;
	size_t got = 0;
	if (off < l->start)
		off = l->start;
	for (u64 s = l->first_seq; s <= l->tail_seq && got < n; s++) {
		const struct inlog_rec *r = rec_at(l, s);
		u64 at = off + got;
		if (at < r->off || at >= r->off + r->len)
			continue;
		u64 k = r->off + r->len - at;
		if (k > n - got)
			k = n - got;
		snap_memcpy(out + got, r->data + (at - r->off), (size_t)k);
		got += (size_t)k;
	}
	return got;
}

void snap_inlog_release(snap_inlog *l, uint64_t off)
{
	if (off > l->released)
		l->released = off;
}

void snap_inlog_skip_to(snap_inlog *l, uint64_t off)
{
	if (off <= l->end)
		return;
	l->end = l->start = off;
	l->first_seq = l->tail_seq + 1;
	l->gap = 1;
	if (off > l->released)
		l->released = off;
}
