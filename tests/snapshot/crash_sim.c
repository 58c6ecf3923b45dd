/*
 * tests/snapshot/crash_sim.c — crash at every device request of every
 * commit, recover, and demand the old or the new state, byte for byte.
 *
 *   crash_sim [OPS [SEED [FATES [ASYNC]]]]
 *
 * Runs OPS operations (mostly commits of random dirty sets, some pins,
 * unpins and drops, receives of full streams, and formats with force)
 * against a store on a crashdev. Before each is done for real, it
 * is replayed once per device request it makes (write or flush) with power
 * lost at that request, FATES times with different fates of the pending
 * writes (lost, whole, torn at a sector, in any order). After each crash
 * the store is reopened and must list exactly the generations of the state
 * before or after the operation, every retained generation must read back
 * byte-identical to what was committed, and one trial in five goes on to
 * commit again on the recovered image and checks again (block reuse after
 * recovery). Ends with "N passed, N failed" counting recoveries.
 *
 * Formats alternate the layouts of FORMAT.md: keep 2 (the catalog in the
 * superblock) or 13 (catalog blocks too), version 1 stores
 * upgraded by their next commit; state blobs of up to 9000 bytes go into
 * the record or into state blocks.
 *
 * ASYNC 0: the device writes synchronously (the host tools' way); 1: the
 * store writes through submit/complete (the hypervisor's DMA), completed
 * late and out of order by the device (crashdev.h); 2 (the default): the
 * two alternate from one operation to the next. In async mode the device
 * also fails the first write of one operation in 40 at its completion, sometimes after it
 * reached the disk: the store must refuse to go on (ERROR) and a reopen
 * must find the old state.
 *
 * Built a second time as crash_sim_spill with the store's page-entry buffer
 * cut to 16 entries, so that every commit spills into the map leaves many
 * times (snapshot/build.c) and frees superseded blocks early.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snap.h"
#include "tests/snapshot/crashdev.h"
#include "tests/snapshot/membuf.h"

#ifndef CRASH_SIM_OPS
#define CRASH_SIM_OPS 2000
#endif

#define NPAGES 300
#define DEVBLK 4096 /* room for keep 13 (catalog blocks) */
#define PS SNAP_PAGE_SIZE
#define MAXM 24
#define MAXSTATE 9000

struct model {
	uint64_t gen;            /* 0: free slot */
	uint8_t *mem;
	uint8_t state[MAXSTATE];
	size_t state_len;
};

static struct model models[MAXM];
static uint8_t *cur_mem;     /* newest committed memory */
static long passed, failed;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static void fail(const char *what, uint64_t op, uint64_t k, uint64_t fate,
		 const char *msg)
{
	failed++;
	if (failed <= 20)
		fprintf(stderr, "FAIL op %" PRIu64 " crash@%" PRIu64 " fate %"
			PRIu64 ": %s%s%s\n", op, k, fate, what, msg ? ": " : "",
			msg ? msg : "");
}

static struct model *model_of(uint64_t gen)
{
	for (int i = 0; i < MAXM; i++)
		if (models[i].gen == gen)
			return &models[i];
	return NULL;
}

static struct model *model_new(uint64_t gen)
{
	struct model *m = model_of(0);
	if (!m) {
		fprintf(stderr, "crash_sim: model table full\n");
		exit(2);
	}
	m->gen = gen;
	if (!m->mem)
		m->mem = malloc((size_t)NPAGES * PS);
	return m;
}

/* A listing: generation numbers and pin flags, newest first. */
struct listing {
	unsigned n;
	uint64_t gen[SNAP_MAX_RETAINED];
	int pinned[SNAP_MAX_RETAINED];
};

static int list_of(snap_store *st, struct listing *l)
{
	static struct snap_geninfo gi[SNAP_MAX_RETAINED];
	int rc = snap_list(st, gi, SNAP_MAX_RETAINED, &l->n);
	for (unsigned i = 0; i < l->n; i++) {
		l->gen[i] = gi[i].gen;
		l->pinned[i] = gi[i].pinned;
	}
	return rc;
}

