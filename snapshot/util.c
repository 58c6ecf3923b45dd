/*
 * snapshot/util.c — the little the store needs that libc would give:
 * byte helpers, the checksum, allocation through snap_io, and a small
 * formatter for error messages (the hypervisor has no snprintf).
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

/* a 64-bit word at any address */
typedef uint64_t u64_any __attribute__((may_alias, aligned(1)));

void *snap_memcpy(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;
	for (; n >= 8; n -= 8, dp += 8, sp += 8)
		*(u64_any *)dp = *(const u64_any *)sp;
	while (n--)
		*dp++ = *sp++;
	return d;
}

/* Word stores: a lazy restore clears a page for every zero page it maps. */
void *snap_memset(void *d, int c, size_t n)
{
	u8 *dp = d;
	u64 w = 0x0101010101010101ull * (u8)c;
	for (; n >= 8; n -= 8, dp += 8)
		*(u64_any *)dp = w;
	while (n--)
		*dp++ = (u8)c;
	return d;
}

int snap_memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

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

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_u64(struct out *o, u64 v, unsigned base)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		put(o, tmp[--n]);
}

/* %s %d %u %x with optional l/ll/z: the subset our messages use. */
static int vfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		int lng = 0;
		for (fmt++; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s; s++)
				put(&o, *s);
			break;
		}
		case 'd': {
			long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
			if (v < 0) {
				put(&o, '-');
				v = -v;
			}
			put_u64(&o, (u64)v, 10);
			break;
		}
		case 'u':
		case 'x': {
			u64 v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned);
			put_u64(&o, v, *fmt == 'u' ? 10 : 16);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '?');
			if (!*fmt)
				fmt--;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snap_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfmt(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Records the message of an error and returns its code, so that callers
 * can write `return snap_err(st, SNAP_ECORRUPT, "...", ...)`. */
int snap_err(snap_store *st, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfmt(st->errmsg, sizeof st->errmsg, fmt, ap);
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
