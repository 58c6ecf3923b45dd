/*
 * snapshot/io.c — every device access of the store.
 *
 * Three jobs: the sticky ERROR state (invariant 6: after a failed write or
 * flush we no longer know what the disk holds, so nothing else may be
 * written until the store is reopened); write combining: blocks are
 * allocated mostly in ascending order, so consecutive writes are gathered
 * into one device request of up to SNAP_WBUF_BLOCKS blocks; and, when the
 * device writes asynchronously (snap_io.submit, the hypervisor's bus-master
 * DMA), a ring of SNAP_IO_SLOTS such buffers: a full buffer is submitted
 * and the next one filled while the device works, so the writer (and the
 * guest after it) need not wait for the disk.
 *
 * The rules that keep an asynchronous write as safe as a synchronous one:
 *   - a buffer is refilled only after its write completed;
 *   - a flush writes the last buffer synchronously, then waits for every
 *     write in flight, so the commit point (superblock write after a
 *     flush, super.c) comes after every earlier write is complete and
 *     flushed;
 *   - a block in a buffer (being filled or in flight) is read from the
 *     buffer, never from the device, which may not hold it yet;
 *   - two writes of one block are never in flight together (the device may
 *     complete them in any order): the older is waited for first;
 *   - a failed completion puts the store in the ERROR state, exactly as a
 *     failed synchronous write, whenever it is noticed; snap_close waits
 *     for every write in flight before the buffers are freed.
 *
 * And a cache of metadata blocks (SNAP_MCACHE_BLOCKS, least recently used
 * goes first): the map and record blocks the last commits wrote
 * (io_write_meta) and read, so that the next commit, which rebuilds the
 * paths to the leaves it changes from those of its base, reads nothing
 * from the disk (a device read is slow for the guest: in Bochs a PIO read
 * also waits for the DMA in flight). It is exact because every change of a
 * block's content goes through this file: io_write drops the block's copy
 * (a block is reused only after it was freed: alloc.c drops it then too),
 * and an I/O error drops them all. A block from the cache is checked
 * against its pointer's checksum like one from the disk, so a wrong
 * pointer is still found; damage on the disk under a cached copy is found
 * by verification (snap_verify reads the disk) or after a reopen.
 */
#include "snapshot/snap_int.h"

#define POLL_EVERY 8u /* blocks added between two looks at writes in flight */

/* --- the metadata cache --- */

static void mc_clear(snap_store *st)
{
	snap_memset(st->mc_blk, 0, sizeof st->mc_blk);
	snap_memset(st->mc_head, 0, sizeof st->mc_head);
}

/* Blocks are mostly consecutive: their low bits spread them well. */
static u8 *mc_chain(snap_store *st, u64 blk)
{
	return &st->mc_head[blk % (2 * SNAP_MCACHE_BLOCKS)];
}

static int mc_find(const snap_store *st, u64 blk)
{
	u32 i = st->mc_head[blk % (2 * SNAP_MCACHE_BLOCKS)];
	for (; i; i = st->mc_next[i - 1])
		if (st->mc_blk[i - 1] == blk)
			return (int)i - 1;
	return -1;
}

/* Empties slot v (it holds a block). */
static void mc_unlink(snap_store *st, int v)
{
	u8 *l = mc_chain(st, st->mc_blk[v]);
	while (*l != v + 1)
		l = &st->mc_next[*l - 1];
	*l = st->mc_next[v];
	st->mc_blk[v] = 0;
}

static u8 *mc_at(const snap_store *st, int i)
{
	return st->mc_data + (size_t)i * SNAP_BLOCK_SIZE;
}

/* Keeps a copy of blk (replacing the least recently used); without memory
 * for the cache, nothing is kept. */
static void mc_put(snap_store *st, u64 blk, const void *buf)
{
	if (!st->mc_data &&
	    !(st->mc_data = snap_alloc(st, (size_t)SNAP_MCACHE_BLOCKS *
				       SNAP_BLOCK_SIZE)))
		return;
	int v = mc_find(st, blk);
	if (v < 0) {
		for (u32 i = 0; v < 0 && i < SNAP_MCACHE_BLOCKS; i++)
			if (!st->mc_blk[i])
				v = (int)i;
		if (v < 0) { /* full: the least recently used goes */
			v = 0;
			for (u32 i = 1; i < SNAP_MCACHE_BLOCKS; i++)
				if (st->mc_used[i] < st->mc_used[v])
					v = (int)i;
			mc_unlink(st, v);
		}
		u8 *l = mc_chain(st, blk);
		st->mc_next[v] = *l;
		*l = (u8)(v + 1);
		st->mc_blk[v] = blk;
	}
	st->mc_used[v] = ++st->mc_clock;
	snap_memcpy(mc_at(st, v), buf, SNAP_BLOCK_SIZE);
}

