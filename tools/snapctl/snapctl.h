/*
 * tools/snapctl/snapctl.h — shared parts of the snapctl verbs. The tool
 * uses only the public store interface, snapshot/snap.h.
 */
#ifndef AMBER_TOOLS_SNAPCTL_H
#define AMBER_TOOLS_SNAPCTL_H

#include <stdint.h>
#include <stdio.h>

#include "snapshot/snap.h"

/* Exit codes (documented in `snapctl --help`). */
enum {
	EX_OK = 0,
	EX_FAIL = 1,     /* the operation failed (no such generation, full...) */
	EX_USAGE = 2,    /* bad verb, flag or argument */
	EX_DAMAGE = 3,   /* checksum or structure damage found */
	EX_NOTSTORE = 4, /* not an Amber store / refusing to overwrite one */
	EX_STREAM = 5,   /* a send stream was damaged or did not fit: refused */
	EX_IO = 6,       /* a file could not be opened, read or written */
};

struct opts {
	int json, force, fallback, quiet, help;
	uint64_t gen, base, size;
	unsigned keep;
	const char *out, *state;
	char **args;     /* positional arguments */
	int nargs;
};

/* A file or block device as a snap_io. */
struct filedev {
	int fd;
	int live;        /* read without the lock: a writer holds it */
	unsigned delay_us; /* tests: SNAPCTL_TEST_READ_DELAY_US per live read */
	uint64_t blocks;
	const char *path;
	struct snap_io io;
};

#define FD_READ   0
#define FD_WRITE  1
int filedev_open(struct filedev *d, const char *path, int mode);
void filedev_close(struct filedev *d);

/* An output file, written to a temporary name and renamed on success. */
struct outfile {
	const char *path;
	char *tmp;       /* NULL when written in place (stdout, a device) */
	int fd, direct;
};
int outfile_open(struct outfile *f, const char *path, int force);
int outfile_commit(struct outfile *f, int noreplace);
void outfile_discard(struct outfile *f);
/* 0, or -1 at an error or end of file before n bytes. */
int write_all(int fd, const void *p, size_t n);
int read_full(int fd, void *p, size_t n);

/* Reading an image a writer holds (d->live): how often and how long to
 * wait before reading again (a torn superblock, a generation freed under
 * the reader). */
#define LIVE_TRIES    20
#define LIVE_PAUSE_US 20000
int live_freed(const char *path, uint64_t gen);
void live_freed_msg(const char *path, uint64_t gen, int partial);

/* Opens the store on IMAGE; prints why not and returns an exit code. */
int store_open(struct filedev *d, snap_store **st, const char *path,
	       int writable, int fallback);
void store_close(struct filedev *d, snap_store *st);
int exit_code(int snap_err);
int fail_store(snap_store *st, const char *path, int rc);

void progress_start(const char *what, int quiet);
void progress_cb(void *ctx, uint64_t done, uint64_t total);
void progress_end(void);

extern const char *prog;
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fmt_time(uint64_t ns, char *buf, size_t n);

typedef int (*verb_fn)(struct opts *o);
int verb_format(struct opts *o);
int verb_ls(struct opts *o);
int verb_verify(struct opts *o);
int verb_gc(struct opts *o);
int verb_drop(struct opts *o);
int verb_pin(struct opts *o);
int verb_unpin(struct opts *o);
int verb_diff(struct opts *o);
int verb_cat(struct opts *o);
int verb_commit(struct opts *o);
int verb_export(struct opts *o);
int verb_import(struct opts *o);
int verb_send(struct opts *o);
int verb_recv(struct opts *o);   /* verbs_move.c */
/* Disk images amber-run boots are whole 16-head, 63-sector cylinders. */
#define ENGINE_CYLINDER 516096ull
uint64_t engine_size(uint64_t bytes); /* rounded up to whole cylinders */

#endif
