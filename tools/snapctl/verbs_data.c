/*
 * tools/snapctl/verbs_data.c — verbs that move guest memory in or out:
 * cat, commit, export, import, send, recv.
 *
 * Output files are written whole or not at all: on any failure the partial
 * file is removed, so a RAWFILE or STREAM on disk is always complete.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/snapctl/snapctl.h"

#define PS SNAP_PAGE_SIZE

/* Without a base every page starts zero: a zero page is no change. */
static int page_nonzero(const uint8_t *page)
{
	for (unsigned i = 0; i < PS / 8; i++)
		if (((const uint64_t *)page)[i])
			return 1;
	return 0;
}


static int read_file(const char *path, void **buf, size_t *len, size_t max)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return EX_IO;
	}
	*buf = malloc(max + 1);
	*len = fread(*buf, 1, max + 1, f);
	int err = ferror(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "%s: %s: read error\n", prog, path);
		free(*buf);
		return EX_IO;
	}
	if (*len > max) {
		fprintf(stderr, "%s: %s: state blob larger than %zu bytes\n",
			prog, path, max);
		free(*buf);
		return EX_FAIL;
	}
	return EX_OK;
}

/* With --fallback, say which generation was used instead, and why. */
static void say_fallback(snap_store *st, const char *path)
{
	const char *m = snap_errmsg(st);
	if (strcmp(m, "no error"))
		fprintf(stderr, "%s: %s: warning: %s\n", prog, path, m);
}

/* Both outputs (memory and state) appear together or not at all. */
static int cat_gen(struct opts *o, snap_gen *g)
{
	struct snap_geninfo gi;
	struct outfile raw, sf = { .fd = -1 };
	static uint8_t page[PS];
	int rc = 0, ex;

	snap_gen_info(g, &gi);
	if ((ex = outfile_open(&raw, o->out, o->force)))
		return ex;
	if (o->state && (ex = outfile_open(&sf, o->state, o->force))) {
		outfile_discard(&raw);
		return ex;
	}
	int sparse = !raw.direct;
	progress_start("cat", o->quiet);
	for (uint64_t p = 0; p < gi.npages && !rc; p++) {
		if ((rc = snap_read_page(g, p, page)))
			break;
		int zero = 1;
		for (unsigned i = 0; i < PS / 8 && zero; i++)
			zero = ((uint64_t *)page)[i] == 0;
		if (zero && sparse) {
			if (lseek(raw.fd, PS, SEEK_CUR) < 0)
				rc = SNAP_EIO;
		} else if (write_all(raw.fd, page, PS)) {
			rc = SNAP_EIO;
		}
		if ((p & 1023) == 0)
			progress_cb(NULL, p, gi.npages);
	}
	progress_end();
	if (!rc && sparse && ftruncate(raw.fd, (off_t)(gi.npages * PS)))
		rc = SNAP_EIO;
	if (rc == SNAP_EIO)
		fprintf(stderr, "%s: %s: %s\n", prog, o->out, strerror(errno));
	if (!rc && o->state) {
		void *s = malloc(gi.state_len + 1);
		rc = snap_read_state(g, s, gi.state_len);
		if (!rc && write_all(sf.fd, s, gi.state_len)) {
			fprintf(stderr, "%s: %s: %s\n", prog, o->state,
				strerror(errno));
			rc = SNAP_EIO;
		}
		free(s);
	}
	if (rc) {
		outfile_discard(&raw);
		outfile_discard(&sf);
		return rc;
	}
	if ((ex = outfile_commit(&raw, 0))) {
		outfile_discard(&sf);
		return ex;
	}
	if (o->state && (ex = outfile_commit(&sf, 0)))
		return ex;
	if (!o->quiet)
		fprintf(stderr, "generation %" PRIu64 ": %" PRIu64 " pages "
			"written to %s\n", gi.gen, gi.npages, o->out);
	return 0;
}

static int direct_out(const struct opts *o)
{
	struct stat sb;
	return !strcmp(o->out, "-") ||
	       (stat(o->out, &sb) == 0 && !S_ISREG(sb.st_mode)) ||
	       (o->state && (!strcmp(o->state, "-") ||
			     (stat(o->state, &sb) == 0 && !S_ISREG(sb.st_mode))));
}

