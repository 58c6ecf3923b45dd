/*
 * guest/bench.c — guest=bench: what a VM exit costs, measured with RDTSC
 * inside the guest and reported as ratios to a plain loop iteration, so
 * that the figures mean the same on Bochs (whose TSC counts instructions)
 * and on hardware. `make bench` runs it (tests/bench/hv-bench.sh).
 *
 *   vmcall         VDEV_HC_EPOCH, the cheapest hypercall: exit + entry
 *   ept_violation  one write to a page write-protected with
 *                  VDEV_HC_WRITE_PROTECT (untimed): the copy-on-write path
 *   loop           one iteration of an empty counted loop
 */
#include "guest/console.h"
#include "guest/fmt.h"
#include "guest/hypercall.h"
#include "guest/kalloc.h"
#include "guest/prog.h"
#include "guest/x86.h"

#define N_VMCALL 2000
#define N_EPT    500
#define N_LOOP   200000
#define N_TSC    100

/* Cycles per iteration, times 100 (two decimals without floating point). */
static uint64_t per100(uint64_t cycles, uint64_t n)
{
	return cycles * 100 / n;
}

/* Appends " name=V.VV" to the line being built: one line, one console write. */
static size_t show100(char *buf, size_t at, size_t size, const char *name, uint64_t v)
{
	int n = ksnprintf(buf + at, size - at, " %s=%llu.%02llu", name,
			  (unsigned long long)(v / 100), (unsigned long long)(v % 100));
	at += (size_t)n;
	return at < size ? at : size - 1;
}

static uint64_t tsc_overhead(void)
{
	uint64_t best = ~0ull;
	for (int i = 0; i < N_TSC; i++) {
		uint64_t t0 = rdtsc(), t1 = rdtsc();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

static uint64_t bench_vmcall(void)
{
	uint64_t t0 = rdtsc();
	for (int i = 0; i < N_VMCALL; i++)
		hc_epoch();
	return per100(rdtsc() - t0, N_VMCALL);
}

/* Returns 0 when the hypervisor cannot write-protect (the error is printed). */
static uint64_t bench_ept(uint64_t overhead)
{
	volatile uint64_t *p = kzalloc();   /* zeroing also maps it in EPT before timing */
	uint64_t sum = 0;
	if (!p)
		panic("bench: out of memory");
	for (int i = 0; i < N_EPT; i++) {
		int64_t r = hc_write_protect((const void *)p);
		if (r < 0) {
			kprintf("bench: VDEV_HC_WRITE_PROTECT failed with %lld\n", (long long)r);
			return 0;
		}
		uint64_t t0 = rdtsc();
		*p = (uint64_t)i;
		uint64_t t1 = rdtsc();
		sum += t1 - t0 > overhead ? t1 - t0 - overhead : 0;
	}
	kfree((void *)p);
	return per100(sum, N_EPT);
}

static uint64_t bench_loop(void)
{
	uint64_t t0 = rdtsc();
	for (int i = 0; i < N_LOOP; i++)
		__asm__ volatile("" ::: "memory");   /* keeps the loop, adds no instruction */
	return per100(rdtsc() - t0, N_LOOP);
}

_Noreturn void prog_bench(void)
{
	uint64_t overhead = tsc_overhead();
	kprintf("bench: tsc_hz=%llu rdtsc_overhead=%llu iterations vmcall=%d ept=%d loop=%d\n",
		(unsigned long long)boot_info.tsc_hz, (unsigned long long)overhead,
		N_VMCALL, N_EPT, N_LOOP);
	bench_vmcall();   /* warm-up: first exits fill caches and TLBs on hardware */
	uint64_t vmcall = bench_vmcall();
	uint64_t ept = bench_ept(overhead);
	uint64_t loop = bench_loop();
	if (!loop)
		loop = 1;   /* below 0.01 cycles: report ratios against 0.01 */

	char line[256] = "bench:";
	size_t at = 6;
	at = show100(line, at, sizeof line, "vmcall_cycles", vmcall);
	at = show100(line, at, sizeof line, "ept_violation_cycles", ept);
	at = show100(line, at, sizeof line, "loop_cycles", loop);
	at = show100(line, at, sizeof line, "vmcall/loop", vmcall * 100 / loop);
	show100(line, at, sizeof line, "ept/loop", ept * 100 / loop);
	kprintf("%s\n", line);
	kprintf("bench: done\n");
	hc_shutdown(ept ? EXIT_OK : EXIT_FAILED);
}
