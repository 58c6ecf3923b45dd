/*
 * tests/snapshot/crash_inlog.c — the input log (snapshot/inlog.c): unit
 * cases, then a crash at every device request of every operation.
 *
 *   crash_inlog [OPS [SEED [FATES]]]
 *
 * The byte at stream offset i is always pat(i), so any held range can be
 * checked on its own. Operations: appends of 1..1000 bytes (most), a
 * release of what an imagined durable generation consumed, and commits of
 * small generations sharing the device. Each is replayed with power lost at
 * each of its device requests, FATES times (pending writes lost, whole or
 * torn at a sector, in any order). After every crash the store must reopen
 * with its old or new generations, and the log must hold every byte that
 * was acknowledged and not released, a prefix of the bytes being appended,
 * and nothing else; one trial in four appends again on the recovered image
 * and reopens. Ends with "N passed, N failed".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snap.h"
#include "tests/snapshot/crashdev.h"

#define DEVBLK 512
#define NPAGES 64

static long passed, failed;

static void ok(int cond, const char *what, uint64_t op, uint64_t k, uint64_t f)
{
	if (cond) {
		passed++;
		return;
	}
	failed++;
	if (failed <= 20)
		fprintf(stderr, "FAIL op %" PRIu64 " crash@%" PRIu64 " fate %" PRIu64 ": %s\n", op, k, f, what);
}

static uint8_t pat(uint64_t i) { return (uint8_t)(i * 131 + (i >> 8) * 7 + 1); }

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

/* Appends pat(end .. end+n) and returns the bytes taken, or -1. */
static long append_pat(snap_inlog *l, size_t n)
{
	uint64_t s, e;
	snap_inlog_span(l, &s, &e);
	uint8_t *buf = malloc(n ? n : 1);
	for (size_t i = 0; i < n; i++)
		buf[i] = pat(e + i);
	size_t taken = 0;
	int rc = snap_inlog_append(l, buf, n, &taken);
	free(buf);
	return rc ? -1 : (long)taken;
}

/* Every held byte is pat(offset). */
static int held_ok(snap_inlog *l)
{
	uint64_t s, e;
	snap_inlog_span(l, &s, &e);
	uint8_t *buf = malloc(e - s + 1);
	size_t got = snap_inlog_read(l, s, buf, e - s);
	int good = got == e - s;
	for (size_t i = 0; good && i < got; i++)
		good = buf[i] == pat(s + i);
	free(buf);
	return good;
}

static int open_both(struct crashdev *d, snap_store **st, snap_inlog **l)
{
	struct snap_io io;
	crashdev_io(d, &io);
	*l = NULL;
	if (snap_open(&io, 0, st))
		return -1;
	return snap_inlog_open(*st, l);
}

static void close_both(snap_store *st, snap_inlog *l)
{
	snap_inlog_close(l);
	snap_close(st);
}

