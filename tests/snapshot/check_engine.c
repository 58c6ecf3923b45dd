/*
 * tests/snapshot/check_engine.c — the live snapshot engine over a simulated
 * guest: memory, 4 KiB EPT leaves with W/A/D bits, a PML log of 512 entries,
 * and an in-memory disk. Every committed generation must equal guest memory
 * at the instant of its capture, whatever the guest writes while it is being
 * stored; the three dirty-tracking tiers must give identical generations;
 * a lazy restore must give back exactly what was committed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/disk.h"
#include "snapshot/engine.h"
#include "tests/unit.h"

#define PAGE 4096u
#define NPAGES 200u /* not a multiple of 64: the last bitmap word is partial */
#define DISK_BLOCKS 8192u

/* The engine is built with -DSNAPENG_DEBUG: invariants after every call. */
void snapeng_debug_fail(const char *what, uint64_t gfn)
{
	ck_abort_msg("engine invariant broken: %s (frame/count %llu)", what, (unsigned long long)gfn);
}

/* ---- in-memory disk ---- */
struct memdev { uint8_t *blk; int fail_writes; };

static int md_read(void *c, uint64_t b, uint32_t n, void *buf)
{
	struct memdev *d = c;
	memcpy(buf, d->blk + b * PAGE, (size_t)n * PAGE);
	return 0;
}
static int md_write(void *c, uint64_t b, uint32_t n, const void *buf)
{
	struct memdev *d = c;
	if (d->fail_writes)
		return -1;
	memcpy(d->blk + b * PAGE, buf, (size_t)n * PAGE);
	return 0;
}
static int md_flush(void *c) { (void)c; return 0; }
static uint64_t md_size(void *c) { (void)c; return DISK_BLOCKS; }
static int alloc_fail_in; /* > 0: the n-th allocation from now fails */
static void *md_alloc(void *c, size_t n)
{
	(void)c;
	if (alloc_fail_in > 0 && --alloc_fail_in == 0)
		return NULL;
	return malloc(n);
}
static void md_free(void *c, void *p, size_t n) { (void)c; (void)n; free(p); }

static struct snap_io disk_io(struct memdev *d)
{
	return (struct snap_io){ d, md_read, md_write, md_flush, md_size, md_alloc, md_free, NULL, NULL, NULL };
}

/* ---- simulated guest ---- */
struct sim {
	uint8_t *mem;
	uint64_t leaf[NPAGES];
	uint64_t pml[512];
	unsigned pml_n;
	enum snapeng_tier tier;
	snapeng *e;
	unsigned faults;
};

static uint8_t *s_page(void *c, uint64_t g) { return ((struct sim *)c)->mem + g * PAGE; }
static uint64_t *s_leaf(void *c, uint64_t g) { return &((struct sim *)c)->leaf[g]; }
static void s_invept(void *c) { (void)c; }

static struct snapeng_host sim_host(struct sim *s)
{
	return (struct snapeng_host){ s, s_page, s_leaf, s_invept, md_alloc, md_free };
}

static void sim_fault(struct sim *s, uint64_t g, int write)
{
	int handled = 0;
	ck_assert_int_eq(snapeng_fault(s->e, g, write, &handled), 0);
	ck_assert_msg(handled, "fault on frame %llu (write %d) not handled", (unsigned long long)g, write);
	s->faults++;
}

/* What the CPU does for a guest write: EPT checks, then A/D and PML. A
 * handled fault must have fixed the leaf by the second retry. */
static void sim_write(struct sim *s, uint64_t g, unsigned off, uint8_t v)
{
	for (int tries = 0; !(s->leaf[g] & SNAPENG_EPT_R) || !(s->leaf[g] & SNAPENG_EPT_W); tries++) {
		ck_assert_msg(tries < 2, "frame %llu: the fault left leaf %llx unwritable", (unsigned long long)g,
			      (unsigned long long)s->leaf[g]);
		sim_fault(s, g, 1);
	}
	s->mem[g * PAGE + off] = v;
	if (!(s->leaf[g] & SNAPENG_EPT_D)) {
		s->leaf[g] |= SNAPENG_EPT_A | SNAPENG_EPT_D;
		if (s->tier == SNAPENG_PML) {
			s->pml[s->pml_n++] = g << 12 | off; /* Bochs keeps the offset */
			if (s->pml_n == 512) {
				snapeng_pml_log(s->e, s->pml, s->pml_n);
				s->pml_n = 0;
			}
		}
	}
}

static uint8_t sim_read(struct sim *s, uint64_t g, unsigned off)
{
	for (int tries = 0; !(s->leaf[g] & SNAPENG_EPT_R); tries++) {
		ck_assert_msg(tries < 2, "frame %llu: the fault left leaf %llx unreadable", (unsigned long long)g,
			      (unsigned long long)s->leaf[g]);
		sim_fault(s, g, 0);
	}
	return s->mem[g * PAGE + off];
}

