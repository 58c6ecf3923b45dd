/*
 * tools/amber-ctl/main.c — `amber-ctl [--socket PATH | --disk IMAGE] VERB`:
 * talks to a running Amber over its control channel (hv/CONTROL.md).
 * This file: options, the simple verbs, the request/reply exchange.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The jsmn implementation lives here; ctl.h declares it for the rest. */
#define JSMN_STRICT
#include <jsmn.h>

#include "tools/amber-ctl/ctl.h"

const char *prog = "amber-ctl";
const char *sock_path;
int timeout_s = 30;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--socket PATH | --disk IMAGE] [--timeout S] VERB [ARGS]\n\n"
		"Talks to a running Amber over its control channel (COM2; hv/CONTROL.md).\n"
		"The socket is the one tools/amber-run made: --ctl PATH, by default\n"
		"IMAGE.ctl beside the guest's disk (make run: ~/.local/share/amber/disk.img).\n\n"
		"verbs:\n"
		"  status [--json]        state, generations captured/durable, tier, pins\n"
		"  snapshot [--wait]      capture now; --wait returns once it is durable\n"
		"  wait G                 return once generation G is durable\n"
		"  pin G | unpin G        keep (or release) generation G on the live store\n"
		"  gc                     reclaim space of generations no longer kept\n"
		"  stop [--handover]      final snapshot, then power off; --handover marks\n"
		"                         the store as moved (it then refuses to resume)\n"
		"  migrate --to CMD [--rounds N] [--small BYTES] [--snapctl PATH]\n"
		"                         move the running guest: every stream goes to the\n"
		"                         standard input of `sh -c CMD`, e.g.\n"
		"                         --to 'snapctl recv B.img' or --to 'ssh host snapctl recv B.img'\n"
		"                         (needs --disk: the source image is read while it runs)\n\n"
		"exit status: 0 done, 1 the hypervisor refused (message printed),\n"
		"2 usage, 3 no connection or no reply, 4 migration failed\n", prog);
}

static int dial(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(sock_path) >= sizeof a.sun_path) {
		fprintf(stderr, "%s: socket path too long: %s\n", prog, sock_path);
		return -1;
	}
	strcpy(a.sun_path, sock_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
		fprintf(stderr, "%s: cannot connect to %s: %s (is Amber running with this disk? "
			"tools/amber-run makes the socket)\n", prog, sock_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int tok_is(const struct reply *r, const jsmntok_t *t, const char *s)
{
	size_t n = (size_t)(t->end - t->start);
	return t->type == JSMN_STRING && strlen(s) == n && !memcmp(r->line + t->start, s, n);
}

/* Index of the value of top-level member key, or -1. */
static int member(const struct reply *r, const char *key)
{
	int i = 1;
	for (int k = 0; k < r->tok[0].size && i + 1 < r->ntok; k++) {
		if (tok_is(r, &r->tok[i], key))
			return i + 1;
		/* skip the value and everything inside it */
		int end = r->tok[i + 1].end, j = i + 2;
		while (j < r->ntok && r->tok[j].start < end)
			j++;
		i = j;
	}
	return -1;
}

int reply_u64(const struct reply *r, const char *key, uint64_t *out)
{
	int v = member(r, key);
	if (v < 0 || r->tok[v].type != JSMN_PRIMITIVE)
		return -1;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(r->line + r->tok[v].start, &end, 10);
	if (errno || end != r->line + r->tok[v].end)
		return -1;
	*out = x;
	return 0;
}

int reply_str(const struct reply *r, const char *key, char *out, size_t n)
{
	int v = member(r, key);
	if (v < 0 || !n)
		return -1;
	int len = r->tok[v].end - r->tok[v].start;
	snprintf(out, n, "%.*s", len, r->line + r->tok[v].start);
	return 0;
}

void reply_complain(const struct reply *r, const char *cmd)
{
	char err[64] = "?", msg[600] = "";
	reply_str(r, "error", err, sizeof err);
	reply_str(r, "message", msg, sizeof msg);
	fprintf(stderr, "%s: %s: %s: %s\n", prog, cmd, err, msg);
}

static int parse_reply(struct reply *r)
{
	jsmn_parser p;
	jsmn_init(&p);
	r->ntok = jsmn_parse(&p, r->line, strlen(r->line), r->tok, sizeof r->tok / sizeof r->tok[0]);
	if (r->ntok < 1 || r->tok[0].type != JSMN_OBJECT)
		return -1;
	int v = member(r, "ok");
	if (v < 0)
		return -1;
	r->ok = r->line[r->tok[v].start] == 't';
	return 0;
}

int ctl_call(const char *cmd, const char *extra, struct reply *r, int secs)
{
	static unsigned seq;
	char req[512];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* An id no earlier client used: stale replies are told apart by it. */
	uint64_t id = (((uint64_t)getpid() << 20) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32)) +
		      ++seq;
	id &= (1ull << 53) - 1;
	/* The leading newline ends whatever a client before us left unfinished. */
	int n = snprintf(req, sizeof req, "\n{\"v\":1,\"id\":%llu,\"cmd\":\"%s\"%s}\n",
			 (unsigned long long)id, cmd, extra);
	int fd = dial();
	if (fd < 0)
		return CX_CONN;
	if (write_all(fd, req, (size_t)n)) {
		fprintf(stderr, "%s: %s: cannot send the request: %s\n", prog, sock_path, strerror(errno));
		close(fd);
		return CX_CONN;
	}
	size_t len = 0;
	time_t end = time(NULL) + secs;
	for (;;) {
		char *nl = memchr(r->line, '\n', len);
		if (nl) {
			*nl = 0;
			uint64_t got;
			int good = !parse_reply(r) && !reply_u64(r, "id", &got) && got == id;
			if (good) {
				close(fd);
				return CX_OK;
			}
			size_t rest = len - (size_t)(nl + 1 - r->line);
			memmove(r->line, nl + 1, rest);
			len = rest;
			continue;
		}
		if (len >= sizeof r->line - 1)
			len = 0; /* a line too long to be a reply: skip it */
		int left = (int)(end - time(NULL));
		struct pollfd pf = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&pf, 1, left * 1000) <= 0) {
			fprintf(stderr, "%s: %s: no reply to '%s' within %d s\n", prog, sock_path, cmd, secs);
			break;
		}
		ssize_t got = read(fd, r->line + len, sizeof r->line - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			fprintf(stderr, "%s: %s: the connection closed before the reply to '%s'\n", prog,
				sock_path, cmd);
			break;
		}
		len += (size_t)got;
	}
	close(fd);
	return CX_CONN;
}

