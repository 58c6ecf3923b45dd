/*
 * tests/snapshot/membuf.h — a growable memory buffer as the sink and
 * source of send streams (snap_out_fn / snap_in_fn) in tests.
 */
#ifndef AMBER_TESTS_SNAPSHOT_MEMBUF_H
#define AMBER_TESTS_SNAPSHOT_MEMBUF_H

#include <stdlib.h>
#include <string.h>

struct buf {
	uint8_t *p;
	size_t len, cap, pos;
};

static inline int buf_out(void *ctx, const void *p, size_t n)
{
	struct buf *b = ctx;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

/* All n bytes or -1, like a stream that ends early. */
static inline int buf_in(void *ctx, void *p, size_t n)
{
	struct buf *b = ctx;
	if (b->pos + n > b->len)
		return -1;
	memcpy(p, b->p + b->pos, n);
	b->pos += n;
	return 0;
}

#endif
