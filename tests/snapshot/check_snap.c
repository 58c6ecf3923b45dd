/*
 * tests/snapshot/check_snap.c — unit tests of the snapshot store.
 *
 * Suites: format (probe, refuse, force), commit (round trip, zero pages,
 * retention, pins, block reuse, bytes written), errors (sticky error state,
 * bad arguments), damage (bit flips in every block of a store, misdirected
 * writes, superblock loss, fallback only when asked), streams (full and
 * incremental send/recv, damaged streams refused whole), diff, async
 * (writes through snap_io.submit/complete: round trip, a write that fails
 * at its completion, close with writes in flight).
 */
#include <stdlib.h>
#include <string.h>

#include "hv/state_blob.h"
#include "snapshot/snap.h"
#include "tests/snapshot/crashdev.h"
#include "tests/snapshot/membuf.h"
#include "tests/unit.h"

#define PS SNAP_PAGE_SIZE
#define NP 600          /* guest frames: a two-level map */
#define NB 4096         /* device blocks */

static struct crashdev dev;
static struct snap_io io;
static snap_store *st;
static uint8_t *mem[8]; /* models of generations 1..7, by number */

static void fill(uint8_t *p, uint64_t seed)
{
	for (unsigned i = 0; i < PS / 8; i++)
		((uint64_t *)p)[i] = seed * 0x9E3779B97F4A7C15ull + i;
}

static void setup(void)
{
	crashdev_init(&dev, NULL, NB);
	crashdev_io(&dev, &io);
	ck_assert_int_eq(snap_format(&io, NULL), 0);
	ck_assert_int_eq(snap_open(&io, 0, &st), 0);
	for (int i = 0; i < 8; i++)
		mem[i] = calloc(NP, PS);
}

static void teardown(void)
{
	snap_close(st);
	st = NULL;
	crashdev_free(&dev);
	for (int i = 0; i < 8; i++)
		free(mem[i]);
}

/* Commits generation `gen` = previous model + `n` pages changed. */
static uint64_t commit_n(int gen, unsigned n, uint64_t seed)
{
	uint8_t page[PS];
	uint64_t g;
	struct snap_begin_opts bo = { .npages = NP };
	if (gen > 1)
		memcpy(mem[gen], mem[gen - 1], (size_t)NP * PS);
	ck_assert_msg(snap_begin(st, &bo) == 0, "%s", snap_errmsg(st));
	for (unsigned i = 0; i < n; i++) {
		uint64_t gfn = (seed * 7919 + i * 31) % NP;
		fill(page, seed + i);
		if (i % 5 == 4)
			memset(page, 0, PS);
		ck_assert_int_eq(snap_write_page(st, gfn, page), 0);
		memcpy(mem[gen] + gfn * PS, page, PS);
	}
	char state[100];
	memset(state, gen, sizeof state);
	ck_assert_int_eq(snap_set_state(st, state, sizeof state), 0);
	ck_assert_msg(snap_commit(st, &g) == 0, "%s", snap_errmsg(st));
	ck_assert_uint_eq(g, (uint64_t)gen);
	return g;
}

static int gen_matches(uint64_t gen, const uint8_t *model)
{
	snap_gen *g;
	uint8_t page[PS];
	int ok = snap_gen_open(st, gen, 0, &g) == 0;
	for (uint64_t p = 0; ok && p < NP; p++)
		ok = snap_read_page(g, p, page) == 0 &&
		     memcmp(page, model + p * PS, PS) == 0;
	snap_gen_close(g);
	return ok;
}

static void reopen(void)
{
	snap_close(st);
	ck_assert_int_eq(snap_open(&io, 0, &st), 0);
}

/* ---------------------------------------------------------------- format */

START_TEST(format_refuses_existing_store)
{
	ck_assert_int_eq(snap_probe(&io), 0);
	ck_assert_int_eq(snap_format(&io, NULL), SNAP_EEXIST);
	struct snap_format_opts fo = { .force = 1 };
	ck_assert_int_eq(snap_format(&io, &fo), 0);
}
END_TEST

START_TEST(open_refuses_non_store)
{
	struct crashdev d2;
	struct snap_io io2;
	snap_store *s2;
	uint8_t junk[PS];
	crashdev_init(&d2, NULL, 64);
	crashdev_io(&d2, &io2);
	fill(junk, 3);
	crashdev_put(&d2, 0, junk);
	ck_assert_int_eq(snap_probe(&io2), SNAP_ENOTSTORE);
	ck_assert_int_eq(snap_open(&io2, 0, &s2), SNAP_ENOTSTORE);
	snap_close(s2);
	crashdev_free(&d2);
}
END_TEST

START_TEST(format_bad_keep_and_tiny_device)
{
	struct snap_format_opts fo = { .keep = 1, .force = 1 };
	ck_assert_int_eq(snap_format(&io, &fo), SNAP_EINVAL);
	struct crashdev d2;
	struct snap_io io2;
	crashdev_init(&d2, NULL, 4);
	crashdev_io(&d2, &io2);
	ck_assert_int_eq(snap_format(&io2, NULL), SNAP_EINVAL);
	crashdev_free(&d2);
}
END_TEST

START_TEST(empty_store_has_no_generation)
{
	snap_gen *g;
	ck_assert_uint_eq(snap_newest(st), 0);
	ck_assert_int_eq(snap_gen_open(st, 0, 0, &g), SNAP_ENOENT);
}
END_TEST

/* ---------------------------------------------------------------- commit */

START_TEST(commit_round_trip)
{
	commit_n(1, 100, 1);
	commit_n(2, 10, 2);
	reopen();
	ck_assert_uint_eq(snap_newest(st), 2);
	ck_assert(gen_matches(1, mem[1]));
	ck_assert(gen_matches(2, mem[2]));
	snap_gen *g;
	char state[100], want[100];
	ck_assert_int_eq(snap_gen_open(st, 2, 0, &g), 0);
	ck_assert_int_eq(snap_read_state(g, state, sizeof state), 0);
	memset(want, 2, sizeof want);
	ck_assert_mem_eq(state, want, sizeof want);
	struct snap_geninfo gi;
	snap_gen_info(g, &gi);
	ck_assert_uint_eq(gi.dirty_pages, 10);
	ck_assert_uint_eq(gi.base, 1);
	snap_gen_close(g);
}
END_TEST

START_TEST(zero_pages_cost_no_block)
{
	uint8_t zero[PS] = { 0 };
	struct snap_begin_opts bo = { .npages = NP };
	struct snap_space before, after;
	ck_assert_int_eq(snap_gc(st, &before), 0);
	ck_assert_int_eq(snap_begin(st, &bo), 0);
	for (int p = 0; p < NP; p++)
		ck_assert_int_eq(snap_write_page(st, p, zero), 0);
	ck_assert_int_eq(snap_commit(st, NULL), 0);
	ck_assert_int_eq(snap_gc(st, &after), 0);
	/* the record only (state and catalog fit in the record and the
	 * superblock): the map is empty, the pages are zero */
	ck_assert_uint_eq(after.used_blocks - before.used_blocks, 1);
	ck_assert(gen_matches(1, mem[1]));
}
END_TEST

START_TEST(page_written_twice_last_wins)
{
	uint8_t a[PS], b[PS];
	struct snap_begin_opts bo = { .npages = NP };
	fill(a, 10);
	fill(b, 11);
	ck_assert_int_eq(snap_begin(st, &bo), 0);
	ck_assert_int_eq(snap_write_page(st, 5, a), 0);
	ck_assert_int_eq(snap_write_page(st, 6, a), 0);
	ck_assert_int_eq(snap_write_page(st, 5, b), 0);
	ck_assert_int_eq(snap_commit(st, NULL), 0);
	memcpy(mem[1] + 5 * PS, b, PS);
	memcpy(mem[1] + 6 * PS, a, PS);
	ck_assert(gen_matches(1, mem[1]));
	ck_assert_uint_eq(dev.overlaps, 0);
}
END_TEST

