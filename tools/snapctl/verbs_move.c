/*
 * tools/snapctl/verbs_move.c — `snapctl recv`: the receiving end of a move
 * (`snapctl send | snapctl recv`, `amber-ctl migrate --to 'snapctl recv B'`).
 *
 * The target is created when absent, sized for the guest the stream
 * carries and for the engines (amber-run wants whole 16-head, 63-sector
 * cylinders), so that the receiving side needs no preparation. The stream
 * must continue what the target holds: the same guest, on top of its
 * newest generation (snap_recv_flags; --force relaxes that to "the base is
 * held"). Anything refused leaves the target exactly as it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/snapctl/snapctl.h"

#define REC_HEAD   24u  /* FORMAT.md "Send streams": type, len, arg, csum */
#define HDR_NPAGES 48u  /* offset of npages in the header record's payload */
#define HDR_MAX    128u
#define MIN_NEW    (256ull << 20)

uint64_t engine_size(uint64_t bytes)
{
	return (bytes + ENGINE_CYLINDER - 1) / ENGINE_CYLINDER * ENGINE_CYLINDER;
}

/* The stream's first record, read ahead to size a new target; handed to
 * the store again in front of the rest of stdin. */
struct peek {
	int fd;
	unsigned char buf[REC_HEAD + HDR_MAX];
	size_t len, pos;
};

static int peek_in(void *ctx, void *p, size_t n)
{
	struct peek *k = ctx;
	size_t from_buf = k->len - k->pos < n ? k->len - k->pos : n;
	memcpy(p, k->buf + k->pos, from_buf);
	k->pos += from_buf;
	return from_buf == n ? 0 : read_full(k->fd, (char *)p + from_buf, n - from_buf);
}

static uint64_t stream_npages(struct peek *k)
{
	uint32_t len;
	uint64_t npages = 0;
	if (read_full(k->fd, k->buf, REC_HEAD))
		return 0;
	k->len = REC_HEAD;
	memcpy(&len, k->buf + 4, 4);
	if (len < HDR_NPAGES + 8 || len > HDR_MAX || read_full(k->fd, k->buf + REC_HEAD, len))
		return 0;
	k->len += len;
	memcpy(&npages, k->buf + REC_HEAD + HDR_NPAGES, 8);
	return npages;
}

static int create_target(struct opts *o, const char *image, uint64_t npages)
{
	uint64_t want = o->size ? o->size : npages * SNAP_PAGE_SIZE * 3 + (64ull << 20);
	if (want < MIN_NEW)
		want = MIN_NEW;
	struct opts fo = { .quiet = 1, .size = engine_size(want), .keep = o->keep };
	char *args[1] = { (char *)image };
	fo.args = args;
	fo.nargs = 1;
	int ex = verb_format(&fo);
	if (!ex && !o->quiet)
		fprintf(stderr, "created %s (%" PRIu64 " MiB) for a guest of %" PRIu64 " MiB\n", image,
			fo.size >> 20, npages >> 8);
	return ex;
}

int verb_recv(struct opts *o)
{
	struct peek k = { .fd = 0 };
	struct filedev d;
	struct stat sb;
	snap_store *st;
	uint64_t gen;
	const char *image = o->args[0];
	if (isatty(0)) {
		usage_error("recv: reads a stream on stdin, which is a terminal; "
			    "pipe `snapctl send` into it");
		return EX_USAGE;
	}
	if (stat(image, &sb) && errno == ENOENT) {
		uint64_t npages = stream_npages(&k);
		if (!npages || npages > (1ull << 32)) {
			fprintf(stderr, "%s: stdin: not an Amber send stream (cannot read its header); "
				"%s not created\n", prog, image);
			return EX_STREAM;
		}
		int ex = create_target(o, image, npages);
		if (ex)
			return ex;
	}
	int ex = store_open(&d, &st, image, 1, 0);
	if (ex)
		return ex;
	progress_start("recv", o->quiet);
	snap_set_progress(st, progress_cb, NULL);
	int rc = snap_recv_flags(st, peek_in, &k, o->force ? SNAP_RECV_FORCE : 0, &gen);
	progress_end();
	if (rc) {
		fprintf(stderr, "%s: stdin: %s: %s\n", prog, snap_errmsg(st), snap_strerror(rc));
		ex = exit_code(rc);
	} else if (!o->quiet) {
		fprintf(stderr, "received generation %" PRIu64 " into %s\n", gen, image);
	}
	store_close(&d, st);
	return ex;
}
