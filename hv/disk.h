/*
 * hv/disk.h — the snapshot disk: finds the ATA disk, opens the Amber store
 * on it, and formats it only when the command line says `format`.
 */
#ifndef AMBER_HV_DISK_H
#define AMBER_HV_DISK_H

#include <stdint.h>

#include "snapshot/snap.h"

/* With DMA the store keeps SNAP_IO_SLOTS write buffers (one without), and
 * disk.c aligns every allocation of whole 64 KiB to 64 KiB: the buffers and
 * room for the alignment of a few other such tables. */
#define DISK_DMA_HEAP ((uint64_t)(SNAP_IO_SLOTS + 2) * \
		       (SNAP_WBUF_BLOCKS * SNAP_BLOCK_SIZE + (64u << 10)))

/* The store's cache of metadata blocks (snapshot/snap_int.h,
 * SNAP_MCACHE_BLOCKS = 64 blocks of 4 KiB), allocated at its first write. */
#define DISK_MCACHE_HEAP (256ull << 10)

/*
 * The hypervisor heap the store and the engine need for a guest of
 * `frames` pages on a disk of `dev_blocks` blocks: the store's own (snap.h,
 * "Memory the store needs": its page entries spill into the map every
 * 32768 pages, so under 2 MiB plus 16 bytes per 256 frames and a bit per
 * frame; the allocation bitmap, a bit per disk block), the engine's four
 * bitmaps (half a byte per frame) and its state blob, with room to spare:
 * 8 MiB + 1 byte per frame + the bitmap, + DISK_DMA_HEAP, the metadata
 * cache (DISK_MCACHE_HEAP) and the delta lists (SNAP_DELTA_HEAP). Sized at boot
 * from mem= and the disk, so every guest mem= allows can commit its first
 * generation (the fixed 24 MiB heap with the store of issue 5 failed from
 * 2 GiB on).
 * check_engine commits the first generation of 2 and 3 GiB guests in it.
 */
static inline uint64_t disk_heap_bytes(uint64_t frames, uint64_t dev_blocks)
{
	return (8ull << 20) + frames + dev_blocks / 8 + DISK_DMA_HEAP +
	       DISK_MCACHE_HEAP;
}

/*
 * Probes the disk and opens its store; every outcome prints `amber: disk:`
 * lines saying what was found and done. 0 with *out the store, or NULL
 * when there is none to use (no disk; not a store and no `format`): the
 * guest starts fresh without persistence. *damaged = 1 when the newest
 * commit was unreadable and the previous one was opened (said loudly).
 * Negative when the disk holds a store that cannot be opened at all (the
 * guest must not start fresh over it), or when there is no memory for the
 * heap a guest of guest_frames pages needs (disk_heap_bytes; printed).
 */
int disk_open_store(int format, uint64_t guest_frames, snap_store **out, int *damaged);

/*
 * After an I/O error (the store's sticky ERROR state): closes `old` (every
 * generation of it must be closed) and opens the store again. 0 and *out,
 * or a SNAP_E* code (*out NULL).
 */
/* Testing only (faults=SEED): store writes and flushes fail at random. */
void disk_inject_faults(uint32_t seed);

int disk_reopen_store(snap_store *old, snap_store **out);

/*
 * Writes the store submitted that the disk has not finished (bus-master
 * DMA; always 0 with PIO), after moving the queue on: each call lets the
 * next DMA command start. The writer should not run while it is
 * SNAP_IO_SLOTS - 1 or more (its next buffer would wait for the disk), nor
 * commit while it is not 0 (the flush waits for all of them): the guest
 * runs instead of the CPU spinning on the disk.
 */
int disk_write_backlog(void);

#endif