/* A write by the hypervisor (a hypercall result): through the one door. */
static void host_write(struct sim *s, uint64_t g, unsigned off, uint8_t v)
{
	ck_assert_int_eq(snapeng_guest_write(s->e, g), 0);
	s->mem[g * PAGE + off] = v;
}

static uint64_t sim_capture(struct sim *s, const char *state)
{
	uint64_t gen = 0;
	snapeng_pml_log(s->e, s->pml, s->pml_n); /* the hypervisor drains the log first */
	s->pml_n = 0;
	ck_assert_int_eq(snapeng_capture(s->e, state, strlen(state) + 1, 1000, &gen), 0);
	return gen;
}

/* The content of a committed generation, read back through the store. */
static void read_gen(snap_store *st, uint64_t gen, uint8_t *out)
{
	snap_gen *g;
	ck_assert_int_eq(snap_gen_open(st, gen, 0, &g), 0);
	for (uint64_t p = 0; p < NPAGES; p++)
		ck_assert_int_eq(snap_read_page(g, p, out + p * PAGE), 0);
	ck_assert_int_eq(snap_verify(g), 0);
	snap_gen_close(g);
}

#define MAX_GENS 64
struct run {
	struct memdev dev;
	struct snap_io io;
	snap_store *st;
	struct sim s;
	uint8_t *ref[MAX_GENS + 1];   /* guest memory at each capture */
	uint64_t last_gen;
	unsigned cow;
};

static void run_open(struct run *r)
{
	r->dev.blk = calloc(DISK_BLOCKS, PAGE);
	r->io = disk_io(&r->dev);
	struct snap_format_opts fo = { .keep = MAX_GENS, .force = 0 };
	ck_assert_int_eq(snap_format(&r->io, &fo), 0);
	ck_assert_int_eq(snap_open(&r->io, 0, &r->st), 0);
}

static void run_close(struct run *r)
{
	snapeng_destroy(r->s.e);
	snap_close(r->st);
	free(r->dev.blk);
	free(r->s.mem);
	for (int i = 0; i <= MAX_GENS; i++)
		free(r->ref[i]);
}

/* A fresh guest of NPAGES zeroed frames under an engine of the given tier;
 * the host maps every frame present and writable (engine.h). */
static struct sim *sim_start(struct run *r, enum snapeng_tier tier)
{
	struct sim *s = &r->s;
	s->tier = tier;
	s->mem = calloc(NPAGES, PAGE);
	for (uint64_t g = 0; g < NPAGES; g++)
		s->leaf[g] = SNAPENG_EPT_RWX;
	struct snapeng_host h = sim_host(s);
	ck_assert_int_eq(snapeng_create(&h, r->st, NPAGES, tier, &s->e), 0);
	return s;
}

/* A new boot on the same store: a new engine over an EPT with nothing
 * present, and (restore) the newest generation restored lazily. */
static void sim_reboot(struct run *r, enum snapeng_tier tier, int restore)
{
	struct sim *s = &r->s;
	snapeng_destroy(s->e);
	memset(s->leaf, 0, sizeof s->leaf);
	struct snapeng_host h = sim_host(s);
	ck_assert_int_eq(snapeng_create(&h, r->st, NPAGES, tier, &s->e), 0);
	char state[8];
	size_t len;
	if (restore)
		ck_assert_int_eq(snapeng_restore(s->e, 0, state, sizeof state, &len), 0);
}

/*
 * A deterministic workload: a hot set and random writes, captures every
 * 300 operations, the writer storing a few pages every 7 operations. Runs
 * `ngens` generations to commit; checks each against its capture copy.
 */
static void workload(struct run *r, enum snapeng_tier tier, unsigned ngens, unsigned seed)
{
	struct sim *s = sim_start(r, tier);
	srand(seed);
	uint64_t capturing = 0;
	for (unsigned op = 0; r->last_gen < ngens; op++) {
		uint64_t g = rand() % 4 ? (unsigned)rand() % 16 : (unsigned)rand() % NPAGES;
		sim_write(s, g, rand() % PAGE, (uint8_t)rand());
		if (op % 300 == 0 && !snapeng_busy(s->e)) {
			char state[32];
			snprintf(state, sizeof state, "vcpu-%u", op);
			capturing = sim_capture(s, state);
			ck_assert_uint_le(capturing, MAX_GENS);
			r->ref[capturing] = malloc(NPAGES * PAGE);
			memcpy(r->ref[capturing], s->mem, NPAGES * PAGE);
		}
		if (op % 7 == 0) {
			int committed = 0;
			ck_assert_int_eq(snapeng_step(s->e, 1 + rand() % 3, &committed), 0);
			if (committed) {
				uint8_t *got = malloc(NPAGES * PAGE);
				read_gen(r->st, capturing, got);
				ck_assert_msg(!memcmp(got, r->ref[capturing], NPAGES * PAGE),
					      "generation %llu differs from memory at its capture",
					      (unsigned long long)capturing);
				free(got);
				r->last_gen = capturing;
				struct snapeng_stats st;
				snapeng_stats(s->e, &st);
				r->cow += st.cow_faults;
			}
		}
	}
}

