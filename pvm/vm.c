/*
 * pvm/vm.c — the public entry points: creating and freeing a VM (the root
 * objects of spec §6.1), the kernel environment, loading, and the boot
 * protocol that runs a class.
 */
#include "pvm/pvm_int.h"

const char *pvm_strerror(int err)
{
	switch (err) {
	case PVM_OK: return "success";
	case PVM_ENOMEM: return "out of memory";
	case PVM_EFORMAT: return "bad class file";
	case PVM_ENOTFOUND: return "class not found";
	case PVM_EPANIC: return "VM panic";
	case PVM_EUNHANDLED: return "unhandled exception";
	case PVM_EDEADLOCK: return "all threads blocked";
	case PVM_EINVAL: return "invalid argument";
	case PVM_EHEAP: return "heap invariant broken";
	default: return "unknown error";
	}
}

static const char *const default_env[] = {
	"root.shell=.ru.dz.phantom.system.shell",
	"root.init=.ru.dz.phantom.system.init",
	"root.boot=.ru.dz.phantom.system.boot",
};

pvm_vm *pvm_new(void)
{
	struct pvm_vm *vm = pvm_port_alloc(sizeof *vm);
	if (!vm)
		return NULL;
	pvm_memset(vm, 0, sizeof *vm);
	vm->all.gc_next = vm->all.gc_prev = &vm->all;
	vm->fail_after = -1;
	if (pvm_classes_init(vm))
		goto fail;
	vm->null_obj = pvm_obj_new(vm, vm->cls[PVM_K_VOID], sizeof(pvm_obj));
	if (!vm->null_obj)
		goto fail;
	vm->null_obj->flags |= PVM_F_NULLOBJ;
	if (!(vm->class_cache = pvm_new_dir(vm)) || !(vm->env = pvm_new_array(vm)) ||
	    !(vm->threads = pvm_new_array(vm)) || !(vm->pending = pvm_new_array(vm)) ||
	    !(vm->boot_obj = pvm_new_instance(vm, vm->cls[PVM_K_BOOT])))
		goto fail;
	for (size_t i = 0; i < sizeof default_env / sizeof default_env[0]; i++)
		if (pvm_setenv(vm, default_env[i]))
			goto fail;
	return vm;
fail:
	pvm_free(vm);
	return NULL;
}

void pvm_free(pvm_vm *vm)
{
	if (!vm)
		return;
	for (int k = 0; k < PVM_K_COUNT; k++)
		if (vm->cls[k] && vm->cls[k]->natives) {
			pvm_dealloc(vm, (void *)vm->cls[k]->natives, vm->cls[k]->nnatives * sizeof(struct pvm_native));
			vm->cls[k]->natives = NULL;
		}
	pvm_heap_destroy(vm);
	pvm_port_free(vm, sizeof *vm);
}

/* A name given again replaces its entry in place (spec §5.3 boot.23). */
int pvm_setenv(pvm_vm *vm, const char *nv)
{
	size_t n = pvm_strlen(nv), eq = 0;
	while (eq < n && nv[eq] != '=')
		eq++;
	if (eq == n || eq == 0)
		return PVM_EINVAL;
	pvm_obj *s = pvm_new_string(vm, nv, n);
	if (!s)
		return PVM_ENOMEM;
	pvm_array *a = (pvm_array *)vm->env;
	for (uint32_t i = 0; i < a->n; i++) {
		pvm_string *e = PVM_STR(a->v[i]);
		if (e->len > eq && !pvm_memcmp(e->b, nv, eq + 1))
			return pvm_array_set(vm, vm->env, i, s);
	}
	return pvm_array_push(vm, vm->env, s);
}

void pvm_set_trace(pvm_vm *vm, int on)
{
	vm->trace = on;
}

const char *pvm_errmsg(const pvm_vm *vm)
{
	return vm->err;
}

const char *pvm_backtrace(const pvm_vm *vm)
{
	return vm->bt;
}

size_t pvm_live_objects(const pvm_vm *vm)
{
	return vm->nobjs;
}

size_t pvm_live_bytes(const pvm_vm *vm)
{
	return vm->bytes;
}

void pvm_set_mem_limit(pvm_vm *vm, size_t bytes)
{
	vm->mem_limit = bytes;
}

void pvm_set_step_limit(pvm_vm *vm, unsigned long slices)
{
	vm->step_limit = slices;
	vm->steps = 0;
}

void pvm_fail_alloc_after(pvm_vm *vm, long n)
{
	vm->fail_after = n < 0 ? -1 : n;
}

int pvm_load_bytes(pvm_vm *vm, const char *file, const uint8_t *buf, size_t len)
{
	pvm_class *c;
	int r = pvm_load_class(vm, file, buf, len, NULL, &c);
	if (r)
		return r;
	pvm_string *name = PVM_STR(c->name);
	r = pvm_cache_class(vm, name->b, name->len, c);
	pvm_unref(vm, &c->h);
	return r ? pvm_errf(vm, PVM_ENOMEM, "%s: out of memory", file) : 0;
}

int pvm_run_class(pvm_vm *vm, const char *name, int ordinal, int nargs)
{
	char full[1024];
	size_t n = pvm_strlen(name);
	if (n == 0 || n + 2 > sizeof full || nargs < 0 || nargs > 1 || ordinal < 0)
		return pvm_errf(vm, PVM_EINVAL, "bad class name or ordinal");
	size_t o = 0;
	if (name[0] != '.')
		full[o++] = '.';
	pvm_memcpy(full + o, name, n);
	n += o;
	vm->err[0] = vm->bt[0] = 0;

	pvm_class *c;
	pvm_thread *main = pvm_thread_new(vm);
	if (!main)
		return pvm_errf(vm, PVM_ENOMEM, "out of memory");
	pvm_set(vm, &vm->main, &main->h);
	vm->boot_done = 0;
	vm->cur = main;
	/* a class given to pvm_load_bytes, else the bootstrap module loader,
	 * without caching (spec §6.1 step 4) */
	int r;
	pvm_class *cached = pvm_cache_lookup(vm, full, n);
	if (cached) {
		c = cached;
		c->h.rc++;
		r = 0;
	} else {
		r = pvm_boot_load(vm, full, n, &c);
	}
	if (r)
		goto out;
	pvm_obj *self = pvm_new_instance(vm, c);
	pvm_unref(vm, &c->h);
	if (!self) {
		r = pvm_errf(vm, PVM_ENOMEM, "out of memory");
		goto out;
	}
	r = pvm_thread_call(main, self, ordinal, &vm->boot_obj, nargs);
	pvm_unref(vm, self);
	if (r)
		goto out;
	main->h.rc++;
	if ((r = pvm_array_push(vm, vm->threads, &main->h)))
		goto out;
	r = pvm_schedule(vm, main);
out:
	vm->cur = NULL;
	return r;
}