/* On a live image (a running Amber writes it) the newest generation may be
 * dropped while it is read: then the newest is read again from the start. */
int verb_cat(struct opts *o)
{
	struct filedev d;
	snap_store *st;
	snap_gen *g;
	const char *path = o->args[0];
	int ex;

	if (!o->out) {
		usage_error("cat: -o RAWFILE is required");
		return EX_USAGE;
	}
	for (int attempt = 0;; attempt++) {
		g = NULL;
		if ((ex = store_open(&d, &st, path, 0, o->fallback)))
			return ex;
		if (o->fallback && snap_verify_super(st))
			say_fallback(st, path);
		uint64_t target = o->gen ? o->gen : snap_newest(st);
		int rc = snap_gen_open(st, o->gen, o->fallback ?
				       SNAP_OPEN_FALLBACK : 0, &g);
		if (!rc) {
			if (o->fallback)
				say_fallback(st, path);
			struct snap_geninfo gi;
			snap_gen_info(g, &gi);
			target = gi.gen;
			rc = cat_gen(o, g);
		}
		ex = rc > 0 ? rc : EX_OK;
		if (rc < 0 && d.live && live_freed(path, target)) {
			/* output already on stdout or a device cannot be
			 * taken back: then say so instead */
			if (!o->gen && attempt < LIVE_TRIES && !direct_out(o)) {
				snap_gen_close(g);
				store_close(&d, st);
				continue;
			}
			live_freed_msg(path, target, 0);
			ex = EX_FAIL;
		} else if (rc < 0) {
			ex = fail_store(st, path, rc);
		}
		snap_gen_close(g);
		store_close(&d, st);
		return ex;
	}
}

int verb_commit(struct opts *o)
{
	struct filedev d;
	snap_store *st;
	snap_gen *base = NULL;
	const char *path = o->args[0], *raw = o->args[1];
	static uint8_t page[PS], old[PS];
	void *state = NULL;
	size_t state_len = 0;
	struct stat sb;
	int ex, rc;

	int rfd = open(raw, O_RDONLY | O_CLOEXEC);
	if (rfd < 0 || fstat(rfd, &sb)) {
		fprintf(stderr, "%s: %s: %s\n", prog, raw, strerror(errno));
		return EX_IO;
	}
	if (sb.st_size <= 0 || sb.st_size % PS) {
		fprintf(stderr, "%s: %s: size %lld is not a positive multiple of "
			"4096 bytes\n", prog, raw, (long long)sb.st_size);
		close(rfd);
		return EX_USAGE;
	}
	uint64_t npages = (uint64_t)sb.st_size / PS;
	if (o->state && (ex = read_file(o->state, &state, &state_len,
					SNAP_MAX_STATE))) {
		close(rfd);
		return ex;
	}
	if ((ex = store_open(&d, &st, path, 1, 0))) {
		close(rfd);
		free(state);
		return ex;
	}
	/* compare with the newest generation: write only what changed */
	if (snap_newest(st) && snap_gen_open(st, 0, 0, &base) == 0) {
		struct snap_geninfo bi;
		snap_gen_info(base, &bi);
		if (bi.npages != npages) {
			snap_gen_close(base);
			base = NULL;
		}
	}
	struct snap_begin_opts bo = { .npages = npages };
	if ((rc = snap_begin(st, &bo)))
		goto fail;
	progress_start("commit", o->quiet);
	for (uint64_t p = 0; p < npages; p++) {
		ssize_t r = pread(rfd, page, PS, (off_t)(p * PS));
		if (r != (ssize_t)PS) {
			fprintf(stderr, "%s: %s: read error at page %" PRIu64 "\n",
				prog, raw, p);
			snap_abort(st);
			ex = EX_IO;
			goto out;
		}
		if (!base && !page_nonzero(page))
			continue;
		if (base) {
			int brc = snap_read_page(base, p, old);
			if (brc == 0 && !memcmp(old, page, PS))
				continue;
			if (brc)
				fprintf(stderr, "%s: %s: warning: base page "
					"unreadable, writing it: %s\n", prog,
					path, snap_errmsg(st));
		}
		if ((rc = snap_write_page(st, p, page)))
			goto fail;
		if ((p & 1023) == 0)
			progress_cb(NULL, p, npages);
	}
	progress_end();
	uint64_t gen;
	if ((rc = snap_set_state(st, state, state_len)) ||
	    (rc = snap_commit(st, &gen)))
		goto fail;
	if (!o->quiet) {
		snap_gen *g;
		struct snap_geninfo gi = { 0 };
		if (snap_gen_open(st, gen, 0, &g) == 0) {
			snap_gen_info(g, &gi);
			snap_gen_close(g);
		}
		printf("committed generation %" PRIu64 ": %" PRIu64 " pages, %"
		       PRIu64 " dirty, %" PRIu64 " bytes written\n", gen,
		       gi.npages, gi.dirty_pages, gi.bytes_written);
	}
	goto out;
fail:
	progress_end();
	ex = fail_store(st, path, rc);
	snap_abort(st);
out:
	snap_gen_close(base);
	store_close(&d, st);
	close(rfd);
	free(state);
	return ex;
}

