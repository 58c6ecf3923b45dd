/* guest/kalloc.c — the physical page allocator (guest/kalloc.h). */
#include "guest/console.h"
#include "guest/kalloc.h"
#include "lib/mem.h"

#define PAGE 4096u

struct run {
	struct run *next;
};

static uintptr_t base, bump, limit;
static struct run *freelist;
static size_t nfree;

void kinit(uintptr_t start, uintptr_t end)
{
	base = bump = (start + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	limit = end & ~(uintptr_t)(PAGE - 1);
	if (limit < base)
		limit = base;
	freelist = NULL;
	nfree = (limit - base) / PAGE;
}

void *kalloc(void)
{
	void *p = NULL;
	if (freelist) {
		p = freelist;
		freelist = freelist->next;
	} else if (bump < limit) {
		p = (void *)bump;
		bump += PAGE;
	}
	if (p)
		nfree--;
	return p;
}

void *kzalloc(void)
{
	void *p = kalloc();
	if (p)
		memset(p, 0, PAGE);
	return p;
}

void kfree(void *page)
{
	uintptr_t a = (uintptr_t)page;
	if (a % PAGE || a < base || a >= bump)
		panic("kfree: %p is not an allocated page", page);
	struct run *r = page;
	r->next = freelist;
	freelist = r;
	nfree++;
}

size_t kfree_pages(void)
{
	return nfree;
}

void kalloc_give_rest(size_t keep_pages, uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t cut = bump + keep_pages * PAGE;
	if (cut > limit || cut < bump)
		cut = limit;
	*lo = cut;
	*hi = limit;
	nfree -= (limit - cut) / PAGE;
	limit = cut;
}