void io_forget(snap_store *st, u64 blk)
{
	int i = blk ? mc_find(st, blk) : -1;
	if (i >= 0)
		mc_unlink(st, i);
}

void io_forget_unmarked(snap_store *st)
{
	for (u32 i = 0; i < SNAP_MCACHE_BLOCKS && st->bitmap; i++) {
		u64 b = st->mc_blk[i];
		if (b && !(st->bitmap[b >> 3] >> (b & 7) & 1))
			mc_unlink(st, (int)i);
	}
}

/* --- writes --- */

static int fail_sticky(snap_store *st, int rc, const char *what, u64 blk)
{
	mc_clear(st); /* what the disk holds is no longer known */
	st->state = ST_ERROR;
	snap_err(st, SNAP_EIO, "device %s failed at block %llu (error %d); the "
		 "store refuses further writes until it is reopened",
		 what, blk, rc);
	return SNAP_EIO;
}

static int async(const snap_store *st)
{
	return st->wslots > 1;
}

/* The ring, on the first write: buffers beyond the one store_alloc made. An
 * allocation that fails leaves fewer slots (one: synchronous writes). */
static void slots_setup(snap_store *st)
{
	st->wslot[0] = (struct io_slot){ .buf = st->wbuf };
	st->wslots = 1;
	st->wcur = 0;
	if (!st->io.submit || !st->io.complete)
		return;
	for (u32 i = 1; i < SNAP_IO_SLOTS; i++) {
		u8 *b = snap_alloc(st, (size_t)SNAP_WBUF_BLOCKS * SNAP_BLOCK_SIZE);
		if (!b)
			break;
		st->wslot[i] = (struct io_slot){ .buf = b };
		st->wslots = i + 1;
	}
}

/* Reaps slot i's write: waits for it when wait, else looks (1: not yet). */
static int reap(snap_store *st, u32 i, int wait)
{
	struct io_slot *s = &st->wslot[i];
	if (!s->inflight)
		return 0;
	int rc = st->io.complete(st->io.ctx, s->buf, wait);
	if (rc == 1 && !wait)
		return 1;
	s->inflight = 0;
	if (rc == 1) /* the device broke its promise to wait */
		rc = -1;
	if (rc && st->state != ST_ERROR)
		return fail_sticky(st, rc, "write", s->blk);
	return rc ? SNAP_EIO : 0;
}

/* Slots in flight from the oldest: the ring is filled in order, so the
 * oldest follows the one being filled. */
static u32 ring_at(const snap_store *st, u32 k)
{
	return (st->wcur + 1 + k) % st->wslots;
}

static int wait_all(snap_store *st)
{
	int err = 0;
	for (u32 k = 0; k < st->wslots; k++) {
		int rc = reap(st, ring_at(st, k), 1);
		if (rc && !err)
			err = rc;
	}
	return err;
}

/* Notices writes that completed, oldest first, without waiting. */
static int poll(snap_store *st)
{
	for (u32 k = 0; k + 1 < st->wslots; k++) {
		int rc = reap(st, ring_at(st, k), 0);
		if (rc == 1)
			return 0;
		if (rc)
			return rc;
	}
	return 0;
}

/* Writes the buffer being filled: submitted, or with `sync` (or without
 * asynchronous writes) written before returning. */
static int drain(snap_store *st, int sync)
{
	if (!st->wbuf_n)
		return 0;
	u32 n = st->wbuf_n;
	u64 blk = st->wbuf_blk;
	st->wbuf_n = 0;
	for (u32 i = 0; i < st->wslots; i++) {
		const struct io_slot *s = &st->wslot[i];
		if (s->inflight && blk < s->blk + s->n && s->blk < blk + n) {
			int rc = reap(st, i, 1);
			if (rc)
				return rc;
		}
	}
	if (!async(st) || sync) {
		int rc = st->io.write(st->io.ctx, blk, n, st->wbuf);
		return rc ? fail_sticky(st, rc, "write", blk) : 0;
	}
	int rc = st->io.submit(st->io.ctx, blk, n, st->wbuf);
	if (rc)
		return fail_sticky(st, rc, "write", blk);
	st->wslot[st->wcur].blk = blk;
	st->wslot[st->wcur].n = n;
	st->wslot[st->wcur].inflight = 1;
	st->wcur = (st->wcur + 1) % st->wslots;
	st->wbuf = st->wslot[st->wcur].buf;
	return reap(st, st->wcur, 1); /* the ring is full: its oldest must be done */
}

int io_drain(snap_store *st)
{
	return drain(st, 0);
}

/* The newest copy of blk in a write buffer, or NULL. */
static const u8 *buffered(const snap_store *st, u64 blk)
{
	if (st->wbuf_n && blk >= st->wbuf_blk && blk < st->wbuf_blk + st->wbuf_n)
		return st->wbuf + (size_t)(blk - st->wbuf_blk) * SNAP_BLOCK_SIZE;
	for (u32 i = 0; i < st->wslots; i++) {
		const struct io_slot *s = &st->wslot[i];
		if (s->inflight && blk >= s->blk && blk < s->blk + s->n)
			return s->buf + (size_t)(blk - s->blk) * SNAP_BLOCK_SIZE;
	}
	return NULL;
}

