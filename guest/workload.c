/*
 * guest/workload.c — a deterministic workload for comparing the dirty
 * tracking tiers (guest=workload). No timer, no clock: guest memory at
 * each requested snapshot depends only on the program, so generations
 * taken with dirty=pml, ad and wp must be byte-identical.
 *
 * Round r (1..ROUNDS) rewrites a different, overlapping part of a 1 MiB
 * region, then asks for a snapshot and waits until it is durable.
 */
#include "guest/console.h"
#include "guest/hypercall.h"
#include "guest/kalloc.h"
#include "guest/prog.h"

#define PAGES  256u
#define ROUNDS 4u

static uint64_t *region[PAGES];

_Noreturn void prog_workload(void)
{
	for (unsigned p = 0; p < PAGES; p++)
		if (!(region[p] = kzalloc())) {
			kprintf("workload: out of memory\n");
			hc_shutdown(1);
		}
	for (uint64_t r = 1; r <= ROUNDS; r++) {
		/* round r touches pages [r*32, r*32 + 96): overlaps the previous round */
		for (uint64_t p = r * 32; p < r * 32 + 96 && p < PAGES; p++)
			for (uint64_t w = 0; w < 512; w += 7)
				region[p][w] = r * 0x100000001ull + p * 4096 + w;
		int64_t gen = hc_snap_request();
		int64_t rc = gen > 0 ? hc_snap_wait((uint64_t)gen) : gen;
		kprintf("workload: round %llu in generation %lld (wait %lld)\n", (unsigned long long)r,
			(long long)gen, (long long)rc);
	}
	kprintf("workload: done\n");
	hc_shutdown(0);
}
