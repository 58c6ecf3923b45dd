/*
 * tools/snapctl/verbs_store.c — verbs about the store and its catalog:
 * format, ls, verify, diff, pin, unpin, gc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/snapctl/snapctl.h"

static int parse_gen(const char *s, uint64_t *gen)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (!*s || *end || errno || !v || *s == '-') {
		usage_error("'%s' is not a generation number", s);
		return EX_USAGE;
	}
	*gen = v;
	return EX_OK;
}

/*
 * What an existing image holds, probed before anything is written: nothing
 * (empty, or zeros only: a fresh sparse disk), an Amber store (even a
 * damaged one), or other data. Regular files are read whole, skipping
 * holes; of a block device the first and last MiB are read, as mkfs-style
 * tools look for signatures there.
 */
enum content { C_EMPTY, C_STORE, C_DATA };

static int nonzero_at(int fd, off_t from, off_t to, off_t *where)
{
	static uint8_t buf[1 << 16];
	while (from < to) {
		size_t n = (size_t)(to - from < (off_t)sizeof buf ? to - from :
				    (off_t)sizeof buf);
		ssize_t r = pread(fd, buf, n, from);
		if (r <= 0)
			return r < 0 ? -1 : 0;
		for (ssize_t i = 0; i < r; i++)
			if (buf[i]) {
				*where = from + i;
				return 1;
			}
		from += r;
	}
	return 0;
}

static enum content probe_content(struct filedev *d, off_t *where)
{
	struct stat sb;
	if (snap_probe(&d->io) == 0)
		return C_STORE;
	if (fstat(d->fd, &sb))
		return C_DATA;
	off_t size = S_ISBLK(sb.st_mode) ? (off_t)(d->blocks * SNAP_BLOCK_SIZE) :
		sb.st_size;
	if (S_ISBLK(sb.st_mode)) {
		off_t mib = 1 << 20;
		int r = nonzero_at(d->fd, 0, size < mib ? size : mib, where);
		if (!r && size > mib)
			r = nonzero_at(d->fd, size - mib, size, where);
		return r ? C_DATA : C_EMPTY;
	}
	for (off_t off = 0; off < size;) {
		off_t data = lseek(d->fd, off, SEEK_DATA);
		if (data < 0)
			break; /* ENXIO: only holes are left */
		off_t hole = lseek(d->fd, data, SEEK_HOLE);
		if (hole < 0)
			hole = size;
		int r = nonzero_at(d->fd, data, hole, where);
		if (r)
			return C_DATA;
		off = hole;
	}
	return C_EMPTY;
}

static int format_dev(struct filedev *d, struct opts *o, const char *path)
{
	struct snap_format_opts fo = { .keep = o->keep, .force = 1 };
	int rc = snap_format(&d->io, &fo);
	if (rc == SNAP_EINVAL) {
		fprintf(stderr, "%s: %s: %" PRIu64 " bytes is too small for a "
			"store (give --size)\n", prog, path,
			d->blocks * SNAP_BLOCK_SIZE);
		return EX_USAGE;
	}
	if (rc) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, snap_strerror(rc));
		return exit_code(rc);
	}
	return EX_OK;
}

/* A new image: made whole under a temporary name, then linked in, so no
 * half-formatted file is ever left at PATH. */
static int format_new(struct opts *o, const char *path)
{
	struct outfile f;
	struct filedev d;
	int ex = outfile_open(&f, path, 0);
	if (ex)
		return ex;
	if (f.direct || ftruncate(f.fd, (off_t)o->size)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		outfile_discard(&f);
		return EX_IO;
	}
	if ((ex = filedev_open(&d, f.tmp, FD_WRITE))) {
		outfile_discard(&f);
		return ex;
	}
	ex = format_dev(&d, o, path);
	filedev_close(&d);
	if (ex) {
		outfile_discard(&f);
		return ex;
	}
	return outfile_commit(&f, 1);
}