static int same_listing(const struct listing *a, const struct listing *b)
{
	if (a->n != b->n)
		return 0;
	for (unsigned i = 0; i < a->n; i++)
		if (a->gen[i] != b->gen[i] || a->pinned[i] != b->pinned[i])
			return 0;
	return 1;
}

/*
 * One operation, fully determined by seed, so every replay makes the same
 * requests. For a commit, the memory it commits is left in *out_mem.
 */
static void fill_state(uint8_t *state, size_t *state_len, uint64_t *s,
		       uint64_t seed)
{
	*state_len = rnd(s) % MAXSTATE;
	for (size_t i = 0; i < *state_len; i++)
		state[i] = (uint8_t)(seed + i * 7);
}

/* A full stream of a new generation (cur_mem with some pages changed), made
 * by a scratch store, received into st: all or nothing. */
static int recv_op(snap_store *st, uint64_t *s, uint64_t seed,
		   uint8_t *out_mem, uint8_t *state, size_t *state_len)
{
	static uint8_t page[PS];
	struct crashdev src;
	struct snap_io sio;
	snap_store *ss;
	struct buf b = { 0 };
	int rc;
	memcpy(out_mem, cur_mem, (size_t)NPAGES * PS);
	for (int i = 0; i < 20; i++) {
		uint64_t gfn = rnd(s) % NPAGES, v = rnd(s);
		for (unsigned w = 0; w < PS / 8; w++)
			((uint64_t *)page)[w] = v + w;
		memcpy(out_mem + gfn * PS, page, PS);
	}
	fill_state(state, state_len, s, seed);
	crashdev_init(&src, NULL, NPAGES + 200);
	crashdev_io(&src, &sio);
	struct snap_begin_opts bo = { .npages = NPAGES, .base = SNAP_BASE_NONE,
				      .gen = snap_next_gen(st), .time_ns = seed };
	uint64_t gen;
	if (snap_format(&sio, NULL) || snap_open(&sio, 0, &ss) ||
	    snap_begin(ss, &bo)) {
		fprintf(stderr, "crash_sim: scratch store failed\n");
		exit(2);
	}
	for (uint64_t p = 0; p < NPAGES; p++) {
		int zero = 1;
		for (unsigned w = 0; w < PS / 8 && zero; w++)
			zero = !((uint64_t *)(out_mem + p * PS))[w];
		if (!zero && snap_write_page(ss, p, out_mem + p * PS))
			exit(2);
	}
	if (snap_set_state(ss, state, *state_len) || snap_commit(ss, &gen) ||
	    snap_send(ss, 0, gen, buf_out, &b))
		exit(2);
	snap_close(ss);
	crashdev_free(&src);
	/* a full stream of another store: forced past the lineage checks
	 * (check_lineage tests those); what is tested here is the commit */
	rc = snap_recv_flags(st, buf_in, &b, SNAP_RECV_FORCE, NULL);
	free(b.p);
	return rc;
}