static void tier_consistency(enum snapeng_tier tier)
{
	struct run r = { 0 };
	run_open(&r);
	workload(&r, tier, 12, 42);
	ck_assert_uint_gt(r.cow, 0); /* the guest did race the writer */
	run_close(&r);
}

START_TEST(pml_generations_match_capture) { tier_consistency(SNAPENG_PML); }
END_TEST
START_TEST(ad_generations_match_capture) { tier_consistency(SNAPENG_AD); }
END_TEST
START_TEST(wp_generations_match_capture) { tier_consistency(SNAPENG_WP); }
END_TEST

/* Same workload, three tiers: the committed generations are identical. */
START_TEST(tiers_give_identical_generations)
{
	static uint8_t got[3][NPAGES * PAGE];
	static struct run r[3];
	memset(r, 0, sizeof r);
	enum snapeng_tier tiers[3] = { SNAPENG_PML, SNAPENG_AD, SNAPENG_WP };
	for (int t = 0; t < 3; t++) {
		run_open(&r[t]);
		workload(&r[t], tiers[t], 8, 7);
	}
	for (uint64_t gen = 1; gen <= 8; gen++) {
		for (int t = 0; t < 3; t++)
			read_gen(r[t].st, gen, got[t]);
		ck_assert_msg(!memcmp(got[0], got[1], sizeof got[0]), "PML and AD differ at gen %llu",
			      (unsigned long long)gen);
		ck_assert_msg(!memcmp(got[0], got[2], sizeof got[0]), "PML and WP differ at gen %llu",
			      (unsigned long long)gen);
	}
	for (int t = 0; t < 3; t++)
		run_close(&r[t]);
}
END_TEST

/* Only written pages are stored: the dirty set is small after the first. */
START_TEST(dirty_set_is_only_written_pages)
{
	for (enum snapeng_tier tier = SNAPENG_PML; tier <= SNAPENG_WP; tier++) {
		struct run r = { 0 };
		run_open(&r);
		struct sim *s = sim_start(&r, tier);
		int committed = 0;
		sim_capture(s, "first");
		ck_assert_int_eq(snapeng_step(s->e, NPAGES, &committed), 0);
		ck_assert(committed);
		for (uint64_t g = 10; g < 15; g++)
			sim_write(s, g, 1, 0xAB);
		sim_capture(s, "second");
		struct snapeng_stats st;
		snapeng_stats(s->e, &st);
		ck_assert_uint_eq(st.dirty, 5);
		ck_assert_int_eq(snapeng_step(s->e, NPAGES, &committed), 0);
		ck_assert(committed);
		run_close(&r);
	}
}
END_TEST

START_TEST(capture_while_busy_is_refused)
{
	struct run r = { 0 };
	run_open(&r);
	struct sim *s = sim_start(&r, SNAPENG_PML);
	uint64_t gen;
	sim_capture(s, "a");
	ck_assert_int_eq(snapeng_capture(s->e, "b", 2, 0, &gen), SNAP_EBUSY);
	int handled = 1;
	ck_assert_int_eq(snapeng_fault(s->e, NPAGES + 5, 1, &handled), 0);
	ck_assert_int_eq(handled, 0); /* beyond guest RAM: not the engine's */
	ck_assert_int_eq(snapeng_fault(s->e, 3, 0, &handled), 0);
	ck_assert_int_eq(handled, 1); /* a read of a present page: stale, retried */
	s->leaf[3] = 0;
	ck_assert_int_eq(snapeng_fault(s->e, 3, 0, &handled), 0);
	ck_assert_int_eq(handled, 0); /* a loaded page not mapped: not the engine's */
	run_close(&r);
}
END_TEST

/* A failed disk write: the generation is given up, its pages stay dirty. */
START_TEST(failed_write_keeps_pages_dirty)
{
	struct run r = { 0 };
	run_open(&r);
	struct sim *s = sim_start(&r, SNAPENG_WP);
	for (uint64_t g = 0; g < NPAGES; g++)
		sim_write(s, g, 0, 1);
	sim_capture(s, "x");
	r.dev.fail_writes = 1;
	int committed = 0;
	ck_assert_int_lt(snapeng_step(s->e, NPAGES, &committed), 0);
	ck_assert(!committed);
	ck_assert(!snapeng_busy(s->e));
	ck_assert_uint_eq(snap_newest(r.st), 0); /* nothing half-committed */
	run_close(&r);
}
END_TEST

