/* guest/wheap.c — the world's byte allocator (guest/wheap.h). */
#include "guest/wheap.h"

#define PAGE 4096u

void wheap_init(struct wheap *h, uintptr_t lo, uintptr_t hi)
{
	*h = (struct wheap){ 0 };
	h->lo = h->bump = (lo + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	h->hi = hi & ~(uintptr_t)(PAGE - 1);
	if (h->hi < h->lo)
		h->hi = h->lo;
}

static void *pages(struct wheap *h, size_t npages)
{
	for (struct wheap_run **pp = &h->runs; *pp; pp = &(*pp)->next) {
		struct wheap_run *r = *pp;
		if (r->pages < npages)
			continue;
		if (r->pages == npages) {
			*pp = r->next;
			return r;
		}
		/* hand out the tail: the run's header stays where it is */
		r->pages -= npages;
		return (char *)r + r->pages * PAGE;
	}
	if ((h->hi - h->bump) / PAGE < npages)
		return NULL;
	void *p = (void *)h->bump;
	h->bump += npages * PAGE;
	return p;
}

static void free_pages(struct wheap *h, void *p, size_t npages)
{
	uintptr_t a = (uintptr_t)p;
	if (a + npages * PAGE == h->bump) {   /* the top run goes back to the bump */
		h->bump = a;
		return;
	}
	struct wheap_run *r = p;
	r->pages = npages;
	r->next = h->runs;
	h->runs = r;
}

void *wheap_alloc(struct wheap *h, size_t n)
{
	if (n == 0)
		n = 1;
	if (n > WHEAP_SMALL) {
		if (n > h->hi - h->lo)
			return NULL;
		size_t np = (n + PAGE - 1) / PAGE;
		void *p = pages(h, np);
		if (p)
			h->used += np * PAGE;
		return p;
	}
	size_t c = (n + 15) / 16;
	void *p = h->small[c];
	if (p) {
		h->small[c] = *(void **)p;
	} else {
		if (h->chunk_end - h->chunk < c * 16) {
			void *ch = pages(h, WHEAP_CHUNK / PAGE);
			if (!ch)
				return NULL;
			h->chunk = (uintptr_t)ch;   /* the old chunk's rest is lost: < 2 KiB */
			h->chunk_end = h->chunk + WHEAP_CHUNK;
		}
		p = (void *)h->chunk;
		h->chunk += c * 16;
	}
	h->used += c * 16;
	return p;
}

void wheap_free(struct wheap *h, void *p, size_t n)
{
	if (!p)
		return;
	if (n == 0)
		n = 1;
	if (n > WHEAP_SMALL) {
		size_t np = (n + PAGE - 1) / PAGE;
		h->used -= np * PAGE;
		free_pages(h, p, np);
		return;
	}
	size_t c = (n + 15) / 16;
	*(void **)p = h->small[c];
	h->small[c] = p;
	h->used -= c * 16;
}