static void unit_cases(void)
{
	struct crashdev d;
	struct snap_io io;
	snap_store *st;
	snap_inlog *l;
	uint64_t s, e;

	crashdev_init(&d, NULL, DEVBLK);
	crashdev_io(&d, &io);
	struct snap_format_opts fo = { .keep = 2, .inlog_blocks = 1 };
	ok(snap_format(&io, &fo) == 0, "format with a 1-block log", 0, 0, 0);
	ok(open_both(&d, &st, &l) == 0, "open", 0, 0, 0);
	snap_inlog_span(l, &s, &e);
	ok(s == 0 && e == 0, "a new log is empty", 0, 0, 0);
	ok(append_pat(l, 10) == 10 && append_pat(l, 1000) == 1000, "appends", 0, 0, 0);
	ok(held_ok(l), "bytes read back", 0, 0, 0);
	/* 8 records of 464 bytes: 3712 bytes fit before anything is released */
	ok(append_pat(l, 5000) == 3712 - 1010, "a full ring takes what fits", 0, 0, 0);
	ok(append_pat(l, 1) == 0, "and then nothing", 0, 0, 0);
	snap_inlog_release(l, 1000);
	ok(append_pat(l, 1000) == 928, "a release frees whole records", 0, 0, 0);
	snap_inlog_span(l, &s, &e);
	ok(s == 928 && e == 3712 + 928 && held_ok(l), "the oldest record is gone", 0, 0, 0);
	close_both(st, l);
	ok(open_both(&d, &st, &l) == 0, "reopen", 0, 0, 0);
	uint64_t s2, e2;
	snap_inlog_span(l, &s2, &e2);
	ok(s2 == s && e2 == e && held_ok(l), "reopen finds the same bytes", 0, 0, 0);
	snap_inlog_skip_to(l, 10000);
	snap_inlog_span(l, &s, &e);
	ok(s == 10000 && e == 10000, "skip_to empties the log past the end", 0, 0, 0);
	ok(append_pat(l, 20) == 20 && held_ok(l), "appends after a skip", 0, 0, 0);
	close_both(st, l);
	ok(open_both(&d, &st, &l) == 0, "reopen after a skip", 0, 0, 0);
	snap_inlog_span(l, &s, &e);
	ok(s == 10000 && e == 10020 && held_ok(l), "the skip survives a reopen", 0, 0, 0);
	close_both(st, l);

	/* a damaged record cuts the chain there: older bytes are not claimed */
	uint8_t blk[SNAP_BLOCK_SIZE];
	crashdev_get(&d, DEVBLK - 1, blk);
	crashdev_flip(&d, DEVBLK - 1, 512 * 7 + 100, 3);
	ok(open_both(&d, &st, &l) == 0, "open with a flipped bit in the log", 0, 0, 0);
	ok(held_ok(l), "held bytes are still right", 0, 0, 0);
	close_both(st, l);
	crashdev_free(&d);

	crashdev_init(&d, NULL, DEVBLK);
	crashdev_io(&d, &io);
	fo.inlog_blocks = SNAP_INLOG_NONE;
	ok(snap_format(&io, &fo) == 0, "format without a log", 0, 0, 0);
	ok(snap_open(&io, 0, &st) == 0 && snap_inlog_open(st, &l) == SNAP_ENOENT, "no log: ENOENT", 0, 0, 0);
	snap_close(st);
	crashdev_free(&d);
}

static int commit_small(snap_store *st, uint64_t seed)
{
	static uint8_t page[SNAP_PAGE_SIZE];
	struct snap_begin_opts bo = { .npages = NPAGES };
	if (snap_begin(st, &bo))
		return -1;
	for (int i = 0; i < 3; i++) {
		memset(page, (int)(rnd(&seed) | 1), sizeof page);
		if (snap_write_page(st, rnd(&seed) % NPAGES, page))
			return -1;
	}
	uint64_t g;
	return snap_set_state(st, "s", 1) || snap_commit(st, &g) ? -1 : 0;
}

