/*
 * hv/disk.h — the snapshot disk: finds the ATA disk, opens the Amber store
 * on it, and formats it only when the command line says `format`.
 */
#ifndef AMBER_HV_DISK_H
#define AMBER_HV_DISK_H

#include <stdint.h>

#include "snapshot/snap.h"

/*
 * The hypervisor heap the store and the engine need for a guest of
 * `frames` pages on a disk of `dev_blocks` blocks (snap.h, "Memory the
 * store needs"): the first generation holds every frame, 24 bytes each in
 * an array that doubles (snapshot/txn.c: up to twice the frames, and the
 * old and new arrays live together while it grows) plus a sort buffer of
 * 24 bytes per frame at commit: 72 bytes per frame at the peak, 80 with
 * room for the first-fit heap's holes. Then the allocation bitmap, the
 * engine's four bitmaps, the write buffer, a state blob and small tables.
 * The heap is sized with this at boot, so that every guest mem= allows can
 * commit its first generation (a fixed 24 MiB heap failed from 2 GiB on).
 */
static inline uint64_t disk_heap_bytes(uint64_t frames, uint64_t dev_blocks)
{
	return 80 * frames + dev_blocks / 8 + 4 * (frames / 8 + 8) + (4ull << 20);
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
int disk_reopen_store(snap_store *old, snap_store **out);

#endif