static int run_op(snap_store *st, const struct snap_io *io, uint64_t seed,
		  uint8_t *out_mem, uint8_t *state, size_t *state_len,
		  int *is_commit, int *is_format)
{
	uint64_t s = seed;
	static uint8_t page[PS];
	struct listing l;
	int rc;

	*is_commit = 1;
	*is_format = 0;
	if (rnd(&s) % 60 == 0) {
		/* format over the store: after a crash, old or new, whole.
		 * Both layouts (FORMAT.md): a version 1 store, upgraded by
		 * the next commit; keep 13 makes catalogs
		 * longer than the superblock holds (a catalog block). */
		struct snap_format_opts fo = {
			.force = 1, .version = rnd(&s) % 3 == 0 ? 1 : 0,
			.keep = rnd(&s) % 3 == 0 ? 13 : 2,
		};
		*is_commit = 0;
		*is_format = 1;
		return snap_format(io, &fo);
	}
	if (rnd(&s) % 25 == 0)
		return recv_op(st, &s, seed, out_mem, state, state_len);
	if (rnd(&s) % 25 == 0 && (rc = list_of(st, &l)) == 0 && l.n >= 2) {
		/* drop the oldest retained generation (two catalog commits) */
		*is_commit = 0;
		return snap_drop(st, l.gen[l.n - 1]);
	}
	if (rnd(&s) % 10 == 0 && (rc = list_of(st, &l)) == 0 && l.n) {
		/* pin or unpin one retained generation */
		unsigned i = (unsigned)(rnd(&s) % l.n), npin = 0;
		for (unsigned j = 0; j < l.n; j++)
			npin += l.pinned[j];
		if (!l.pinned[i] && npin >= 3)
			return 1; /* nothing to do: keep the pinned set small */
		*is_commit = 0;
		return snap_pin(st, l.gen[i], !l.pinned[i]);
	}
	memcpy(out_mem, cur_mem, (size_t)NPAGES * PS);
	struct snap_begin_opts bo = { .npages = NPAGES, .time_ns = seed };
	if ((rc = snap_begin(st, &bo)))
		return rc;
	uint64_t ndirty = rnd(&s) % 20 == 0 ? NPAGES : 1 + rnd(&s) % 40;
	for (uint64_t i = 0; i < ndirty; i++) {
		uint64_t gfn = ndirty == NPAGES ? i : rnd(&s) % NPAGES;
		int reps = rnd(&s) % 10 == 0 ? 2 : 1;
		for (int r = 0; r < reps; r++) {
			if (rnd(&s) % 8 == 0) {
				memset(page, 0, PS);
			} else {
				uint64_t v = rnd(&s);
				for (unsigned w = 0; w < PS / 8; w++)
					((uint64_t *)page)[w] = v + w * 0x9E3779B97F4A7C15ull;
			}
			if ((rc = snap_write_page(st, gfn, page)))
				return rc;
			memcpy(out_mem + gfn * PS, page, PS);
		}
	}
	fill_state(state, state_len, &s, seed);
	if ((rc = snap_set_state(st, state, *state_len)))
		return rc;
	return snap_commit(st, NULL);
}

