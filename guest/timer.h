/*
 * guest/timer.h — the periodic tick, built on the one-shot PV timer
 * (VDEV_HC_TIMER_SET, VDEV_VEC_TIMER).
 *
 * Deadlines are start + n * period on the hypervisor's monotonic clock, not
 * "now + period", so a late interrupt does not make every later tick late.
 * When the guest falls a whole period behind (a slow engine, a long exit,
 * a restore), the missed deadlines are skipped rather than fired in a
 * burst, but still counted: timer_ticks() is the number of periods since
 * timer_start, so tick N always means N / hz seconds.
 */
#ifndef AMBER_GUEST_TIMER_H
#define AMBER_GUEST_TIMER_H

#include <stdint.h>

void timer_start(uint32_t hz);
void timer_intr(void);         /* VDEV_VEC_TIMER */
uint64_t timer_ticks(void);    /* periods elapsed since timer_start */
uint64_t timer_skipped(void);  /* of those, periods whose interrupt was skipped */

/*
 * The deadline after `fired` that is still in the future at `now`; sets
 * *missed to the number of deadlines between them that are already past.
 * Pure: the host unit tests check it.
 */
uint64_t timer_next(uint64_t fired, uint64_t now, uint64_t period, uint64_t *missed);

#endif
