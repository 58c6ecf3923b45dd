/*
 * tests/snapshot/fuzz_reader.c — libFuzzer target: damaged images and
 * damaged streams must give errors, never a crash, a hang or a sanitizer
 * report.
 *
 * Input byte 0 chooses the mode:
 *   odd:  the rest is a list of 6-byte damage operations (block, offset,
 *         value, kind: xor a byte, set a byte, copy a block over another,
 *         zero a block) applied to a valid store of three generations, which
 *         is then opened every way, listed, read page by page, verified,
 *         diffed, sent, and written to. Bit 1 chooses the store's format
 *         version (FORMAT.md): 3 (catalog in the superblock, states in
 *         records and in state blocks, the second and third generations
 *         as delta lists: the fuzz build writes a list whenever it fits)
 *         or 1 (catalog and state blocks).
 *   even: the rest is a send stream, received into a small store that holds
 *         the stream's base; the store is then read back.
 *
 * Built twice (tests/snapshot/fuzz.sh): as is, and with SNAP_FUZZ_NOCSUM,
 * where the store ignores checksums so that damage reaches the structure
 * checks behind them. With SNAP_FUZZ_SEEDS=DIR set, writes seed inputs to DIR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snap.h"
#include "tests/snapshot/crashdev.h"
#include "tests/snapshot/membuf.h"

#define PS SNAP_PAGE_SIZE
#define NP 300   /* image mode: a two-level map */
#define NB 512
#define NP2 16   /* stream mode: small streams */
#define NB2 96

static uint8_t *img1, *img1v1, *img2; /* image mode stores; stream target */
static uint8_t *s_full, *s_inc;
static size_t s_full_len, s_inc_len;

static int null_out(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

static void die(const char *what, snap_store *st)
{
	fprintf(stderr, "fuzz_reader setup: %s: %s\n", what,
		st ? snap_errmsg(st) : "");
	abort();
}

static void commit(snap_store *st, uint64_t npages, int gen, unsigned n)
{
	uint8_t page[PS], state[5000];
	struct snap_begin_opts bo = { .npages = npages, .time_ns = (uint64_t)gen };
	if (snap_begin(st, &bo))
		die("begin", st);
	for (unsigned i = 0; i < n; i++) {
		memset(page, (int)(gen * 16 + i), PS);
		if (i % 7 == 3)
			memset(page, 0, PS);
		if (snap_write_page(st, (i * 13 + (unsigned)gen) % npages, page))
			die("write", st);
	}
	memset(state, gen, sizeof state);
	/* generation 3: more than a record holds, in state blocks */
	if (snap_set_state(st, state, gen == 3 ? 5000u : 1000u * (unsigned)gen) ||
	    snap_commit(st, NULL))
		die("commit", st);
}

static uint8_t *build(uint64_t nb, uint64_t np, int gens, int pin,
		      unsigned version, struct buf *full, struct buf *inc)
{
	struct crashdev d;
	struct snap_io io;
	snap_store *st;
	crashdev_init(&d, NULL, nb);
	crashdev_io(&d, &io);
	struct snap_format_opts fo = { .keep = 2, .version = version };
	if (snap_format(&io, &fo) || snap_open(&io, 0, &st))
		die("format", NULL);
	if (version == 1)
		snap_set_compat(st, SNAP_COMPAT_V1);
	for (int g = 1; g <= gens; g++) {
		commit(st, np, g, g == 1 ? (unsigned)np : 20);
		if (g == 1 && pin && snap_pin(st, 1, 1))
			die("pin", st);
	}
	if (full && (snap_send(st, 0, (uint64_t)gens, buf_out, full) ||
		     snap_send(st, (uint64_t)gens - 1, (uint64_t)gens, buf_out, inc)))
		die("send", st);
	snap_close(st);
	uint8_t *img = malloc(nb * SNAP_BLOCK_SIZE);
	crashdev_image(&d, img);
	crashdev_free(&d);
	return img;
}

static void write_seed(const char *dir, const char *name, const uint8_t *p,
		       size_t n, uint8_t mode)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fputc(mode, f);
	fwrite(p, 1, n, f);
	fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct buf full = { 0 }, inc = { 0 };
	(void)argc;
	(void)argv;
	img1 = build(NB, NP, 3, 1, 0, NULL, NULL);
	img1v1 = build(NB, NP, 3, 1, 1, NULL, NULL);
	img2 = build(NB2, NP2, 2, 0, 0, NULL, NULL);
	free(build(NB2, NP2, 3, 0, 0, &full, &inc));
	s_full = full.p;
	s_full_len = full.len;
	s_inc = inc.p;
	s_inc_len = inc.len;
	const char *dir = getenv("SNAP_FUZZ_SEEDS");
	if (dir) {
		static const uint8_t ops[] = {
			0, 0, 40, 0, 1, 0,      /* flip in superblock 0 */
			1, 0, 0, 2, 0, 2,       /* block 1: copy of block 0 */
			5, 0, 8, 0, 0x80, 0,    /* a data area block */
			3, 0, 16, 0, 0, 3,      /* zero block 3 */
		};
		write_seed(dir, "image-none", NULL, 0, 1);
		write_seed(dir, "image-ops", ops, sizeof ops, 1);
		write_seed(dir, "image-v1-none", NULL, 0, 3);
		write_seed(dir, "image-v1-ops", ops, sizeof ops, 3);
		write_seed(dir, "stream-full", s_full, s_full_len, 0);
		write_seed(dir, "stream-inc", s_inc, s_inc_len, 0);
	}
	return 0;
}

