/*
 * pvm/gc.c — the cycle collector and the heap invariant checker.
 *
 * Reference counting frees everything acyclic; what remains unreachable is
 * garbage cycles. The collector marks from the VM roots and frees the rest:
 * first every reference from garbage to live objects is taken back, then
 * the garbage is freed without touching counts. It runs only at safe points
 * (between time slices, or from pvm_collect when the VM is idle), where no
 * native code holds references in C variables.
 *
 * Invariants pvm_heap_check verifies:
 *  1. the all-objects list is a consistent doubly-linked ring;
 *  2. every counted reference (pvm_obj_children, the VM roots) points at an
 *     object on that list;
 *  3. every object's rc equals the number of counted references to it;
 *  4. every object's class is a class object; per-kind sizes are sane.
 */
#include "pvm/pvm_int.h"

static void roots(struct pvm_vm *vm, pvm_visit_fn fn, void *ctx)
{
	for (int k = 0; k < PVM_K_COUNT; k++)
		if (vm->cls[k])
			fn((pvm_obj **)&vm->cls[k], ctx);
	pvm_obj **r[] = { &vm->null_obj, &vm->boot_obj, &vm->class_cache, &vm->env, &vm->threads,
			  &vm->pending, &vm->loader, &vm->os_iface, &vm->main };
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
		if (*r[i])
			fn(r[i], ctx);
}

#define MARK 0x80000000u

struct mstack { pvm_obj **v; size_t n, cap; int failed; };

static void push_mark(pvm_obj **slot, void *ctx)
{
	struct mstack *m = ctx;
	pvm_obj *o = *slot;
	if (o->aux & MARK)
		return;
	o->aux |= MARK;
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 1024;
		pvm_obj **nv = pvm_port_alloc(nc * sizeof *nv);
		if (!nv) {
			m->failed = 1;
			return;
		}
		if (m->n)
			pvm_memcpy(nv, m->v, m->n * sizeof *nv);
		if (m->v)
			pvm_port_free(m->v, m->cap * sizeof *nv);
		m->v = nv;
		m->cap = nc;
	}
	m->v[m->n++] = o;
}

static void drop_live_child(pvm_obj **slot, void *ctx)
{
	(void)ctx;
	pvm_obj *c = *slot;
	if (c->aux & MARK)
		c->rc--;
}

long pvm_collect(struct pvm_vm *vm)
{
	if (vm->nesting || vm->freeing)
		return 0;
	vm->alloc_since_gc = 0;
	for (pvm_obj *o = vm->all.gc_next; o != &vm->all; o = o->gc_next)
		o->aux = 0;
	struct mstack m = { 0 };
	roots(vm, push_mark, &m);
	while (m.n && !m.failed)
		pvm_obj_children(m.v[--m.n], push_mark, &m);
	if (m.v)
		pvm_port_free(m.v, m.cap * sizeof *m.v);
	if (m.failed)
		return 0;   /* could not mark everything: free nothing */
	for (pvm_obj *o = vm->all.gc_next; o != &vm->all; o = o->gc_next)
		if (!(o->aux & MARK))
			pvm_obj_children(o, drop_live_child, NULL);
	long freed = 0;
	for (pvm_obj *o = vm->all.gc_next, *next; o != &vm->all; o = next) {
		next = o->gc_next;
		if (!(o->aux & MARK)) {
			pvm_obj_unlink(vm, o);
			pvm_obj_destroy(vm, o);
			freed++;
		}
	}
	return freed;
}

/* ---- checker ---- */

struct chk {
	struct pvm_vm *vm;
	pvm_obj **sorted;
	size_t n;
	int bad;
};

static bool known(const struct chk *c, const pvm_obj *o)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->sorted[mid] == o)
			return true;
		if ((uintptr_t)c->sorted[mid] < (uintptr_t)o)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void count_ref(pvm_obj **slot, void *ctx)
{
	struct chk *c = ctx;
	pvm_obj *o = *slot;
	if (c->bad)
		return;
	if (!known(c, o)) {
		c->bad = 1;
		pvm_errf(c->vm, PVM_EHEAP, "heap: reference to %lx, which is not a live object",
			 (unsigned long)(uintptr_t)o);
		return;
	}
	o->aux++;
}

