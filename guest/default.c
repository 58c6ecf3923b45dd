/*
 * guest/default.c — the default program: a greeting, one line per timer
 * tick, and an echo of every console line. Output happens here, outside
 * interrupt context; the handlers only count ticks and flag input.
 */
#include "guest/console.h"
#include "guest/hypercall.h"
#include "guest/line.h"
#include "guest/prog.h"
#include "guest/timer.h"
#include "guest/x86.h"

_Noreturn void prog_default(uint32_t tick_hz)
{
	char line[LINE_MAX];
	uint64_t shown = 0;

	kprintf("guest: hello from the Amber guest (epoch %llu, RAM %llu MiB)\n",
		(unsigned long long)hc_epoch(), (unsigned long long)(boot_info.ram_bytes >> 20));
	timer_start(tick_hz);
	for (;;) {
		cli();
		if (timer_ticks() == shown && !console_input_pending()) {
			sti_hlt();
			continue;
		}
		sti();
		uint64_t t = timer_ticks();
		if (t != shown) {
			/* Several ticks may have passed while we printed: show the latest. */
			shown = t;
			uint64_t ns = hc_clock_mono();
			kprintf("tick %llu t=%llu.%02llus\n", (unsigned long long)t,
				(unsigned long long)(ns / 1000000000u),
				(unsigned long long)(ns % 1000000000u / 10000000u));
		}
		/* Polled on every wake-up too, so a lost input interrupt costs at
		   most one tick of latency, never the line. */
		while (console_getline(line, sizeof line) >= 0)
			kprintf("echo: %s\n", line);
	}
}