/* What the hypervisor does after an I/O error: close the store, open it again. */
static void reopen(struct run *r)
{
	snapeng_detach_store(r->s.e);
	snap_close(r->st);
	ck_assert_int_eq(snap_open(&r->io, 0, &r->st), 0);
	ck_assert_int_eq(snapeng_attach_store(r->s.e, r->st), 0);
}

static void commit_all(struct sim *s)
{
	int committed = 0;
	while (!committed)
		ck_assert_int_eq(snapeng_step(s->e, 7, &committed), 0);
}

static uint8_t gen_byte(snap_store *st, uint64_t gen, uint64_t g, unsigned off)
{
	static uint8_t page[PAGE];
	snap_gen *h;
	ck_assert_int_eq(snap_gen_open(st, gen, 0, &h), 0);
	ck_assert_int_eq(snap_read_page(h, g, page), 0);
	snap_gen_close(h);
	return page[off];
}

/* A hypervisor write into a clean page is in the next generation. */
START_TEST(host_write_reaches_next_generation)
{
	for (enum snapeng_tier tier = SNAPENG_PML; tier <= SNAPENG_WP; tier++) {
		struct run r = { 0 };
		run_open(&r);
		struct sim *s = sim_start(&r, tier);
		sim_capture(s, "first");
		commit_all(s);
		host_write(s, 20, 9, 0x42);
		uint64_t gen = sim_capture(s, "second");
		commit_all(s);
		ck_assert_msg(gen_byte(r.st, gen, 20, 9) == 0x42, "tier %d: host write lost", tier);
		run_close(&r);
	}
}
END_TEST

/* A hypervisor write into a page captured but not stored yet belongs to
 * the next generation, not to the one being written. */
START_TEST(host_write_to_captured_page_stays_out)
{
	for (enum snapeng_tier tier = SNAPENG_PML; tier <= SNAPENG_WP; tier++) {
		struct run r = { 0 };
		run_open(&r);
		struct sim *s = sim_start(&r, tier);
		sim_capture(s, "first");
		commit_all(s);
		sim_write(s, 30, 5, 0x11);
		uint64_t n = sim_capture(s, "n");
		host_write(s, 30, 5, 0x77);
		commit_all(s);
		ck_assert_msg(gen_byte(r.st, n, 30, 5) == 0x11, "tier %d: host write leaked into gen N", tier);
		uint64_t n1 = sim_capture(s, "n+1");
		commit_all(s);
		ck_assert_msg(gen_byte(r.st, n1, 30, 5) == 0x77, "tier %d: host write missing in gen N+1", tier);
		run_close(&r);
	}
}
END_TEST

/* During a lazy restore, a hypervisor write to a page not read back yet is
 * not overwritten later by the restore; a read sees the restored content. */
START_TEST(host_access_during_lazy_restore)
{
	struct run r = { 0 };
	run_open(&r);
	struct sim *s = sim_start(&r, SNAPENG_PML);
	sim_write(s, 40, 0, 0x33);
	sim_write(s, 41, 0, 0x44);
	sim_capture(s, "x");
	commit_all(s);
	memset(s->mem, 0x5A, NPAGES * PAGE);
	sim_reboot(&r, SNAPENG_PML, 1);
	host_write(s, 40, 1, 0x99);
	ck_assert_int_eq(snapeng_guest_read(s->e, 41), 0);
	ck_assert_uint_eq(s->mem[41 * PAGE], 0x44);
	while (snapeng_restore_step(s->e, 16) > 0)
		;
	ck_assert_uint_eq(s->mem[40 * PAGE], 0x33);
	ck_assert_uint_eq(s->mem[40 * PAGE + 1], 0x99);
	ck_assert_int_eq(snapeng_guest_write(s->e, NPAGES), SNAP_EINVAL);
	run_close(&r);
}
END_TEST

/* With cpus=2 the AP prefetches a lazy restore while the guest runs on the
 * BSP: a read fault on a frame that was absent when the guest touched it
 * and is loaded by the time the BSP handles it is handled (the leaf is
 * present now), not taken for a violation (smp.sh: the restored counter
 * guest was stopped at a read of GPA 0x16f000). */
