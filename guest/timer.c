/* guest/timer.c — the periodic tick (guest/timer.h). */
#include "guest/hypercall.h"
#include "guest/timer.h"

static uint64_t period_ns, next_deadline;
static volatile uint64_t ticks, skipped;

static void arm(void)
{
	uint64_t now = hc_clock_mono();
	next_deadline += period_ns;
	if (next_deadline <= now) {
		uint64_t late = (now - next_deadline) / period_ns + 1;
		skipped += late;
		next_deadline += late * period_ns;
	}
	hc_timer_set(next_deadline);
}

void timer_start(uint32_t hz)
{
	period_ns = 1000000000ull / (hz ? hz : 1);
	next_deadline = hc_clock_mono();
	arm();
}

void timer_intr(void)
{
	ticks++;
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