/* One operation on an opened store and log; kind 0 append, 1 commit. */
static int run_op(snap_store *st, snap_inlog *l, int kind, size_t n, uint64_t seed)
{
	if (kind == 1)
		return commit_small(st, seed);
	return append_pat(l, n) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	uint64_t nops = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000;
	uint64_t seed0 = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	uint64_t nfates = argc > 3 ? strtoull(argv[3], NULL, 0) : 3;
	uint64_t rs = seed0 * 0x9E3779B97F4A7C15ull | 1, crashes = 0;
	uint8_t *base = malloc((size_t)DEVBLK * SNAP_BLOCK_SIZE);
	struct crashdev d;
	struct snap_io io;
	snap_store *st;
	snap_inlog *l;

	unit_cases();

	crashdev_init(&d, NULL, DEVBLK);
	crashdev_io(&d, &io);
	struct snap_format_opts fo = { .keep = 2, .inlog_blocks = 2 };
	if (snap_format(&io, &fo)) {
		fprintf(stderr, "format failed\n");
		return 1;
	}
	crashdev_image(&d, base);
	crashdev_free(&d);

	uint64_t released = 0, newest = 0;
	for (uint64_t op = 1; op <= nops; op++) {
		uint64_t r = rnd(&rs), seed = rnd(&rs);
		int kind = r % 10 == 0 ? 1 : 0;
		size_t n = 1 + (size_t)(rnd(&rs) % (r % 3 ? 40 : 1000));
		uint64_t s0, e0, s1, e1;

		/* the real run */
		crashdev_init(&d, base, DEVBLK);
		if (open_both(&d, &st, &l)) {
			ok(0, "open before op", op, 0, 0);
			break;
		}
		/* what an imagined durable generation consumed by now */
		if (r % 4 == 0) {
			snap_inlog_span(l, &s0, &e0);
			released = e0 - (e0 - released) / 2;
		}
		snap_inlog_release(l, released);
		snap_inlog_span(l, &s0, &e0);
		uint64_t ops0 = d.ops;
		int rc = run_op(st, l, kind, n, seed);
		snap_inlog_span(l, &s1, &e1);
		uint64_t nreq = d.ops - ops0, gen_after = snap_newest(st);
		close_both(st, l);
		ok(rc == 0, "operation", op, 0, 0);
		ok(!d.overlaps, "no two pending writes to one block", op, 0, 0);
		uint8_t *after = malloc((size_t)DEVBLK * SNAP_BLOCK_SIZE);
		crashdev_image(&d, after);
		crashdev_free(&d);

		for (uint64_t k = 1; k <= nreq; k++) {
			for (uint64_t f = 0; f < nfates; f++) {
				struct crashdev c;
				crashdev_init(&d, base, DEVBLK);
				if (!open_both(&d, &st, &l)) {
					snap_inlog_release(l, released);
					d.crash_at = ops0 + k;
					run_op(st, l, kind, n, seed);
				}
				close_both(st, l);
				crashdev_crash(&d, seed * 131 + k * 7 + f, &c);
				crashdev_free(&d);
				crashes++;
				if (open_both(&c, &st, &l)) {
					ok(0, "reopen after a crash", op, k, f);
					close_both(st, l);
					crashdev_free(&c);
					continue;
				}
				uint64_t g = snap_newest(st), s, e;
				ok(g == newest || g == gen_after, "generations old or new", op, k, f);
				snap_inlog_span(l, &s, &e);
				ok(e >= e0 && e <= e1, "every acknowledged byte kept, no byte invented", op, k, f);
				ok(s <= (released < e0 ? released : e0), "no unreleased byte lost", op, k, f);
				ok(held_ok(l), "held bytes are the bytes appended", op, k, f);
				if ((k + f) % 4 == 0) {
					/* go on from the recovered image */
					snap_inlog_release(l, released);
					long t = append_pat(l, 300);
					uint64_t e2;
					snap_inlog_span(l, &s, &e2);
					ok(t >= 0 && e2 == e + (uint64_t)t, "appends after recovery", op, k, f);
					close_both(st, l);
					if (open_both(&c, &st, &l) == 0) {
						uint64_t e3;
						snap_inlog_span(l, &s, &e3);
						ok(e3 == e2 && held_ok(l), "and they survive a reopen", op, k, f);
					} else {
						ok(0, "reopen after appending on a recovered image", op, k, f);
					}
				}
				close_both(st, l);
				crashdev_free(&c);
			}
		}
		memcpy(base, after, (size_t)DEVBLK * SNAP_BLOCK_SIZE);
		free(after);
		newest = gen_after;
	}
	printf("crash_inlog: %" PRIu64 " crashes\n", crashes);
	printf("%ld passed, %ld failed\n", passed, failed);
	free(base);
	return failed != 0;
}
