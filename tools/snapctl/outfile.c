/*
 * tools/snapctl/outfile.c — files snapctl creates or overwrites, made the
 * way careful tools make them: nothing at the final name changes until the
 * whole content is written and synced.
 *
 * An output (cat -o, cat --state, export -o, a new image of format --size)
 * is written to a temporary file in the same directory and renamed over the
 * name only on success; on any failure the temporary file is unlinked, so
 * the old file, if there was one, is untouched. A device or FIFO given as
 * the output (/dev/null, a pipe) is written in place: it cannot be renamed.
 * An existing Amber store is never replaced by an output without --force
 * (`cat IMG -o IMG` would otherwise swap the store for guest memory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/snapctl/snapctl.h"

/* Does the file at fd start with an Amber superblock? Reads the magic only:
 * a damaged store is still a store that must not be overwritten. */
static int holds_store(int fd)
{
	static const char magic[8] = "AMBRSNAP";
	char buf[8];
	for (off_t off = 0; off < 2 * SNAP_BLOCK_SIZE; off += SNAP_SECTOR_SIZE)
		if (pread(fd, buf, 8, off) == 8 && !memcmp(buf, magic, 8))
			return 1;
	return 0;
}

int outfile_open(struct outfile *f, const char *path, int force)
{
	struct stat sb;
	memset(f, 0, sizeof *f);
	f->path = path;
	f->fd = -1;
	if (!strcmp(path, "-")) {
		f->direct = 1;
		f->fd = dup(1);
		return f->fd < 0 ? EX_IO : EX_OK;
	}
	if (stat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "%s: %s: is a directory\n", prog, path);
			return EX_IO;
		}
		if (!S_ISREG(sb.st_mode)) { /* a device or FIFO: in place */
			f->direct = 1;
			f->fd = open(path, O_WRONLY | O_CLOEXEC);
			if (f->fd < 0)
				goto io;
			return EX_OK;
		}
		int rfd = open(path, O_RDONLY | O_CLOEXEC);
		int store = rfd >= 0 && holds_store(rfd);
		if (rfd >= 0)
			close(rfd);
		if (store && !force) {
			fprintf(stderr, "%s: %s holds an Amber snapshot store; "
				"refusing to replace it with an output file "
				"(--force does)\n", prog, path);
			return EX_NOTSTORE;
		}
	}
	char *dup1 = strdup(path);
	const char *dir = dirname(dup1);
	size_t n = strlen(dir) + 32;
	f->tmp = malloc(n);
	snprintf(f->tmp, n, "%s/.snapctl-out.XXXXXX", dir);
	free(dup1);
	f->fd = mkostemp(f->tmp, O_CLOEXEC);
	if (f->fd < 0) {
		free(f->tmp);
		f->tmp = NULL;
		goto io;
	}
	mode_t mask = umask(0);
	umask(mask);
	fchmod(f->fd, 0644 & ~mask);
	return EX_OK;
io:
	fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
	return EX_IO;
}

/* Synced, then renamed over the name: the name shows old or new, whole. */
int outfile_commit(struct outfile *f, int noreplace)
{
	int ex = EX_OK;
	if (f->direct) {
		if (fsync(f->fd) && errno != EINVAL && errno != EROFS) {
			fprintf(stderr, "%s: %s: %s\n", prog, f->path,
				strerror(errno));
			ex = EX_IO;
		}
		close(f->fd);
		f->fd = -1;
		return ex;
	}
	if (fsync(f->fd) || close(f->fd)) {
		f->fd = -1;
		fprintf(stderr, "%s: %s: %s\n", prog, f->path, strerror(errno));
		outfile_discard(f);
		return EX_IO;
	}
	f->fd = -1;
	int rc = noreplace ? renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->path,
				       RENAME_NOREPLACE) :
		rename(f->tmp, f->path);
	if (rc && noreplace && errno == EINVAL) /* no RENAME_NOREPLACE here */
		rc = link(f->tmp, f->path) ? -1 : unlink(f->tmp);
	if (rc) {
		fprintf(stderr, "%s: %s: %s\n", prog, f->path, strerror(errno));
		outfile_discard(f);
		return EX_IO;
	}
	free(f->tmp);
	f->tmp = NULL;
	return EX_OK;
}

void outfile_discard(struct outfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp) {
		unlink(f->tmp);
		free(f->tmp);
		f->tmp = NULL;
	}
}

/* Whole transfers on a descriptor (pipes and sockets return short counts). */
int write_all(int fd, const void *p, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t r = write(fd, (const char *)p + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

int read_full(int fd, void *p, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t r = read(fd, (char *)p + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}
