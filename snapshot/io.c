/*
 * snapshot/io.c — every device access of the store.
 *
 * Two jobs: the sticky ERROR state (invariant 6: after a failed write or
 * flush we no longer know what the disk holds, so nothing else may be
 * written until the store is reopened), and write combining: blocks are
 * allocated mostly in ascending order, so consecutive writes are gathered
 * into one device request of up to SNAP_WBUF_BLOCKS blocks.
 */
#include "snapshot/snap_int.h"

static int fail_sticky(snap_store *st, int rc, const char *what, u64 blk)
{
	st->state = ST_ERROR;
	snap_err(st, SNAP_EIO, "device %s failed at block %llu (error %d); the "
		 "store refuses further writes until it is reopened",
		 what, blk, rc);
	return SNAP_EIO;
}

int io_drain(snap_store *st)
{
	if (!st->wbuf_n)
		return 0;
	u32 n = st->wbuf_n;
	st->wbuf_n = 0;
	int rc = st->io.write(st->io.ctx, st->wbuf_blk, n, st->wbuf);
	if (rc)
		return fail_sticky(st, rc, "write", st->wbuf_blk);
	return 0;
}

int io_read(snap_store *st, u64 blk, void *buf)
{
	if (st->state == ST_ERROR)
		return SNAP_EFATAL;
	if (blk >= st->dev_blocks)
		return snap_err(st, SNAP_ECORRUPT, "block %llu is beyond the end "
				"of the device (%llu blocks)", blk, st->dev_blocks);
	/* a block still in the combining buffer is newer than the disk */
	if (st->wbuf_n && blk >= st->wbuf_blk && blk < st->wbuf_blk + st->wbuf_n) {
		int rc = io_drain(st);
		if (rc)
			return rc;
	}
	int rc = st->io.read(st->io.ctx, blk, 1, buf);
	if (rc)
		return snap_err(st, SNAP_EIO, "device read failed at block %llu "
				"(error %d)", blk, rc);
	return 0;
}

int io_read_meta(snap_store *st, struct ptr p, void *buf, const char *what,
		 u64 gen)
{
	if (p.blk < FIRST_DATA_BLOCK || p.blk >= st->dev_blocks)
		return snap_err(st, SNAP_ECORRUPT, "generation %llu: %s pointer "
				"to block %llu is outside the data area", gen,
				what, p.blk);
	int rc = io_read(st, p.blk, buf);
	if (rc)
		return rc;
	if (CSUM_BAD(snap_hash(buf, SNAP_BLOCK_SIZE, p.blk), p.csum))
		return snap_err(st, SNAP_ECORRUPT, "generation %llu: %s block "
				"%llu fails its checksum (damaged or misdirected "
				"write)", gen, what, p.blk);
	return 0;
}

int io_write(snap_store *st, u64 blk, const void *buf)
{
	if (st->state == ST_ERROR)
		return SNAP_EFATAL;
	if (st->wbuf_n && (blk != st->wbuf_blk + st->wbuf_n ||
			   st->wbuf_n == SNAP_WBUF_BLOCKS)) {
		int rc = io_drain(st);
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

int io_flush(snap_store *st)
{
	if (st->state == ST_ERROR)
		return SNAP_EFATAL;
	int rc = io_drain(st);
	if (rc)
		return rc;
	rc = st->io.flush(st->io.ctx);
	if (rc)
		return fail_sticky(st, rc, "flush", 0);
	return 0;
}
