/*
 * snapshot/stream.c — send and receive generations as byte streams
 * (export/import files, `snapctl send | ssh host snapctl recv`).
 *
 * A stream is a header record, page records, state records and an end
 * record (FORMAT.md, "Send streams"). Each record carries a checksum of its
 * header and payload; the end record carries the record count and a chain
 * hash of all record checksums, so a dropped, repeated or reordered record
 * is caught too. An incremental stream (base != 0) carries only the pages
 * whose block differs from the base, which the target must hold.
 *
 * Receiving is all or nothing without any extra buffering: the pages go into
 * an open generation (fresh blocks no committed generation can reach) and
 * only a verified end record commits it; anything else aborts it, and the
 * target's committed generations are as they were.
 */
#include "snapshot/snap_int.h"

enum { R_HDR = 1, R_PAGE, R_ZERO, R_STATE, R_END };

struct rec_head {
	u32 type;
	u32 len;
	u64 arg;     /* PAGE/ZERO: guest frame; STATE: byte offset */
	u64 csum;    /* of this head (csum 0) then the payload */
};

/* Version 2 appends the guest identity; version 1 streams (64 bytes, no
 * identity) are still read, as streams of an unknown guest. */
#define STREAM_VERSION 2u
#define STREAM_HDR_V1  64u
struct stream_hdr {
	u64 magic;
	u32 version;
	u32 pad;
	u64 base;
	u64 base_time_ns; /* identifies the base beyond its number */
	u64 gen;
	u64 time_ns;
	u64 npages;
	u64 state_len;
	u8 guest_id[SNAP_GUEST_ID_LEN];
};
_Static_assert(sizeof(struct stream_hdr) == STREAM_HDR_V1 + SNAP_GUEST_ID_LEN, "stream header");

struct stream_end {
	u64 records;  /* before this one */
	u64 chain;
};

static u64 rec_csum(struct rec_head h, const void *payload)
{
	h.csum = 0;
	return snap_hash(payload, h.len, snap_hash(&h, sizeof h, STREAM_MAGIC));
}

/* --- sending --- */

struct sender {
	snap_store *st;
	snap_gen *g;
	snap_out_fn out;
	void *ctx;
	u8 *page;
	u64 records, chain;
};

static int put_rec(struct sender *s, u32 type, u64 arg, const void *p, u32 len)
{
	struct rec_head h = { type, len, arg, 0 };
	h.csum = rec_csum(h, p);
	s->chain = snap_hash(&h.csum, sizeof h.csum, s->chain);
	s->records++;
	int rc = s->out(s->ctx, &h, sizeof h);
	if (!rc && len)
		rc = s->out(s->ctx, p, len);
	return rc ? snap_err(s->st, SNAP_EIO, "writing the stream failed "
			     "(error %d)", rc) : 0;
}

static int send_page(void *ctx, u64 gfn, int kind)
{
	struct sender *s = ctx;
	if (s->st->progress && (gfn & 1023) == 0)
		s->st->progress(s->st->progress_ctx, gfn, s->g->rec->npages);
	if (!kind)
		return put_rec(s, R_ZERO, gfn, NULL, 0);
	int rc = snap_read_page(s->g, gfn, s->page);
	return rc ? rc : put_rec(s, R_PAGE, gfn, s->page, SNAP_PAGE_SIZE);
}

int snap_send(snap_store *st, uint64_t base, uint64_t gen, snap_out_fn out,
	      void *ctx)
{
	struct sender s = { .st = st, .out = out, .ctx = ctx };
	snap_gen *bg = NULL;
	u8 *state = NULL;
	int rc;

	if ((rc = snap_gen_open(st, gen, 0, &s.g)))
		return rc;
	if (base && (rc = snap_gen_open(st, base, 0, &bg)))
		goto out;
	if (bg && bg->rec->gen >= s.g->rec->gen) {
		rc = snap_err(st, SNAP_EINVAL, "base generation %llu is not older "
			      "than generation %llu", base, s.g->rec->gen);
		goto out;
	}
	const struct rec_disk *r = s.g->rec;
	struct stream_hdr h = {
		.magic = STREAM_MAGIC, .version = STREAM_VERSION,
		.base = bg ? bg->rec->gen : 0,
		.base_time_ns = bg ? bg->rec->time_ns : 0,
		.gen = r->gen, .time_ns = r->time_ns, .npages = r->npages,
		.state_len = r->state_len,
	};
	snap_memcpy(h.guest_id, st->sb.guest_id, SNAP_GUEST_ID_LEN);
	rc = SNAP_ENOMEM;
	if (!(s.page = snap_alloc(st, SNAP_PAGE_SIZE)) ||
	    !(state = snap_alloc(st, r->state_len + 1)))
		goto out;
	if ((rc = put_rec(&s, R_HDR, 0, &h, sizeof h)) ||
	    (rc = snap_diff(bg, s.g, send_page, &s)) ||
	    (rc = snap_read_state(s.g, state, r->state_len)))
		goto out;
	for (u64 off = 0; off < r->state_len; off += SNAP_BLOCK_SIZE) {
		u64 n = r->state_len - off;
		if ((rc = put_rec(&s, R_STATE, off, state + off,
				  n < SNAP_BLOCK_SIZE ? (u32)n : SNAP_BLOCK_SIZE)))
			goto out;
	}
	struct stream_end e = { s.records, s.chain };
	rc = put_rec(&s, R_END, 0, &e, sizeof e);
	if (!rc && st->progress)
		st->progress(st->progress_ctx, r->npages, r->npages);
out:
	snap_free(st, state, s.g ? s.g->rec->state_len + 1 : 0);
	snap_free(st, s.page, SNAP_PAGE_SIZE);
	snap_gen_close(bg);
	snap_gen_close(s.g);
	return rc;
}