START_TEST(fault_on_a_frame_loaded_meanwhile)
{
	struct run r = { 0 };
	run_open(&r);
	struct sim *s = sim_start(&r, SNAPENG_PML);
	sim_write(s, 7, 0, 0x77);
	sim_capture(s, "x");
	commit_all(s);
	sim_reboot(&r, SNAPENG_PML, 1);
	ck_assert_int_eq(snapeng_guest_read(s->e, 7), 0); /* the prefetch loads it */
	int handled = 0;
	ck_assert_int_eq(snapeng_fault(s->e, 7, 0, &handled), 0);
	ck_assert_int_eq(handled, 1);
	ck_assert_uint_eq(s->mem[7 * PAGE], 0x77);
	run_close(&r);
}
END_TEST

/* A generation that fails after storing some of its pages hands ALL of
 * them to the next one: the stored ones are in no committed generation. */
START_TEST(failed_generation_keeps_stored_pages_dirty)
{
	for (enum snapeng_tier tier = SNAPENG_PML; tier <= SNAPENG_WP; tier++) {
		struct run r = { 0 };
		run_open(&r);
		struct sim *s = sim_start(&r, tier);
		sim_capture(s, "first");
		commit_all(s);
		for (uint64_t g = 50; g < 60; g++)
			sim_write(s, g, 2, 0xC0 + (uint8_t)g);
		sim_capture(s, "fails");
		int committed = 0;
		ck_assert_int_eq(snapeng_step(s->e, 4, &committed), 0); /* 4 stored */
		r.dev.fail_writes = 1;
		ck_assert_int_lt(snapeng_step(s->e, 100, &committed), 0);
		r.dev.fail_writes = 0;
		reopen(&r); /* an I/O error leaves the store in ERROR */
		uint64_t gen = sim_capture(s, "retry");
		struct snapeng_stats st;
		snapeng_stats(s->e, &st);
		ck_assert_msg(st.dirty == 10, "tier %d: retry holds %llu pages, want 10", tier,
			      (unsigned long long)st.dirty);
		commit_all(s);
		uint8_t *got = malloc(NPAGES * PAGE);
		read_gen(r.st, gen, got);
		ck_assert(!memcmp(got, s->mem, NPAGES * PAGE));
		free(got);
		run_close(&r);
	}
}
END_TEST

/* Any allocation failing around the first commit during a lazy restore
 * (also reopening the read generation after the commit): the restore still
 * gives back exactly what was committed. */
START_TEST(lazy_restore_survives_failed_allocations)
{
	for (int n = 1; n <= 40; n++) {
		struct run r = { 0 };
		run_open(&r);
		struct sim *s = sim_start(&r, SNAPENG_PML);
		for (uint64_t g = 0; g < NPAGES; g += 3)
			sim_write(s, g, 1, (uint8_t)(g + n));
		sim_capture(s, "x");
		commit_all(s);
		uint8_t *expect = malloc(NPAGES * PAGE);
		memcpy(expect, s->mem, NPAGES * PAGE);
		memset(s->mem, 0x5A, NPAGES * PAGE);
		sim_reboot(&r, SNAPENG_PML, 1);
		sim_write(s, 9, 0, 0xEE);
		expect[9 * PAGE] = 0xEE;
		sim_capture(s, "mid");
		alloc_fail_in = n;
		int committed = 0;
		while (!committed) {
			int rc = snapeng_step(s->e, 3, &committed);
			if (rc < 0) { /* the generation was given up: take the next one */
				alloc_fail_in = 0;
				sim_capture(s, "again");
			}
		}
		alloc_fail_in = 0;
		for (uint64_t g = 0; g < NPAGES; g++)
			sim_read(s, g, 0);
		ck_assert(!memcmp(s->mem, expect, NPAGES * PAGE));
		free(expect);
		run_close(&r);
	}
}
END_TEST

/* After the newest generation is dropped (snapctl drop, the remedy for a
 * damaged one), the next boot's captures take a number above every
 * generation ever committed, not newest + 1. */
START_TEST(capture_after_dropping_the_newest)
{
	struct run r = { 0 };
	run_open(&r);
	struct sim *s = sim_start(&r, SNAPENG_WP);
	sim_write(s, 3, 0, 1);
	sim_capture(s, "1");
	commit_all(s);
	sim_write(s, 4, 0, 2);
	sim_capture(s, "2");
	commit_all(s);
	snapeng_destroy(s->e);
	ck_assert_int_eq(snap_drop(r.st, 2), 0);
	memset(s->leaf, 0, sizeof s->leaf);
	struct snapeng_host h = sim_host(s);
	ck_assert_int_eq(snapeng_create(&h, r.st, NPAGES, SNAPENG_WP, &s->e), 0);
	char state[8];
	size_t len;
	ck_assert_int_eq(snapeng_restore(s->e, 0, state, sizeof state, &len), 0);
	ck_assert_str_eq(state, "1");
	sim_write(s, 5, 0, 3);
	uint64_t gen = 0;
	ck_assert_int_eq(snapeng_capture(s->e, "3", 2, 1000, &gen), 0);
	ck_assert_uint_eq(gen, 3);
	commit_all(s);
	ck_assert_uint_eq(gen_byte(r.st, 3, 5, 0), 3);
	ck_assert_uint_eq(gen_byte(r.st, 3, 4, 0), 0); /* the dropped generation's write is gone */
	run_close(&r);
}
END_TEST

