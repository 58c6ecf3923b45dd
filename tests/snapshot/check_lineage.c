/*
 * tests/snapshot/check_lineage.c — guest identity, handover mark and the
 * lineage rules of snap_recv (FORMAT.md "Guest identity"): a stream of
 * another guest, an incremental stream whose base is not the target's
 * newest, a full stream into a non-empty target are refused and leave the
 * target unchanged; an empty target adopts the stream's guest; --force
 * (SNAP_RECV_FORCE) only needs the base; the identity and the handover
 * mark survive later commits and a reopen.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snap.h"
#include "tests/snapshot/crashdev.h"
#include "tests/snapshot/membuf.h"
#include "tests/unit.h"

#define PS SNAP_PAGE_SIZE
#define NP 64
#define NB 2048

struct store {
	struct crashdev dev;
	struct snap_io io;
	snap_store *st;
};

static void open_new(struct store *s, const char *id)
{
	crashdev_init(&s->dev, NULL, NB);
	crashdev_io(&s->dev, &s->io);
	ck_assert_int_eq(snap_format(&s->io, NULL), 0);
	ck_assert_int_eq(snap_open(&s->io, 0, &s->st), 0);
	if (id) {
		uint8_t gid[SNAP_GUEST_ID_LEN] = { 0 };
		memcpy(gid, id, strlen(id));
		ck_assert_int_eq(snap_set_guest_id(s->st, gid), 0);
	}
}

static void close_store(struct store *s)
{
	snap_close(s->st);
	crashdev_free(&s->dev);
}

static uint64_t commit(struct store *s, uint64_t seed)
{
	uint8_t page[PS];
	uint64_t g;
	struct snap_begin_opts bo = { .npages = NP };
	ck_assert_int_eq(snap_begin(s->st, &bo), 0);
	for (unsigned i = 0; i < 5; i++) {
		memset(page, (int)(seed + i), PS);
		ck_assert_int_eq(snap_write_page(s->st, (seed * 7 + i) % NP, page), 0);
	}
	ck_assert_int_eq(snap_set_state(s->st, "st", 2), 0);
	ck_assert_msg(snap_commit(s->st, &g) == 0, "%s", snap_errmsg(s->st));
	return g;
}

static struct buf stream(struct store *s, uint64_t base, uint64_t gen)
{
	struct buf b = { 0 };
	ck_assert_int_eq(snap_send(s->st, base, gen, buf_out, &b), 0);
	return b;
}

/* recv must fail and leave every device block as it was. */
static void refused(struct store *s, struct buf *b, unsigned flags, const char *why)
{
	uint64_t gen, txid = snap_txid(s->st), newest = snap_newest(s->st);
	b->pos = 0;
	ck_assert_int_eq(snap_recv_flags(s->st, buf_in, b, flags, &gen), SNAP_ESTREAM);
	ck_assert_msg(strstr(snap_errmsg(s->st), why), "%s", snap_errmsg(s->st));
	ck_assert_uint_eq(snap_txid(s->st), txid);
	ck_assert_uint_eq(snap_newest(s->st), newest);
}

static void received(struct store *s, struct buf *b, unsigned flags, uint64_t want)
{
	uint64_t gen;
	b->pos = 0;
	ck_assert_msg(snap_recv_flags(s->st, buf_in, b, flags, &gen) == 0, "%s", snap_errmsg(s->st));
	ck_assert_uint_eq(gen, want);
}