/* --- receiving --- */

struct receiver {
	snap_store *st;
	snap_in_fn in;
	void *ctx;
	u64 off;      /* stream offset of the record being read */
	u64 pos;
	u64 records, chain;
};

static int bad(struct receiver *r, const char *why, u64 a)
{
	/* keep the store's own message if it has a better one */
	return snap_err(r->st, SNAP_ESTREAM, "stream offset %llu, record %llu: "
			"%s %llu; nothing received", r->off, r->records, why, a);
}

static int get(struct receiver *r, void *buf, size_t len)
{
	if (r->in(r->ctx, buf, len))
		return snap_err(r->st, SNAP_ESTREAM, "stream ends or fails at "
				"offset %llu, inside record %llu; nothing "
				"received", r->pos, r->records);
	r->pos += len;
	return 0;
}

/* Reads one record into buf (at most max bytes) and checks its checksum. */
static int get_rec(struct receiver *r, struct rec_head *h, void *buf, u32 max)
{
	int rc;
	r->off = r->pos;
	if ((rc = get(r, h, sizeof *h)))
		return rc;
	if (h->type < R_HDR || h->type > R_END)
		return bad(r, "unknown record type", h->type);
	if (h->len > max)
		return bad(r, "record too long:", h->len);
	if ((rc = get(r, buf, h->len)))
		return rc;
	if (CSUM_BAD(rec_csum(*h, buf), h->csum))
		return bad(r, "checksum mismatch in record of type", h->type);
	if (h->type != R_END) {
		r->chain = snap_hash(&h->csum, sizeof h->csum, r->chain);
		r->records++;
	}
	return 0;
}

static int recv_body(struct receiver *r, const struct stream_hdr *h, u8 *page,
		     u8 *state, u64 *gen)
{
	snap_store *st = r->st;
	struct rec_head rh;
	u64 got_state = 0;
	int rc;

	for (;;) {
		if ((rc = get_rec(r, &rh, page, SNAP_PAGE_SIZE)))
			return rc;
		switch (rh.type) {
		case R_PAGE:
		case R_ZERO:
			if (rh.len != (rh.type == R_PAGE ? SNAP_PAGE_SIZE : 0u) ||
			    rh.arg >= h->npages)
				return bad(r, "bad page record for guest frame",
					   rh.arg);
			if (rh.type == R_ZERO)
				snap_memset(page, 0, SNAP_PAGE_SIZE);
			if ((rc = snap_write_page(st, rh.arg, page)))
				return rc;
			if (st->progress && (rh.arg & 1023) == 0)
				st->progress(st->progress_ctx, rh.arg, h->npages);
			break;
		case R_STATE:
			if (rh.arg != got_state || got_state + rh.len > h->state_len)
				return bad(r, "state record out of place at byte",
					   rh.arg);
			snap_memcpy(state + got_state, page, rh.len);
			got_state += rh.len;
			break;
		case R_END: {
			struct stream_end e;
			snap_memcpy(&e, page, sizeof e);
			if (rh.len != sizeof e || e.records != r->records ||
			    CSUM_BAD(e.chain, r->chain))
				return bad(r, "end record does not match the "
					   "records received:", r->records);
			if (got_state != h->state_len)
				return bad(r, "state blob incomplete at byte",
					   got_state);
			if ((rc = snap_set_state(st, state, got_state)))
				return rc;
			/* An empty target becomes this guest's store with the
			 * same commit (super_write starts from st->sb). */
			u8 old[SNAP_GUEST_ID_LEN];
			snap_memcpy(old, st->sb.guest_id, sizeof old);
			if (snap_is_zero(old, sizeof old))
				snap_memcpy(st->sb.guest_id, h->guest_id, sizeof old);
			if ((rc = snap_commit(st, gen)))
				snap_memcpy(st->sb.guest_id, old, sizeof old);
			return rc;
		}
		default:
			return bad(r, "unexpected record of type", rh.type);
		}
	}
}

static void id_hex(char *out, const u8 *id)
{
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < SNAP_GUEST_ID_LEN; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[2 * SNAP_GUEST_ID_LEN] = 0;
}

/*
 * Lineage (FORMAT.md "Guest identity"): a stream continues the target only
 * if it is of the same guest and builds on the target's newest generation
 * (an incremental stream) or the target is empty (a full one). Forced, only
 * a held base is required, as before identities existed.
 */