/* ---- the heap a big guest's first commit needs (hv/disk.h) ---- */

static size_t budget_left;
static void *b_alloc(void *c, size_t n)
{
	(void)c;
	if (n > budget_left)
		return NULL;
	budget_left -= n;
	return malloc(n);
}
static void b_free(void *c, void *p, size_t n) { (void)c; budget_left += n; free(p); }
static uint8_t zero_page[PAGE];
#define BIG_BLOCKS (1u << 14)
static uint64_t big_size(void *c) { (void)c; return BIG_BLOCKS; }
static uint64_t *big_leaf;
static uint8_t *b_page(void *c, uint64_t g) { (void)c; (void)g; return zero_page; }
static uint64_t *b_leaf(void *c, uint64_t g) { (void)c; return &big_leaf[g]; }

/* The first generation of a guest of `mib` MiB, committed with a heap of
 * `heap` bytes shared by the store and the engine, as in the hypervisor. */
static int big_first_commit(uint64_t mib, size_t heap)
{
	uint64_t frames = mib << 8;
	struct memdev dev = { .blk = calloc(BIG_BLOCKS, PAGE) };
	struct snap_io io = { &dev, md_read, md_write, md_flush, big_size, b_alloc, b_free, NULL, NULL, NULL };
	struct snap_format_opts fo = { .keep = 4 };
	budget_left = SIZE_MAX;
	ck_assert_int_eq(snap_format(&io, &fo), 0);
	budget_left = heap;
	snap_store *st;
	ck_assert_int_eq(snap_open(&io, 0, &st), 0);
	big_leaf = calloc(frames, 8);
	struct snapeng_host h = { NULL, b_page, b_leaf, s_invept, b_alloc, b_free };
	snapeng *e;
	int rc = snapeng_create(&h, st, frames, SNAPENG_PML, &e);
	uint64_t gen;
	if (!rc)
		rc = snapeng_capture(e, "big", 4, 1, &gen);
	for (int committed = 0; !rc && !committed;)
		rc = snapeng_step(e, 1u << 16, &committed);
	snapeng_destroy(e);
	snap_close(st);
	free(big_leaf);
	free(dev.blk);
	return rc;
}

/* mem= allows 3072 MiB: the heap the hypervisor sizes (disk_heap_bytes)
 * commits the first generation of such guests (with the store of issue 5
 * the old fixed 24 MiB gave SNAP_ENOMEM from 2 GiB on). */
START_TEST(first_commit_of_big_guests_fits_the_heap)
{
	ck_assert_int_eq(big_first_commit(2048, disk_heap_bytes(2048u << 8, BIG_BLOCKS)), 0);
	ck_assert_int_eq(big_first_commit(3072, disk_heap_bytes(3072u << 8, BIG_BLOCKS)), 0);
}
END_TEST

/* Lazy restore: pages come back on first touch and by prefetch; writes and
 * captures during the restore see exactly the committed contents. */
static void lazy_restore(enum snapeng_tier tier)
{
	struct run r = { 0 };
	run_open(&r);
	workload(&r, tier, 6, 99);
	uint64_t restored = r.last_gen;
	snapeng_destroy(r.s.e);
	r.s.e = NULL;
	/* "reboot": new memory, garbage in it, a new engine */
	struct sim s2 = { .tier = tier, .mem = malloc(NPAGES * PAGE) };
	memset(s2.mem, 0x5A, NPAGES * PAGE);
	struct snapeng_host h = sim_host(&s2);
	ck_assert_int_eq(snapeng_create(&h, r.st, NPAGES, tier, &s2.e), 0);
	char state[64];
	size_t len = 0;
	ck_assert_int_eq(snapeng_restore(s2.e, 0, state, sizeof state, &len), 0);
	ck_assert_uint_gt(len, 0);
	ck_assert(!strncmp(state, "vcpu-", 5));
	uint8_t *expect = malloc(NPAGES * PAGE);
	memcpy(expect, r.ref[restored], NPAGES * PAGE);
	/* touch a few pages, write some, capture mid-restore */
	ck_assert_uint_eq(sim_read(&s2, 5, 17), expect[5 * PAGE + 17]);
	sim_write(&s2, 7, 3, 0xEE);
	expect[7 * PAGE + 3] = 0xEE;
	uint64_t mid = sim_capture(&s2, "mid");
	int committed = 0;
	while (!committed)
		ck_assert_int_eq(snapeng_step(s2.e, 4, &committed), 0);
	uint8_t *got = malloc(NPAGES * PAGE);
	read_gen(r.st, mid, got); /* pages never read back keep their old blocks */
	ck_assert(!memcmp(got, expect, NPAGES * PAGE));
	while (snapeng_restore_step(s2.e, 10) > 0)
		;
	ck_assert(!memcmp(s2.mem, expect, NPAGES * PAGE));
	struct snapeng_stats st;
	snapeng_stats(s2.e, &st);
	ck_assert_uint_eq(st.absent, 0);
	ck_assert_uint_eq(st.restored_from, restored);
	snapeng_destroy(s2.e);
	free(s2.mem);
	free(got);
	free(expect);
	r.s.e = NULL;
	run_close(&r);
}

