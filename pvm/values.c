/*
 * pvm/values.c — constructors for the built-in value kinds, and the array
 * and directory containers the natives and the VM roots share.
 */
#include "pvm/pvm_int.h"

pvm_obj *pvm_new_int(struct pvm_vm *vm, int32_t v)
{
	pvm_int *o = (pvm_int *)pvm_obj_new(vm, vm->cls[PVM_K_INT], sizeof(pvm_int));
	if (o)
		o->v = v;
	return (pvm_obj *)o;
}

pvm_obj *pvm_new_long(struct pvm_vm *vm, int64_t v)
{
	pvm_long *o = (pvm_long *)pvm_obj_new(vm, vm->cls[PVM_K_LONG], sizeof(pvm_long));
	if (o)
		o->v = v;
	return (pvm_obj *)o;
}

pvm_obj *pvm_new_float(struct pvm_vm *vm, float v)
{
	pvm_float *o = (pvm_float *)pvm_obj_new(vm, vm->cls[PVM_K_FLOAT], sizeof(pvm_float));
	if (o)
		o->v = v;
	return (pvm_obj *)o;
}

pvm_obj *pvm_new_double(struct pvm_vm *vm, double v)
{
	pvm_double *o = (pvm_double *)pvm_obj_new(vm, vm->cls[PVM_K_DOUBLE], sizeof(pvm_double));
	if (o)
		o->v = v;
	return (pvm_obj *)o;
}

pvm_obj *pvm_new_string(struct pvm_vm *vm, const void *b, size_t n)
{
	if (n > 0x7FFFFFFF)
		return NULL;
	pvm_string *o = (pvm_string *)pvm_obj_new_head(vm, vm->cls[PVM_K_STRING], sizeof(pvm_string) + n,
						       sizeof(pvm_string));
	if (!o)
		return NULL;
	o->len = (uint32_t)n;
	pvm_memcpy(o->b, b, n);
	return (pvm_obj *)o;
}

pvm_obj *pvm_new_cstring(struct pvm_vm *vm, const char *s)
{
	return pvm_new_string(vm, s, pvm_strlen(s));
}

pvm_obj *pvm_new_array(struct pvm_vm *vm)
{
	return pvm_obj_new(vm, vm->cls[PVM_K_ARRAY], sizeof(pvm_array));
}

pvm_obj *pvm_new_binary(struct pvm_vm *vm, size_t n)
{
	if (n > 0x7FFFFFFF)
		return NULL;
	pvm_binary *o = (pvm_binary *)pvm_obj_new(vm, vm->cls[PVM_K_BINARY], sizeof(pvm_binary) + n);
	if (o)
		o->n = (uint32_t)n;
	return (pvm_obj *)o;
}

pvm_obj *pvm_new_dir(struct pvm_vm *vm)
{
	return pvm_obj_new(vm, vm->cls[PVM_K_DIRECTORY], sizeof(pvm_dir));
}

/* `new` (spec §4.4): user objects get zero-ref fields; internal kinds get
 * their empty value. No bytecode runs. */
pvm_obj *pvm_new_instance(struct pvm_vm *vm, pvm_class *cls)
{
	if (cls->inst_kind == PVM_K_USER) {
		pvm_user *u = (pvm_user *)pvm_obj_new(vm, cls, sizeof(pvm_user) + cls->nslots * sizeof(pvm_obj *));
		if (u)
			u->n = cls->nslots;
		return (pvm_obj *)u;
	}
	pvm_obj tmp = { .kind = cls->inst_kind };
	if (cls->inst_kind == PVM_K_STRING)
		return pvm_new_string(vm, "", 0);
	if (cls->inst_kind == PVM_K_BINARY)
		return pvm_new_binary(vm, 0);
	if (cls->inst_kind == PVM_K_THREAD) {
		pvm_thread *t = pvm_thread_new(vm);
		if (t)
			t->state = PVM_T_DONE;
		return (pvm_obj *)t;
	}
	if (cls->inst_kind == PVM_K_CLASS) {
		pvm_class *c = pvm_class_new(vm, "", 0, vm->cls[PVM_K_VOID], 0);
		if (!c)
			return NULL;
		c->inst_kind = PVM_K_USER;
		c->statics = pvm_new_array(vm);
		if (!c->statics) {
			pvm_unref(vm, &c->h);
			return NULL;
		}
		return &c->h;
	}
	return pvm_obj_new(vm, cls, pvm_obj_size(&tmp));
}