static int simple(const char *cmd, const char *extra, int json, int secs)
{
	struct reply r;
	int x = ctl_call(cmd, extra, &r, secs);
	if (x)
		return x;
	if (json) {
		printf("%s\n", r.line);
		return r.ok ? CX_OK : CX_REFUSED;
	}
	if (!r.ok) {
		reply_complain(&r, cmd);
		return CX_REFUSED;
	}
	/* key: value per member, without the envelope */
	int i = 1;
	for (int k = 0; k < r.tok[0].size && i + 1 < r.ntok; k++) {
		const jsmntok_t *key = &r.tok[i], *val = &r.tok[i + 1];
		int klen = key->end - key->start;
		if (!(klen == 1 && r.line[key->start] == 'v') && !(klen == 2 && !memcmp(r.line + key->start, "id", 2)) &&
		    !(klen == 2 && !memcmp(r.line + key->start, "ok", 2)))
			printf("%.*s: %.*s\n", klen, r.line + key->start, val->end - val->start,
			       r.line + val->start);
		int end = val->end, j = i + 2;
		while (j < r.ntok && r.tok[j].start < end)
			j++;
		i = j;
	}
	return CX_OK;
}

static int gen_arg(const char *s, char *extra, size_t n)
{
	char *end;
	errno = 0;
	unsigned long long g = strtoull(s, &end, 10);
	if (errno || *end || !g || *s == '-') {
		fprintf(stderr, "%s: '%s' is not a generation number\n", prog, s);
		return -1;
	}
	snprintf(extra, n, ",\"gen\":%llu", g);
	return 0;
}

static char default_sock[4096];
static const char *disk_path;

const char *ctl_disk(void) { return disk_path; }

int main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return CX_OK;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "%s: %s needs a value (see --help)\n", prog, argv[i]);
			return CX_USAGE;
		}
		if (!strcmp(argv[i], "--socket")) {
			sock_path = argv[++i];
		} else if (!strcmp(argv[i], "--disk")) {
			disk_path = argv[++i];
		} else if (!strcmp(argv[i], "--timeout")) {
			timeout_s = atoi(argv[++i]);
			if (timeout_s < 1) {
				fprintf(stderr, "%s: --timeout wants whole seconds >= 1\n", prog);
				return CX_USAGE;
			}
		} else {
			fprintf(stderr, "%s: unknown option '%s' (see --help)\n", prog, argv[i]);
			return CX_USAGE;
		}
	}
	if (!disk_path && !sock_path) {
		const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
		static char d[4096];
		if (xdg && *xdg)
			snprintf(d, sizeof d, "%s/amber/disk.img", xdg);
		else
			snprintf(d, sizeof d, "%s/.local/share/amber/disk.img", home ? home : ".");
		disk_path = d;
	}
	if (!sock_path) {
		snprintf(default_sock, sizeof default_sock, "%s.ctl", disk_path);
		sock_path = default_sock;
	}
	if (i >= argc) {
		usage(stderr);
		return CX_USAGE;
	}
	const char *verb = argv[i++];
	int nargs = argc - i;
	char **args = argv + i;
	char extra[64] = "";
	if (!strcmp(verb, "status")) {
		int json = nargs == 1 && !strcmp(args[0], "--json");
		if (nargs > json)
			goto bad;
		return simple("status", "", json, timeout_s);
	}
	if (!strcmp(verb, "snapshot")) {
		int wait = nargs == 1 && !strcmp(args[0], "--wait");
		if (nargs > wait)
			goto bad;
		return simple("snapshot", wait ? ",\"wait\":true" : "", 0, timeout_s * (wait ? 4 : 1));
	}
	if (!strcmp(verb, "pin") || !strcmp(verb, "unpin") || !strcmp(verb, "wait")) {
		if (nargs != 1 || gen_arg(args[0], extra, sizeof extra))
			goto bad;
		return simple(verb, extra, 0, timeout_s * (verb[0] == 'w' ? 4 : 1));
	}
	if (!strcmp(verb, "gc")) {
		if (nargs)
			goto bad;
		return simple("gc", "", 0, timeout_s);
	}
	if (!strcmp(verb, "stop")) {
		int h = nargs == 1 && !strcmp(args[0], "--handover");
		if (nargs > h)
			goto bad;
		return simple("stop", h ? ",\"handover\":true" : "", 0, timeout_s * 4);
	}
	if (!strcmp(verb, "migrate"))
		return cmd_migrate(nargs, args);
	fprintf(stderr, "%s: unknown verb '%s' (see --help)\n", prog, verb);
	return CX_USAGE;
bad:
	fprintf(stderr, "%s: %s: bad arguments (see --help)\n", prog, verb);
	return CX_USAGE;
}