/* ---- a lazy restore's start does not grow with guest RAM (issue 15) ---- */

#define HUGE_FRAMES (1ull << 20) /* a 4 GiB guest */
#define HUGE_REAL 64u            /* frames with memory of their own; the rest share one */
static struct {
	uint64_t *leaf;
	uint8_t *mem, scratch[PAGE];
	uint64_t leaf_calls, page_calls, invepts;
} huge;

static uint8_t *h_page(void *c, uint64_t g)
{
	(void)c;
	huge.page_calls += !snapeng_debug_checking;
	return g < HUGE_REAL ? huge.mem + g * PAGE : huge.scratch;
}
static uint64_t *h_leaf(void *c, uint64_t g)
{
	(void)c;
	huge.leaf_calls += !snapeng_debug_checking;
	return &huge.leaf[g];
}
static void h_invept(void *c) { (void)c; huge.invepts++; }

/* A generation of a 4 GiB guest with three non-zero pages (absent map
 * subtrees are zero pages), and an engine restoring it lazily: creating the
 * engine and starting the restore touch no frame and no leaf (before issue
 * 15 each did one pass over all 2^20), and each page comes back by its
 * fault or by the prefetch, low frames first. */
START_TEST(restore_start_touches_no_frame)
{
	struct run r = { 0 };
	run_open(&r);
	struct snap_begin_opts o = { .base = SNAP_BASE_NONE, .npages = HUGE_FRAMES, .time_ns = 1 };
	static uint8_t page[PAGE];
	uint64_t gen, frames[3] = { 3, 40, HUGE_FRAMES - 1 };
	ck_assert_int_eq(snap_begin(r.st, &o), 0);
	for (int i = 0; i < 3; i++) {
		memset(page, 0xA0 + i, PAGE);
		ck_assert_int_eq(snap_write_page(r.st, frames[i], page), 0);
	}
	ck_assert_int_eq(snap_set_state(r.st, "huge", 5), 0);
	ck_assert_int_eq(snap_commit(r.st, &gen), 0);

	huge.leaf = calloc(HUGE_FRAMES, 8); /* the new boot's EPT: nothing present */
	huge.mem = malloc(HUGE_REAL * PAGE);
	memset(huge.mem, 0x5A, HUGE_REAL * PAGE); /* what RAM held before */
	huge.leaf_calls = huge.page_calls = huge.invepts = 0;
	struct snapeng_host h = { NULL, h_page, h_leaf, h_invept, md_alloc, md_free };
	snapeng *e;
	ck_assert_int_eq(snapeng_create(&h, r.st, HUGE_FRAMES, SNAPENG_PML, &e), 0);
	char state[8];
	size_t len = 0;
	ck_assert_int_eq(snapeng_restore(e, 0, state, sizeof state, &len), 0);
	ck_assert_str_eq(state, "huge");
	ck_assert_msg(huge.leaf_calls == 0 && huge.page_calls == 0,
		      "starting a restore touched %llu leaves and %llu frames of %llu",
		      (unsigned long long)huge.leaf_calls, (unsigned long long)huge.page_calls,
		      (unsigned long long)HUGE_FRAMES);
	ck_assert_uint_le(huge.invepts, 1);
	struct snapeng_stats st;
	snapeng_stats(e, &st);
	ck_assert_uint_eq(st.absent, HUGE_FRAMES);
	ck_assert_uint_eq(st.restored_from, gen);
	/* a second restore, or one after a capture, is refused */
	ck_assert_int_eq(snapeng_restore(e, 0, state, sizeof state, &len), SNAP_EBUSY);

	/* the guest touches frame 40 first: one read, one leaf */
	int handled = 0;
	ck_assert_int_eq(snapeng_fault(e, 40, 0, &handled), 0);
	ck_assert(handled);
	ck_assert_uint_eq(huge.mem[40 * PAGE + 7], 0xA1);
	ck_assert(huge.leaf[40] & SNAPENG_EPT_R);
	ck_assert_uint_le(huge.leaf_calls + huge.page_calls, 4);
	ck_assert_int_eq(snapeng_fault(e, 40, 0, &handled), 0);
	ck_assert(handled); /* present now: a fault that raced the load, retried */

	/* the prefetch reads low frames first, skipping the one already read */
	ck_assert_int_eq(snapeng_restore_step(e, 8), (int64_t)(HUGE_FRAMES - 9));
	for (uint64_t g = 0; g < 8; g++)
		ck_assert_msg(huge.leaf[g] & SNAPENG_EPT_R, "frame %llu not prefetched first", (unsigned long long)g);
	ck_assert(!(huge.leaf[8] & SNAPENG_EPT_R));
	ck_assert_uint_eq(huge.mem[3 * PAGE], 0xA0);
	ck_assert_uint_eq(huge.mem[5 * PAGE], 0); /* a zero page overwrote the old RAM */
	/* a host read of the last frame */
	ck_assert_int_eq(snapeng_guest_read(e, HUGE_FRAMES - 1), 0);
	ck_assert_uint_eq(huge.scratch[100], 0xA2);
	ck_assert_uint_le(huge.leaf_calls + huge.page_calls, 4 + 2 * 9);
	snapeng_destroy(e);

	/* The AD tier's capture scans leaves, but not those of absent frames:
	 * asking for them would make the hypervisor build their tables. */
	memset(huge.leaf, 0, HUGE_FRAMES * 8);
	ck_assert_int_eq(snapeng_create(&h, r.st, HUGE_FRAMES, SNAPENG_AD, &e), 0);
	ck_assert_int_eq(snapeng_restore(e, 0, state, sizeof state, &len), 0);
	ck_assert_int_eq(snapeng_fault(e, 3, 1, &handled), 0);
	huge.leaf[3] |= SNAPENG_EPT_D; /* the guest's write */
	huge.leaf_calls = 0;
	ck_assert_int_eq(snapeng_capture(e, "ad", 3, 1, &gen), 0);
	snapeng_stats(e, &st);
	ck_assert_uint_eq(st.dirty, 1);
	ck_assert_msg(huge.leaf_calls <= 3, "an AD capture during a restore asked for %llu leaves",
		      (unsigned long long)huge.leaf_calls);
	snapeng_destroy(e);
	free(huge.leaf);
	free(huge.mem);
	run_close(&r);
}
END_TEST