START_TEST(retention_keeps_newest_k_and_pinned)
{
	struct snap_geninfo gi[8];
	unsigned n;
	commit_n(1, 20, 1);
	commit_n(2, 20, 2);
	ck_assert_int_eq(snap_pin(st, 1, 1), 0);
	commit_n(3, 20, 3);
	commit_n(4, 20, 4);
	ck_assert_int_eq(snap_list(st, gi, 8, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(gi[0].gen, 4);
	ck_assert_uint_eq(gi[1].gen, 3);
	ck_assert_uint_eq(gi[2].gen, 1);
	ck_assert_int_eq(gi[2].pinned, 1);
	ck_assert(gen_matches(1, mem[1]));
	ck_assert_int_eq(snap_pin(st, 1, 0), 0);
	ck_assert_int_eq(snap_list(st, gi, 8, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(snap_pin(st, 1, 1), SNAP_ENOENT);
	ck_assert_int_eq(snap_set_keep(st, 3), 0);
	commit_n(5, 20, 5);
	ck_assert_int_eq(snap_list(st, gi, 8, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(snap_set_keep(st, 1), SNAP_EINVAL);
}
END_TEST

START_TEST(blocks_are_reused_and_space_is_bounded)
{
	/* 200 commits of 300 pages each would need 15 times the device */
	struct snap_space sp;
	for (int i = 1; i <= 200; i++) {
		uint8_t page[PS];
		struct snap_begin_opts bo = { .npages = NP };
		ck_assert_int_eq(snap_begin(st, &bo), 0);
		for (int p = 0; p < 300; p++) {
			fill(page, (uint64_t)i * 1000 + p);
			ck_assert_int_eq(snap_write_page(st, (p * 2 + i) % NP, page), 0);
		}
		ck_assert_msg(snap_commit(st, NULL) == 0, "commit %d: %s", i,
			      snap_errmsg(st));
	}
	ck_assert_int_eq(snap_gc(st, &sp), 0);
	ck_assert_uint_lt(sp.used_blocks, NB / 2);
	ck_assert_uint_eq(dev.overlaps, 0);
}
END_TEST

START_TEST(open_generation_survives_retention)
{
	/* lazy restore: generation 1 is read page by page while the guest
	 * runs on and new generations push it out of the catalog */
	snap_gen *g;
	uint8_t page[PS];
	struct snap_space sp;
	commit_n(1, 300, 1);
	ck_assert_int_eq(snap_gen_open(st, 1, 0, &g), 0);
	/* enough new generations for the allocator to come round the
	 * device several times */
	for (int i = 2; i <= 60; i++) {
		struct snap_begin_opts bo = { .npages = NP };
		ck_assert_int_eq(snap_begin(st, &bo), 0);
		for (int p = 0; p < 300; p++) {
			fill(page, (uint64_t)i * 1000 + p);
			ck_assert_int_eq(snap_write_page(st, p, page), 0);
		}
		ck_assert_int_eq(snap_commit(st, NULL), 0);
		ck_assert_int_eq(snap_gc(st, &sp), 0);
	}
	ck_assert_uint_eq(snap_newest(st), 60);
	for (uint64_t p = 0; p < NP; p++) {
		ck_assert_int_eq(snap_read_page(g, p, page), 0);
		ck_assert_mem_eq(page, mem[1] + p * PS, PS);
	}
	snap_gen_close(g);
	/* closed: now its blocks may go */
	struct snap_space after;
	ck_assert_int_eq(snap_gc(st, &after), 0);
	ck_assert_uint_lt(after.used_blocks, sp.used_blocks);
}
END_TEST

START_TEST(bytes_written_counts_every_block)
{
	uint64_t before = dev.blocks_written;
	commit_n(1, 256, 9);
	snap_gen *g;
	struct snap_geninfo gi;
	ck_assert_int_eq(snap_gen_open(st, 1, 0, &g), 0);
	snap_gen_info(g, &gi);
	snap_gen_close(g);
	ck_assert_uint_eq(gi.bytes_written, (dev.blocks_written - before) * PS);
}
END_TEST

START_TEST(abort_leaves_store_as_it_was)
{
	uint8_t page[PS];
	struct snap_space a, b;
	commit_n(1, 50, 1);
	ck_assert_int_eq(snap_gc(st, &a), 0);
	struct snap_begin_opts bo = { .npages = NP };
	ck_assert_int_eq(snap_begin(st, &bo), 0);
	fill(page, 77);
	ck_assert_int_eq(snap_write_page(st, 3, page), 0);
	snap_abort(st);
	ck_assert_int_eq(snap_space(st, &b), 0);
	ck_assert_uint_eq(a.used_blocks, b.used_blocks);
	ck_assert_uint_eq(snap_newest(st), 1);
	ck_assert(gen_matches(1, mem[1]));
}
END_TEST

/* ---------------------------------------------------------------- errors */

static void begin_gen(void)
{
	struct snap_begin_opts bo = { .npages = NP };
	ck_assert_int_eq(snap_begin(st, &bo), 0);
}

/* In a generation begun on generation 1, writes up to `pages` pages (then
 * commits) until the device's planted failure shows: it must show as
 * SNAP_EIO, and every later call of the store must refuse (invariant 6)
 * until a reopen, which finds generation 1 intact. */
static void expect_sticky_failure(int pages)
{
	uint8_t page[PS];
	struct snap_begin_opts bo = { .npages = NP };
	int rc = 0;
	for (int p = 0; p < pages && !rc; p++) {
		fill(page, (uint64_t)p);
		rc = snap_write_page(st, p, page);
	}
	if (!rc)
		rc = snap_commit(st, NULL);
	ck_assert_int_eq(rc, SNAP_EIO);
	ck_assert_int_eq(snap_commit(st, NULL), SNAP_EFATAL);
	ck_assert_int_eq(snap_begin(st, &bo), SNAP_EFATAL);
	ck_assert_int_eq(snap_pin(st, 1, 1), SNAP_EFATAL);
	reopen(); /* closing waits for writes still in flight */
	ck_assert_uint_eq(snap_newest(st), 1);
	ck_assert(gen_matches(1, mem[1]));
}

START_TEST(failed_write_is_sticky)
{
	commit_n(1, 50, 1);
	begin_gen();
	dev.fail_write_at = dev.ops + 1;
	expect_sticky_failure(100);
}
END_TEST

START_TEST(failed_flush_is_sticky)
{
	uint8_t page[PS];
	commit_n(1, 50, 1);
	struct snap_begin_opts bo = { .npages = NP };
	ck_assert_int_eq(snap_begin(st, &bo), 0);
	fill(page, 1);
	ck_assert_int_eq(snap_write_page(st, 1, page), 0);
	/* one page fits the combining buffer: commit's first request to the
	 * device is its data write, the second the flush before the
	 * superblock */
	dev.fail_flush_at = dev.ops + 2;
	ck_assert_int_eq(snap_commit(st, NULL), SNAP_EIO);
	ck_assert_uint_eq(dev.flushes, 5); /* format 3 (input log, slots), commit 1 two: no more */
	ck_assert_int_eq(snap_begin(st, &bo), SNAP_EFATAL);
	reopen();
	ck_assert_uint_eq(snap_newest(st), 1);
	ck_assert(gen_matches(1, mem[1]));
}
END_TEST

START_TEST(too_many_pinned)
{
	uint8_t page[PS];
	struct snap_begin_opts bo = { .npages = NP };
	int rc = 0;
	uint64_t g;
	for (unsigned i = 0; i < SNAP_MAX_RETAINED + 2 && !rc; i++) {
		fill(page, i);
		ck_assert_int_eq(snap_begin(st, &bo), 0);
		ck_assert_int_eq(snap_write_page(st, i % NP, page), 0);
		rc = snap_commit(st, &g);
		if (!rc)
			ck_assert_int_eq(snap_pin(st, g, 1), 0);
	}
	ck_assert_int_eq(rc, SNAP_ELIMIT);
	ck_assert_ptr_nonnull(strstr(snap_errmsg(st), "unpin"));
	/* the failed generation is gone, the store goes on after an unpin */
	ck_assert_uint_eq(snap_newest(st), SNAP_MAX_RETAINED);
	ck_assert_int_eq(snap_pin(st, 1, 0), 0);
	ck_assert_int_eq(snap_begin(st, &bo), 0);
	ck_assert_int_eq(snap_commit(st, &g), 0);
	ck_assert_uint_eq(g, SNAP_MAX_RETAINED + 1); /* 127 never committed */
}
END_TEST

START_TEST(bad_arguments)
{
	uint8_t page[PS] = { 1 };
	struct snap_begin_opts bo = { .npages = NP };
	ck_assert_int_eq(snap_write_page(st, 0, page), SNAP_EBUSY);
	ck_assert_int_eq(snap_commit(st, NULL), SNAP_EBUSY);
	struct snap_begin_opts none = { 0 };
	ck_assert_int_eq(snap_begin(st, &none), SNAP_EINVAL);
	ck_assert_int_eq(snap_begin(st, &bo), 0);
	ck_assert_int_eq(snap_begin(st, &bo), SNAP_EBUSY);
	ck_assert_int_eq(snap_write_page(st, NP, page), SNAP_EINVAL);
	ck_assert_ptr_nonnull(strstr(snap_errmsg(st), "600"));
	ck_assert_int_eq(snap_set_state(st, page, SNAP_MAX_STATE + 1),
			 SNAP_ELIMIT);
	/* a generation that lost a write is never committed */
	ck_assert_int_eq(snap_commit(st, NULL), SNAP_EINVAL);
	ck_assert_ptr_nonnull(strstr(snap_errmsg(st), "not committed"));
	ck_assert_uint_eq(snap_newest(st), 0);
	ck_assert_int_eq(snap_begin(st, &bo), 0);
	ck_assert_int_eq(snap_commit(st, NULL), 0);
	struct snap_begin_opts other = { .npages = NP + 1 };
	ck_assert_int_eq(snap_begin(st, &other), SNAP_EINVAL);
	struct snap_begin_opts old = { .npages = NP, .gen = 1 };
	ck_assert_int_eq(snap_begin(st, &old), SNAP_EEXIST);
	struct snap_begin_opts nobase = { .npages = NP, .base = 9 };
	ck_assert_int_eq(snap_begin(st, &nobase), SNAP_ENOENT);
	ck_assert_str_eq(snap_strerror(SNAP_ECORRUPT),
			 "checksum or structure damage");
}
END_TEST

START_TEST(read_only_store_refuses_writes)
{
	commit_n(1, 5, 1);
	snap_close(st);
	ck_assert_int_eq(snap_open(&io, SNAP_OPEN_RDONLY, &st), 0);
	struct snap_begin_opts bo = { .npages = NP };
	ck_assert_int_eq(snap_begin(st, &bo), SNAP_EINVAL);
	ck_assert(gen_matches(1, mem[1]));
}
END_TEST

/* ---------------------------------------------------------------- damage */

/* Reads every page and the state of every retained generation: 0 if all
 * is well, else the first error (its message in errmsg). */
static int read_all(void)
{
	struct snap_geninfo gi[8];
	unsigned n;
	int rc = snap_list(st, gi, 8, &n);
	for (unsigned i = 0; !rc && i < n; i++) {
		snap_gen *g;
		if ((rc = snap_gen_open(st, gi[i].gen, 0, &g)))
			break;
		rc = snap_verify(g);
		snap_gen_close(g);
	}
	return rc;
}

START_TEST(every_bit_flip_is_detected)
{
	commit_n(1, 300, 1);
	commit_n(2, 40, 2);
	struct snap_space sp;
	ck_assert_int_eq(snap_gc(st, &sp), 0);
	snap_close(st);
	st = NULL;
	/* Flip one bit in each block the store has written; whatever the
	 * block, either a read reports damage or nothing reads it at all
	 * (an unreachable block), and a reachable flip is always found. */
	uint64_t found = 0, silent = 0;
	for (uint64_t b = 0; b < NB; b++) {
		if (!dev.ovl_idx[b])
			continue; /* never written */
		crashdev_flip(&dev, b, (uint32_t)(b * 37), (int)b);
		snap_store *s2;
		int rc = snap_open(&io, SNAP_OPEN_RDONLY, &s2);
		if (!rc) {
			st = s2;
			rc = read_all();
			if (!rc)
				rc = snap_verify_super(s2);
			if (!rc)
				ck_assert(gen_matches(1, mem[1]) &&
					  gen_matches(2, mem[2]));
			st = NULL;
		}
		if (rc == SNAP_ECORRUPT) {
			found++;
			/* the message names a block */
			ck_assert_ptr_nonnull(strstr(snap_errmsg(s2), "block"));
		} else {
			ck_assert_int_eq(rc, 0);
			silent++;
		}
		snap_close(s2);
		crashdev_flip(&dev, b, (uint32_t)(b * 37), (int)b);
	}
	/* every block in use but the previous commit's catalog, which only
	 * a fallback would read */
	ck_assert_uint_ge(found, sp.used_blocks - 1);
	ck_assert_uint_gt(found, 250);
	ck_assert_int_eq(snap_open(&io, 0, &st), 0);
}
END_TEST

START_TEST(damage_names_generation_frame_block)
{
	commit_n(1, 300, 1);
	snap_gen *g;
	struct snap_geninfo gi;
	ck_assert_int_eq(snap_gen_open(st, 1, 0, &g), 0);
	snap_gen_info(g, &gi);
	snap_gen_close(g);
	/* find the block of guest frame 7 by a misdirected write: copy the
	 * content of another page's block over it */
	uint64_t gfn = (1 * 7919 + 0 * 31) % NP; /* first page written */
	uint8_t page[PS];
	ck_assert_int_eq(snap_gen_open(st, 1, 0, &g), 0);
	ck_assert_int_eq(snap_read_page(g, gfn, page), 0);
	snap_gen_close(g);
	uint64_t blk = 0;
	uint8_t buf[PS];
	for (uint64_t b = 2; b < NB && !blk; b++) {
		crashdev_get(&dev, b, buf);
		if (!memcmp(buf, page, PS))
			blk = b;
	}
	ck_assert_uint_ne(blk, 0);
	uint8_t other[PS];
	crashdev_get(&dev, blk + 1, other);
	crashdev_put(&dev, blk, other);
	reopen();
	ck_assert_int_eq(snap_gen_open(st, 1, 0, &g), 0);
	ck_assert_int_eq(snap_read_page(g, gfn, page), SNAP_ECORRUPT);
	char want[128];
	snprintf(want, sizeof want, "generation 1, guest frame %llu: data "
		 "block %llu", (unsigned long long)gfn, (unsigned long long)blk);
	ck_assert_msg(strstr(snap_errmsg(st), want), "%s", snap_errmsg(st));
	ck_assert_int_eq(snap_verify(g), SNAP_ECORRUPT);
	snap_gen_close(g);
}
END_TEST

START_TEST(fallback_only_when_asked)
{
	commit_n(1, 300, 1);
	commit_n(2, 30, 1000);
	/* damage a page that generation 2 wrote */
	uint64_t gfn = (1000 * 7919) % NP;
	snap_gen *g;
	uint8_t page[PS];
	ck_assert_int_eq(snap_gen_open(st, 2, 0, &g), 0);
	ck_assert_int_eq(snap_read_page(g, gfn, page), 0);
	snap_gen_close(g);
	uint8_t buf[PS];
	for (uint64_t b = 2; b < NB; b++) {
		crashdev_get(&dev, b, buf);
		if (!memcmp(buf, page, PS)) {
			crashdev_flip(&dev, b, 100, 3);
			break;
		}
	}
	reopen();
	ck_assert_int_eq(snap_gen_open(st, 0, 0, &g), 0);
	ck_assert_int_eq(snap_read_page(g, gfn, page), SNAP_ECORRUPT);
	snap_gen_close(g);
	ck_assert_int_eq(snap_gen_open(st, 0, SNAP_OPEN_FALLBACK, &g), 0);
	struct snap_geninfo gi;
	snap_gen_info(g, &gi);
	ck_assert_uint_eq(gi.gen, 1);
	ck_assert_ptr_nonnull(strstr(snap_errmsg(st), "fell back to generation 1"));
	snap_gen_close(g);
	ck_assert(gen_matches(1, mem[1]));
}
END_TEST

START_TEST(damaged_superblocks)
{
	commit_n(1, 20, 1);
	commit_n(2, 20, 2);
	uint64_t tx = snap_txid(st), slot = tx % 2;
	/* one copy: nothing lost, but reported */
	crashdev_flip(&dev, slot, 40, 1);
	reopen();
	ck_assert_uint_eq(snap_txid(st), tx);
	ck_assert_int_eq(snap_verify_super(st), SNAP_ECORRUPT);
	ck_assert(gen_matches(2, mem[2]));
	/* both copies of the newest slot: refuse, unless fallback is asked */
	crashdev_flip(&dev, slot, 512 + 40, 1);
	snap_close(st);
	ck_assert_int_eq(snap_open(&io, 0, &st), SNAP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(snap_errmsg(st), "superblock slot"));
	snap_close(st);
	ck_assert_int_eq(snap_open(&io, SNAP_OPEN_FALLBACK, &st), 0);
	ck_assert_uint_eq(snap_txid(st), tx - 1);
	ck_assert(gen_matches(1, mem[1]));
	/* both slots gone: refuse, and format will not overwrite it */
	crashdev_flip(&dev, 1 - slot, 40, 1);
	crashdev_flip(&dev, 1 - slot, 512 + 40, 1);
	snap_close(st);
	ck_assert_int_eq(snap_open(&io, SNAP_OPEN_FALLBACK, &st), SNAP_ECORRUPT);
	ck_assert_int_eq(snap_format(&io, NULL), SNAP_EEXIST);
}
END_TEST

START_TEST(damaged_catalog_needs_fallback_flag)
{
	/* a catalog block of its own: version 1, or more than 12 entries */
	snap_set_compat(st, SNAP_COMPAT_V1);
	commit_n(1, 20, 1);
	commit_n(2, 20, 2);
	snap_close(st);
	st = NULL;
	/* the newest catalog is the block just before the superblock write:
	 * find it by magic */
	uint8_t buf[PS];
	uint64_t newest_cat = 0, best_tx = 0;
	for (uint64_t b = 2; b < NB; b++) {
		crashdev_get(&dev, b, buf);
		if (!memcmp(buf, "ABMRGCAT", 8) || ((uint64_t *)buf)[0] == 0x54414347524d4241ull) {
			if (((uint64_t *)buf)[1] >= best_tx) {
				best_tx = ((uint64_t *)buf)[1];
				newest_cat = b;
			}
		}
	}
	ck_assert_uint_ne(newest_cat, 0);
	crashdev_flip(&dev, newest_cat, 70, 0);
	ck_assert_int_eq(snap_open(&io, 0, &st), SNAP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(snap_errmsg(st), "catalog"));
	snap_close(st);
	ck_assert_int_eq(snap_open(&io, SNAP_OPEN_FALLBACK, &st), 0);
	ck_assert_uint_eq(snap_newest(st), 1);
	ck_assert(gen_matches(1, mem[1]));
	/* generation 2 is only in the damaged view: its number is not reused */
	ck_assert_uint_eq(snap_next_gen(st), 3);
}
END_TEST

START_TEST(damaged_old_map_stops_writes_until_dropped)
{
	/* generation 1 pinned; 2 and 3 rewrite every page it has, so its
	 * map leaves are its own */
	uint8_t page[PS];
	commit_n(1, 300, 1);
	ck_assert_int_eq(snap_pin(st, 1, 1), 0);
	for (int g = 2; g <= 3; g++) {
		struct snap_begin_opts bo = { .npages = NP };
		ck_assert_int_eq(snap_begin(st, &bo), 0);
		for (int p = 0; p < NP; p++) {
			fill(page, (uint64_t)g * 10000 + p);
			memcpy(mem[g] + p * PS, page, PS);
			ck_assert_int_eq(snap_write_page(st, p, page), 0);
		}
		ck_assert_int_eq(snap_commit(st, NULL), 0);
	}
	snap_gen *g;
	struct snap_geninfo gi;
	ck_assert_int_eq(snap_gen_open(st, 1, 0, &g), 0);
	snap_gen_info(g, &gi);
	snap_gen_close(g);
	struct { uint64_t blk, csum; } root[256];
	crashdev_get(&dev, gi.root_blk, root);
	ck_assert_uint_ne(root[0].blk, 0);
	crashdev_flip(&dev, root[0].blk, 9, 2); /* a leaf of generation 1 */
	reopen();
	struct snap_begin_opts bo = { .npages = NP };
	ck_assert_int_eq(snap_begin(st, &bo), SNAP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(snap_errmsg(st), "generation 1"));
	ck_assert_int_eq(snap_drop(st, 9), SNAP_ENOENT);
	ck_assert_int_eq(snap_drop(st, 1), 0);
	ck_assert_int_eq(snap_begin(st, &bo), 0);
	ck_assert_int_eq(snap_commit(st, NULL), 0);
	ck_assert(gen_matches(3, mem[3]));
	reopen();
	ck_assert_int_eq(snap_gen_open(st, 1, 0, &g), SNAP_ENOENT);
	ck_assert(gen_matches(3, mem[3]));
}
END_TEST

/* Issue 9: after `snapctl drop` of the newest generation a capture must
 * still find a number: snap_next_gen() is above every number ever
 * committed, across reopen, and snap_begin refuses the dropped number. */
START_TEST(drop_newest_then_commit_again)
{
	commit_n(1, 20, 1);
	commit_n(2, 20, 2);
	commit_n(3, 20, 3);
	ck_assert_uint_eq(snap_next_gen(st), 4);
	ck_assert_int_eq(snap_drop(st, 3), 0);
	ck_assert_uint_eq(snap_newest(st), 2);
	ck_assert_uint_eq(snap_next_gen(st), 4);
	reopen();
	ck_assert_uint_eq(snap_newest(st), 2);
	ck_assert_uint_eq(snap_next_gen(st), 4);
	struct snap_begin_opts bo = { .npages = NP, .gen = 3 };
	ck_assert_int_eq(snap_begin(st, &bo), SNAP_EEXIST);
	bo.gen = snap_next_gen(st);
	ck_assert_msg(snap_begin(st, &bo) == 0, "%s", snap_errmsg(st));
	uint64_t g;
	ck_assert_msg(snap_commit(st, &g) == 0, "%s", snap_errmsg(st));
	ck_assert_uint_eq(g, 4);
	ck_assert(gen_matches(4, mem[2]));
	reopen();
	ck_assert_uint_eq(snap_newest(st), 4);
	ck_assert_uint_eq(snap_next_gen(st), 5);
	bo.gen = 0;
	ck_assert_int_eq(snap_begin(st, &bo), 0);
	ck_assert_int_eq(snap_commit(st, &g), 0);
	ck_assert_uint_eq(g, 5);
}
END_TEST

/* Issue 9: a format interrupted between its two superblock writes. On a
 * blank device the half-written store opens (nothing can be lost); over an
 * old store the old newest commit stays current until the second write,
 * never the commit before it. */
START_TEST(interrupted_format)
{
	struct crashdev d2, c;
	struct snap_io io2;
	snap_store *s2;
	crashdev_init(&d2, NULL, 64);
	crashdev_io(&d2, &io2);
	/* input log zeroed + flush, slot write, flush, then power is lost */
	d2.crash_at = 5;
	ck_assert_int_eq(snap_format(&io2, NULL), SNAP_EIO);
	crashdev_crash(&d2, 1, &c);
	crashdev_io(&c, &io2);
	ck_assert_int_eq(snap_open(&io2, 0, &s2), 0);
	ck_assert_msg(snap_verify_super(s2) == 0, "%s", snap_errmsg(s2));
	snap_close(s2);
	crashdev_free(&c);
	crashdev_free(&d2);

	commit_n(1, 20, 1);
	commit_n(2, 20, 2);
	commit_n(3, 20, 3);
	snap_close(st);
	st = NULL;
	for (uint64_t k = 1; k <= 6; k++) { /* 6 requests: log, flush, 2 x (slot, flush) */
		crashdev_io(&dev, &io);
		dev.crash_at = dev.ops + k;
		struct snap_format_opts fo = { .force = 1 };
		snap_format(&io, &fo);
		crashdev_crash(&dev, k, &c);
		crashdev_io(&c, &io2);
		ck_assert_int_eq(snap_open(&io2, 0, &s2), 0);
		/* the old store as it was, or the new empty one */
		ck_assert_msg(snap_newest(s2) == 3 || snap_newest(s2) == 0,
			      "crash at request %llu: newest %llu",
			      (unsigned long long)k,
			      (unsigned long long)snap_newest(s2));
		snap_close(s2);
		crashdev_free(&c);
	}
	dev.crash_at = 0;
	crashdev_io(&dev, &io);
	ck_assert_int_eq(snap_open(&io, 0, &st), 0);
}
END_TEST

/* ------------------------------------------- fallback keeps the damage */

static uint64_t newest_catalog_block(void)
{
	uint8_t buf[PS];
	uint64_t blk = 0, best_tx = 0;
	for (uint64_t b = 2; b < NB; b++) {
		crashdev_get(&dev, b, buf);
		if (((uint64_t *)buf)[0] == 0x54414347524d4241ull &&
		    ((uint64_t *)buf)[1] >= best_tx) {
			best_tx = ((uint64_t *)buf)[1];
			blk = b;
		}
	}
	return blk;
}

/* Commits one generation on the newest undamaged one: page gfn gets seed. */
static uint64_t commit_on(uint64_t base, uint8_t *model,
			  const uint8_t *base_model, uint64_t gfn, uint64_t seed)
{
	uint8_t page[PS];
	uint64_t g;
	struct snap_begin_opts bo = { .npages = NP, .base = base };
	memcpy(model, base_model, (size_t)NP * PS);
	ck_assert_msg(snap_begin(st, &bo) == 0, "%s", snap_errmsg(st));
	fill(page, seed);
	ck_assert_int_eq(snap_write_page(st, gfn, page), 0);
	memcpy(model + gfn * PS, page, PS);
	ck_assert_msg(snap_commit(st, &g) == 0, "%s", snap_errmsg(st));
	return g;
}

static uint64_t commit_one(uint8_t *model, const uint8_t *base_model,
			   uint64_t gfn, uint64_t seed)
{
	return commit_on(SNAP_BASE_NEWEST, model, base_model, gfn, seed);
}

static int listed(uint64_t gen, int *pinned, int *damaged)
{
	struct snap_geninfo gi[16];
	unsigned n;
	ck_assert_int_eq(snap_list(st, gi, 16, &n), 0);
	for (unsigned i = 0; i < n; i++)
		if (gi[i].gen == gen) {
			*pinned = gi[i].pinned;
			*damaged = gi[i].damaged;
			return 1;
		}
	return 0;
}

/* Issue 9: a damaged newest catalog. The fallback open says what it
 * stepped over; the generation only the damaged catalog listed is found
 * through its record's checksum and restored (it is whole), survives the
 * commits that follow (listed pinned and damaged), and the damaged catalog
 * block is not written, until the user drops it. */
START_TEST(damaged_catalog_generation_survives_later_commits)
{
	struct snap_fallback fb;
	snap_set_compat(st, SNAP_COMPAT_V1); /* catalog blocks, as version 1 */
	commit_n(1, 20, 1);
	commit_n(2, 20, 2);
	snap_set_compat(st, 0);
	uint64_t tx = snap_txid(st);
	snap_close(st);
	st = NULL;
	uint64_t cb = newest_catalog_block();
	ck_assert_uint_ne(cb, 0);
	crashdev_flip(&dev, cb, 40, 0); /* its entries are intact */
	uint8_t damaged[PS], now[PS];
	crashdev_get(&dev, cb, damaged);
	ck_assert_int_eq(snap_open(&io, SNAP_OPEN_FALLBACK, &st), 0);
	snap_fallback_info(st, &fb);
	ck_assert_uint_eq(fb.why, SNAP_FB_CATALOG);
	ck_assert_int_eq(fb.err, SNAP_ECORRUPT);
	ck_assert_uint_eq(fb.damaged_txid, tx);
	ck_assert_uint_eq(fb.damaged_gen, 2);
	ck_assert_uint_eq(fb.used_txid, tx - 1);
	ck_assert_uint_eq(fb.used_gen, 2);
	ck_assert_uint_eq(fb.salvaged, 1);
	ck_assert_msg(strstr(fb.msg, "catalog of superblock txid"), "%s", fb.msg);
	/* the boot's restore: the newest that verifies is generation 2 */
	snap_gen *g;
	struct snap_geninfo gi;
	ck_assert_int_eq(snap_gen_open(st, 0, SNAP_OPEN_FALLBACK, &g), 0);
	snap_gen_info(g, &gi);
	ck_assert_uint_eq(gi.gen, 2);
	ck_assert(gi.damaged && gi.pinned);
	snap_gen_close(g);
	ck_assert(gen_matches(2, mem[2]));
	/* three commits (keep 2), the first on the generation restored */
	uint64_t g3 = commit_on(2, mem[3], mem[2], 5, 333);
	ck_assert_uint_eq(g3, 3);
	ck_assert_int_eq(snap_gen_open(st, 3, 0, &g), 0);
	snap_gen_info(g, &gi);
	ck_assert_uint_eq(gi.base, 2);
	snap_gen_close(g);
	crashdev_get(&dev, cb, now);
	ck_assert_msg(!memcmp(now, damaged, PS), "damaged catalog block written");
	commit_one(mem[4], mem[3], 6, 444);
	commit_one(mem[5], mem[4], 7, 555);
	reopen(); /* no fallback needed any more */
	snap_fallback_info(st, &fb);
	ck_assert_uint_eq(fb.why, SNAP_FB_NONE);
	int pinned = 0, dmg = 0;
	ck_assert(listed(2, &pinned, &dmg));
	ck_assert(pinned && dmg);
	ck_assert(gen_matches(2, mem[2]));
	ck_assert(gen_matches(5, mem[5]));
	/* until the user drops it */
	ck_assert_int_eq(snap_drop(st, 2), 0);
	reopen();
	ck_assert(!listed(2, &pinned, &dmg));
	ck_assert(gen_matches(5, mem[5]));
}
END_TEST

/* Issue 9: a damaged newest generation (a page). The fallback says which
 * generation it used and why; the damaged one is kept (pinned, damaged)
 * through later commits, never used as a base, until dropped. */
START_TEST(damaged_generation_survives_later_commits)
{
	struct snap_fallback fb;
	commit_n(1, 300, 1);
	commit_n(2, 30, 1000);
	uint64_t gfn = (1000 * 7919) % NP;
	snap_gen *g;
	uint8_t page[PS], buf[PS];
	ck_assert_int_eq(snap_gen_open(st, 2, 0, &g), 0);
	ck_assert_int_eq(snap_read_page(g, gfn, page), 0);
	snap_gen_close(g);
	for (uint64_t b = 2; b < NB; b++) {
		crashdev_get(&dev, b, buf);
		if (!memcmp(buf, page, PS)) {
			crashdev_flip(&dev, b, 100, 3);
			break;
		}
	}
	reopen();
	ck_assert_int_eq(snap_gen_open(st, 0, SNAP_OPEN_FALLBACK, &g), 0);
	snap_fallback_info(st, &fb);
	ck_assert_uint_eq(fb.why, SNAP_FB_GENERATION);
	ck_assert_int_eq(fb.err, SNAP_ECORRUPT);
	ck_assert_uint_eq(fb.damaged_gen, 2);
	ck_assert_uint_eq(fb.used_gen, 1);
	ck_assert_msg(strstr(fb.msg, "fell back to generation 1"), "%s", fb.msg);
	snap_gen_close(g);
	uint64_t g3 = commit_one(mem[3], mem[1], 5, 333);
	ck_assert_uint_eq(g3, 3);
	struct snap_geninfo gi;
	ck_assert_int_eq(snap_gen_open(st, 3, 0, &g), 0);
	snap_gen_info(g, &gi);
	ck_assert_uint_eq(gi.base, 1); /* not the damaged newest */
	snap_gen_close(g);
	commit_one(mem[4], mem[3], 6, 444);
	commit_one(mem[5], mem[4], 7, 555);
	reopen();
	int pinned = 0, dmg = 0;
	ck_assert(listed(2, &pinned, &dmg));
	ck_assert(pinned && dmg);
	/* what is not damaged of generation 2 still reads */
	ck_assert_int_eq(snap_gen_open(st, 2, 0, &g), 0);
	ck_assert_int_eq(snap_read_page(g, gfn, buf), SNAP_ECORRUPT);
	ck_assert_int_eq(snap_read_page(g, (gfn + 1) % NP, buf), 0);
	ck_assert(!memcmp(buf, mem[2] + ((gfn + 1) % NP) * PS, PS));
	snap_gen_close(g);
	ck_assert(gen_matches(5, mem[5]));
	ck_assert_int_eq(snap_drop(st, 2), 0);
	reopen();
	ck_assert(!listed(2, &pinned, &dmg));
}
END_TEST

/* Issue 9: a damaged map block of the newest generation stopped every
 * write (marking cannot know its blocks). After a fallback stepped over
 * it, the store writes on, keeping what can be read of it. */
START_TEST(damaged_newest_map_does_not_stop_writes_after_fallback)
{
	uint8_t page[PS];
	commit_n(1, 300, 1);
	struct snap_begin_opts bo = { .npages = NP };
	ck_assert_int_eq(snap_begin(st, &bo), 0);
	for (int p = 0; p < NP; p++) {
		fill(page, 20000 + p);
		memcpy(mem[2] + p * PS, page, PS);
		ck_assert_int_eq(snap_write_page(st, p, page), 0);
	}
	ck_assert_int_eq(snap_commit(st, NULL), 0);
	snap_gen *g;
	struct snap_geninfo gi;
	ck_assert_int_eq(snap_gen_open(st, 2, 0, &g), 0);
	snap_gen_info(g, &gi);
	snap_gen_close(g);
	struct { uint64_t blk, csum; } root[256];
	crashdev_get(&dev, gi.root_blk, root);
	crashdev_flip(&dev, root[1].blk, 9, 2); /* a leaf of generation 2 */
	reopen();
	ck_assert_int_eq(snap_begin(st, &bo), SNAP_ECORRUPT); /* as before */
	reopen();
	ck_assert_int_eq(snap_gen_open(st, 0, SNAP_OPEN_FALLBACK, &g), 0);
	snap_gen_info(g, &gi);
	ck_assert_uint_eq(gi.gen, 1);
	snap_gen_close(g);
	ck_assert_uint_eq(commit_one(mem[3], mem[1], 5, 333), 3);
	reopen();
	ck_assert(gen_matches(3, mem[3]));
	int pinned = 0, dmg = 0;
	ck_assert(listed(2, &pinned, &dmg));
	ck_assert(pinned && dmg);
	ck_assert_uint_eq(commit_one(mem[4], mem[3], 6, 444), 4);
}
END_TEST

/* Issue 9: a lost superblock slot: the fallback says so; the next commit
 * rewrites that slot (the store heals) with a number the lost slot cannot
 * have used. */
START_TEST(lost_slot_fallback_reports_and_heals)
{
	struct snap_fallback fb;
	commit_n(1, 20, 1);
	commit_n(2, 20, 2);
	uint64_t tx = snap_txid(st), slot = tx % 2;
	crashdev_flip(&dev, slot, 40, 1);
	crashdev_flip(&dev, slot, 512 + 40, 1);
	snap_close(st);
	ck_assert_int_eq(snap_open(&io, SNAP_OPEN_FALLBACK, &st), 0);
	snap_fallback_info(st, &fb);
	ck_assert_uint_eq(fb.why, SNAP_FB_SLOT_LOST);
	ck_assert_uint_eq(fb.used_txid, tx - 1);
	ck_assert_uint_eq(fb.used_gen, 1);
	ck_assert_msg(strstr(fb.msg, "damaged in both copies"), "%s", fb.msg);
	ck_assert_uint_gt(snap_next_gen(st), 2);
	uint64_t g = commit_one(mem[3], mem[1], 5, 333);
	ck_assert_uint_gt(g, 2);
	reopen(); /* no fallback needed: the lost slot holds the new commit */
	ck_assert_uint_eq(snap_newest(st), g);
	ck_assert(gen_matches(g, mem[3]));
}
END_TEST

/* ---------------------------------------------------------------- streams */

START_TEST(send_recv_full_and_incremental)
{
	struct buf full = { 0 }, inc = { 0 };
	commit_n(1, 300, 1);
	commit_n(2, 25, 2);
	ck_assert_int_eq(snap_send(st, 0, 1, buf_out, &full), 0);
	ck_assert_int_eq(snap_send(st, 1, 2, buf_out, &inc), 0);
	/* an incremental stream carries the changed pages only */
	ck_assert_uint_lt(inc.len, 26 * (PS + 64) + 1024);

	struct crashdev d2;
	struct snap_io io2;
	snap_store *s2;
	crashdev_init(&d2, NULL, NB);
	crashdev_io(&d2, &io2);
	ck_assert_int_eq(snap_format(&io2, NULL), 0);
	ck_assert_int_eq(snap_open(&io2, 0, &s2), 0);
	/* incremental first: its base is missing */
	uint64_t gen;
	ck_assert_int_eq(snap_recv(s2, buf_in, &inc, &gen), SNAP_ESTREAM);
	ck_assert_ptr_nonnull(strstr(snap_errmsg(s2), "base generation"));
	inc.pos = 0;
	ck_assert_msg(snap_recv(s2, buf_in, &full, &gen) == 0, "%s",
		      snap_errmsg(s2));
	ck_assert_uint_eq(gen, 1);
	ck_assert_msg(snap_recv(s2, buf_in, &inc, &gen) == 0, "%s",
		      snap_errmsg(s2));
	ck_assert_uint_eq(gen, 2);
	snap_store *keep = st;
	st = s2;
	ck_assert(gen_matches(1, mem[1]));
	ck_assert(gen_matches(2, mem[2]));
	snap_gen *g;
	char state[100], want[100];
	ck_assert_int_eq(snap_gen_open(st, 2, 0, &g), 0);
	ck_assert_int_eq(snap_read_state(g, state, sizeof state), 0);
	memset(want, 2, sizeof want);
	ck_assert_mem_eq(state, want, 100);
	snap_gen_close(g);
	/* the same stream again: the target already has it */
	full.pos = 0;
	ck_assert_int_eq(snap_recv(s2, buf_in, &full, &gen), SNAP_ESTREAM);
	st = keep;
	snap_close(s2);
	crashdev_free(&d2);
	free(full.p);
	free(inc.p);
}
END_TEST

START_TEST(damaged_stream_is_refused_whole)
{
	struct buf full = { 0 };
	commit_n(1, 300, 1);
	ck_assert_int_eq(snap_send(st, 0, 1, buf_out, &full), 0);
	struct crashdev d2;
	struct snap_io io2;
	snap_store *s2;
	crashdev_init(&d2, NULL, NB);
	crashdev_io(&d2, &io2);
	ck_assert_int_eq(snap_format(&io2, NULL), 0);
	ck_assert_int_eq(snap_open(&io2, 0, &s2), 0);
	/* a flipped byte anywhere, and truncation anywhere: never a commit */
	for (size_t off = 0; off < full.len; off += full.len / 97 + 1) {
		full.p[off] ^= 0x20;
		full.pos = 0;
		uint64_t gen;
		ck_assert_int_eq(snap_recv(s2, buf_in, &full, &gen), SNAP_ESTREAM);
		ck_assert_ptr_nonnull(strstr(snap_errmsg(s2), "offset"));
		ck_assert_uint_eq(snap_newest(s2), 0);
		full.p[off] ^= 0x20;
	}
	size_t len = full.len;
	for (size_t cut = 0; cut < len; cut += len / 31 + 1) {
		full.len = cut;
		full.pos = 0;
		uint64_t gen;
		ck_assert_int_eq(snap_recv(s2, buf_in, &full, &gen), SNAP_ESTREAM);
		ck_assert_uint_eq(snap_newest(s2), 0);
	}
	full.len = len;
	full.pos = 0;
	struct snap_space sp;
	ck_assert_int_eq(snap_gc(s2, &sp), 0);
	ck_assert_uint_eq(sp.used_blocks, 2); /* nothing left behind */
	snap_close(s2);
	crashdev_free(&d2);
	free(full.p);
}
END_TEST

static int count_cb(void *ctx, uint64_t gfn, int kind)
{
	(void)gfn;
	(void)kind;
	(*(uint64_t *)ctx)++;
	return 0;
}

START_TEST(diff_lists_changed_pages)
{
	commit_n(1, 300, 1);
	commit_n(2, 25, 2);
	snap_gen *a, *b;
	uint64_t n = 0;
	ck_assert_int_eq(snap_gen_open(st, 1, 0, &a), 0);
	ck_assert_int_eq(snap_gen_open(st, 2, 0, &b), 0);
	ck_assert_int_eq(snap_diff(a, b, count_cb, &n), 0);
	uint64_t want = 0;
	for (int p = 0; p < NP; p++)
		want += memcmp(mem[1] + p * PS, mem[2] + p * PS, PS) != 0;
	ck_assert_uint_eq(n, want);
	n = 0;
	ck_assert_int_eq(snap_diff(b, b, count_cb, &n), 0);
	ck_assert_uint_eq(n, 0);
	snap_gen_close(a);
	snap_gen_close(b);
}
END_TEST

/* ------------------------------------------------- layout (version 2) */

/* Issue 15: an empty generation (no page written, the hypervisor's vCPU
 * blob) writes its generation record and the superblock block: 2 blocks,
 * the superblock counted; the state and the catalog ride in them. */
START_TEST(empty_generation_writes_record_and_superblock)
{
	static struct hv_state hs; /* its size is what a capture stores */
	memset(&hs, 0x5a, sizeof hs);
	commit_n(1, 20, 1);
	/* a pin commits the catalog: the superblock alone */
	uint64_t before = dev.blocks_written;
	ck_assert_int_eq(snap_pin(st, 1, 1), 0);
	ck_assert_uint_eq(dev.blocks_written - before, 1);
	for (int gen = 2; gen <= 4; gen++) {
		struct snap_begin_opts bo = { .npages = NP };
		uint64_t g;
		before = dev.blocks_written;
		ck_assert_int_eq(snap_begin(st, &bo), 0);
		hs.magic = (uint64_t)gen;
		ck_assert_int_eq(snap_set_state(st, &hs, sizeof hs), 0);
		ck_assert_msg(snap_commit(st, &g) == 0, "%s", snap_errmsg(st));
		ck_assert_uint_eq(dev.blocks_written - before, 2);
		snap_gen *h;
		struct snap_geninfo gi;
		ck_assert_int_eq(snap_gen_open(st, g, 0, &h), 0);
		snap_gen_info(h, &gi);
		ck_assert_uint_eq(gi.bytes_written, 2 * PS);
		ck_assert_uint_eq(gi.state_len, sizeof hs);
		static struct hv_state back;
		ck_assert_int_eq(snap_read_state(h, &back, sizeof back), 0);
		ck_assert(!memcmp(&back, &hs, sizeof hs));
		ck_assert_int_eq(snap_verify(h), 0);
		snap_gen_close(h);
	}
	reopen();
	ck_assert_uint_eq(snap_version(st), 3);
	ck_assert(gen_matches(1, mem[1]));
	uint64_t gens[8];
	ck_assert_uint_eq(snap_catalog(st, gens, 8), 3); /* 4, 3 and pinned 1 */
}
END_TEST

/* What does not fit goes where version 1 put it: a state blob of more than
 * 3976 bytes into state blocks, a catalog of more than 12 entries into a
 * catalog block; both read back, and marking keeps their blocks. */
START_TEST(large_state_and_catalog_get_blocks)
{
	static uint8_t big[9000], back[9000];
	struct snap_space sp;
	ck_assert_int_eq(snap_set_keep(st, 14), 0);
	for (int gen = 1; gen <= 14; gen++) {
		struct snap_begin_opts bo = { .npages = NP };
		uint64_t before = dev.blocks_written, g;
		size_t len = gen % 2 ? 3976 : 3977 + (size_t)gen * 300;
		memset(big, gen, sizeof big);
		ck_assert_int_eq(snap_begin(st, &bo), 0);
		ck_assert_int_eq(snap_set_state(st, big, len), 0);
		ck_assert_msg(snap_commit(st, &g) == 0, "%s", snap_errmsg(st));
		/* record + superblock, + state blocks, + a catalog block
		 * from the 13th entry on */
		uint64_t want = 2 + (gen % 2 ? 0 : (len + PS - 1) / PS) + (gen > 12);
		ck_assert_uint_eq(dev.blocks_written - before, want);
		snap_gen *h;
		struct snap_geninfo gi;
		ck_assert_int_eq(snap_gen_open(st, g, 0, &h), 0);
		snap_gen_info(h, &gi);
		ck_assert_uint_eq(gi.bytes_written, want * PS);
		snap_gen_close(h);
	}
	ck_assert_int_eq(snap_gc(st, &sp), 0);
	reopen();
	for (int gen = 1; gen <= 14; gen++) {
		snap_gen *h;
		size_t len = gen % 2 ? 3976 : 3977 + (size_t)gen * 300;
		memset(big, gen, sizeof big);
		ck_assert_int_eq(snap_gen_open(st, (uint64_t)gen, 0, &h), 0);
		ck_assert_int_eq(snap_read_state(h, back, sizeof back), 0);
		ck_assert(!memcmp(back, big, len));
		ck_assert_int_eq(snap_verify(h), 0);
		snap_gen_close(h);
	}
	/* nothing leaks, nothing reachable is free: the same count again */
	struct snap_space sp2;
	ck_assert_int_eq(snap_gc(st, &sp2), 0);
	ck_assert_uint_eq(sp2.used_blocks, sp.used_blocks);
	/* back under 12 entries: the catalog returns into the superblock */
	ck_assert_int_eq(snap_set_keep(st, 3), 0);
	reopen();
	uint64_t gens[16];
	ck_assert_uint_eq(snap_catalog(st, gens, 16), 3);
	ck_assert_int_eq(snap_gc(st, &sp2), 0);
	ck_assert_uint_lt(sp2.used_blocks, sp.used_blocks);
}
END_TEST

static int count_pages(void *ctx, uint64_t gfn, int zero)
{
	(void)gfn;
	(void)zero;
	++*(uint64_t *)ctx;
	return 0;
}

/* A store as version 1 wrote it (state and catalog blocks, version 1
 * superblocks: SNAP_COMPAT_V1 writes exactly that; the file made by the
 * version 1 snapctl is in snapctl_test.sh) opens, restores, verifies and
 * sends; the next commit writes version 2 beside it, and every generation
 * of either version stays readable and marked. */
START_TEST(version1_store_opens_restores_and_upgrades)
{
	struct snap_format_opts fo = { .force = 1, .version = 1 };
	char state[5000], back[5000];
	snap_close(st);
	ck_assert_int_eq(snap_format(&io, &fo), 0);
	ck_assert_int_eq(snap_open(&io, 0, &st), 0);
	ck_assert_uint_eq(snap_version(st), 1);
	snap_set_compat(st, SNAP_COMPAT_V1);
	commit_n(1, 40, 1);
	commit_n(2, 10, 2);
	ck_assert_int_eq(snap_pin(st, 1, 1), 0);
	{ /* a state blob of two blocks in generation 3 */
		struct snap_begin_opts bo = { .npages = NP };
		memcpy(mem[3], mem[2], (size_t)NP * PS);
		memset(state, 3, sizeof state);
		ck_assert_int_eq(snap_begin(st, &bo), 0);
		ck_assert_int_eq(snap_set_state(st, state, sizeof state), 0);
		ck_assert_int_eq(snap_commit(st, NULL), 0);
	}
	snap_close(st);
	/* both slots say version 1, as the old code wrote them */
	uint8_t blk[PS];
	for (uint64_t s = 0; s < 2; s++) {
		crashdev_get(&dev, s, blk);
		ck_assert_uint_eq(blk[8], 1);
	}

	ck_assert_int_eq(snap_open(&io, 0, &st), 0); /* this code, default */
	ck_assert_uint_eq(snap_version(st), 1);
	for (int gen = 1; gen <= 3; gen++)
		ck_assert(gen_matches((uint64_t)gen, mem[gen]));
	snap_gen *h;
	ck_assert_int_eq(snap_gen_open(st, 3, 0, &h), 0);
	ck_assert_int_eq(snap_read_state(h, back, sizeof back), 0);
	ck_assert(!memcmp(back, state, sizeof state));
	ck_assert_int_eq(snap_verify(h), 0);
	snap_gen_close(h);
	ck_assert_int_eq(snap_gen_open(st, 1, 0, &h), 0);
	ck_assert_int_eq(snap_read_state(h, back, 100), 0);
	ck_assert(back[0] == 1 && back[99] == 1);
	snap_gen_close(h);

	/* a send of a version 1 generation into a new store */
	struct buf mb = { 0 };
	ck_assert_int_eq(snap_send(st, 0, 2, buf_out, &mb), 0);

	/* the next commits write version 2; gc keeps every block of both */
	struct snap_space sp;
	ck_assert_int_eq(snap_gc(st, &sp), 0);
	uint64_t before = dev.blocks_written;
	commit_n(4, 10, 4);
	ck_assert_uint_eq(snap_version(st), 3);
	/* the upgrade seals the previous commit's slot as version 3 too, so
	 * that an older reader refuses the store by its version; counted */
	for (uint64_t s = 0; s < 2; s++) {
		crashdev_get(&dev, s, blk);
		ck_assert_uint_eq(blk[8], 3);
	}
	ck_assert_int_eq(snap_gen_open(st, 4, 0, &h), 0);
	struct snap_geninfo gi;
	snap_gen_info(h, &gi);
	snap_gen_close(h);
	ck_assert_uint_eq(gi.bytes_written, (dev.blocks_written - before) * PS);
	commit_n(5, 10, 5);
	reopen();
	ck_assert_uint_eq(snap_version(st), 3);
	ck_assert_int_eq(snap_gc(st, &sp), 0);
	commit_n(6, 10, 6); /* reuses what gc freed: never a retained block */
	commit_n(7, 10, 7);
	reopen();
	ck_assert(gen_matches(1, mem[1]));
	ck_assert(gen_matches(6, mem[6]));
	ck_assert(gen_matches(7, mem[7]));
	ck_assert_int_eq(snap_gen_open(st, 1, 0, &h), 0);
	ck_assert_int_eq(snap_verify(h), 0);
	snap_gen_close(h);
	for (uint64_t s = 0; s < 2; s++) {
		crashdev_get(&dev, s, blk);
		ck_assert_uint_eq(blk[8], 3);
	}

	struct crashdev d2;
	struct snap_io io2;
	snap_store *s2;
	crashdev_init(&d2, NULL, NB);
	crashdev_io(&d2, &io2);
	ck_assert_int_eq(snap_format(&io2, NULL), 0);
	ck_assert_int_eq(snap_open(&io2, 0, &s2), 0);
	mb.pos = 0;
	uint64_t got;
	ck_assert_msg(snap_recv(s2, buf_in, &mb, &got) == 0, "%s",
		      snap_errmsg(s2));
	ck_assert_uint_eq(got, 2);
	ck_assert_int_eq(snap_gen_open(s2, 2, 0, &h), 0);
	uint8_t page[PS];
	for (uint64_t p = 0; p < NP; p++) {
		ck_assert_int_eq(snap_read_page(h, p, page), 0);
		ck_assert(!memcmp(page, mem[2] + p * PS, PS));
	}
	ck_assert_int_eq(snap_read_state(h, back, 100), 0);
	ck_assert(back[0] == 2 && back[99] == 2);
	uint64_t n = 0;
	ck_assert_int_eq(snap_diff(NULL, h, count_pages, &n), 0);
	ck_assert_uint_gt(n, 0);
	snap_gen_close(h);
	snap_close(s2);
	crashdev_free(&d2);
	free(mb.p);
}
END_TEST

/* A version 2 catalog of more than 12 entries is a block, as in version 1:
 * damaged, the fallback open salvages the generation only it listed. */
START_TEST(damaged_catalog_block_of_version2_is_salvaged)
{
	struct snap_fallback fb;
	uint8_t *m[14];
	for (int i = 0; i < 14; i++)
		m[i] = calloc(NP, PS);
	ck_assert_int_eq(snap_set_keep(st, 13), 0);
	for (int g = 1; g <= 13; g++)
		ck_assert_uint_eq(commit_one(m[g], m[g - 1], (uint64_t)g * 37 % NP,
					     (uint64_t)g * 11), (uint64_t)g);
	uint64_t gens[16];
	ck_assert_uint_eq(snap_catalog(st, gens, 16), 13);
	snap_close(st);
	st = NULL;
	uint64_t cb = newest_catalog_block();
	ck_assert_uint_ne(cb, 0);
	crashdev_flip(&dev, cb, 40, 0);
	ck_assert_int_eq(snap_open(&io, 0, &st), SNAP_ECORRUPT);
	snap_close(st);
	ck_assert_int_eq(snap_open(&io, SNAP_OPEN_FALLBACK, &st), 0);
	snap_fallback_info(st, &fb);
	ck_assert_uint_eq(fb.why, SNAP_FB_CATALOG);
	ck_assert_uint_eq(fb.salvaged, 1);
	ck_assert_uint_eq(snap_newest(st), 13);
	ck_assert(gen_matches(13, m[13]));
	ck_assert(gen_matches(1, m[1]));
	for (int i = 0; i < 14; i++)
		free(m[i]);
}
END_TEST

/* ----------------------------------------------------------------- async */

/* The store on a device that writes asynchronously (crashdev.h: writes
 * complete late and out of order, buffers read when the device gets to
 * them). */
static void go_async(void)
{
	dev.async = 1;
	crashdev_io(&dev, &io);
	reopen();
}

static void async_protocol_kept(void)
{
	ck_assert_uint_eq(dev.early_reads, 0);
	ck_assert_uint_eq(dev.bad_completes, 0);
	ck_assert_uint_eq(dev.overlaps, 0);
}

START_TEST(async_commit_round_trip)
{
	go_async();
	commit_n(1, 400, 1); /* 400 pages: many more buffers than slots */
	ck_assert_uint_gt(dev.submits, SNAP_IO_SLOTS * 2);
	ck_assert_uint_eq(dev.ninfl, 0); /* the commit waited for all */
	ck_assert(gen_matches(1, mem[1]));
	commit_n(2, 150, 2);
	commit_n(3, 3, 3);
	async_protocol_kept();
	ck_assert(gen_matches(3, mem[3]));
	reopen();
	ck_assert(gen_matches(2, mem[2]));
	ck_assert(gen_matches(3, mem[3]));
	ck_assert_uint_eq(dev.ninfl, 0);
}
END_TEST

START_TEST(async_failed_write_is_sticky)
{
	go_async();
	commit_n(1, 50, 1);
	begin_gen();
	/* the next submitted write fails, but only says so at completion */
	dev.fail_submit_at = dev.submits + 1;
	expect_sticky_failure(200);
	ck_assert_uint_eq(dev.ninfl, 0);
	async_protocol_kept();
}
END_TEST

START_TEST(async_close_waits_for_writes_in_flight)
{
	uint8_t page[PS];
	go_async();
	dev.hold = 1; /* writes complete only when the store waits */
	commit_n(1, 10, 1);
	struct snap_begin_opts bo = { .npages = NP };
	ck_assert_int_eq(snap_begin(st, &bo), 0);
	/* the first buffer fails: noticed when the ring is full and the store
	 * waits for it, with the next ones still in flight */
	dev.fail_submit_at = dev.submits + 1;
	int rc = 0;
	for (int p = 0; p < 200 && !rc; p++) {
		fill(page, (uint64_t)p + 1000);
		rc = snap_write_page(st, p, page);
	}
	ck_assert_int_eq(rc, SNAP_EIO);
	ck_assert_uint_eq(dev.ninfl, SNAP_IO_SLOTS - 1);
	snap_close(st);
	st = NULL;
	ck_assert_uint_eq(dev.ninfl, 0);
	ck_assert_int_eq(snap_open(&io, 0, &st), 0);
	ck_assert_uint_eq(snap_newest(st), 1);
	ck_assert(gen_matches(1, mem[1]));
	async_protocol_kept();
}
END_TEST

/* ----------------------------------------------------------------- cache */

/* A bigger guest than NP: 80 map leaves, more than the metadata cache
 * holds, and its own model: frame gfn of a generation holds fill(gfn,
 * ver[gfn]) (ver 0: zero page). */
#define CNP (80u * 256u)

static void cache_put(uint64_t gfn, uint64_t v)
{
	uint8_t page[PS];
	fill(page, gfn * 1000003u + v);
	ck_assert_int_eq(snap_write_page(st, gfn, page), 0);
}

static uint64_t cache_commit(void)
{
	uint64_t g;
	ck_assert_msg(snap_commit(st, &g) == 0, "%s", snap_errmsg(st));
	return g;
}

static uint64_t cache_np = CNP; /* guest frames of the cache tests */

static void cache_begin(void)
{
	struct snap_begin_opts bo = { .npages = cache_np };
	ck_assert_msg(snap_begin(st, &bo) == 0, "%s", snap_errmsg(st));
}

/* The frames of leaves 0..9 and 70 written once; later generations write
 * a few scattered frames of leaves 0..9 only. */
static uint64_t steady_gfn(unsigned c, unsigned i)
{
	return ((uint64_t)(c * 7 + i * 3) % 10) * 256 + (c * 37 + i * 101) % 256;
}

static void cache_first(void)
{
	cache_begin();
	for (unsigned l = 0; l < 10; l++)
		for (unsigned k = 0; k < 8; k++)
			cache_put(l * 256 + k * 29, 1);
	cache_put(70 * 256 + 5, 1);
	cache_commit();
}

/* Issue 15: a steady commit rebuilds its paths from the base map, which
 * the commits before it wrote: from memory, not from the disk (before the
 * cache, each commit here read the root and every leaf it changed). */
static void steady_commits_read_nothing(int async)
{
	if (async)
		go_async();
	cache_first();
	uint64_t reads = dev.reads;
	for (unsigned c = 0; c < 30; c++) {
		cache_begin();
		for (unsigned i = 0; i < 4; i++)
			cache_put(steady_gfn(c, i), c + 2);
		cache_commit();
	}
	ck_assert_uint_eq(dev.reads - reads, 0);
	if (async)
		async_protocol_kept();
	/* what was committed reads back (through the cache, then the disk) */
	snap_gen *g;
	uint8_t page[PS], want[PS];
	for (int pass = 0; pass < 2; pass++) {
		ck_assert_int_eq(snap_gen_open(st, 0, 0, &g), 0);
		ck_assert_int_eq(snap_verify(g), 0);
		ck_assert_int_eq(snap_read_page(g, 70 * 256 + 5, page), 0);
		fill(want, (70 * 256 + 5) * 1000003ull + 1);
		ck_assert(!memcmp(page, want, PS));
		ck_assert_int_eq(snap_read_page(g, steady_gfn(29, 0), page), 0);
		fill(want, steady_gfn(29, 0) * 1000003ull + 31);
		ck_assert(!memcmp(page, want, PS));
		snap_gen_close(g);
		reopen();
	}
}

START_TEST(steady_commits_read_nothing_sync)
{
	steady_commits_read_nothing(0);
}
END_TEST

START_TEST(steady_commits_read_nothing_async)
{
	steady_commits_read_nothing(1);
}
END_TEST

/* The block of the map leaf that points at data block `data` as frame gfn
 * (found by content, as a misdirected write would be). */
static uint64_t leaf_block_of(uint64_t gfn, uint64_t v)
{
	uint8_t page[PS], buf[PS];
	uint64_t data = 0, leaf = 0;
	fill(page, gfn * 1000003u + v);
	for (uint64_t b = 2; b < NB && !data; b++) {
		crashdev_get(&dev, b, buf);
		if (!memcmp(buf, page, PS))
			data = b;
	}
	ck_assert_uint_ne(data, 0);
	for (uint64_t b = 2; b < NB && !leaf; b++) {
		crashdev_get(&dev, b, buf);
		uint64_t at;
		memcpy(&at, buf + (gfn % 256) * 16, sizeof at);
		if (at == data)
			leaf = b;
	}
	ck_assert_uint_ne(leaf, 0);
	return leaf;
}

START_TEST(damage_outside_the_cache_is_found)
{
	snap_set_compat(st, SNAP_COMPAT_V2); /* map leaves, no delta list */
	cache_first();
	reopen(); /* nothing cached: leaf 70 is never read below */
	snap_set_compat(st, SNAP_COMPAT_V2);
	for (unsigned c = 0; c < 5; c++) {
		cache_begin();
		cache_put(steady_gfn(c, 0), c + 2);
		cache_commit();
	}
	uint64_t reads = dev.reads;
	uint64_t l70 = leaf_block_of(70 * 256 + 5, 1);
	crashdev_flip(&dev, l70, 77, 3);
	/* a commit that changes leaf 70 reads it from the disk, and finds */
	cache_begin();
	cache_put(70 * 256 + 6, 9);
	ck_assert_int_eq(snap_commit(st, NULL), SNAP_ECORRUPT);
	ck_assert_msg(strstr(snap_errmsg(st), "page map block"), "%s",
		      snap_errmsg(st));
	ck_assert_uint_gt(dev.reads, reads);
	crashdev_flip(&dev, l70, 77, 3);
	/* a cached leaf damaged on the disk: verification reads the disk */
	uint64_t l0 = leaf_block_of(steady_gfn(4, 0), 6);
	crashdev_flip(&dev, l0, 100, 1);
	snap_gen *g;
	ck_assert_int_eq(snap_gen_open(st, 0, 0, &g), 0);
	ck_assert_int_eq(snap_verify(g), SNAP_ECORRUPT);
	snap_gen_close(g);
	crashdev_flip(&dev, l0, 100, 1);
}
END_TEST

/* keep 2 on a small device: blocks are freed and reused all the time, and
 * the cache must never serve a block's old content. Every generation is
 * checked while it is the newest and again when it is the older of the
 * two. Its state blob is too big for the record: state blocks (written
 * without the cache) reuse freed map blocks too. wide: frames anywhere in
 * 80 leaves (more than the cache holds: blocks leave it by age); narrow:
 * 2 of 48 frames of 8 leaves per generation and a 10-block state blob on
 * a 200-block device, so that freed blocks come back (as state blocks
 * too) while their old content is still cached: with io_write not
 * dropping a block's copy, a state block read is served a stale map leaf
 * here (checked by mutation). */
static void reuse_run(int narrow)
{
	enum { NCOMMIT = 120 };
	static uint64_t ver[2][CNP]; /* newest, previous */
	static uint8_t state[40000], got[40000];
	const size_t slen = narrow ? sizeof state : 6000;
	/* wide: the guest's image grows to ~1,400 pages; the store holds
	 * two maps' leaves besides it after a fold of a delta list */
	const uint64_t nbs = narrow ? 200 : 1664;
	const unsigned per = narrow ? 2 : 12;
	struct crashdev d2;
	struct snap_io io2;
	struct snap_format_opts fo = { .keep = 2 };
	snap_close(st);
	crashdev_init(&d2, NULL, nbs);
	crashdev_io(&d2, &io2);
	ck_assert_int_eq(snap_format(&io2, &fo), 0);
	ck_assert_int_eq(snap_open(&io2, 0, &st), 0);
	cache_np = narrow ? 8 * 256 : CNP;
	memset(ver, 0, sizeof ver);
	uint64_t rng = 12345, written = 0;
	for (unsigned c = 0; c < NCOMMIT; c++) {
		memcpy(ver[1], ver[0], sizeof ver[0]);
		cache_begin();
		for (unsigned i = 0; i < per; i++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			uint64_t gfn = narrow ? ((rng >> 33) % 8) * 256 + (rng >> 40) % 6 :
				(rng >> 33) % CNP;
			ver[0][gfn] = c + 1;
			cache_put(gfn, c + 1);
		}
		memset(state, (int)c, slen);
		ck_assert_int_eq(snap_set_state(st, state, slen), 0);
		uint64_t gen = cache_commit();
		struct snap_geninfo gi;
		snap_gen *g;
		for (int k = 0; k < 2 && gen - k >= 1; k++) {
			ck_assert_int_eq(snap_gen_open(st, gen - k, 0, &g), 0);
			snap_gen_info(g, &gi);
			if (!k)
				written += gi.bytes_written / PS;
			ck_assert_msg(snap_read_state(g, got, sizeof got) == 0,
				      "%s", snap_errmsg(st));
			ck_assert_uint_eq(got[0], (uint8_t)(c - k));
			ck_assert_uint_eq(got[slen - 1], (uint8_t)(c - k));
			uint8_t page[PS], want[PS];
			for (uint64_t p = 0; p < cache_np; p++) {
				if (!ver[k][p] && p % 97)
					continue;
				ck_assert_msg(snap_read_page(g, p, page) == 0,
					      "%s", snap_errmsg(st));
				if (ver[k][p])
					fill(want, p * 1000003u + ver[k][p]);
				else
					memset(want, 0, PS);
				ck_assert_msg(!memcmp(page, want, PS), "generation "
					      "%llu frame %llu", (unsigned long long)
					      (gen - k), (unsigned long long)p);
			}
			snap_gen_close(g);
		}
	}
	ck_assert_uint_gt(written, 3 * nbs / 2); /* every block reused */
	snap_close(st);
	st = NULL;
	crashdev_free(&d2);
	cache_np = CNP;
	ck_assert_int_eq(snap_open(&io, 0, &st), 0);
}

START_TEST(reused_blocks_are_never_served_stale_wide)
{
	reuse_run(0);
}
END_TEST

START_TEST(reused_blocks_are_never_served_stale_narrow)
{
	reuse_run(1);
}
END_TEST

/* ------------------------------------------------ delta lists (delta.c) */

#define DNP (16u * 256u) /* 16 map leaves */
static uint32_t dver[DNP], dprev[DNP]; /* version per frame, 0: zero page */
static uint8_t dwrote[DNP];
static uint64_t drng = 99;

/* One generation of n frames scattered over the guest (every 7th written
 * zero), version v; returns what the store says of it. */
static struct snap_geninfo dgen(unsigned n, uint32_t v)
{
	struct snap_begin_opts bo = { .npages = DNP };
	uint8_t page[PS];
	memcpy(dprev, dver, sizeof dver);
	memset(dwrote, 0, sizeof dwrote);
	ck_assert_msg(snap_begin(st, &bo) == 0, "%s", snap_errmsg(st));
	for (unsigned i = 0; i < n; i++) {
		drng = drng * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t gfn = (drng >> 33) % DNP;
		uint32_t w = i % 7 == 6 ? 0 : v;
		if (w)
			fill(page, gfn * 1000003u + w);
		else
			memset(page, 0, PS);
		ck_assert_int_eq(snap_write_page(st, gfn, page), 0);
		dver[gfn] = w;
		dwrote[gfn] = 1;
	}
	uint64_t g = cache_commit();
	snap_gen *h;
	struct snap_geninfo gi;
	ck_assert_int_eq(snap_gen_open(st, g, 0, &h), 0);
	snap_gen_info(h, &gi);
	snap_gen_close(h);
	return gi;
}

static void dcheck(uint64_t gen, const uint32_t *model)
{
	snap_gen *g;
	uint8_t page[PS], want[PS];
	ck_assert_int_eq(snap_gen_open(st, gen, 0, &g), 0);
	for (uint64_t p = 0; p < DNP; p++) {
		if (model[p])
			fill(want, p * 1000003u + model[p]);
		else
			memset(want, 0, PS);
		ck_assert_msg(snap_read_page(g, p, page) == 0, "%s", snap_errmsg(st));
		ck_assert_msg(!memcmp(page, want, PS), "generation %llu frame %llu",
			      (unsigned long long)gen, (unsigned long long)p);
	}
	snap_gen_close(g);
}

struct dseen {
	int64_t last;
	uint64_t n;
	uint8_t hit[DNP];
};

static int dseen_cb(void *ctx, uint64_t gfn, int present)
{
	struct dseen *s = ctx;
	ck_assert_msg((int64_t)gfn > s->last, "diff out of order: %llu after %lld",
		      (unsigned long long)gfn, (long long)s->last);
	ck_assert_uint_eq(present, dver[gfn] != 0);
	s->last = (int64_t)gfn;
	s->hit[gfn] = 1;
	s->n++;
	return 0;
}

/* diff(gen - 1, gen) names exactly the frames this generation wrote (a
 * fresh block each) but for zero pages written over zero pages; diff(none,
 * gen) every non-zero frame. */
static void ddiff(uint64_t gen)
{
	static struct dseen s;
	snap_gen *a, *b;
	ck_assert_int_eq(snap_gen_open(st, gen - 1, 0, &a), 0);
	ck_assert_int_eq(snap_gen_open(st, gen, 0, &b), 0);
	memset(&s, 0, sizeof s);
	s.last = -1;
	ck_assert_int_eq(snap_diff(a, b, dseen_cb, &s), 0);
	for (uint64_t p = 0; p < DNP; p++)
		ck_assert_msg(s.hit[p] == (dwrote[p] && (dver[p] || dprev[p])),
			      "diff of %llu: frame %llu", (unsigned long long)gen,
			      (unsigned long long)p);
	memset(&s, 0, sizeof s);
	s.last = -1;
	ck_assert_int_eq(snap_diff(NULL, b, dseen_cb, &s), 0);
	for (uint64_t p = 0; p < DNP; p++)
		ck_assert_uint_eq(s.hit[p], dver[p] != 0);
	snap_gen_close(a);
	snap_gen_close(b);
}

/* Issue 15: scattered pages over a large guest touched a map leaf each.
 * A generation now lists its changes since its tree while the list costs
 * at most a quarter of the blocks a fold would, then folds; reads, diffs,
 * verification, a reopen (the list read back from the disk) and marking
 * all see the same pages. */
START_TEST(delta_lists_replace_scattered_leaf_writes)
{
	memset(dver, 0, sizeof dver);
	struct snap_geninfo gi = dgen(1200, 1); /* more than a quarter of the free space: a tree */
	uint64_t root = gi.root_blk, lists = 0, folds = 0, list_blocks = 0, pages = 0;
	dcheck(gi.gen, dver);
	for (uint32_t v = 2; v <= 14; v++) {
		if (v == 9)
			reopen(); /* the list in memory is gone: read back */
		if (v == 11) {
			struct snap_space sp;
			ck_assert_int_eq(snap_gc(st, &sp), 0); /* marks the lists too */
		}
		gi = dgen(100, v);
		if (gi.root_blk == root) {
			lists++;
			list_blocks += gi.bytes_written / PS;
			pages += gi.dirty_pages;
		} else if (lists) {
			folds++;
		}
		root = gi.root_blk;
		dcheck(gi.gen, dver);
		dcheck(gi.gen - 1, dprev);
		ddiff(gi.gen);
		snap_gen *h;
		ck_assert_int_eq(snap_gen_open(st, gi.gen, 0, &h), 0);
		ck_assert_msg(snap_verify(h) == 0, "%s", snap_errmsg(st));
		snap_gen_close(h);
	}
	ck_assert_uint_ge(lists, 4);
	ck_assert_uint_ge(folds, 1);
	/* a list generation writes its pages, a few list blocks, its record
	 * and the superblock: not the ~15 leaves and root its pages touch */
	ck_assert_msg(list_blocks < pages + lists * 6, "%llu blocks for %llu pages in %llu generations",
		      (unsigned long long)list_blocks, (unsigned long long)pages,
		      (unsigned long long)lists);
}
END_TEST

/* A damaged list block is found by the read through it and by verify, and
 * a fallback open steps back to the generation before. */
START_TEST(damaged_delta_block_is_found)
{
	memset(dver, 0, sizeof dver);
	dgen(1200, 1);
	dgen(100, 2);
	struct snap_geninfo gi = dgen(100, 3);
	/* a frame the list names: written non-zero in generation 3 */
	uint64_t f = 0;
	while (!(dwrote[f] && dver[f]))
		f++;
	uint8_t page[PS], buf[PS];
	fill(page, f * 1000003u + 3);
	uint64_t data = 0, lblk = 0;
	for (uint64_t b = 2; b < NB && !data; b++) {
		crashdev_get(&dev, b, buf);
		if (!memcmp(buf, page, PS))
			data = b;
	}
	for (uint64_t b = 2; b < NB && !lblk; b++) {
		crashdev_get(&dev, b, buf);
		for (unsigned k = 0; k < PS / 24; k++) {
			uint64_t e[2];
			memcpy(e, buf + k * 24, sizeof e);
			if (e[0] == f && e[1] == data) {
				/* generation 3's own list: its newest blocks */
				lblk = b;
			}
		}
	}
	ck_assert_uint_ne(lblk, 0);
	crashdev_flip(&dev, lblk, 5, 2);
	reopen();
	snap_gen *g;
	ck_assert_int_eq(snap_gen_open(st, gi.gen, 0, &g), 0);
	ck_assert_int_eq(snap_read_page(g, f, page), SNAP_ECORRUPT);
	ck_assert_msg(strstr(snap_errmsg(st), "delta"), "%s", snap_errmsg(st));
	ck_assert_int_eq(snap_verify(g), SNAP_ECORRUPT);
	snap_gen_close(g);
	ck_assert_int_eq(snap_gen_open(st, 0, SNAP_OPEN_FALLBACK, &g), 0);
	struct snap_geninfo got;
	snap_gen_info(g, &got);
	ck_assert_uint_eq(got.gen, gi.gen - 1);
	snap_gen_close(g);
	dcheck(gi.gen - 1, dprev);
}
END_TEST

/* A version 2 store (the last release's layout) opens, its generations
 * read, and the next commits write version 3 with lists over its tree;
 * both slots then say version 3. */
START_TEST(version2_store_upgrades_to_lists)
{
	struct snap_format_opts fo = { .version = 2 };
	snap_close(st);
	crashdev_free(&dev);
	crashdev_init(&dev, NULL, NB);
	crashdev_io(&dev, &io);
	ck_assert_int_eq(snap_format(&io, &fo), 0);
	ck_assert_int_eq(snap_open(&io, 0, &st), 0);
	snap_set_compat(st, SNAP_COMPAT_V2);
	memset(dver, 0, sizeof dver);
	dgen(1200, 1);
	struct snap_geninfo g2 = dgen(100, 2);
	ck_assert_uint_eq(snap_version(st), 2);
	static uint32_t v2model[DNP];
	memcpy(v2model, dver, sizeof dver);
	reopen(); /* this code, default: version 3 from the next commit */
	ck_assert_uint_eq(snap_version(st), 2);
	dcheck(g2.gen, v2model);
	struct snap_geninfo g3 = dgen(100, 3);
	ck_assert_uint_eq(g3.root_blk, g2.root_blk); /* a list over the version 2 tree */
	ck_assert_uint_eq(snap_version(st), 3);
	uint8_t blk[PS];
	for (uint64_t s = 0; s < 2; s++) {
		crashdev_get(&dev, s, blk);
		ck_assert_uint_eq(blk[8], 3);
	}
	reopen();
	dcheck(g3.gen, dver);
	dcheck(g2.gen, v2model);
	ddiff(g3.gen);
}
END_TEST

static Suite *suite(const char *name, const TTest **tests)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	for (; *tests; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const TTest *fmt[] = {
		format_refuses_existing_store, open_refuses_non_store,
		format_bad_keep_and_tiny_device, empty_store_has_no_generation,
		interrupted_format, NULL };
	const TTest *commit[] = {
		commit_round_trip, zero_pages_cost_no_block,
		page_written_twice_last_wins, retention_keeps_newest_k_and_pinned,
		blocks_are_reused_and_space_is_bounded,
		open_generation_survives_retention,
		bytes_written_counts_every_block, abort_leaves_store_as_it_was,
		drop_newest_then_commit_again, NULL };
	const TTest *errors[] = {
		failed_write_is_sticky, failed_flush_is_sticky, too_many_pinned,
		bad_arguments,
		read_only_store_refuses_writes, NULL };
	const TTest *damage[] = {
		every_bit_flip_is_detected, damage_names_generation_frame_block,
		fallback_only_when_asked,
		damaged_superblocks,
		damaged_catalog_needs_fallback_flag,
		damaged_old_map_stops_writes_until_dropped,
		damaged_catalog_generation_survives_later_commits,
		damaged_generation_survives_later_commits,
		damaged_newest_map_does_not_stop_writes_after_fallback,
		lost_slot_fallback_reports_and_heals, NULL };
	const TTest *streams[] = {
		send_recv_full_and_incremental, damaged_stream_is_refused_whole,
		diff_lists_changed_pages, NULL };
	const TTest *delta[] = {
		delta_lists_replace_scattered_leaf_writes,
		damaged_delta_block_is_found, version2_store_upgrades_to_lists, NULL };
	const TTest *layout[] = {
		empty_generation_writes_record_and_superblock,
		large_state_and_catalog_get_blocks,
		version1_store_opens_restores_and_upgrades,
		damaged_catalog_block_of_version2_is_salvaged, NULL };
	const TTest *async[] = {
		async_commit_round_trip, async_failed_write_is_sticky,
		async_close_waits_for_writes_in_flight, NULL };
	const TTest *cache[] = {
		steady_commits_read_nothing_sync,
		steady_commits_read_nothing_async,
		damage_outside_the_cache_is_found,
		reused_blocks_are_never_served_stale_wide,
		reused_blocks_are_never_served_stale_narrow, NULL };
	return unit_main(suite("format", fmt), suite("commit", commit),
			 suite("errors", errors), suite("damage", damage),
			 suite("streams", streams), suite("delta", delta), suite("layout", layout),
			 suite("async", async), suite("cache", cache), NULL);
}
