/*
 * pvm/heap.c — object allocation, reference counting and the one list of
 * counted references inside each kind of object (pvm_obj_children).
 *
 * Small blocks are recycled through per-size free lists, because the
 * interpreter boxes an int on every i2o and frees it soon after; the port
 * allocator only sees the first use of each block. Freeing is iterative (a
 * pending list, not recursion), so a long chain of objects cannot overflow
 * the C stack.
 */
#include "pvm/pvm_int.h"

void *pvm_alloc(struct pvm_vm *vm, size_t size)
{
#ifdef PVM_TEST
	if (vm->fail_after >= 0 && vm->fail_after-- == 0)
		return NULL;
#endif
	if (vm->mem_limit && vm->bytes + size > vm->mem_limit)
		return NULL;
	size_t sc = (size + 7) >> 3;
	vm->bytes += size;
	vm->alloc_since_gc += size;
	if (sc < PVM_NSIZES && vm->freelist[sc]) {
		void *p = vm->freelist[sc];
		vm->freelist[sc] = *(void **)p;
		return p;
	}
	void *p = pvm_port_alloc(sc < PVM_NSIZES ? sc << 3 : size);
	if (!p)
		vm->bytes -= size;
	return p;
}

void pvm_dealloc(struct pvm_vm *vm, void *p, size_t size)
{
	if (!p)
		return;
	size_t sc = (size + 7) >> 3;
	vm->bytes -= size;
	if (sc < PVM_NSIZES) {
		*(void **)p = vm->freelist[sc];
		vm->freelist[sc] = p;
		return;
	}
	pvm_port_free(p, size);
}

size_t pvm_obj_size(const pvm_obj *o)
{
	switch (o->kind) {
	case PVM_K_USER: return sizeof(pvm_user) + ((const pvm_user *)o)->n * sizeof(pvm_obj *);
	case PVM_K_INT: return sizeof(pvm_int);
	case PVM_K_LONG: return sizeof(pvm_long);
	case PVM_K_FLOAT: return sizeof(pvm_float);
	case PVM_K_DOUBLE: return sizeof(pvm_double);
	case PVM_K_STRING: return sizeof(pvm_string) + ((const pvm_string *)o)->len;
	case PVM_K_ARRAY: return sizeof(pvm_array);
	case PVM_K_BINARY: return sizeof(pvm_binary) + ((const pvm_binary *)o)->n;
	case PVM_K_CLASS: return sizeof(pvm_class);
	case PVM_K_THREAD: return sizeof(pvm_thread);
	case PVM_K_DIRECTORY: return sizeof(pvm_dir);
	case PVM_K_BITMAP: return sizeof(pvm_bitmap);
	case PVM_K_TTY: return sizeof(pvm_tty);
	case PVM_K_CONNECTION: return sizeof(pvm_conn);
	case PVM_K_CLOSURE: return sizeof(pvm_closure);
	case PVM_K_MUTEX: case PVM_K_COND: case PVM_K_SEMA: return sizeof(pvm_sync);
	default: return sizeof(pvm_obj);
	}
}

pvm_obj *pvm_obj_new(struct pvm_vm *vm, pvm_class *cls, size_t size)
{
	return pvm_obj_new_head(vm, cls, size, size);
}

/* Only the first `zero` bytes (at least the header) are cleared: string
 * bodies are written by the caller at once, and clearing them first doubled
 * the cost of building long strings (b.concat). */
pvm_obj *pvm_obj_new_head(struct pvm_vm *vm, pvm_class *cls, size_t size, size_t zero)
{
	pvm_obj *o = pvm_alloc(vm, size);
	if (!o)
		return NULL;
	if (zero > size)
		zero = size;
	if (zero > sizeof *o)
		pvm_memset(o + 1, 0, zero - sizeof *o);
	if (size - zero > 0) {   /* and the last word, where a body may end in padding */
		size_t tail = size - zero < 8 ? size - zero : 8;
		pvm_memset((uint8_t *)o + size - tail, 0, tail);
	}
	o->cls = cls;
	if (cls)
		cls->h.rc++;
	o->rc = 1;
	o->aux = 0;
	o->flags = 0;
	o->pad = 0;
	o->kind = cls ? cls->inst_kind : PVM_K_CLASS;
	o->gc_next = vm->all.gc_next;
	o->gc_prev = &vm->all;
	vm->all.gc_next->gc_prev = o;
	vm->all.gc_next = o;
	vm->nobjs++;
	return o;
}

