/*
 * pvm/classes.c — class objects: the internal (native) classes, class
 * creation with method-table inheritance (spec §1.3), lookup by name with
 * the class cache (spec §6.2) and the bootstrap file loader (spec §6.3).
 */
#include "pvm/pvm_int.h"

static const char *const kind_names[PVM_K_COUNT] = {
	[PVM_K_VOID] = ".internal.void",
	[PVM_K_USER] = NULL,
	[PVM_K_INT] = ".internal.int",
	[PVM_K_LONG] = ".internal.long",
	[PVM_K_FLOAT] = ".internal.float",
	[PVM_K_DOUBLE] = ".internal.double",
	[PVM_K_STRING] = ".internal.string",
	[PVM_K_ARRAY] = ".internal.container.array",
	[PVM_K_CLASS] = ".internal.class",
	[PVM_K_INTERFACE] = ".internal.interface",
	[PVM_K_CODE] = ".internal.code",
	[PVM_K_PAGE] = ".internal.container.page",
	[PVM_K_CALL_FRAME] = ".internal.call_frame",
	[PVM_K_ISTACK] = ".internal.istack",
	[PVM_K_OSTACK] = ".internal.ostack",
	[PVM_K_ESTACK] = ".internal.estack",
	[PVM_K_BOOT] = ".internal.boot",
	[PVM_K_TTY] = ".internal.io.tty",
	[PVM_K_THREAD] = ".internal.thread",
	[PVM_K_MUTEX] = ".internal.mutex",
	[PVM_K_COND] = ".internal.cond",
	[PVM_K_SEMA] = ".internal.sema",
	[PVM_K_BINARY] = ".internal.binary",
	[PVM_K_BITMAP] = ".internal.bitmap",
	[PVM_K_CLOSURE] = ".internal.closure",
	[PVM_K_WORLD] = ".internal.world",
	[PVM_K_WINDOW] = ".internal.window",
	[PVM_K_DIRECTORY] = ".internal.directory",
	[PVM_K_CONNECTION] = ".internal.connection",
};

const char *pvm_kind_name(int kind)
{
	return kind >= 0 && kind < PVM_K_COUNT && kind_names[kind] ? kind_names[kind] : "user";
}

/* For messages only: a NUL-terminated copy of the class name. */
const char *pvm_class_cname(const pvm_class *c)
{
	static char buf[160];
	if (!c || !c->name)
		return "?";
	const pvm_string *s = (const pvm_string *)c->name;
	size_t n = s->len < sizeof buf - 1 ? s->len : sizeof buf - 1;
	pvm_memcpy(buf, s->b, n);
	buf[n] = 0;
	return buf;
}

/* A class whose method table starts as a copy of the parent's first
 * min(nmethods, parent size) slots; the rest stay empty (spec §1.3). */
pvm_class *pvm_class_new(struct pvm_vm *vm, const char *name, size_t nlen, pvm_class *parent, uint32_t nmethods)
{
	pvm_class *c = (pvm_class *)pvm_obj_new(vm, vm->cls[PVM_K_CLASS], sizeof(pvm_class));
	if (!c)
		return NULL;
	c->inst_kind = PVM_K_USER;
	c->parent = parent;
	if (parent)
		parent->h.rc++;
	c->name = pvm_new_string(vm, name, nlen);
	if (nmethods) {
		c->methods = pvm_alloc(vm, nmethods * sizeof(pvm_method *));
		if (c->methods) {
			pvm_memset(c->methods, 0, nmethods * sizeof(pvm_method *));
			c->nmethods = nmethods;
		}
	}
	if (!c->name || (nmethods && !c->methods)) {
		pvm_unref(vm, &c->h);
		return NULL;
	}
	for (uint32_t i = 0; parent && i < nmethods && i < parent->nmethods; i++)
		c->methods[i] = parent->methods[i];
	return c;
}

/* The internal classes, each with the shared table of 64 stubs "sys k; ret"
 * (spec §2.5). The class of classes is made first, by hand, because every
 * other object needs it; the root class is its own parent. */
int pvm_classes_init(struct pvm_vm *vm)
{
	for (int k = 0; k < PVM_NSTUBS; k++) {
		uint8_t *code = vm->stub_code[k];
		code[0] = 0x0F;
		code[1] = (uint8_t)k;
		code[2] = 0x08;
		pvm_memset(code + 3, 0xFF, PVM_CODE_PAD);
		vm->stubs[k] = (pvm_method){ .code = code, .len = 3, .ordinal = k, .sys = k };
	}
	pvm_class *cc = (pvm_class *)pvm_obj_new(vm, NULL, sizeof(pvm_class));
	if (!cc)
		return PVM_ENOMEM;
	cc->h.cls = cc;
	cc->h.rc++;
	cc->inst_kind = PVM_K_CLASS;   /* before any other class object is made */
	vm->cls[PVM_K_CLASS] = cc;
	for (int k = 0; k < PVM_K_COUNT; k++) {
		if (k == PVM_K_USER)
			continue;
		pvm_class *c = k == PVM_K_CLASS ? cc : (pvm_class *)pvm_obj_new(vm, cc, sizeof(pvm_class));
		if (!c)
			return PVM_ENOMEM;
		vm->cls[k] = c;
		c->inst_kind = (uint8_t)k;
		c->internal = 1;
		c->methods = pvm_alloc(vm, PVM_NSTUBS * sizeof(pvm_method *));
		if (!c->methods)
			return PVM_ENOMEM;
		c->nmethods = PVM_NSTUBS;
		for (int i = 0; i < PVM_NSTUBS; i++)
			c->methods[i] = &vm->stubs[i];
	}
	pvm_class *root = vm->cls[PVM_K_VOID];
	for (int k = 0; k < PVM_K_COUNT; k++) {
		pvm_class *c = vm->cls[k];
		if (!c)
			continue;
		c->parent = root;
		if (c != root)
			root->h.rc++;
		if (!(c->name = pvm_new_cstring(vm, kind_names[k])))
			return PVM_ENOMEM;
	}
	return pvm_natives_init(vm);
}

