/*
 * guest/timer.h — the periodic tick, built on the one-shot PV timer
 * (VDEV_HC_TIMER_SET, VDEV_VEC_TIMER).
 *
 * Deadlines are start + n * period on the hypervisor's monotonic clock, not
 * "now + period", so a late interrupt does not make every later tick late.
 * When the guest falls a whole period behind (a long pause, a restore),
 * the missed ticks are skipped, not replayed in a burst.
 */
#ifndef AMBER_GUEST_TIMER_H
#define AMBER_GUEST_TIMER_H

#include <stdint.h>

void timer_start(uint32_t hz);
void timer_intr(void);         /* VDEV_VEC_TIMER */
uint64_t timer_ticks(void);    /* ticks since timer_start */
uint64_t timer_skipped(void);  /* periods skipped because the guest was late */

#endif
