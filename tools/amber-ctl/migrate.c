/*
 * tools/amber-ctl/migrate.c — `amber-ctl migrate --to CMD`: moves a running
 * guest to wherever CMD puts the streams it reads on its standard input
 * (`snapctl recv B.img`, `ssh host snapctl recv B.img`, ...).
 *
 * The hypervisor cannot run ssh, so the bytes travel from the host: the
 * hypervisor captures and pins a generation over the control channel, and
 * `snapctl send` reads that pinned generation from the disk image while the
 * guest runs (a pinned generation's blocks are never rewritten; FORMAT.md
 * invariant 1). Rounds:
 *   0  snapshot --wait, pin G0, full stream of G0;
 *   k  snapshot --wait, pin Gk, stream of Gk on top of Gk-1, unpin Gk-1 —
 *      until a delta is small (--small) or stops shrinking, or --rounds;
 *   last  stop --handover: the hypervisor captures the final generation Gf,
 *      stops the guest, commits Gf, marks the store handed over and powers
 *      off; then the stream of Gf on top of the last pinned base.
 * Downtime is the last step: from the stop request until CMD has the final
 * generation (plus the target's boot, which is not ours to time).
 * Each stream is checked whole by the receiver (all or nothing) and the
 * receiver's lineage check refuses anything that does not continue what it
 * holds, so a failed round can never leave two diverged live copies: until
 * `stop` the source runs on; after it, a failure says how to take it back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/amber-ctl/ctl.h"

static const char *to_cmd, *snapctl;
static char snapctl_buf[PATH_MAX];

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int status_of(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * snapctl send ... | CMD, through us so that the bytes are counted.
 * Returns 0, 1 when snapctl failed (CMD then refused the partial stream and
 * a retry is safe), 2 when CMD failed.
 */
static int send_once(uint64_t gen, uint64_t base, uint64_t *bytes)
{
	int a[2], b[2];
	char g[32], i[32];
	if (pipe2(a, O_CLOEXEC) || pipe2(b, O_CLOEXEC)) {
		perror("pipe");
		return 2;
	}
	snprintf(g, sizeof g, "%" PRIu64, gen);
	snprintf(i, sizeof i, "%" PRIu64, base);
	pid_t s = fork();
	if (s == 0) {
		dup2(a[1], 1);
		if (base)
			execl(snapctl, "snapctl", "send", "-q", "-g", g, "-i", i, ctl_disk(), (char *)NULL);
		else
			execl(snapctl, "snapctl", "send", "-q", "-g", g, ctl_disk(), (char *)NULL);
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, snapctl, strerror(errno));
		_exit(127);
	}
	pid_t c = fork();
	if (c == 0) {
		dup2(b[0], 0);
		execl("/bin/sh", "sh", "-c", to_cmd, (char *)NULL);
		_exit(127);
	}
	close(a[1]);
	close(b[0]);
	static char buf[1 << 16];
	ssize_t n;
	int lost = 0;
	*bytes = 0;
	while ((n = read(a[0], buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		*bytes += (uint64_t)n;
		for (ssize_t off = 0; off < n && !lost;) {
			ssize_t w = write(b[1], buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				lost = 1; /* CMD stopped reading: its status says why */
			else
				off += w;
		}
	}
	close(a[0]);
	close(b[1]);
	int sx = status_of(s), cx = status_of(c);
	if (sx) {
		fprintf(stderr, "%s: migrate: snapctl send of generation %" PRIu64 " failed (status %d)\n", prog,
			gen, sx);
		return cx ? 1 : 2; /* a receiver that accepted a failed stream is broken */
	}
	if (cx || lost) {
		fprintf(stderr, "%s: migrate: '%s' failed (status %d) receiving generation %" PRIu64 "\n", prog,
			to_cmd, cx, gen);
		return 2;
	}
	return 0;
}

static int send_stream(uint64_t gen, uint64_t base, uint64_t *bytes)
{
	/* A live read may meet a commit under way; snapctl then fails
	 * cleanly and the receiver refused the partial stream. */
	for (int attempt = 0; attempt < 3; attempt++) {
		int r = send_once(gen, base, bytes);
		if (r != 1)
			return r;
		usleep(300000);
	}
	return 2;
}

static int call(const char *cmd, const char *extra, struct reply *r, int secs)
{
	int x = ctl_call(cmd, extra, r, secs);
	if (x)
		return x;
	if (!r->ok) {
		reply_complain(r, cmd);
		return CX_REFUSED;
	}
	return CX_OK;
}

static int snap_pin(uint64_t *gen)
{
	struct reply r;
	char extra[48];
	int x = call("snapshot", ",\"wait\":true", &r, timeout_s * 4);
	if (x || reply_u64(&r, "gen", gen))
		return x ? x : CX_CONN;
	snprintf(extra, sizeof extra, ",\"gen\":%" PRIu64, *gen);
	return call("pin", extra, &r, timeout_s);
}

static void unpin(uint64_t gen)
{
	struct reply r;
	char extra[48];
	snprintf(extra, sizeof extra, ",\"gen\":%" PRIu64, gen);
	if (call("unpin", extra, &r, timeout_s))
		fprintf(stderr, "%s: migrate: warning: generation %" PRIu64 " stays pinned on the source\n", prog,
			gen);
}

/* The source is off: its pins of the migration go, so that a takeback
 * does not keep them forever. The engine may still hold the image's lock
 * for a moment while it exits (snapctl's status 6): tried for a few seconds. */
static void unpin_offline(uint64_t gen)
{
	char g[32];
	snprintf(g, sizeof g, "%" PRIu64, gen);
	for (int i = 0; i < 20; i++) {
		pid_t p = fork();
		if (p == 0) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 2);
			execl(snapctl, "snapctl", "unpin", "-q", ctl_disk(), g, (char *)NULL);
			_exit(127);
		}
		int x = status_of(p);
		if (x != 6) {
			if (x)
				fprintf(stderr, "%s: migrate: note: generation %s stays pinned on the source\n", prog, g);
			return;
		}
		usleep(250000);
	}
	fprintf(stderr, "%s: migrate: note: generation %s stays pinned on the source (image in use)\n", prog, g);
}