static int diff_cb(void *ctx, uint64_t gfn, int kind)
{
	(void)ctx;
	(void)gfn;
	(void)kind;
	return 0;
}

/* Everything a reader or writer might do with a store. */
static void exercise(struct snap_io *io, int writes)
{
	static uint8_t page[PS], state[SNAP_MAX_STATE];
	static struct snap_geninfo gi[SNAP_MAX_RETAINED];
	static const unsigned modes[] = {
		SNAP_OPEN_RDONLY, SNAP_OPEN_RDONLY | SNAP_OPEN_FALLBACK, 0,
	};
	for (unsigned m = 0; m < 3; m++) {
		snap_store *st;
		unsigned n = 0;
		int rc = snap_open(io, modes[m], &st);
		(void)snap_errmsg(st);
		if (rc) {
			snap_close(st);
			continue;
		}
		snap_verify_super(st);
		snap_list(st, gi, SNAP_MAX_RETAINED, &n);
		snap_gen *prev = NULL;
		for (unsigned i = 0; i < n; i++) {
			snap_gen *g;
			if (snap_gen_open(st, gi[i].gen, m == 1 ? 1 : 0, &g))
				continue;
			struct snap_geninfo info;
			snap_gen_info(g, &info);
			/* the fallback open has verified it already; reading it
			 * all once is enough */
			if (m == 0) {
				for (uint64_t p = 0; p < info.npages && p < 4096; p++)
					snap_read_page(g, p, page);
				snap_read_state(g, state, sizeof state);
				snap_verify(g);
			}
			if (prev)
				snap_diff(prev, g, diff_cb, NULL);
			snap_gen_close(prev);
			prev = g;
		}
		snap_gen_close(prev);
		if (m == 0 && n >= 2)
			snap_send(st, gi[1].gen, gi[0].gen, null_out, NULL);
		if (m == 0 && n)
			snap_send(st, 0, gi[0].gen, null_out, NULL);
		if (m == 2 && writes) {
			struct snap_begin_opts bo = { 0 };
			struct snap_space sp;
			if (!snap_begin(st, &bo)) {
				memset(page, 0x5a, PS);
				snap_write_page(st, 1, page);
				snap_write_page(st, 2, page);
				snap_set_state(st, page, 100);
				if (snap_commit(st, NULL))
					snap_abort(st);
			}
			snap_gc(st, &sp);
			if (n)
				snap_pin(st, gi[0].gen, 1);
			if (n >= 2)
				snap_drop(st, gi[n - 1].gen);
		}
		snap_close(st);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crashdev d;
	struct snap_io io;
	if (!size)
		return 0;
	if (data[0] & 1) {
		crashdev_init(&d, data[0] & 2 ? img1v1 : img1, NB);
		crashdev_io(&d, &io);
		for (size_t i = 1; i + 6 <= size; i += 6) {
			uint64_t blk = (data[i] | data[i + 1] << 8) % NB;
			uint32_t off = (data[i + 2] | data[i + 3] << 8) % PS;
			uint8_t val = data[i + 4], kind = data[i + 5] % 4;
			uint8_t b[PS];
			crashdev_get(&d, blk, b);
			switch (kind) {
			case 0: b[off] ^= val ? val : 1; break;
			case 1: b[off] = val; break;
			case 2: crashdev_get(&d, off % NB, b); break;
			case 3: memset(b, 0, PS); break;
			}
			crashdev_put(&d, blk, b);
		}
		exercise(&io, 1);
	} else {
		struct buf in = { (uint8_t *)data + 1, size - 1, size - 1, 0 };
		snap_store *st;
		uint64_t gen;
		crashdev_init(&d, img2, NB2);
		crashdev_io(&d, &io);
		if (!snap_open(&io, 0, &st))
			/* forced: the body is what is fuzzed (lineage: check_lineage) */
			snap_recv_flags(st, buf_in, &in, SNAP_RECV_FORCE, &gen);
		snap_close(st);
		exercise(&io, 0);
	}
	crashdev_free(&d);
	return 0;
}
