/*
 * hv/heap.c — first-fit allocator with coalescing (see heap.h).
 *
 * Every block, free or used, starts with a 16-byte header holding its whole
 * size. Free blocks form a singly linked list in address order, so freeing
 * merges with both neighbours in one pass.
 */
#include "hv/heap.h"
#include "hv/hv.h"

#include <stdint.h>

struct blk {
	size_t size;        /* whole block, header included, multiple of 16 */
	struct blk *next;   /* next free block (free blocks only) */
};
_Static_assert(sizeof(struct blk) == 16, "header keeps 16-byte alignment");

static struct blk *free_list;
static size_t free_bytes;

void heap_init(void *base, size_t len)
{
	uintptr_t a = ((uintptr_t)base + 15) & ~(uintptr_t)15;
	len -= a - (uintptr_t)base;
	free_list = (struct blk *)a;
	free_list->size = len & ~(size_t)15;
	free_list->next = NULL;
	free_bytes = free_list->size;
}

void *heap_alloc(size_t bytes)
{
	if (bytes == 0 || bytes > ((size_t)1 << 40))
		return NULL;
	size_t need = (bytes + sizeof(struct blk) + 15) & ~(size_t)15;
	for (struct blk **pp = &free_list; *pp; pp = &(*pp)->next) {
		struct blk *b = *pp;
		if (b->size < need)
			continue;
		if (b->size - need >= 64) { /* split: the tail stays free */
			struct blk *rest = (struct blk *)((char *)b + need);
			rest->size = b->size - need;
			rest->next = b->next;
			*pp = rest;
			b->size = need;
		} else {
			*pp = b->next;
		}
		free_bytes -= b->size;
		return b + 1;
	}
	return NULL;
}

void heap_free(void *p)
{
	if (!p)
		return;
	struct blk *b = (struct blk *)p - 1, **pp = &free_list, *prev = NULL;
	while (*pp && *pp < b) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp == b)
		hv_panic("heap: double free of %p", p);
	free_bytes += b->size;
	b->next = *pp;
	*pp = b;
	if (b->next && (char *)b + b->size == (char *)b->next) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	if (prev && (char *)prev + prev->size == (char *)b) {
		prev->size += b->size;
		prev->next = b->next;
	}
}

size_t heap_free_bytes(void) { return free_bytes; }
