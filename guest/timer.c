/* guest/timer.c — the periodic tick (guest/timer.h). */
#include "guest/hypercall.h"
#include "guest/timer.h"

static uint64_t period_ns, deadline;
static volatile uint64_t ticks, skipped;

uint64_t timer_next(uint64_t fired, uint64_t now, uint64_t period, uint64_t *missed)
{
	uint64_t next = fired + period;
	*missed = 0;
	if (next <= now) {
		*missed = (now - next) / period + 1;
		next += *missed * period;
	}
	return next;
}

static void arm(void)
{
	uint64_t missed;
	deadline = timer_next(deadline, hc_clock_mono(), period_ns, &missed);
	ticks += missed;
	skipped += missed;
	hc_timer_set(deadline);
}

void timer_start(uint32_t hz)
{
	period_ns = 1000000000ull / (hz ? hz : 1);
	deadline = hc_clock_mono();
	ticks = skipped = 0;
	arm();
}

void timer_intr(void)
{
	ticks++;
	if (period_ns)   /* else a one-shot deadline set by its user (the world) */
		arm();
}

uint64_t timer_ticks(void)
{
	return ticks;
}

uint64_t timer_skipped(void)
{
	return skipped;
}
