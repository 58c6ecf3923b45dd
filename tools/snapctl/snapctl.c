/*
 * tools/snapctl/snapctl.c — `snapctl VERB ...`: the host's tool for Amber
 * snapshot stores. This file: verb table, options, help, progress bar.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/snapctl/snapctl.h"

const char *prog = "snapctl";

struct verb {
	const char *name;
	verb_fn fn;
	const char *synopsis;
	const char *help;
	int min_args, max_args;
};

static const struct verb verbs[] = {
	{ "format", verb_format, "IMAGE [--size SIZE] [--keep K] [--force]",
	  "Make IMAGE an empty store. Creates the file when --size is given\n"
	  "(SIZE in bytes, or with K, M, G suffix, rounded up to whole 516096-byte\n"
	  "cylinders as amber-run needs; a new file appears only once\n"
	  "it is formatted). IMAGE is probed before anything is written: a store\n"
	  "(even a damaged one) or any other data (anything but an empty or\n"
	  "all-zero file) is refused, and left byte for byte as it was, unless\n"
	  "--force. --keep K: newest generations kept (>= 2).",
	  1, 1 },
	{ "ls", verb_ls, "IMAGE [--json] [--fallback]",
	  "List the retained generations, newest first: capture time, guest\n"
	  "pages, dirty pages and bytes written by the commit, pin flag\n"
	  "('damaged': kept pinned because a fallback stepped over it).\n"
	  "--fallback lists the previous commit's catalog when the newest\n"
	  "superblock or catalog is damaged.", 1, 1 },
	{ "verify", verb_verify, "IMAGE [-g N] [--json]",
	  "Check every checksum of every retained generation (or of N): the\n"
	  "superblocks, catalog, records, page map, state and every page.\n"
	  "Exit status 3 when anything is damaged; messages name the generation,\n"
	  "guest frame and block. When the newest superblock or catalog is\n"
	  "damaged, the previous commit is checked as well as it can be.", 1, 1 },
	{ "cat", verb_cat, "IMAGE [-g N] -o RAWFILE [--state FILE] [--fallback]",
	  "Write the full guest memory of generation N (default: newest) to\n"
	  "RAWFILE, and its state blob to FILE. A damaged generation is an error;\n"
	  "--fallback uses the newest older generation that verifies instead and\n"
	  "says so.", 1, 1 },
	{ "commit", verb_commit, "IMAGE RAWFILE [--state FILE]",
	  "Store the raw memory image RAWFILE (a multiple of 4096 bytes) as a new\n"
	  "generation on top of the newest one; only pages that differ from it\n"
	  "are written.", 2, 2 },
	{ "export", verb_export, "IMAGE -g N -o STREAM",
	  "Write generation N as a self-contained, checksummed stream file.", 1, 1 },
	{ "import", verb_import, "STREAM IMAGE",
	  "Add the generation in STREAM (from export or send) to IMAGE. The whole\n"
	  "stream is checked before anything is committed.", 2, 2 },
	{ "send", verb_send, "IMAGE [-i BASE] -g N",
	  "Write generation N to stdout as a stream; with -i, only the pages that\n"
	  "changed since BASE (which the receiver must hold).", 1, 1 },
	{ "recv", verb_recv, "IMAGE [--force] [--size SIZE]",
	  "Read a stream from stdin and add its generation to IMAGE, all or\n"
	  "nothing: a damaged stream is refused whole. IMAGE is created when\n"
	  "absent (sized for the guest, or --size). The stream must continue\n"
	  "IMAGE: the same guest, on top of its newest generation (a full stream\n"
	  "only into an empty IMAGE); --force only requires the base to be held.", 1, 1 },
	{ "diff", verb_diff, "IMAGE A B [--json]",
	  "List the guest frames whose content block differs between\n"
	  "generations A and B.", 3, 3 },
	{ "pin", verb_pin, "IMAGE N",
	  "Keep generation N whatever the retention policy says.", 2, 2 },
	{ "unpin", verb_unpin, "IMAGE N",
	  "Let the retention policy drop generation N again.", 2, 2 },
	{ "drop", verb_drop, "IMAGE N [--force]",
	  "Remove generation N from the store even if pinned or among the\n"
	  "newest. For a generation whose damaged page map stops the store from\n"
	  "writing (`verify` names it); a generation that verifies needs\n"
	  "--force.", 2, 2 },
	{ "gc", verb_gc, "IMAGE [--keep K] [--json]",
	  "Optionally change how many newest generations are kept, then reclaim\n"
	  "the blocks no retained generation uses and print the space.", 1, 1 },
};

static void print_help(FILE *f)
{
	fprintf(f, "usage: %s VERB [options] ARGS   (%s VERB --help)\n\n"
		"Manage Amber snapshot stores (see snapshot/FORMAT.md).\n\nverbs:\n",
		prog, prog);
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		fprintf(f, "  %-7s %s\n", verbs[i].name, verbs[i].synopsis);
	fprintf(f, "\noptions of every verb: --help, -q/--quiet (no progress bar "
		"or\nmessages; the bar shows only on a terminal)\n");
	fprintf(f, "\nexit status:\n"
		"  0  success\n"
		"  1  the operation failed (no such generation, no space, ...)\n"
		"  2  usage error: bad verb, flag or argument\n"
		"  3  damage found (checksum or structure)\n"
		"  4  not an Amber store, or refusing to overwrite one\n"
		"  5  stream refused (damaged, truncated, or base missing)\n"
		"  6  I/O error on a file or the image is in use\n");
}

void usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

static int parse_u64(const char *s, uint64_t *v, int suffixes)
{
	char *end;
	if (!*s || *s == '-')
		return -1;
	unsigned long long x = strtoull(s, &end, 0);
	if (suffixes && *end) {
		unsigned shift = 0;
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: return -1;
		}
		if (end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
			return -1;
		if (x > (~0ull >> shift))
			return -1;
		x <<= shift;
		end += strlen(end);
	}
	if (*end)
		return -1;
	*v = x;
	return 0;
}

void fmt_time(uint64_t ns, char *buf, size_t n)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- progress bar: only on a terminal, at most ten redraws a second --- */

