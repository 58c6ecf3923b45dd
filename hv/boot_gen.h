/*
 * hv/boot_gen.h — which generation a boot restores: the newest retained
 * one that can be restored (its record, state blob and, for a fallback
 * candidate, every checksum), never a damaged one, and never silently.
 */
#ifndef AMBER_HV_BOOT_GEN_H
#define AMBER_HV_BOOT_GEN_H

#include <stdint.h>

#include "hv/state_blob.h"
#include "snapshot/snap.h"

/*
 * Picks the generation to restore for a guest of `npages` frames. 0 with
 * *gen (0: the store holds none, a fresh start) and *fell_back (1 when a
 * newer generation was passed over: printed, naming it and why); negative
 * when none can be restored (printed). *state holds the picked
 * generation's checked blob. Damaged generations are kept by the store
 * (pinned, flagged damaged, never written); ones refused only for their
 * vCPU state are pinned here; nothing is dropped or overwritten.
 */
int boot_pick_generation(snap_store *st, uint64_t npages, struct hv_state *state, uint64_t *gen, int *fell_back);

#endif