int verb_format(struct opts *o)
{
	struct filedev d;
	struct stat sb;
	const char *path = o->args[0];
	off_t where = 0;
	/* an image every engine boots; a size too small for any store is
	 * still refused as such below */
	if (o->size >= 16 * SNAP_BLOCK_SIZE)
		o->size = engine_size(o->size);
	uint64_t blocks = o->size / SNAP_BLOCK_SIZE;
	int ex;

	if (stat(path, &sb) && errno == ENOENT) {
		if (!o->size) {
			fprintf(stderr, "%s: %s: no such file (give --size to "
				"create it)\n", prog, path);
			return EX_IO;
		}
		ex = format_new(o, path);
		goto done;
	}
	if ((ex = filedev_open(&d, path, FD_WRITE)))
		return ex;
	/* probe first: nothing is truncated or written before this */
	enum content c = probe_content(&d, &where);
	if (c == C_STORE && !o->force) {
		fprintf(stderr, "%s: %s already holds an Amber store; --force "
			"formats it anyway, losing every generation\n", prog,
			path);
		ex = EX_NOTSTORE;
	} else if (c == C_DATA && !o->force) {
		fprintf(stderr, "%s: %s holds %" PRIu64 " bytes of data that is "
			"not an Amber store (first non-zero byte at offset %lld); "
			"--force formats it anyway, destroying that data\n", prog,
			path, S_ISBLK(sb.st_mode) ? d.blocks * SNAP_BLOCK_SIZE :
			(uint64_t)sb.st_size, (long long)where);
		ex = EX_NOTSTORE;
	} else if (o->size && S_ISREG(sb.st_mode) &&
		   (uint64_t)sb.st_size != o->size &&
		   ftruncate(d.fd, (off_t)o->size)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		ex = EX_IO;
	} else {
		if (o->size && S_ISREG(sb.st_mode))
			d.blocks = o->size / SNAP_BLOCK_SIZE;
		ex = format_dev(&d, o, path);
		blocks = d.blocks;
	}
	filedev_close(&d);
done:
	if (!ex && !o->quiet)
		printf("formatted %s: %" PRIu64 " blocks of 4 KiB, keep %u\n",
		       path, blocks, o->keep ? o->keep : 2);
	return ex;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int verb_ls(struct opts *o)
{
	struct filedev d;
	snap_store *st;
	static struct snap_geninfo gi[SNAP_MAX_RETAINED];
	unsigned n;
	int ex, rc;
	/* live: a record freed between reading the catalog and it: again */
	for (int attempt = 0;; attempt++) {
		if ((ex = store_open(&d, &st, o->args[0], 0, o->fallback)))
			return ex;
		rc = snap_list(st, gi, SNAP_MAX_RETAINED, &n);
		if (!rc || !d.live || attempt == LIVE_TRIES)
			break;
		store_close(&d, st);
		usleep(LIVE_PAUSE_US);
	}
	if (rc) {
		ex = fail_store(st, o->args[0], rc);
		goto out;
	}
	if (o->json) {
		printf("{\"image\": ");
		json_str(o->args[0]);
		uint8_t id[SNAP_GUEST_ID_LEN];
		int has_id = snap_guest_id(st, id);
		printf(", \"version\": %u, \"txid\": %" PRIu64 ", \"keep\": %u, "
		       "\"guest_id\": ", snap_version(st), snap_txid(st),
		       snap_keep(st));
		if (has_id)
			for (unsigned i = 0; i < SNAP_GUEST_ID_LEN; i++)
				printf("%s%02x", i ? "" : "\"", id[i]);
		printf("%s, \"handed_over\": %" PRIu64 ", \"generations\": [",
		       has_id ? "\"" : "null", snap_handed_over(st));
		for (unsigned i = 0; i < n; i++) {
			char t[32];
			fmt_time(gi[i].time_ns, t, sizeof t);
			printf("%s\n  {\"gen\": %" PRIu64 ", \"base\": %" PRIu64
			       ", \"time\": \"%s\", \"time_ns\": %" PRIu64
			       ", \"pages\": %" PRIu64 ", \"dirty_pages\": %"
			       PRIu64 ", \"bytes_written\": %" PRIu64
			       ", \"state_bytes\": %" PRIu64 ", \"pinned\": %s"
			       ", \"damaged\": %s}",
			       i ? "," : "", gi[i].gen, gi[i].base, t,
			       gi[i].time_ns, gi[i].npages, gi[i].dirty_pages,
			       gi[i].bytes_written, gi[i].state_len,
			       gi[i].pinned ? "true" : "false",
			       gi[i].damaged ? "true" : "false");
		}
		printf("%s]}\n", n ? "\n" : "");
	} else {
		printf("%-6s %-20s %10s %10s %14s %6s\n", "GEN", "TIME (UTC)",
		       "PAGES", "DIRTY", "BYTES", "PINNED");
		for (unsigned i = 0; i < n; i++) {
			char t[32];
			fmt_time(gi[i].time_ns, t, sizeof t);
			printf("%-6" PRIu64 " %-20s %10" PRIu64 " %10" PRIu64
			       " %14" PRIu64 " %6s\n", gi[i].gen, t,
			       gi[i].npages, gi[i].dirty_pages,
			       gi[i].bytes_written, gi[i].damaged ? "damaged" :
			       gi[i].pinned ? "yes" : "");
		}
	}
out:
	store_close(&d, st);
	return ex;
}

int verb_verify(struct opts *o)
{
	struct filedev d;
	snap_store *st;
	static struct snap_geninfo gi[SNAP_MAX_RETAINED];
	unsigned n, bad = 0, checked = 0;
	const char *path = o->args[0];
	int ex, rc;
	for (int attempt = 0;; attempt++) {
		ex = store_open(&d, &st, path, 0, 0);
		if (ex == EX_DAMAGE) {
			/* report what can still be checked, from the
			 * previous commit */
			bad++;
			ex = store_open(&d, &st, path, 0, 1);
			if (ex)
				return ex == EX_OK ? EX_DAMAGE : ex;
		} else if (ex) {
			return ex;
		}
		rc = snap_list(st, gi, SNAP_MAX_RETAINED, &n);
		if (!rc || !d.live || attempt == LIVE_TRIES)
			break;
		store_close(&d, st); /* live: a record freed under us */
		usleep(LIVE_PAUSE_US);
	}
	if (snap_verify_super(st)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, snap_errmsg(st));
		bad++;
	}
	if (rc) {
		fail_store(st, path, rc);
		bad++;
		n = 0;
	}
	if (o->json) {
		printf("{\"image\": ");
		json_str(path);
		printf(", \"generations\": [");
	}
	int found = !o->gen;
	for (unsigned i = 0; i < n; i++) {
		if (o->gen && gi[i].gen != o->gen)
			continue;
		found = 1;
		snap_gen *g;
		char what[32];
		snprintf(what, sizeof what, "gen %" PRIu64, gi[i].gen);
		progress_start(what, o->quiet || o->json);
		snap_set_progress(st, progress_cb, NULL);
		rc = snap_gen_open(st, gi[i].gen, 0, &g);
		if (!rc) {
			rc = snap_verify(g);
			snap_gen_close(g);
		}
		progress_end();
		if (rc && d.live && live_freed(path, gi[i].gen)) {
			/* not damage: the running writer dropped it */
			if (!o->quiet && !o->json)
				printf("generation %" PRIu64 ": left the store "
				       "while being checked (skipped)\n",
				       gi[i].gen);
			continue;
		}
		checked++;
		if (rc) {
			bad++;
			fprintf(stderr, "%s: %s: %s\n", prog, path, snap_errmsg(st));
		}
		if (o->json) {
			printf("%s\n  {\"gen\": %" PRIu64 ", \"ok\": %s", checked > 1 ?
			       "," : "", gi[i].gen, rc ? "false" : "true");
			if (rc) {
				printf(", \"error\": ");
				json_str(snap_errmsg(st));
			}
			printf("}");
		} else {
			printf("generation %" PRIu64 ": %s\n", gi[i].gen,
			       rc ? "DAMAGED" : "ok");
		}
		if (rc && rc != SNAP_ECORRUPT) {
			ex = exit_code(rc);
			break;
		}
	}
	if (o->json)
		printf("%s], \"damaged\": %u}\n", checked ? "\n" : "", bad);
	if (!found) {
		fprintf(stderr, "%s: %s: generation %" PRIu64 " is not in the "
			"store\n", prog, path, o->gen);
		ex = EX_FAIL;
	}
	store_close(&d, st);
	if (ex)
		return ex;
	if (!o->json)
		printf("%s: %u generation%s checked, %s\n", path, checked,
		       checked == 1 ? "" : "s", bad ? "DAMAGE FOUND" : "no damage");
	return bad ? EX_DAMAGE : EX_OK;
}