static bool name_is(const void *name, size_t len, const char *s)
{
	size_t n = pvm_strlen(s);
	return n == len && !pvm_memcmp(name, s, n);
}

static pvm_obj *lower_key(struct pvm_vm *vm, const void *name, size_t len)
{
	pvm_obj *k = pvm_new_string(vm, name, len);
	if (k)
		for (size_t i = 0; i < len; i++)
			PVM_STR(k)->b[i] = (uint8_t)pvm_tolower(PVM_STR(k)->b[i]);
	return k;
}

pvm_class *pvm_cache_lookup(struct pvm_vm *vm, const void *name, size_t len)
{
	char key[1024];
	if (len > sizeof key)
		return NULL;
	for (size_t i = 0; i < len; i++)
		key[i] = (char)pvm_tolower(((const uint8_t *)name)[i]);
	return (pvm_class *)pvm_dir_get(vm->class_cache, key, len);
}

static int cache_put(struct pvm_vm *vm, const void *name, size_t len, pvm_class *c)
{
	pvm_obj *k = lower_key(vm, name, len);
	if (!k)
		return PVM_ENOMEM;
	int r = pvm_dir_put(vm, vm->class_cache, k, &c->h);
	pvm_unref(vm, k);
	return r < 0 ? r : 0;
}

/* Bootstrap loader (spec §6.3): "<name minus leading dot>.pc", found
 * case-insensitively by the port. Not cached here. */
int pvm_boot_load(struct pvm_vm *vm, const void *name, size_t len, pvm_class **out)
{
	const char *n = name;
	if (len && n[0] == '.') {
		n++;
		len--;
	}
	const uint8_t *data;
	size_t size;
	void *h;
	const char *file;
	if (len == 0 || len > 1024 || pvm_port_class_find(n, len, &data, &size, &h, &file)) {
		char nm[256];
		size_t k = len < 255 ? len : 255;
		pvm_memcpy(nm, n, k);
		nm[k] = 0;
		return pvm_errf(vm, PVM_ENOTFOUND, "class '.%s' not found", nm);
	}
	int r = pvm_load_class(vm, file, data, size, vm->cur, out);
	pvm_port_class_release(h);
	return r;
}

/* Lookup by name (spec §6.2): natives, the class cache, then the system
 * class loader registered by boot.17 on a nested thread. Without a system
 * loader we fall back to the bootstrap loader and cache the result, so a
 * runner can start any class (the original returns "not found" here).
 * t is the thread that would run the loader (NULL: do not run bytecode).
 * Returns a new reference in *out; PVM_ENOTFOUND, PVM_ENOMEM, or a panic
 * of the loader's nested run. */
int pvm_lookup_class(struct pvm_vm *vm, pvm_thread *t, const void *name, size_t len, pvm_class **out)
{
	pvm_class *c = NULL;
	if (name_is(name, len, ".internal.object")) {
		c = vm->cls[PVM_K_VOID];
	} else {
		for (int k = 0; k < PVM_K_COUNT && !c; k++)
			if (kind_names[k] && name_is(name, len, kind_names[k]))
				c = vm->cls[k];
	}
	if (!c)
		c = pvm_cache_lookup(vm, name, len);
	if (c) {
		c->h.rc++;
		*out = c;
		return 0;
	}
	int r;
	if (vm->loader && t) {
		pvm_obj *arg = pvm_new_string(vm, name, len);
		pvm_obj *res = NULL;
		if (!arg)
			return PVM_ENOMEM;
		r = pvm_call_sync(t, vm->loader, 8, &arg, 1, &res);
		pvm_unref(vm, arg);
		if (r)
			return r;
		if (!res || res->kind != PVM_K_CLASS || res == vm->null_obj) {
			pvm_unref(vm, res);
			return PVM_ENOTFOUND;
		}
		c = (pvm_class *)res;
	} else {
		r = pvm_boot_load(vm, name, len, &c);
		if (r == PVM_ENOTFOUND || r == PVM_EFORMAT) {
			pvm_log(vm, "%s\n", vm->err);
			return PVM_ENOTFOUND;
		}
		if (r)
			return r;
	}
	if ((r = cache_put(vm, name, len, c))) {
		pvm_unref(vm, &c->h);
		return PVM_ENOMEM;
	}
	*out = c;
	return 0;
}

int pvm_cache_class(struct pvm_vm *vm, const void *name, size_t len, pvm_class *c)
{
	return cache_put(vm, name, len, c);
}
