/*
 * guest/counter.c — the persistence test program (guest=counter).
 *
 * It keeps a counter and a 4 MiB region whose whole content is a pure
 * function of the counter: increment n rewrites the 8 pages of group
 * (n - 1) mod 128 with a pattern of (page, n). After every restore it
 * recomputes what every page must hold for the restored counter and checks
 * all of it, so a generation that mixed pages of two moments (or lost one)
 * shows up as "integrity FAIL".
 *
 * Every line goes out with an epoch-guarded console write: when the
 * hypervisor restored the guest since the epoch was read, the write is
 * refused (VDEV_ESTALE) and the guest first reports the restore. So the
 * first line after a restore is always "resumed epoch=E count=N".
 */
#include "guest/console.h"
#include "guest/fmt.h"
#include "guest/hypercall.h"
#include "guest/kalloc.h"
#include "guest/prog.h"
#include "guest/timer.h"
#include "guest/x86.h"

#define REGION_PAGES 1024u
#define GROUP_PAGES  8u
#define GROUPS       (REGION_PAGES / GROUP_PAGES)
#define WORDS        (4096u / 8u)

static uint64_t *region[REGION_PAGES];
static uint64_t count, epoch;

static uint64_t pattern(uint64_t page, uint64_t n, uint64_t word)
{
	uint64_t z = page * 0x9E3779B97F4A7C15ull ^ n * 0xC2B2AE3D27D4EB4Full ^ word;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull; /* splitmix64 finaliser */
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void fill(uint64_t page, uint64_t n)
{
	for (uint64_t w = 0; w < WORDS; w++)
		region[page][w] = pattern(page, n, w);
}

/* The increment that last wrote `page` when the counter is n (0: the initial fill). */
static uint64_t last_writer(uint64_t page, uint64_t n)
{
	uint64_t first = page / GROUP_PAGES + 1;
	return n < first ? 0 : first + (n - first) / GROUPS * GROUPS;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void resumed(void)
{
	epoch = hc_epoch();
	say("resumed epoch=%llu count=%llu\n", (unsigned long long)epoch, (unsigned long long)count);
	uint64_t bad = 0, first_bad = 0;
	for (uint64_t p = 0; p < REGION_PAGES; p++) {
		uint64_t n = last_writer(p, count);
		for (uint64_t w = 0; w < WORDS; w++)
			if (region[p][w] != pattern(p, n, w)) {
				if (!bad++)
					first_bad = p;
				break;
			}
	}
	if (bad)
		say("integrity FAIL: %llu of %u pages wrong, first page %llu\n", (unsigned long long)bad,
		    REGION_PAGES, (unsigned long long)first_bad);
	else
		say("integrity ok\n");
}

static void say(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1)
		n = sizeof buf - 1;
	while (hc_console_write_epoch(buf, (uint64_t)n, epoch) == VDEV_ESTALE)
		resumed();
}

_Noreturn void prog_counter(uint32_t tick_hz)
{
	epoch = hc_epoch();
	for (uint64_t p = 0; p < REGION_PAGES; p++) {
		region[p] = kalloc();
		if (!region[p]) {
			kprintf("counter: out of memory at page %llu\n", (unsigned long long)p);
			hc_shutdown(1);
		}
		fill(p, 0);
	}
	say("counter: %u KiB region, %u pages rewritten per count, %u counts per second\n",
	    REGION_PAGES * 4, GROUP_PAGES, tick_hz);
	timer_start(tick_hz);
	uint64_t shown = timer_ticks();
	for (;;) {
		cli();
		if (timer_ticks() == shown) {
			sti_hlt();
			continue;
		}
		sti();
		shown = timer_ticks();
		count++;
		uint64_t g = (count - 1) % GROUPS;
		for (uint64_t k = 0; k < GROUP_PAGES; k++)
			fill(g * GROUP_PAGES + k, count);
		say("count=%llu\n", (unsigned long long)count);
	}
}
