/*
 * guest/spin.c — a CPU-bound guest for measuring what snapshots cost the
 * guest (guest=spin): it increments a counter as fast as it can, and each
 * increment also writes one word in a 1 MiB region (so pages keep getting
 * dirty, as a real workload's would). At every tick it prints how many
 * increments it made per second of guest time.
 */
#include "guest/console.h"
#include "guest/hypercall.h"
#include "guest/kalloc.h"
#include "guest/prog.h"
#include "guest/timer.h"
#include "guest/x86.h"

#define PAGES 256u

static uint64_t *region[PAGES];

_Noreturn void prog_spin(uint32_t tick_hz)
{
	for (unsigned p = 0; p < PAGES; p++)
		if (!(region[p] = kzalloc()))
			hc_shutdown(1);
	timer_start(tick_hz);
	sti(); /* ticks arrive while the loop spins */
	uint64_t count = 0, last_count = 0, shown = timer_ticks(), last_ns = hc_clock_mono();
	for (;;) {
		count++;
		region[(count * 97) % PAGES][(count >> 8) % 512] = count;
		if (timer_ticks() == shown)
			continue;
		shown = timer_ticks();
		uint64_t ns = hc_clock_mono();
		uint64_t rate = (count - last_count) * 1000000000ull / (ns - last_ns ? ns - last_ns : 1);
		kprintf("spin: rate=%llu per s\n", (unsigned long long)rate);
		last_count = count;
		last_ns = ns;
	}
}
