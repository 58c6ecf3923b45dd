/*
 * hv/heap.h — the hypervisor's small general-purpose allocator, for the
 * snapshot store's buffers and tables. First fit over an address-ordered
 * free list with coalescing; 16-byte alignment. Not for page-sized guest
 * memory (that comes from the frame allocator).
 */
#ifndef AMBER_HV_HEAP_H
#define AMBER_HV_HEAP_H

#include <stddef.h>

void heap_init(void *base, size_t len);
void *heap_alloc(size_t bytes);           /* NULL when out of memory */
void heap_free(void *p);
size_t heap_free_bytes(void);

#endif