START_TEST(lazy_restore_pml) { lazy_restore(SNAPENG_PML); }
END_TEST
START_TEST(lazy_restore_wp) { lazy_restore(SNAPENG_WP); }
END_TEST
START_TEST(lazy_restore_ad) { lazy_restore(SNAPENG_AD); }
END_TEST

static Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *core = tcase_create("core"), *rest = tcase_create("restore"), *err = tcase_create("errors");
	TCase *big = tcase_create("big");
	tcase_set_timeout(core, 60);
	tcase_add_test(core, pml_generations_match_capture);
	tcase_add_test(core, ad_generations_match_capture);
	tcase_add_test(core, wp_generations_match_capture);
	tcase_add_test(core, tiers_give_identical_generations);
	tcase_add_test(core, dirty_set_is_only_written_pages);
	tcase_add_test(core, host_write_reaches_next_generation);
	tcase_add_test(core, host_write_to_captured_page_stays_out);
	tcase_add_test(rest, host_access_during_lazy_restore);
	tcase_add_test(rest, fault_on_a_frame_loaded_meanwhile);
	tcase_add_test(rest, lazy_restore_survives_failed_allocations);
	tcase_add_test(rest, lazy_restore_pml);
	tcase_add_test(rest, lazy_restore_wp);
	tcase_add_test(rest, lazy_restore_ad);
	tcase_add_test(rest, restore_start_touches_no_frame);
	tcase_add_test(err, capture_while_busy_is_refused);
	tcase_add_test(err, failed_write_keeps_pages_dirty);
	tcase_add_test(big, first_commit_of_big_guests_fits_the_heap);
	tcase_add_test(err, capture_after_dropping_the_newest);
	tcase_add_test(err, failed_generation_keeps_stored_pages_dirty);
	suite_add_tcase(s, core);
	suite_add_tcase(s, rest);
	suite_add_tcase(s, err);
	tcase_set_timeout(big, 120);
	suite_add_tcase(s, big);
	return s;
}

int main(void)
{
	return unit_main(engine_suite(), NULL);
}
