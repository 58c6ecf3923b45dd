/*
 * tools/snapctl/filedev.c — an image file (or block device) as the store's
 * block device, and opening a store on it.
 *
 * Writers take an exclusive lock on the image and readers a shared one, so
 * two snapctl processes (or a snapctl and a running emulator that uses the
 * same convention) never interleave commits.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tools/snapctl/snapctl.h"

static int fd_read(void *ctx, uint64_t blk, uint32_t n, void *buf)
{
	struct filedev *d = ctx;
	if (d->live && d->delay_us) /* tests: a slow reader of a live image */
		usleep(d->delay_us);
	size_t len = (size_t)n * SNAP_BLOCK_SIZE;
	off_t off = (off_t)(blk * SNAP_BLOCK_SIZE);
	for (size_t done = 0; done < len;) {
		ssize_t r = pread(d->fd, (char *)buf + done, len - done,
				  off + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0) { /* a short file reads as zeros */
			memset((char *)buf + done, 0, len - done);
			break;
		}
		done += (size_t)r;
	}
	return 0;
}

static int fd_write(void *ctx, uint64_t blk, uint32_t n, const void *buf)
{
	struct filedev *d = ctx;
	size_t len = (size_t)n * SNAP_BLOCK_SIZE;
	off_t off = (off_t)(blk * SNAP_BLOCK_SIZE);
	for (size_t done = 0; done < len;) {
		ssize_t r = pwrite(d->fd, (const char *)buf + done, len - done,
				   off + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		done += (size_t)r;
	}
	return 0;
}

static int fd_flush(void *ctx)
{
	struct filedev *d = ctx;
	return fdatasync(d->fd) ? -errno : 0;
}

static uint64_t fd_size(void *ctx)
{
	return ((struct filedev *)ctx)->blocks;
}

static void *fd_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return malloc(n ? n : 1);
}

static void fd_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	(void)n;
	free(p);
}