static void sort_ptrs(pvm_obj **a, size_t n)
{
	/* heapsort: no recursion, no allocation */
	for (size_t s = n / 2; s-- > 0;)
		for (size_t i = s;;) {
			size_t l = 2 * i + 1, b = i;
			if (l < n && (uintptr_t)a[l] > (uintptr_t)a[b]) b = l;
			if (l + 1 < n && (uintptr_t)a[l + 1] > (uintptr_t)a[b]) b = l + 1;
			if (b == i) break;
			pvm_obj *x = a[i]; a[i] = a[b]; a[b] = x; i = b;
		}
	for (size_t e = n; e-- > 1;) {
		pvm_obj *x = a[0]; a[0] = a[e]; a[e] = x;
		for (size_t i = 0;;) {
			size_t l = 2 * i + 1, b = i;
			if (l < e && (uintptr_t)a[l] > (uintptr_t)a[b]) b = l;
			if (l + 1 < e && (uintptr_t)a[l + 1] > (uintptr_t)a[b]) b = l + 1;
			if (b == i) break;
			pvm_obj *y = a[i]; a[i] = a[b]; a[b] = y; i = b;
		}
	}
}

int pvm_heap_check(struct pvm_vm *vm)
{
	size_t n = 0;
	for (pvm_obj *o = vm->all.gc_next; o != &vm->all; o = o->gc_next) {
		if (o->gc_next->gc_prev != o)
			return pvm_errf(vm, PVM_EHEAP, "heap: object list broken after %lx", (unsigned long)(uintptr_t)o);
		if (++n > vm->nobjs)
			return pvm_errf(vm, PVM_EHEAP, "heap: more objects on the list than the count %lu",
					(unsigned long)vm->nobjs);
	}
	if (n != vm->nobjs)
		return pvm_errf(vm, PVM_EHEAP, "heap: %lu objects on the list, count says %lu",
				(unsigned long)n, (unsigned long)vm->nobjs);
	struct chk c = { vm, pvm_port_alloc((n ? n : 1) * sizeof(pvm_obj *)), n, 0 };
	if (!c.sorted)
		return PVM_ENOMEM;
	size_t i = 0;
	for (pvm_obj *o = vm->all.gc_next; o != &vm->all; o = o->gc_next) {
		c.sorted[i++] = o;
		o->aux = 0;
	}
	sort_ptrs(c.sorted, n);
	int r = 0;
	for (pvm_obj *o = vm->all.gc_next; o != &vm->all && !c.bad; o = o->gc_next) {
		if (!o->cls || !known(&c, &o->cls->h) || o->cls->h.kind != PVM_K_CLASS) {
			r = pvm_errf(vm, PVM_EHEAP, "heap: object %lx (%s) has no valid class",
				     (unsigned long)(uintptr_t)o, pvm_kind_name(o->kind));
			goto out;
		}
		if (o->kind >= PVM_K_COUNT || (o->kind != o->cls->inst_kind && o->kind != PVM_K_CLASS)) {
			r = pvm_errf(vm, PVM_EHEAP, "heap: object %lx kind %d does not match its class",
				     (unsigned long)(uintptr_t)o, o->kind);
			goto out;
		}
		if (o->kind == PVM_K_ARRAY && ((pvm_array *)o)->n > ((pvm_array *)o)->cap) {
			r = pvm_errf(vm, PVM_EHEAP, "heap: array %lx has %u elements in %u slots",
				     (unsigned long)(uintptr_t)o, ((pvm_array *)o)->n, ((pvm_array *)o)->cap);
			goto out;
		}
		if (o->kind == PVM_K_THREAD) {
			pvm_thread *t = (pvm_thread *)o;
			if (t->osp > t->ocap || t->isp > t->icap || t->esp > t->ecap || t->nfr > t->fcap) {
				r = pvm_errf(vm, PVM_EHEAP, "heap: thread %lx stack beyond its capacity",
					     (unsigned long)(uintptr_t)o);
				goto out;
			}
		}
		pvm_obj_children(o, count_ref, &c);
	}
	if (!c.bad)
		roots(vm, count_ref, &c);
	if (c.bad) {
		r = PVM_EHEAP;
		goto out;
	}
	for (pvm_obj *o = vm->all.gc_next; o != &vm->all; o = o->gc_next)
		if (o->rc != o->aux) {
			r = pvm_errf(vm, PVM_EHEAP, "heap: object %lx (%s) has rc %u but %u references",
				     (unsigned long)(uintptr_t)o, pvm_kind_name(o->kind), o->rc, o->aux);
			break;
		}
out:
	pvm_port_free(c.sorted, (n ? n : 1) * sizeof(pvm_obj *));
	return r;
}
