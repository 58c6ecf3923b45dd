/*
 * snapshot/util.c — the little the store needs that libc would give: the
 * checksum, allocation through snap_io, error messages (formatted by
 * lib/fmt.h; mem* are lib/mem.c's in the hypervisor).
 */
#include <stdarg.h>

#include "snapshot/snap_int.h"

/* Scalar xxHash with no libc: no SIMD (the hypervisor owns no SSE state) and
 * unaligned loads through packed structs instead of memcpy(). */
#define XXH_INLINE_ALL
#define XXH_VECTOR 0 /* XXH_SCALAR */
#define XXH_FORCE_MEMORY_ACCESS 1
#define XXH_STATIC_ASSERT(c) _Static_assert((c), #c) /* no <assert.h> */
#include <xxhash.h>

int snap_is_zero(const void *p, size_t n)
{
	const u64 *q = p;
	for (size_t i = 0; i < n / 8; i++)
		if (q[i])
			return 0;
	return 1;
}

u64 snap_hash(const void *p, size_t n, u64 seed)
{
	return XXH64(p, n, seed);
}

void *snap_alloc(snap_store *st, size_t n)
{
	return st->io.alloc(st->io.ctx, n);
}

void snap_free(snap_store *st, void *p, size_t n)
{
	if (p)
		st->io.free(st->io.ctx, p, n);
}

u64 snap_now(snap_store *st)
{
	return st->io.now ? st->io.now(st->io.ctx) : 0;
}

/* Records the message of an error and returns its code, so that callers
 * can write `return snap_err(st, SNAP_ECORRUPT, "...", ...)`. */
int snap_err(snap_store *st, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	amber_vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
	va_end(ap);
	return code;
}

const char *snap_errmsg(const snap_store *st)
{
	return st->errmsg[0] ? st->errmsg : "no error";
}

const char *snap_strerror(int err)
{
	switch (err) {
	case SNAP_OK: return "success";
	case SNAP_EIO: return "device I/O error";
	case SNAP_ECORRUPT: return "checksum or structure damage";
	case SNAP_ENOTSTORE: return "not an Amber snapshot store";
	case SNAP_EVERSION: return "unsupported store format version";
	case SNAP_ENOSPC: return "no free block on the device";
	case SNAP_ENOMEM: return "out of memory";
	case SNAP_EINVAL: return "invalid argument";
	case SNAP_ENOENT: return "no such generation";
	case SNAP_EFATAL: return "store in error state after a failed write; reopen it";
	case SNAP_EBUSY: return "wrong state for this operation";
	case SNAP_EEXIST: return "already exists";
	case SNAP_ESTREAM: return "damaged or unsuitable send stream";
	case SNAP_ELIMIT: return "limit reached";
	}
	return "unknown error";
}

void snap_set_progress(snap_store *st, snap_progress_fn fn, void *ctx)
{
	st->progress = fn;
	st->progress_ctx = ctx;
}