/* --- streams --- */

static int fd_out(void *ctx, const void *p, size_t n)
{
	return write_all(*(int *)ctx, p, n);
}

static int fd_in(void *ctx, void *p, size_t n)
{
	return read_full(*(int *)ctx, p, n);
}

static int send_to(struct opts *o, const char *out, uint64_t base)
{
	struct filedev d;
	struct outfile f;
	snap_store *st;
	const char *path = o->args[0];
	int ex;
	if (!o->gen) {
		usage_error("-g N is required");
		return EX_USAGE;
	}
	if ((ex = store_open(&d, &st, path, 0, 0)))
		return ex;
	if ((ex = outfile_open(&f, out, o->force))) {
		store_close(&d, st);
		return ex;
	}
	progress_start(base ? "send -i" : "send", o->quiet);
	snap_set_progress(st, progress_cb, NULL);
	int rc = snap_send(st, base, o->gen, fd_out, &f.fd);
	progress_end();
	if (rc) {
		if (d.live && (live_freed(path, o->gen) ||
			       live_freed(path, base))) {
			live_freed_msg(path, live_freed(path, o->gen) ? o->gen :
				       base, f.direct);
			ex = EX_FAIL;
		} else {
			ex = fail_store(st, path, rc);
		}
		outfile_discard(&f);
	} else {
		ex = outfile_commit(&f, 0);
	}
	store_close(&d, st);
	return ex;
}

int verb_export(struct opts *o)
{
	if (!o->out) {
		usage_error("export: -o STREAM is required");
		return EX_USAGE;
	}
	return send_to(o, o->out, 0);
}

int verb_send(struct opts *o)
{
	if (isatty(1)) {
		usage_error("send: refusing to write a binary stream to a "
			    "terminal; pipe it to `snapctl recv` or a file");
		return EX_USAGE;
	}
	return send_to(o, "-", o->base);
}

static int recv_from(struct opts *o, int fd, const char *image,
		     const char *src)
{
	struct filedev d;
	snap_store *st;
	uint64_t gen;
	int ex = store_open(&d, &st, image, 1, 0);
	if (ex)
		return ex;
	progress_start("recv", o->quiet);
	snap_set_progress(st, progress_cb, NULL);
	int rc = snap_recv(st, fd_in, &fd, &gen);
	progress_end();
	if (rc) {
		fprintf(stderr, "%s: %s: %s: %s\n", prog, src, snap_errmsg(st),
			snap_strerror(rc));
		ex = exit_code(rc);
	} else if (!o->quiet) {
		fprintf(stderr, "received generation %" PRIu64 " into %s\n", gen,
			image);
	}
	store_close(&d, st);
	return ex;
}

int verb_import(struct opts *o)
{
	int fd = open(o->args[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, o->args[0], strerror(errno));
		return EX_IO;
	}
	int ex = recv_from(o, fd, o->args[1], o->args[0]);
	close(fd);
	return ex;
}

/* verb_recv: verbs_move.c */