/* Every retained generation reads back as its model says. */
static int check_store(snap_store *st, const char **why)
{
	static uint8_t page[PS], state[MAXSTATE];
	struct listing l;
	if (list_of(st, &l)) {
		*why = snap_errmsg(st);
		return 0;
	}
	for (unsigned i = 0; i < l.n; i++) {
		struct model *m = model_of(l.gen[i]);
		snap_gen *g;
		struct snap_geninfo gi;
		if (!m) {
			*why = "a generation the model does not know";
			return 0;
		}
		if (snap_gen_open(st, l.gen[i], 0, &g)) {
			*why = snap_errmsg(st);
			return 0;
		}
		snap_gen_info(g, &gi);
		int ok = gi.state_len == m->state_len &&
			 !snap_read_state(g, state, sizeof state) &&
			 !memcmp(state, m->state, m->state_len);
		for (uint64_t p = 0; ok && p < NPAGES; p++)
			ok = !snap_read_page(g, p, page) &&
			     !memcmp(page, m->mem + p * PS, PS);
		if (!ok)
			*why = snap_errmsg(st);
		snap_gen_close(g);
		if (!ok)
			return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t nops = argc > 1 ? strtoull(argv[1], NULL, 0) : CRASH_SIM_OPS;
	uint64_t seed0 = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	uint64_t nfates = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
	uint64_t amode = argc > 4 ? strtoull(argv[4], NULL, 0) : 2;
	uint64_t async_ops = 0, io_failures = 0;
	uint8_t *base = calloc(DEVBLK, SNAP_BLOCK_SIZE);
	uint8_t *new_mem = malloc((size_t)NPAGES * PS);
	uint8_t *tmp_mem = malloc((size_t)NPAGES * PS);
	static uint8_t new_state[MAXSTATE], tmp_state[MAXSTATE];
	uint64_t crashes = 0, continued = 0, commits = 0, recvs = 0, formats = 0;
	struct crashdev d;
	struct snap_io io;
	snap_store *st;

	cur_mem = calloc(NPAGES, PS);
	crashdev_init(&d, NULL, DEVBLK);
	crashdev_io(&d, &io);
	/* keep 13: the catalog outgrows the superblock (12 entries) from the
	 * first operations on (crash_sim_spill's 150 ops see few formats) */
	struct snap_format_opts fo0 = { .keep = 13 };
	if (snap_format(&io, &fo0)) {
		fprintf(stderr, "format failed\n");
		return 1;
	}
	crashdev_image(&d, base);
	crashdev_free(&d);

	for (uint64_t op = 1; op <= nops; op++) {
		uint64_t seed = seed0 * 1000003 + op;
		struct listing before, after;
		size_t new_state_len = 0, tmp_len;
		int is_commit, is_format, rc;
		int async = amode == 2 ? (int)(op & 1) : amode == 1;
		async_ops += async;

		if (async && op % 40 == 1) {
			/* a write that fails at its completion: ERROR, nothing
			 * half done visible after a reopen */
			struct listing got;
			crashdev_init(&d, base, DEVBLK);
			d.async = 1;
			crashdev_io(&d, &io);
			if (!snap_open(&io, 0, &st)) {
				list_of(st, &before);
				d.fail_submit_at = 1;
				rc = run_op(st, &io, seed, tmp_mem, tmp_state,
					    &tmp_len, &is_commit, &is_format);
				if (d.submits && !is_format) {
					io_failures++;
					if (rc >= 0 && rc != 1)
						fail("failed async write not reported", op, 0, 0, NULL);
					else if (rc != 1 && snap_begin(st, &(struct snap_begin_opts){ .npages = NPAGES }) != SNAP_EFATAL)
						fail("no ERROR state after a failed async write", op, 0, 0, NULL);
				}
			}
			snap_close(st);
			if (d.ninfl || d.early_reads || d.bad_completes)
				fail("async protocol (failing write)", op, 0, 0, NULL);
			d.fail_submit_at = 0;
			crashdev_io(&d, &io);
			if (d.submits && !is_format && (snap_open(&io, 0, &st) || list_of(st, &got) ||
			    !same_listing(&got, &before)))
				fail("reopen after a failed async write", op, 0, 0, snap_errmsg(st));
			else if (d.submits && !is_format) {
				const char *why = NULL;
				if (!check_store(st, &why))
					fail("after a failed async write", op, 0, 0, why);
				else
					passed++;
			}
			if (d.submits && !is_format)
				snap_close(st);
			crashdev_free(&d);
		}

		/* the real run: counts the requests and gives "after" */
		crashdev_init(&d, base, DEVBLK);
		d.async = async;
		crashdev_io(&d, &io);
		if (snap_open(&io, 0, &st) || list_of(st, &before)) {
			fail("open before op", op, 0, 0, snap_errmsg(st));
			break;
		}
		uint64_t ops0 = d.ops;
		rc = run_op(st, &io, seed, new_mem, new_state, &new_state_len,
			    &is_commit, &is_format);
		if (rc < 0) {
			fail("operation", op, 0, 0, snap_errmsg(st));
			break;
		}
		uint64_t nreq = d.ops - ops0;
		snap_close(st);
		if (snap_open(&io, 0, &st) || list_of(st, &after)) {
			fail("open after op", op, 0, 0, snap_errmsg(st));
			break;
		}
		snap_close(st);
		if (d.overlaps)
			fail("two pending writes to one block", op, 0, 0, NULL);
		if (d.ninfl || d.early_reads || d.bad_completes)
			fail("async protocol: writes in flight after close, device reads of "
			     "blocks in flight or completions of unknown writes", op, 0, 0, NULL);
		if (rc == 1) { /* no-op */
			crashdev_free(&d);
			continue;
		}
		formats += is_format;
		if (is_commit) {
			uint64_t s1 = seed;
			rnd(&s1);
			recvs += rnd(&s1) % 25 == 0;
			struct model *m = model_new(after.gen[0]);
			memcpy(m->mem, new_mem, (size_t)NPAGES * PS);
			memcpy(m->state, new_state, new_state_len);
			m->state_len = new_state_len;
			commits++;
		}
		uint8_t *next_base = malloc((size_t)DEVBLK * SNAP_BLOCK_SIZE);
		crashdev_image(&d, next_base);
		crashdev_free(&d);

		for (uint64_t k = 1; k <= nreq; k++) {
			for (uint64_t f = 0; f < nfates; f++) {
				struct crashdev c;
				struct listing got;
				const char *why = NULL;
				crashdev_init(&d, base, DEVBLK);
				d.async = async;
				crashdev_io(&d, &io);
				d.crash_at = ops0 + k;
				int c_commit, c_format;
				if (!snap_open(&io, 0, &st)) {
					run_op(st, &io, seed, tmp_mem, tmp_state,
					       &tmp_len, &c_commit, &c_format);
				}
				snap_close(st);
				if (d.ninfl || d.bad_completes)
					fail("async protocol at a crash", op, k, f, NULL);
				crashdev_crash(&d, seed * 131 + k * 7 + f, &c);
				crashdev_free(&d);
				crashes++;
				crashdev_io(&c, &io);
				if (snap_open(&io, 0, &st)) {
					fail("reopen after crash", op, k, f,
					     snap_errmsg(st));
					snap_close(st);
					crashdev_free(&c);
					continue;
				}
				list_of(st, &got);
				if (!same_listing(&got, &before) &&
				    !same_listing(&got, &after))
					fail("catalog is neither old nor new", op,
					     k, f, NULL);
				else if (!check_store(st, &why))
					fail("retained generation differs", op, k,
					     f, why);
				else
					passed++;
				/* go on from the recovered image */
				if ((crashes % 5) == 0 && got.n) {
					uint64_t s2 = seed ^ 0xabcdef;
					memcpy(tmp_mem, cur_mem, (size_t)NPAGES * PS);
					struct snap_begin_opts bo = { .npages = NPAGES };
					uint8_t pg[PS];
					int ok = !snap_begin(st, &bo);
					for (int i = 0; ok && i < 30; i++) {
						memset(pg, (int)(s2 + (uint64_t)i), PS);
						ok = !snap_write_page(st, rnd(&s2) % NPAGES, pg);
					}
					ok = ok && !snap_commit(st, NULL);
					if (!ok)
						fail("commit after recovery", op, k, f,
						     snap_errmsg(st));
					/* older generations must be untouched */
					struct listing l2;
					list_of(st, &l2);
					int good = 1;
					for (unsigned i = 1; i < l2.n && good; i++) {
						snap_gen *g;
						uint8_t pg2[PS];
						struct model *m = model_of(l2.gen[i]);
						if (!m || snap_gen_open(st, l2.gen[i], 0, &g)) {
							good = 0;
							break;
						}
						for (uint64_t p = 0; p < NPAGES && good; p++)
							good = !snap_read_page(g, p, pg2) &&
							       !memcmp(pg2, m->mem + p * PS, PS);
						snap_gen_close(g);
					}
					if (!good)
						fail("older generation damaged by commit "
						     "after recovery", op, k, f,
						     snap_errmsg(st));
					continued++;
				}
				snap_close(st);
				if (c.ninfl || c.early_reads || c.bad_completes)
					fail("async protocol after recovery", op, k, f, NULL);
				if (c.overlaps)
					fail("two pending writes to one block", op,
					     k, f, NULL);
				crashdev_free(&c);
			}
		}
		free(base);
		base = next_base;
		if (is_commit)
			memcpy(cur_mem, new_mem, (size_t)NPAGES * PS);
		if (is_format)
			memset(cur_mem, 0, (size_t)NPAGES * PS);
		/* forget models no retained generation needs */
		for (int i = 0; i < MAXM; i++) {
			int keep = 0;
			for (unsigned j = 0; j < after.n; j++)
				keep |= models[i].gen == after.gen[j];
			if (!keep)
				models[i].gen = 0;
		}
		if (failed > 50)
			break;
	}
	printf("crash_sim: %" PRIu64 " commits (%" PRIu64 " received), %"
	       PRIu64 " formats, %" PRIu64 " crashes recovered, %" PRIu64
	       " continued after recovery; %" PRIu64 " operations with "
	       "asynchronous writes, %" PRIu64 " failed async writes\n",
	       commits, recvs, formats, crashes, continued, async_ops,
	       io_failures);
	printf("%ld passed, %ld failed\n", passed, failed);
	return failed ? 1 : 0;
}