static const char *pg_what;
static int pg_on;
static struct timespec pg_last;

void progress_start(const char *what, int quiet)
{
	pg_what = what;
	pg_on = !quiet && isatty(2);
	pg_last.tv_sec = 0;
}

void progress_cb(void *ctx, uint64_t done, uint64_t total)
{
	struct timespec now;
	(void)ctx;
	if (!pg_on || !total)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - pg_last.tv_sec) * 1000 +
		  (now.tv_nsec - pg_last.tv_nsec) / 1000000;
	if (done < total && ms < 100)
		return;
	pg_last = now;
	int w = 40, fill = (int)(done * (uint64_t)w / total);
	fprintf(stderr, "\r%-8s [%.*s%*s] %3d%%", pg_what, fill,
		"########################################", w - fill, "",
		(int)(done * 100 / total));
}

void progress_end(void)
{
	if (pg_on)
		fprintf(stderr, "\r%*s\r", 60, "");
	pg_on = 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ "fallback", no_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "size", required_argument, NULL, 's' },
		{ "keep", required_argument, NULL, 'k' },
		{ "state", required_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ "gen", required_argument, NULL, 'g' },
		{ "incremental", required_argument, NULL, 'i' },
		{ 0, 0, 0, 0 },
	};
	struct opts o = { 0 };
	const struct verb *v = NULL;
	int c;

	if (argc < 2) {
		print_help(stderr);
		return EX_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		print_help(stdout);
		return EX_OK;
	}
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (!strcmp(argv[1], verbs[i].name))
			v = &verbs[i];
	if (!v) {
		usage_error("unknown verb '%s' (try --help)", argv[1]);
		return EX_USAGE;
	}
	argc--;
	argv++;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":g:i:o:qh", lopts, NULL)) != -1) {
		uint64_t x;
		switch (c) {
		case 'j': o.json = 1; break;
		case 'f': o.force = 1; break;
		case 'F': o.fallback = 1; break;
		case 'q': o.quiet = 1; break;
		case 'h': o.help = 1; break;
		case 'S': o.state = optarg; break;
		case 'o': o.out = optarg; break;
		case 's':
			if (parse_u64(optarg, &o.size, 1) || !o.size) {
				usage_error("--size: '%s' is not a size", optarg);
				return EX_USAGE;
			}
			break;
		case 'k':
			if (parse_u64(optarg, &x, 0) || x < 2 ||
			    x > SNAP_MAX_RETAINED) {
				usage_error("--keep: '%s' is not a number from 2 "
					    "to %u", optarg, SNAP_MAX_RETAINED);
				return EX_USAGE;
			}
			o.keep = (unsigned)x;
			break;
		case 'g':
		case 'i':
			if (parse_u64(optarg, &x, 0) || !x) {
				usage_error("-%c: '%s' is not a generation number",
					    c, optarg);
				return EX_USAGE;
			}
			*(c == 'g' ? &o.gen : &o.base) = x;
			break;
		case ':':
			usage_error("%s: option '%s' needs a value", v->name,
				    argv[optind - 1]);
			return EX_USAGE;
		default:
			usage_error("%s: unknown option '%s' (try %s %s --help)",
				    v->name, argv[optind - 1], prog, v->name);
			return EX_USAGE;
		}
	}
	if (o.help) {
		printf("usage: %s %s %s\n\n%s\n", prog, v->name, v->synopsis,
		       v->help);
		return EX_OK;
	}
	o.args = argv + optind;
	o.nargs = argc - optind;
	if (o.nargs < v->min_args || o.nargs > v->max_args) {
		usage_error("usage: %s %s %s", prog, v->name, v->synopsis);
		return EX_USAGE;
	}
	return v->fn(&o);
}