static int grow(struct pvm_vm *vm, pvm_obj ***v, uint32_t *cap, uint32_t need, int nvec, pvm_obj ***v2)
{
	uint32_t nc = *cap ? *cap : 4;
	while (nc < need) {
		if (nc > 0x3FFFFFFF)
			return PVM_ENOMEM;
		nc *= 2;
	}
	pvm_obj **a = pvm_alloc(vm, nc * sizeof(pvm_obj *));
	pvm_obj **b = nvec > 1 ? pvm_alloc(vm, nc * sizeof(pvm_obj *)) : NULL;
	if (!a || (nvec > 1 && !b)) {
		pvm_dealloc(vm, a, nc * sizeof(pvm_obj *));
		pvm_dealloc(vm, b, nc * sizeof(pvm_obj *));
		return PVM_ENOMEM;
	}
	pvm_memset(a, 0, nc * sizeof(pvm_obj *));
	if (*cap)
		pvm_memcpy(a, *v, *cap * sizeof(pvm_obj *));
	pvm_dealloc(vm, *v, *cap * sizeof(pvm_obj *));
	*v = a;
	if (nvec > 1) {
		pvm_memset(b, 0, nc * sizeof(pvm_obj *));
		if (*cap)
			pvm_memcpy(b, *v2, *cap * sizeof(pvm_obj *));
		pvm_dealloc(vm, *v2, *cap * sizeof(pvm_obj *));
		*v2 = b;
	}
	*cap = nc;
	return 0;
}

/* Gaps become the null object (spec §5.3 array). Takes the reference v;
 * on failure v is released. */
int pvm_array_set(struct pvm_vm *vm, pvm_obj *ao, uint32_t i, pvm_obj *v)
{
	pvm_array *a = (pvm_array *)ao;
	if (i >= a->cap && grow(vm, &a->v, &a->cap, i + 1, 1, NULL)) {
		pvm_unref(vm, v);
		return PVM_ENOMEM;
	}
	while (a->n < i) {
		a->v[a->n++] = vm->null_obj;
		vm->null_obj->rc++;
	}
	if (i == a->n) {
		a->v[a->n++] = v;
		return 0;
	}
	pvm_set(vm, &a->v[i], v);
	return 0;
}

int pvm_array_push(struct pvm_vm *vm, pvm_obj *a, pvm_obj *v)
{
	return pvm_array_set(vm, a, ((pvm_array *)a)->n, v);
}

pvm_obj *pvm_array_get(pvm_obj *ao, uint32_t i)
{
	pvm_array *a = (pvm_array *)ao;
	return i < a->n ? a->v[i] : NULL;
}

static int dir_find(pvm_obj *d0, const void *k, size_t n)
{
	pvm_dir *d = (pvm_dir *)d0;
	for (uint32_t i = 0; i < d->n; i++) {
		pvm_string *s = PVM_STR(d->k[i]);
		if (s->len == n && !pvm_memcmp(s->b, k, n))
			return (int)i;
	}
	return -1;
}

/* Returns 0 if added, 17 (EEXIST) if the key exists; the value is then not
 * replaced (spec §5.3 directory). Takes new references to k and v. */
int pvm_dir_put(struct pvm_vm *vm, pvm_obj *d0, pvm_obj *k, pvm_obj *v)
{
	pvm_dir *d = (pvm_dir *)d0;
	if (dir_find(d0, PVM_STR(k)->b, PVM_STR(k)->len) >= 0)
		return 17;
	if (d->n == d->cap && grow(vm, &d->k, &d->cap, d->n + 1, 2, &d->v))
		return PVM_ENOMEM;
	pvm_ref(k);
	pvm_ref(v);
	d->k[d->n] = k;
	d->v[d->n] = v;
	d->n++;
	return 0;
}

pvm_obj *pvm_dir_get(pvm_obj *d, const void *k, size_t n)
{
	int i = dir_find(d, k, n);
	return i < 0 ? NULL : ((pvm_dir *)d)->v[i];
}

int pvm_dir_remove(struct pvm_vm *vm, pvm_obj *d0, const void *k, size_t n)
{
	pvm_dir *d = (pvm_dir *)d0;
	int i = dir_find(d0, k, n);
	if (i < 0)
		return 2;
	pvm_obj *ok = d->k[i], *ov = d->v[i];
	d->n--;
	d->k[i] = d->k[d->n];
	d->v[i] = d->v[d->n];
	d->k[d->n] = d->v[d->n] = NULL;
	pvm_unref(vm, ok);
	pvm_unref(vm, ov);
	return 0;
}

/* Class or subclass, walking parents up to and including the root (spec
 * §4.1). Neither null is an instance of anything. */
bool pvm_instance_of(const pvm_obj *o, const pvm_class *c)
{
	if (!o || (o->flags & PVM_F_NULLOBJ))
		return false;
	for (const pvm_class *k = o->cls; k; k = k->parent) {
		if (k == c)
			return true;
		if (k->parent == k)
			break;
	}
	return false;
}