/* Pages that differ between generations a and b of the (stopped) source. */
static uint64_t changed_pages(uint64_t a, uint64_t b)
{
	char cmd[PATH_MAX * 2 + 64];
	snprintf(cmd, sizeof cmd, "'%s' diff '%s' %" PRIu64 " %" PRIu64 " --json 2>/dev/null", snapctl, ctl_disk(),
		 a, b);
	FILE *p = popen(cmd, "r");
	uint64_t n = 0;
	char line[256];
	while (p && fgets(line, sizeof line, p)) {
		char *c = strstr(line, "\"count\": ");
		if (c)
			n = strtoull(c + 9, NULL, 10);
	}
	if (p)
		pclose(p);
	return n;
}

static void find_snapctl(void)
{
	if (snapctl)
		return;
	ssize_t n = readlink("/proc/self/exe", snapctl_buf, sizeof snapctl_buf - 16);
	if (n > 0) {
		snapctl_buf[n] = 0;
		char *d = dirname(snapctl_buf);
		memmove(snapctl_buf, d, strlen(d) + 1);
		strcat(snapctl_buf, "/snapctl");
		if (!access(snapctl_buf, X_OK)) {
			snapctl = snapctl_buf;
			return;
		}
	}
	snapctl = "snapctl";
}

int cmd_migrate(int argc, char **argv)
{
	int rounds = 4;
	uint64_t small = 1u << 20;
	for (int i = 0; i < argc; i++) {
		if (i + 1 >= argc) {
			fprintf(stderr, "%s: migrate: %s needs a value\n", prog, argv[i]);
			return CX_USAGE;
		}
		if (!strcmp(argv[i], "--to"))
			to_cmd = argv[++i];
		else if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--small"))
			small = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--snapctl"))
			snapctl = argv[++i];
		else {
			fprintf(stderr, "%s: migrate: unknown option '%s'\n", prog, argv[i]);
			return CX_USAGE;
		}
	}
	if (!to_cmd || !*to_cmd || rounds < 0 || rounds > 100) {
		fprintf(stderr, "%s: migrate: needs --to CMD (and --rounds 0..100)\n", prog);
		return CX_USAGE;
	}
	find_snapctl();
	signal(SIGPIPE, SIG_IGN);

	struct reply r;
	uint64_t handed = 0, g0, base, gen, bytes, total = 0, full;
	char state[32] = "";
	int x = call("status", "", &r, timeout_s);
	if (x)
		return x;
	reply_str(&r, "snapshots", state, sizeof state);
	reply_u64(&r, "handed_over", &handed);
	if (strcmp(state, "true") || handed) {
		fprintf(stderr, "%s: migrate: the source %s; nothing moved\n", prog,
			handed ? "was already handed over" : "takes no snapshots (no store, or they stopped)");
		return CX_REFUSED;
	}
	double t0 = now_ms();
	if ((x = snap_pin(&g0)))
		return x;
	if (send_stream(g0, 0, &full)) {
		unpin(g0);
		fprintf(stderr, "%s: migrate: nothing was moved; the guest runs on here\n", prog);
		return CX_MIGRATE;
	}
	total = full;
	printf("migrate: round 0: generation %" PRIu64 ", full stream, %" PRIu64 " bytes\n", g0, full);
	base = g0;
	uint64_t last = full;
	for (int k = 1; k <= rounds; k++) {
		if ((x = snap_pin(&gen)))
			return x;
		if (send_stream(gen, base, &bytes)) {
			unpin(gen);
			fprintf(stderr, "%s: migrate: stopped before the handover; the guest runs on here\n", prog);
			return CX_MIGRATE;
		}
		total += bytes;
		printf("migrate: round %d: generation %" PRIu64 " on %" PRIu64 ", %" PRIu64 " bytes\n", k, gen, base,
		       bytes);
		if (base != g0)
			unpin(base);
		base = gen;
		if (bytes <= small || bytes >= last)
			break;
		last = bytes;
	}
	/* The handover: from here the guest runs nowhere until the target boots. */
	double t_stop = now_ms();
	x = call("stop", ",\"handover\":true", &r, timeout_s * 4);
	if (x || reply_u64(&r, "gen", &gen)) {
		fprintf(stderr, "%s: migrate: the source did not confirm the stop; look at its console and at "
			"`snapctl ls %s` before starting the target\n", prog, ctl_disk());
		return CX_MIGRATE;
	}
	uint64_t write_ms = 0;
	reply_u64(&r, "write_ms", &write_ms);
	double t_stopped = now_ms();
	if (send_stream(gen, base, &bytes)) {
		fprintf(stderr, "%s: migrate: the final generation %" PRIu64 " did not reach the target. The source "
			"is stopped and marked handed over: boot it with 'takeback' on its command line to resume "
			"it there, or retry `snapctl send -i %" PRIu64 " -g %" PRIu64 " %s | %s`\n", prog, gen, base,
			gen, ctl_disk(), to_cmd);
		return CX_MIGRATE;
	}
	double t_end = now_ms();
	total += bytes;
	uint64_t changed = changed_pages(g0, gen) * 4096ull;
	unpin_offline(g0);
	if (base != g0)
		unpin_offline(base);
	printf("migrate: final: generation %" PRIu64 " on %" PRIu64 ", %" PRIu64 " bytes; the source is handed over\n",
	       gen, base, bytes);
	printf("migrate: downtime %.0f ms (stop request to the final generation received: %.0f ms for the source "
	       "to capture, write and power off, %.0f ms to send it; the source wrote it in %" PRIu64
	       " ms of its own time) plus the target's boot\n",
	       t_end - t_stop, t_stopped - t_stop, t_end - t_stopped, write_ms);
	printf("migrate: sent %" PRIu64 " bytes in all (%" PRIu64 " full + %" PRIu64 " in deltas) in %.1f s; "
	       "memory changed during the migration: %" PRIu64 " bytes; deltas / changed = %.2f\n",
	       total, full, total - full, (t_end - t0) / 1e3, changed,
	       changed ? (double)(total - full) / (double)changed : 0.0);
	printf("migrate: done; start the target now (its store holds generation %" PRIu64 ")\n", gen);
	return CX_OK;
}
