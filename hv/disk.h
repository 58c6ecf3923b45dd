/*
 * hv/disk.h — the snapshot disk: finds the ATA disk, opens the Amber store
 * on it, and formats it only when the command line says `format`.
 */
#ifndef AMBER_HV_DISK_H
#define AMBER_HV_DISK_H

#include "snapshot/snap.h"

/*
 * Probes the disk and opens its store. Returns the opened store, or NULL
 * (no disk, not a store and no `format`, damage); every outcome prints one
 * `amber: disk: ...` line saying what was found and done.
 */
snap_store *disk_open_store(int format);

/*
 * After an I/O error (the store's sticky ERROR state): closes `old` (every
 * generation of it must be closed) and opens the store again. 0 and *out,
 * or a SNAP_E* code (*out NULL).
 */
int disk_reopen_store(snap_store *old, snap_store **out);

#endif