int io_read(snap_store *st, u64 blk, void *buf)
{
	if (st->state == ST_ERROR)
		return SNAP_EFATAL;
	if (blk >= st->dev_blocks)
		return snap_err(st, SNAP_ECORRUPT, "block %llu is beyond the end "
				"of the device (%llu blocks)", blk, st->dev_blocks);
	/* a block still in a write buffer is newer than the disk */
	const u8 *b = buffered(st, blk);
	if (b) {
		snap_memcpy(buf, b, SNAP_BLOCK_SIZE);
		return 0;
	}
	st->dev_reads++;
	int rc = st->io.read(st->io.ctx, blk, 1, buf);
	if (rc) {
		mc_clear(st);
		return snap_err(st, SNAP_EIO, "device read failed at block %llu "
				"(error %d)", blk, rc);
	}
	return 0;
}

int io_read_meta(snap_store *st, struct ptr p, void *buf, const char *what,
		 u64 gen)
{
	if (p.blk < FIRST_DATA_BLOCK || p.blk >= st->dev_blocks)
		return snap_err(st, SNAP_ECORRUPT, "generation %llu: %s pointer "
				"to block %llu is outside the data area", gen,
				what, p.blk);
	if (st->state == ST_ERROR)
		return SNAP_EFATAL;
	int c = st->mc_bypass ? -1 : mc_find(st, p.blk);
	int rc;
	if (c >= 0) {
		snap_memcpy(buf, mc_at(st, c), SNAP_BLOCK_SIZE);
		st->mc_used[c] = ++st->mc_clock;
		st->mc_hits++;
	} else if ((rc = io_read(st, p.blk, buf))) {
		return rc;
	}
	/* the pointer's checksum, whichever copy was read */
	if (CSUM_BAD(snap_hash(buf, SNAP_BLOCK_SIZE, p.blk), p.csum))
		return snap_err(st, SNAP_ECORRUPT, "generation %llu: %s block "
				"%llu fails its checksum (damaged or misdirected "
				"write)", gen, what, p.blk);
	if (c < 0 && !st->mc_nofill && !st->mc_bypass)
		mc_put(st, p.blk, buf);
	return 0;
}

int io_write(snap_store *st, u64 blk, const void *buf)
{
	if (st->state == ST_ERROR)
		return SNAP_EFATAL;
	io_forget(st, blk); /* its content changes */
	if (!st->wslots)
		slots_setup(st);
	if (st->wbuf_n && (blk != st->wbuf_blk + st->wbuf_n ||
			   st->wbuf_n == SNAP_WBUF_BLOCKS)) {
		int rc = io_drain(st);
		if (rc)
			return rc;
	}
	if (async(st) && st->wbuf_n % POLL_EVERY == 0) {
		int rc = poll(st);
		if (rc)
			return rc;
	}
	if (!st->wbuf_n)
		st->wbuf_blk = blk;
	snap_memcpy(st->wbuf + (size_t)st->wbuf_n * SNAP_BLOCK_SIZE, buf,
		    SNAP_BLOCK_SIZE);
	st->wbuf_n++;
	st->blocks_written++;
	return 0;
}

int io_write_meta(snap_store *st, u64 blk, const void *buf)
{
	int rc = io_write(st, blk, buf);
	if (!rc)
		mc_put(st, blk, buf);
	return rc;
}

int io_flush(snap_store *st)
{
	if (st->state == ST_ERROR)
		return SNAP_EFATAL;
	/* The flush waits for the last buffer anyway: written synchronously it
	 * does not queue behind the writes in flight (and in Bochs a DMA
	 * command waits 1 ms of emulated time before it moves: more than PIO
	 * of a buffer costs the CPU). */
	int rc = drain(st, 1);
	if (!rc && async(st))
		rc = wait_all(st);
	if (rc)
		return rc;
	rc = st->io.flush(st->io.ctx);
	if (rc)
		return fail_sticky(st, rc, "flush", 0);
	return 0;
}

void io_fini(snap_store *st)
{
	mc_clear(st);
	snap_free(st, st->mc_data, (size_t)SNAP_MCACHE_BLOCKS * SNAP_BLOCK_SIZE);
	st->mc_data = NULL;
	if (!st->wslots)
		return;
	(void)wait_all(st); /* the store is closing: only the buffers matter */
	for (u32 i = 1; i < st->wslots; i++)
		snap_free(st, st->wslot[i].buf, (size_t)SNAP_WBUF_BLOCKS * SNAP_BLOCK_SIZE);
	st->wbuf = st->wslot[0].buf;
	st->wslots = 0;
	st->wbuf_n = 0;
}