START_TEST(identity_and_handover)
{
	struct store a;
	uint8_t id[SNAP_GUEST_ID_LEN], other[SNAP_GUEST_ID_LEN] = { 9 };
	open_new(&a, NULL);
	ck_assert_int_eq(snap_guest_id(a.st, id), 0);
	uint8_t zero[SNAP_GUEST_ID_LEN] = { 0 };
	ck_assert_int_eq(snap_set_guest_id(a.st, zero), SNAP_EINVAL);
	memcpy(id, "guest-a", 8);
	ck_assert_int_eq(snap_set_guest_id(a.st, id), 0);
	ck_assert_int_eq(snap_set_guest_id(a.st, id), 0); /* same again: fine */
	ck_assert_int_eq(snap_set_guest_id(a.st, other), SNAP_EEXIST);
	uint64_t g = commit(&a, 1);
	commit(&a, 2);
	ck_assert_int_eq(snap_set_handed_over(a.st, 99), SNAP_ENOENT);
	ck_assert_int_eq(snap_set_handed_over(a.st, g + 1), 0);
	ck_assert_uint_eq(snap_handed_over(a.st), g + 1);
	/* both survive a reopen and a later commit */
	snap_close(a.st);
	ck_assert_int_eq(snap_open(&a.io, 0, &a.st), 0);
	commit(&a, 3);
	uint8_t got[SNAP_GUEST_ID_LEN];
	ck_assert_int_eq(snap_guest_id(a.st, got), 1);
	ck_assert_mem_eq(got, id, sizeof got);
	ck_assert_uint_eq(snap_handed_over(a.st), g + 1);
	ck_assert_int_eq(snap_set_handed_over(a.st, 0), 0);
	ck_assert_uint_eq(snap_handed_over(a.st), 0);
	close_store(&a);
}
END_TEST

START_TEST(recv_lineage)
{
	struct store a, b, c;
	open_new(&a, "guest-a");
	uint64_t g1 = commit(&a, 1);
	ck_assert_int_eq(snap_pin(a.st, g1, 1), 0); /* kept for the streams below */
	uint64_t g2 = commit(&a, 2), g3 = commit(&a, 3);
	struct buf full1 = stream(&a, 0, g1), inc12 = stream(&a, g1, g2), inc23 = stream(&a, g2, g3),
		   inc13 = stream(&a, g1, g3), full3 = stream(&a, 0, g3);

	open_new(&b, NULL); /* empty: adopts guest-a */
	received(&b, &full1, 0, g1);
	uint8_t got[SNAP_GUEST_ID_LEN];
	ck_assert_int_eq(snap_guest_id(b.st, got), 1);
	ck_assert_mem_eq(got, "guest-a", 8);
	refused(&b, &inc23, 0, "base generation");          /* base missing */
	refused(&b, &full3, 0, "already holds generations"); /* full into non-empty */
	received(&b, &inc12, 0, g2);
	refused(&b, &inc13, 0, "target's newest is 2");       /* base not the newest */
	received(&b, &inc23, 0, g3);

	/* another guest's stream, into a target of guest-a */
	open_new(&c, "guest-c");
	commit(&c, 1);
	commit(&c, 2);
	commit(&c, 3);
	uint64_t g4 = commit(&c, 4);
	struct buf foreign = stream(&c, g3, g4), foreign_full = stream(&c, 0, g4);
	refused(&b, &foreign, 0, "stream is of guest");
	refused(&b, &foreign_full, 0, "stream is of guest");

	/* forced: only the base must be held */
	struct store d;
	open_new(&d, "guest-a");
	received(&d, &full1, 0, g1);
	received(&d, &inc12, 0, g2);
	refused(&d, &inc13, 0, "newest is 2");
	close_store(&d);
	open_new(&d, "guest-a");
	received(&d, &full1, 0, g1);
	received(&d, &inc13, SNAP_RECV_FORCE, g3);
	close_store(&d);

	free(full1.p), free(inc12.p), free(inc23.p), free(inc13.p), free(full3.p);
	free(foreign.p), free(foreign_full.p);
	close_store(&a);
	close_store(&b);
	close_store(&c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("lineage");
	TCase *t = tcase_create("core");
	tcase_add_test(t, identity_and_handover);
	tcase_add_test(t, recv_lineage);
	suite_add_tcase(s, t);
	return s;
}

int main(void) { return unit_main(suite(), NULL); }