void pvm_obj_children(pvm_obj *o, pvm_visit_fn fn, void *ctx)
{
	if (o->cls)
		fn((pvm_obj **)&o->cls, ctx);
	switch (o->kind) {
	case PVM_K_USER: {
		pvm_user *u = (pvm_user *)o;
		for (uint32_t i = 0; i < u->n; i++)
			if (u->f[i])
				fn(&u->f[i], ctx);
		break;
	}
	case PVM_K_ARRAY: {
		pvm_array *a = (pvm_array *)o;
		for (uint32_t i = 0; i < a->n; i++)
			if (a->v[i])
				fn(&a->v[i], ctx);
		break;
	}
	case PVM_K_DIRECTORY: {
		pvm_dir *d = (pvm_dir *)o;
		for (uint32_t i = 0; i < d->n; i++) {
			fn(&d->k[i], ctx);
			if (d->v[i])
				fn(&d->v[i], ctx);
		}
		break;
	}
	case PVM_K_CLASS: {
		pvm_class *c = (pvm_class *)o;
		pvm_obj **s[] = { &c->name, (pvm_obj **)&c->parent, &c->method_names,
				  &c->field_names, &c->pool, &c->statics };
		for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
			if (*s[i] && *s[i] != o)
				fn(s[i], ctx);
		break;
	}
	case PVM_K_THREAD: {
		pvm_thread *t = (pvm_thread *)o;
		for (uint32_t i = 0; i < t->osp; i++)
			if (t->os[i])
				fn(&t->os[i], ctx);
		for (uint32_t i = 0; i < t->nfr; i++)
			if (t->fr[i].this)
				fn(&t->fr[i].this, ctx);
		for (uint32_t i = 0; i < t->esp; i++)
			fn((pvm_obj **)&t->es[i].cls, ctx);
		pvm_obj **s[] = { &t->thrown, &t->result, &t->env, &t->owner, &t->start_obj };
		for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
			if (*s[i])
				fn(s[i], ctx);
		break;
	}
	case PVM_K_BITMAP:
		if (((pvm_bitmap *)o)->image)
			fn(&((pvm_bitmap *)o)->image, ctx);
		break;
	case PVM_K_CONNECTION:
		if (((pvm_conn *)o)->cb)
			fn(&((pvm_conn *)o)->cb, ctx);
		break;
	case PVM_K_CLOSURE:
		if (((pvm_closure *)o)->obj)
			fn(&((pvm_closure *)o)->obj, ctx);
		break;
	case PVM_K_MUTEX: case PVM_K_COND: case PVM_K_SEMA:
		if (((pvm_sync *)o)->owner)
			fn(&((pvm_sync *)o)->owner, ctx);
		if (((pvm_sync *)o)->waiters)
			fn(&((pvm_sync *)o)->waiters, ctx);
		if (((pvm_sync *)o)->mutex)
			fn(&((pvm_sync *)o)->mutex, ctx);
		break;
	default:
		break;
	}
}

void pvm_obj_unlink(struct pvm_vm *vm, pvm_obj *o)
{
	o->gc_prev->gc_next = o->gc_next;
	o->gc_next->gc_prev = o->gc_prev;
	vm->nobjs--;
}

/* Frees what an object owns outside its own block, then the block. The
 * object is already unlinked; its children were released or are garbage. */
void pvm_obj_destroy(struct pvm_vm *vm, pvm_obj *o)
{
	switch (o->kind) {
	case PVM_K_ARRAY: {
		pvm_array *a = (pvm_array *)o;
		pvm_dealloc(vm, a->v, a->cap * sizeof(pvm_obj *));
		break;
	}
	case PVM_K_DIRECTORY: {
		pvm_dir *d = (pvm_dir *)o;
		pvm_dealloc(vm, d->k, d->cap * sizeof(pvm_obj *));
		pvm_dealloc(vm, d->v, d->cap * sizeof(pvm_obj *));
		break;
	}
	case PVM_K_CLASS: {
		pvm_class *c = (pvm_class *)o;
		if (c->own) {
			for (uint32_t i = 0; i < c->nmethods; i++)
				pvm_method_free(vm, &c->own[i]);
			pvm_dealloc(vm, c->own, c->nmethods * sizeof(pvm_method));
		}
		pvm_dealloc(vm, c->methods, c->nmethods * sizeof(pvm_method *));
		break;
	}
	case PVM_K_THREAD: {
		pvm_thread *t = (pvm_thread *)o;
		pvm_dealloc(vm, t->os, t->ocap * sizeof(pvm_obj *));
		pvm_dealloc(vm, t->is, t->icap * sizeof(int32_t));
		pvm_dealloc(vm, t->es, t->ecap * sizeof(pvm_catcher));
		pvm_dealloc(vm, t->fr, t->fcap * sizeof(pvm_frame));
		break;
	}
	default:
		break;
	}
	pvm_dealloc(vm, o, pvm_obj_size(o));
}

/* The pending list is chained through gc_next once an object is unlinked. */
static void push_pending(struct pvm_vm *vm, pvm_obj *o)
{
	pvm_obj_unlink(vm, o);
	o->gc_next = vm->free_pending;
	vm->free_pending = o;
}

static void drop_child(pvm_obj **slot, void *ctx)
{
	struct pvm_vm *vm = ctx;
	pvm_obj *c = *slot;
	if (--c->rc == 0)
		push_pending(vm, c);
}

void pvm_obj_release(struct pvm_vm *vm, pvm_obj *o)
{
	/* Fast path for leaves (boxed numbers, strings): nothing to visit but
	 * the class, which outlives them unless it is garbage itself. */
	if (o->kind >= PVM_K_INT && o->kind <= PVM_K_STRING && !vm->freeing && o->cls->h.rc > 1) {
		o->cls->h.rc--;
		pvm_obj_unlink(vm, o);
		pvm_dealloc(vm, o, pvm_obj_size(o));
		return;
	}
	push_pending(vm, o);
	if (vm->freeing)
		return;
	vm->freeing = 1;
	while (vm->free_pending) {
		pvm_obj *x = vm->free_pending;
		vm->free_pending = x->gc_next;
		pvm_obj_children(x, drop_child, vm);
		pvm_obj_destroy(vm, x);
	}
	vm->freeing = 0;
}

/* At pvm_free: everything goes, cycles and roots included, without
 * looking at reference counts. */
void pvm_heap_destroy(struct pvm_vm *vm)
{
	while (vm->all.gc_next != &vm->all) {
		pvm_obj *o = vm->all.gc_next;
		pvm_obj_unlink(vm, o);
		pvm_obj_destroy(vm, o);
	}
	for (size_t sc = 1; sc < PVM_NSIZES; sc++)
		while (vm->freelist[sc]) {
			void *p = vm->freelist[sc];
			vm->freelist[sc] = *(void **)p;
			pvm_port_free(p, sc << 3);
		}
}
