/*
 * hv/cow_shadow.h — copy-on-write by copy, for the writer on the second
 * CPU (cpus=2, hv/persist.c).
 *
 * With one CPU a guest write to a page of the generation being written
 * stores the page first (snapeng_fault: hash, copy into the store's buffer,
 * ~5k guest cycles). With the writer on the AP that work would still land
 * on the guest's CPU for every page the guest writes before the AP gets to
 * it, and the guest would wait for the lock besides. Instead the BSP copies
 * the page's captured content into a shadow frame (~500 cycles), gives the
 * guest write access at once, and the AP later stores the shadow: the
 * engine reads pages only through its host `page` callback, which returns
 * the shadow while there is one. One fault shadows the captured pages of
 * a window after it, so a guest that writes all over its dirty set takes a
 * few exits per generation, not one per page; the AP, which waits for the
 * lock meanwhile, copies half of them (smp_ap_call).
 *
 * It relies on the engine's page states (snapshot/engine.h): in the PML
 * and AD tiers a present leaf without W is CAPTURED (waiting for the
 * writer); nothing else is. The WP tier tracks dirtiness by W, so it does
 * not use shadows. A page written after it was shadowed is seen dirty by
 * its D bit (PML log or the AD scan), as after the writer gave W back.
 * Shadows live for one generation: released when it commits or fails, and
 * before every capture. All calls are made under persist_lock().
 */
#ifndef AMBER_HV_COW_SHADOW_H
#define AMBER_HV_COW_SHADOW_H

#include <stdint.h>

#include "hv/vcpu.h"

#define COW_SHADOW_SLOTS  2048u /* 8 MiB of shadow frames */
#define COW_SHADOW_WINDOW 512u  /* frames after the fault looked at for captured pages */

/* 0, or HV_ENOMEM (then shadows stay off and faults store as before). */
int cow_shadow_init(struct vcpu *v);
int cow_shadow_on(void);
/* The shadow of a guest frame, or NULL. */
uint8_t *cow_shadow_page(uint64_t gfn);
/*
 * A guest write faulted at gfn: when its page is CAPTURED, shadows it and
 * the captured pages after it (up to the window, while slots last) and
 * returns 1: the write may be retried. 0: not a captured page, or no slot
 * (the engine handles the fault).
 */
int cow_shadow_fault(uint64_t gfn);
/* The generation ended: every shadow is free again. */
void cow_shadow_release(void);
/* Pages shadowed since the last call. */
uint64_t cow_shadow_take_count(void);

#endif
