/*
 * pvm/natives_int.h — what the native-method files share: the signature
 * macro, result helpers and the table builder. Every helper that returns
 * follows the native contract of pvm_int.h (0, PVM_THROWN, or a panic).
 */
#ifndef PVM_NATIVES_INT_H
#define PVM_NATIVES_INT_H

#include "pvm/pvm_int.h"

#define NATIVE(name) static int name(pvm_thread *t, pvm_obj *self, pvm_obj **args, int nargs, pvm_obj **res)
#define UNUSED (void)t; (void)self; (void)args; (void)nargs; (void)res
/* allocates: a NULL result is "out of memory" */
#define RET(expr) do { pvm_obj *_o = (expr); if (!_o) return pvm_oom(t); *res = _o; return 0; } while (0)
#define RET_NULL() do { t->vm->null_obj->rc++; *res = t->vm->null_obj; return 0; } while (0)
#define RET_STR(s) RET(pvm_new_cstring(t->vm, s))
#define RET_INT(v) RET(pvm_new_int(t->vm, v))
/* throws "sys: need more parameters" (natives check "at least n") */
#define NEED(n) do { if (nargs < (n)) return pvm_throw_str(t, "sys: need more parameters"); } while (0)
#define ARG_INT(i, v) do { int _r = pvm_arg_int(t, args, nargs, i, &(v)); if (_r) return _r; } while (0)
#define ARG_STR(i, s) do { int _r = pvm_arg_str(t, args, nargs, i, &(s)); if (_r) return _r; } while (0)

/* One class's table: the defaults of spec §5.2, then these overrides. */
struct override { int k; pvm_native_fn fn; const char *name; };
int pvm_natives_table(struct pvm_vm *vm, int kind, uint32_t size, const struct override *ov, size_t nov);
int pvm_natives_sys_init(struct pvm_vm *vm);

#define TABLE(kind, size, ...) do { \
	static const struct override ov_[] = { __VA_ARGS__ }; \
	if ((r = pvm_natives_table(vm, kind, size, ov_, sizeof ov_ / sizeof ov_[0]))) return r; \
} while (0)

#endif
