/*
 * tests/snapshot/crashdev.h — an in-memory block device that can crash
 * (after SQLite's test6.c).
 *
 * Writes are held as pending until a flush, the way a disk's write cache
 * holds them. At a chosen operation (the n-th write or flush) the device
 * "loses power": that request and every later one fail, and crashdev_crash()
 * then decides the fate of each pending write independently, in random
 * order: dropped, applied whole, or torn after any number of 512-byte
 * sectors (a sector itself is atomic, as on an ATA disk). Pending writes
 * that overlap each other are counted as a protocol error of the store.
 *
 * The durable content is a shared read-only base image plus a private
 * overlay of changed blocks, so thousands of crash trials cost little.
 *
 * With async set before crashdev_io(), writes of the store come through
 * submit/complete (snap.h) as from the hypervisor's DMA: a submitted write
 * stays in flight, its buffer read only when the device gets to it, which
 * is at a random later complete() call, for it or for another write (out
 * of call order), or at wait. Power lost with writes in flight gives them
 * the fates of pending writes. Protocol errors of the store are counted:
 * a device read of, or a second write to, a block in flight; completing a
 * write never submitted (bad_completes); writes still in flight when the
 * store is closed (ninfl after snap_close).
 */
#ifndef AMBER_TESTS_SNAPSHOT_CRASHDEV_H
#define AMBER_TESTS_SNAPSHOT_CRASHDEV_H

#include <stdint.h>
#include "snapshot/snap.h"

struct crashdev {
	const uint8_t *base;   /* may be NULL: zeros */
	uint64_t nblk;
	uint32_t *ovl_idx;     /* blk -> overlay slot + 1 */
	uint8_t *ovl;
	uint32_t novl, capovl;
	struct pend { uint64_t blk; uint32_t n; uint8_t *data; } *pend;
	uint32_t npend, cappend;
	uint64_t ops;          /* writes + flushes so far */
	uint64_t crash_at;     /* 0: never */
	uint64_t fail_write_at, fail_flush_at; /* plain errors, no crash */
	int crashed;
	uint64_t overlaps;     /* pending writes that overlapped: a bug */
	uint64_t writes, blocks_written, flushes;
	uint64_t rng;
	int async;
	struct infl { uint64_t blk; uint32_t n; const uint8_t *buf; int done, fail, result; } *infl;
	uint32_t ninfl, capinfl;
	uint64_t arng;            /* when the device gets to writes in flight */
	uint64_t early_reads, bad_completes, submits;
	uint64_t fail_submit_at;  /* that submit (1: the first) fails at completion */
	int hold;                 /* writes complete only when waited for */
	uint64_t reads, blocks_read; /* read requests of the store, blocks */
};

void crashdev_init(struct crashdev *d, const uint8_t *base, uint64_t nblk);
void crashdev_free(struct crashdev *d);
/* A new device whose durable content is d's with the fates of d's pending
 * writes decided at random from seed. */
void crashdev_crash(const struct crashdev *d, uint64_t seed,
		    struct crashdev *out);
/* Copies durable content (pending applied) into a flat image. */
void crashdev_image(const struct crashdev *d, uint8_t *img);
void crashdev_io(struct crashdev *d, struct snap_io *io);
/* Flip one bit of durable block blk (byte, bit). */
void crashdev_flip(struct crashdev *d, uint64_t blk, uint32_t byte, int bit);
void crashdev_put(struct crashdev *d, uint64_t blk, const void *data);
void crashdev_get(const struct crashdev *d, uint64_t blk, void *data);

#endif