struct diff_ctx {
	int json;
	uint64_t n;
};

static int diff_cb(void *ctx, uint64_t gfn, int kind)
{
	struct diff_ctx *c = ctx;
	if (c->json)
		printf("%s\n  {\"gfn\": %" PRIu64 ", \"zero\": %s}", c->n ? "," : "",
		       gfn, kind ? "false" : "true");
	else
		printf("%#" PRIx64 " %s\n", gfn, kind ? "changed" : "zeroed");
	c->n++;
	return 0;
}

int verb_diff(struct opts *o)
{
	struct filedev d;
	snap_store *st;
	snap_gen *a = NULL, *b = NULL;
	uint64_t ga, gb;
	int ex;
	if ((ex = parse_gen(o->args[1], &ga)) || (ex = parse_gen(o->args[2], &gb)))
		return ex;
	if ((ex = store_open(&d, &st, o->args[0], 0, 0)))
		return ex;
	int rc = snap_gen_open(st, ga, 0, &a);
	if (!rc)
		rc = snap_gen_open(st, gb, 0, &b);
	struct diff_ctx c = { o->json, 0 };
	if (!rc && o->json)
		printf("{\"a\": %" PRIu64 ", \"b\": %" PRIu64 ", \"pages\": [",
		       ga, gb);
	if (!rc)
		rc = snap_diff(a, b, diff_cb, &c);
	if (!rc && o->json)
		printf("%s], \"count\": %" PRIu64 "}\n", c.n ? "\n" : "", c.n);
	else if (!rc)
		fprintf(stderr, "%" PRIu64 " pages differ between generations %"
			PRIu64 " and %" PRIu64 "\n", c.n, ga, gb);
	if (rc && d.live && (live_freed(o->args[0], ga) ||
			     live_freed(o->args[0], gb))) {
		live_freed_msg(o->args[0], live_freed(o->args[0], ga) ? ga : gb,
			       c.n > 0);
		ex = EX_FAIL;
	} else if (rc) {
		ex = fail_store(st, o->args[0], rc);
	}
	snap_gen_close(a);
	snap_gen_close(b);
	store_close(&d, st);
	return ex;
}