static int lineage(struct receiver *r, const struct stream_hdr *h,
		   unsigned flags)
{
	snap_store *st = r->st;
	u64 newest = st->cat.count ? st->cat.ent[0].gen : 0;
	int empty = !st->cat.count && !st->sb.newest_gen;
	char a[2 * SNAP_GUEST_ID_LEN + 1], b[2 * SNAP_GUEST_ID_LEN + 1];
	if (flags & SNAP_RECV_FORCE)
		return 0;
	if (!empty && snap_memcmp(h->guest_id, st->sb.guest_id, SNAP_GUEST_ID_LEN)) {
		id_hex(a, h->guest_id);
		id_hex(b, st->sb.guest_id);
		return snap_err(st, SNAP_ESTREAM, "stream is of guest %s, the "
				"target holds guest %s (another guest's store; "
				"--force to receive anyway); nothing received",
				snap_is_zero(h->guest_id, SNAP_GUEST_ID_LEN) ?
				"(unknown)" : a,
				snap_is_zero(st->sb.guest_id, SNAP_GUEST_ID_LEN) ?
				"(unknown)" : b);
	}
	if (!h->base && !empty)
		return snap_err(st, SNAP_ESTREAM, "full stream of generation "
				"%llu, but the target already holds generations "
				"(newest %llu): it would not continue them "
				"(--force to receive anyway); nothing received",
				h->gen, newest);
	if (h->base && h->base != newest)
		return snap_err(st, SNAP_ESTREAM, "stream continues generation "
				"%llu, the target's newest is %llu (the target "
				"has diverged or misses a stream; --force to "
				"receive anyway); nothing received",
				h->base, newest);
	return 0;
}

int snap_recv(snap_store *st, snap_in_fn in, void *ctx, uint64_t *gen)
{
	return snap_recv_flags(st, in, ctx, 0, gen);
}

int snap_recv_flags(snap_store *st, snap_in_fn in, void *ctx, unsigned flags,
		    uint64_t *gen)
{
	struct receiver r = { .st = st, .in = in, .ctx = ctx };
	struct stream_hdr h = { 0 };
	struct rec_head rh;
	u8 *page = NULL, *state = NULL;
	int rc;

	if (st->state != ST_OPEN)
		return st->state == ST_ERROR ? SNAP_EFATAL : SNAP_EBUSY;
	if (!(page = snap_alloc(st, SNAP_PAGE_SIZE)))
		return SNAP_ENOMEM;
	if ((rc = get_rec(&r, &rh, page, SNAP_PAGE_SIZE)))
		goto out;
	snap_memcpy(&h, page, rh.len < sizeof h ? rh.len : sizeof h);
	if (rh.type != R_HDR || h.magic != STREAM_MAGIC ||
	    rh.len != (h.version == 1 ? STREAM_HDR_V1 : sizeof h)) {
		rc = bad(&r, "not an Amber send stream; record type", rh.type);
		goto out;
	}
	if (h.version < 1 || h.version > STREAM_VERSION || h.state_len > SNAP_MAX_STATE ||
	    !h.npages || h.base >= h.gen) {
		rc = bad(&r, "unsupported stream header, version", h.version);
		goto out;
	}
	const struct cat_ent *be = h.base ? view_find(st, h.base) : NULL;
	if (h.base) {
		struct rec_disk *br = (struct rec_disk *)st->tmp;
		if (!be) {
			rc = bad(&r, "incremental stream needs base generation "
				 "missing from the target:", h.base);
			goto out;
		}
		if ((rc = rec_load(st, be, br)))
			goto out;
		if (br->time_ns != h.base_time_ns) {
			rc = bad(&r, "target's generation is not the stream's "
				 "base (capture times differ):", h.base);
			goto out;
		}
	}
	if ((rc = lineage(&r, &h, flags)))
		goto out;
	if (h.gen < snap_next_gen(st)) {
		rc = bad(&r, "target already holds generations up to",
			 snap_next_gen(st) - 1);
		goto out;
	}
	rc = SNAP_ENOMEM;
	if (!(state = snap_alloc(st, h.state_len + 1)))
		goto out;
	struct snap_begin_opts bo = {
		.base = h.base ? h.base : SNAP_BASE_NONE, .gen = h.gen,
		.npages = h.npages, .time_ns = h.time_ns,
	};
	if ((rc = snap_begin(st, &bo))) {
		if (rc == SNAP_EINVAL)
			rc = snap_err(st, SNAP_ESTREAM, "stream header: %s; "
				      "nothing received", snap_errmsg(st));
		goto out;
	}
	rc = recv_body(&r, &h, page, state, gen);
	if (rc)
		snap_abort(st);
	else if (st->progress)
		st->progress(st->progress_ctx, h.npages, h.npages);
out:
	snap_free(st, state, h.state_len + 1);
	snap_free(st, page, SNAP_PAGE_SIZE);
	return rc;
}
