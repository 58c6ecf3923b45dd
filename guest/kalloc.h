/*
 * guest/kalloc.h — the physical page allocator over
 * [boot_info.free_start, ram_bytes), 4 KiB pages.
 *
 * Pages never handed out are never touched: a page the guest has not
 * written costs the snapshot store nothing (zero pages take no block), so
 * the allocator hands out fresh pages from a bump pointer and keeps only
 * freed pages on a list, instead of threading a list through all of RAM at
 * boot as xv6 does. Pure: the host unit tests run it over a heap buffer.
 */
#ifndef AMBER_GUEST_KALLOC_H
#define AMBER_GUEST_KALLOC_H

#include <stddef.h>
#include <stdint.h>

void kinit(uintptr_t start, uintptr_t end);   /* both rounded inward to pages */
void *kalloc(void);                           /* a page, contents undefined; NULL when out */
void *kzalloc(void);                          /* a zeroed page */
void kfree(void *page);                       /* panics on a page it did not hand out */
size_t kfree_pages(void);                     /* pages still available */
/* Hands the never-used pages above the first keep_pages of them to another
 * allocator (the world's heap): [*lo, *hi), which kalloc will not touch. */
void kalloc_give_rest(size_t keep_pages, uintptr_t *lo, uintptr_t *hi);

#endif