static int pin(struct opts *o, int on)
{
	struct filedev d;
	snap_store *st;
	uint64_t gen;
	int ex;
	if ((ex = parse_gen(o->args[1], &gen)) ||
	    (ex = store_open(&d, &st, o->args[0], 1, 0)))
		return ex;
	int rc = snap_pin(st, gen, on);
	if (rc)
		ex = fail_store(st, o->args[0], rc);
	else if (!o->quiet)
		printf("generation %" PRIu64 " %s\n", gen, on ? "pinned" :
		       "unpinned");
	store_close(&d, st);
	return ex;
}

int verb_pin(struct opts *o)
{
	return pin(o, 1);
}

int verb_unpin(struct opts *o)
{
	return pin(o, 0);
}

/* Only a damaged generation goes without --force: dropping loses it. */
int verb_drop(struct opts *o)
{
	struct filedev d;
	snap_store *st;
	snap_gen *g;
	uint64_t gen;
	int ex;
	if ((ex = parse_gen(o->args[1], &gen)) ||
	    (ex = store_open(&d, &st, o->args[0], 1, 0)))
		return ex;
	int rc = snap_gen_open(st, gen, 0, &g);
	if (!rc) {
		rc = snap_verify(g);
		snap_gen_close(g);
	}
	if (rc == SNAP_ENOENT) {
		ex = fail_store(st, o->args[0], rc);
		goto out;
	}
	if (!rc && !o->force) {
		fprintf(stderr, "%s: %s: generation %" PRIu64 " verifies fine; "
			"--force drops it anyway\n", prog, o->args[0], gen);
		ex = EX_FAIL;
		goto out;
	}
	if (rc)
		fprintf(stderr, "%s: %s: dropping damaged generation %" PRIu64
			": %s\n", prog, o->args[0], gen, snap_errmsg(st));
	if ((rc = snap_drop(st, gen)))
		ex = fail_store(st, o->args[0], rc);
	else if (!o->quiet)
		printf("generation %" PRIu64 " dropped\n", gen);
out:
	store_close(&d, st);
	return ex;
}

int verb_gc(struct opts *o)
{
	struct filedev d;
	snap_store *st;
	struct snap_space sp;
	int ex = store_open(&d, &st, o->args[0], 1, 0);
	if (ex)
		return ex;
	int rc = o->keep ? snap_set_keep(st, o->keep) : 0;
	if (!rc)
		rc = snap_gc(st, &sp);
	if (rc) {
		ex = fail_store(st, o->args[0], rc);
	} else if (o->json) {
		printf("{\"blocks\": %" PRIu64 ", \"used\": %" PRIu64
		       ", \"free\": %" PRIu64 ", \"keep\": %u}\n", sp.dev_blocks,
		       sp.used_blocks, sp.free_blocks, snap_keep(st));
	} else {
		printf("%s: %" PRIu64 " blocks, %" PRIu64 " in use, %" PRIu64
		       " free (%" PRIu64 " MiB), keeping the newest %u\n",
		       o->args[0], sp.dev_blocks, sp.used_blocks, sp.free_blocks,
		       sp.free_blocks * SNAP_BLOCK_SIZE >> 20, snap_keep(st));
	}
	store_close(&d, st);
	return ex;
}