static uint64_t fd_now(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Who holds the image open: a running Amber (amber-run keeps the lock for
 * the engine's lifetime) is named as such; else the first other process. */
static int is_amber_run(long pid)
{
	char path[64], argv[512];
	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(argv, 1, sizeof argv - 1, f);
	fclose(f);
	argv[n] = 0;
	/* the script itself, or its interpreter with the script as argv[1] */
	for (size_t off = 0, i = 0; off < n && i < 2; i++) {
		const char *a = argv + off, *base = strrchr(a, '/');
		if (!strcmp(base ? base + 1 : a, "amber-run"))
			return 1;
		off += strlen(a) + 1;
	}
	return 0;
}

static void name_holder(const char *path)
{
	struct stat img, sb;
	char link[300], comm[64], hcomm[64] = "";
	long holder = 0;
	int amber = 0;
	DIR *proc = opendir("/proc");
	if (stat(path, &img) || !proc) {
		if (proc)
			closedir(proc);
		goto unknown;
	}
	struct dirent *p;
	while ((p = readdir(proc)) && !amber) {
		long pid = strtol(p->d_name, NULL, 10);
		if (pid <= 0 || pid == (long)getpid())
			continue;
		snprintf(link, sizeof link, "/proc/%ld/fd", pid);
		DIR *fds = opendir(link);
		if (!fds)
			continue;
		struct dirent *f;
		while ((f = readdir(fds))) {
			snprintf(link, sizeof link, "/proc/%ld/fd/%s", pid,
				 f->d_name);
			if (f->d_name[0] == '.' || stat(link, &sb) ||
			    sb.st_dev != img.st_dev || sb.st_ino != img.st_ino)
				continue;
			snprintf(link, sizeof link, "/proc/%ld/comm", pid);
			FILE *c = fopen(link, "r");
			comm[0] = 0;
			if (c) {
				if (!fgets(comm, sizeof comm, c))
					comm[0] = 0;
				fclose(c);
			}
			comm[strcspn(comm, "\n")] = 0;
			if (is_amber_run(pid))
				amber = 1;
			if (amber || !holder) {
				holder = pid;
				snprintf(hcomm, sizeof hcomm, "%s", comm);
			}
			break;
		}
		closedir(fds);
	}
	closedir(proc);
	if (amber) {
		fprintf(stderr, "%s: %s is in use by a running Amber (pid %ld); "
			"stop it first, or use a read-only verb (ls, verify, cat, "
			"export, send, diff)\n", prog, path, holder);
		return;
	}
	if (holder) {
		fprintf(stderr, "%s: %s is in use by another process (pid %ld, "
			"%s)\n", prog, path, holder, hcomm);
		return;
	}
unknown:
	fprintf(stderr, "%s: %s: image is in use by another process\n", prog,
		path);
}

/*
 * Writers take the lock exclusively and refuse a locked image. Readers
 * take it shared; when a writer holds it (a running Amber, a snapctl
 * commit) they go on without it, "live": the store's invariant 1 keeps
 * every block of a retained generation unchanged, and the verbs re-check
 * and retry when a generation is freed under them (store_gone()).
 */
int filedev_open(struct filedev *d, const char *path, int mode)
{
	struct stat sb;
	memset(d, 0, sizeof *d);
	d->path = path;
	d->fd = open(path, (mode == FD_READ ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (d->fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return EX_IO;
	}
	/* a writer waits a moment: an engine just killed may still be
	 * closing the image */
	int tries = mode == FD_READ ? 1 : 10, locked;
	while (!(locked = !flock(d->fd, (mode == FD_READ ? LOCK_SH : LOCK_EX) |
				LOCK_NB)) && errno == EWOULDBLOCK && --tries)
		usleep(30000);
	if (!locked) {
		if (mode == FD_READ && errno == EWOULDBLOCK) {
			const char *slow = getenv("SNAPCTL_TEST_READ_DELAY_US");
			d->live = 1;
			d->delay_us = slow ? (unsigned)atoi(slow) : 0;
		} else {
			name_holder(path);
			close(d->fd);
			return EX_IO;
		}
	}
	if (fstat(d->fd, &sb))
		goto io;
	uint64_t bytes = (uint64_t)sb.st_size;
	if (S_ISBLK(sb.st_mode) && ioctl(d->fd, BLKGETSIZE64, &bytes))
		goto io;
	d->blocks = bytes / SNAP_BLOCK_SIZE;
	d->io = (struct snap_io){
		.ctx = d, .read = fd_read, .write = fd_write, .flush = fd_flush,
		.size = fd_size, .alloc = fd_alloc, .free = fd_free,
		.now = fd_now,
	};
	return EX_OK;
io:
	fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
	close(d->fd);
	return EX_IO;
}

void filedev_close(struct filedev *d)
{
	if (d->fd > 0)
		close(d->fd);
	d->fd = -1;
}

int exit_code(int rc)
{
	switch (rc) {
	case SNAP_OK: return EX_OK;
	case SNAP_ECORRUPT: return EX_DAMAGE;
	case SNAP_ENOTSTORE:
	case SNAP_EVERSION:
	case SNAP_EEXIST: return EX_NOTSTORE;
	case SNAP_ESTREAM: return EX_STREAM;
	case SNAP_EIO:
	case SNAP_EFATAL: return EX_IO;
	default: return EX_FAIL;
	}
}

int fail_store(snap_store *st, const char *path, int rc)
{
	const char *msg = st ? snap_errmsg(st) : "";
	if (st && strcmp(msg, "no error"))
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, path, msg,
			snap_strerror(rc));
	else
		fprintf(stderr, "%s: %s: %s\n", prog, path, snap_strerror(rc));
	return exit_code(rc);
}

int store_open(struct filedev *d, snap_store **st, const char *path,
	       int writable, int fallback)
{
	int ex = filedev_open(d, path, writable ? FD_WRITE : FD_READ);
	if (ex)
		return ex;
	unsigned flags = (writable ? 0 : SNAP_OPEN_RDONLY) |
			 (fallback ? SNAP_OPEN_FALLBACK : 0);
	int rc = snap_open(&d->io, flags, st);
	/* live: a superblock read while it was being written, or a catalog
	 * replaced between the two reads, looks damaged; read again */
	for (int i = 0; d->live && i < LIVE_TRIES &&
	     (rc == SNAP_ECORRUPT || rc == SNAP_EIO); i++) {
		snap_close(*st);
		usleep(LIVE_PAUSE_US);
		rc = snap_open(&d->io, flags, st);
	}
	if (rc) {
		if (rc == SNAP_ENOTSTORE)
			fprintf(stderr, "%s: %s: not an Amber snapshot store "
				"(use `%s format` to make one)\n", prog, path,
				prog);
		else
			fail_store(*st, path, rc);
		if (rc == SNAP_ECORRUPT && !fallback)
			fprintf(stderr, "%s: %s: --fallback opens the previous "
				"commit instead\n", prog, path);
		snap_close(*st);
		*st = NULL;
		filedev_close(d);
		return exit_code(rc);
	}
	return EX_OK;
}

void store_close(struct filedev *d, snap_store *st)
{
	snap_close(st);
	filedev_close(d);
}

/* After a failure of a live read of generation gen: 1 if gen has left the
 * store since (the writer's retention dropped it and its blocks may have
 * been reused: the failure says nothing about damage), 0 if it is still
 * retained (then its blocks were never written: the failure is real). */
int live_freed(const char *path, uint64_t gen)
{
	struct filedev d;
	snap_store *st;
	if (!gen || filedev_open(&d, path, FD_READ))
		return 0;
	int rc = SNAP_EIO, freed = 0;
	for (int i = 0; i < LIVE_TRIES && rc; i++) {
		rc = snap_open(&d.io, SNAP_OPEN_RDONLY, &st);
		if (!rc)
			freed = !snap_is_retained(st, gen);
		snap_close(st);
		if (rc)
			usleep(LIVE_PAUSE_US);
	}
	filedev_close(&d);
	if (getenv("SNAPCTL_TEST_LIVE_LOG"))
		fprintf(stderr, "%s: %s: live read: generation %" PRIu64 " %s\n",
			prog, path, gen, freed ? "was freed: reading again" :
			"is still retained");
	return freed;
}

void live_freed_msg(const char *path, uint64_t gen, int partial)
{
	fprintf(stderr, "%s: %s: generation %" PRIu64 " left the store while "
		"it was being read (the running writer's retention dropped "
		"it); %s: read a newer generation\n", prog, path, gen,
		partial ? "what was written so far is incomplete (a receiver "
		"refuses an incomplete stream)" : "nothing was written");
}
