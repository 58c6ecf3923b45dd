/*
 * pvm/natives.c — native methods of the value classes (spec §5.2, §5.3):
 * the default table every internal class inherits, int/long/float/double,
 * string, array and class; and the `sys` dispatch that finds them.
 *
 * Argument order is the source order: args[0] is the first argument
 * (spec §9.1.4). Natives check arity with "at least N".
 */
#include "pvm/natives_int.h"


int pvm_arg_int(pvm_thread *t, pvm_obj **args, int nargs, int i, int32_t *v)
{
	*v = 0;
	if (nargs <= i)
		return pvm_throw_str(t, "sys: need more parameters");
	if (!args[i] || args[i]->kind != PVM_K_INT)
		return pvm_throw_str(t, "not an integer arg");
	*v = ((pvm_int *)args[i])->v;
	return 0;
}

int pvm_arg_str(pvm_thread *t, pvm_obj **args, int nargs, int i, pvm_string **s)
{
	*s = NULL;
	if (nargs <= i)
		return pvm_throw_str(t, "sys: need more parameters");
	if (!pvm_is_string(args[i]))
		return pvm_throw_str(t, "not a string arg");
	*s = PVM_STR(args[i]);
	return 0;
}

/* ---- default table (root class) ---- */

NATIVE(n_null) { UNUSED; RET_NULL(); }
NATIVE(n_getclass) { UNUSED; self->cls->h.rc++; *res = &self->cls->h; return 0; }
NATIVE(n_void_clone) { UNUSED; return pvm_throw_str(t, "void clone called"); }
NATIVE(n_equals) { UNUSED; NEED(1); RET_INT(self == args[0]); }
NATIVE(n_void_tostring) { UNUSED; RET_STR("(void)"); }
NATIVE(n_void_toxml) { UNUSED; RET_STR("<void>"); }
NATIVE(n_setimmutable) { UNUSED; self->flags |= PVM_F_IMMUTABLE; RET_INT(0); }

/* The data area as the little-endian reference host lays it out (§5.2). */
static size_t data_area(const pvm_obj *o, uint8_t *buf, size_t cap, const uint8_t **big)
{
	uint64_t v;
	size_t n = 0;
	*big = NULL;
	switch (o->kind) {
	case PVM_K_INT: v = (uint32_t)((const pvm_int *)o)->v; n = 4; break;
	case PVM_K_FLOAT: { union { float f; uint32_t u; } u = { .f = ((const pvm_float *)o)->v }; v = u.u; n = 4; break; }
	case PVM_K_LONG: v = (uint64_t)((const pvm_long *)o)->v; n = 8; break;
	case PVM_K_DOUBLE: { union { double d; uint64_t u; } u = { .d = ((const pvm_double *)o)->v }; v = u.u; n = 8; break; }
	case PVM_K_STRING: v = PVM_STR(o)->len; n = 4; *big = PVM_STR(o)->b; break;
	case PVM_K_BINARY: *big = ((const pvm_binary *)o)->b; return 0;
	case PVM_K_VOID: return 0;
	default: v = (uint64_t)(uintptr_t)o; n = 8; break;  /* address-dependent (spec §10) */
	}
	for (size_t i = 0; i < n && i < cap; i++)
		buf[i] = (uint8_t)(v >> (8 * i));
	return n;
}

NATIVE(n_hashcode)
{
	UNUSED;
	uint8_t head[8] = { 0 };
	const uint8_t *big;
	size_t n = data_area(self, head, sizeof head, &big);
	size_t bn = big ? (self->kind == PVM_K_STRING ? PVM_STR(self)->len : ((pvm_binary *)self)->n) : 0;
	RET_INT((int32_t)pvm_hash_bytes(pvm_hash_bytes(0, head, n), big, bn));
}

static const struct pvm_native defaults[16] = {
	{ n_null, "construct" }, { n_null, "destruct" }, { n_getclass, "getClass" },
	{ n_void_clone, "clone" }, { n_equals, "equals" }, { n_void_tostring, "toString" },
	{ n_void_toxml, "toXML" }, { n_void_tostring, "fromXML" },
	{ 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 },
	{ n_setimmutable, "setImmutable" }, { n_hashcode, "hashCode" },
};

/* ---- numbers ---- */

static int num_text(pvm_obj *o, char *buf, size_t n)
{
	switch (o->kind) {
	case PVM_K_INT: return pvm_fmt_i64(buf, ((pvm_int *)o)->v);
	case PVM_K_LONG: return pvm_fmt_i64(buf, ((pvm_long *)o)->v);
	case PVM_K_FLOAT: return pvm_fmt_double(buf, n, ((pvm_float *)o)->v);
	default: return pvm_fmt_double(buf, n, ((pvm_double *)o)->v);
	}
}

NATIVE(n_num_clone)
{
	UNUSED;
	switch (self->kind) {
	case PVM_K_INT: RET(pvm_new_int(t->vm, ((pvm_int *)self)->v));
	case PVM_K_LONG: RET(pvm_new_long(t->vm, ((pvm_long *)self)->v));
	case PVM_K_FLOAT: RET(pvm_new_float(t->vm, ((pvm_float *)self)->v));
	default: RET(pvm_new_double(t->vm, ((pvm_double *)self)->v));
	}
}

/* 1 iff o's class is exactly this one and the values are equal (C ==) */
NATIVE(n_num_equals)
{
	UNUSED;
	NEED(1);
	pvm_obj *o = args[0];
	int eq = 0;
	if (o && o->kind == self->kind) {
		switch (self->kind) {
		case PVM_K_INT: eq = ((pvm_int *)o)->v == ((pvm_int *)self)->v; break;
		case PVM_K_LONG: eq = ((pvm_long *)o)->v == ((pvm_long *)self)->v; break;
		case PVM_K_FLOAT: eq = ((pvm_float *)o)->v == ((pvm_float *)self)->v; break;
		default: eq = ((pvm_double *)o)->v == ((pvm_double *)self)->v; break;
		}
	}
	RET_INT(eq);
}

NATIVE(n_num_tostring)
{
	UNUSED;
	char buf[400];
	int n = num_text(self, buf, sizeof buf);
	RET(pvm_new_string(t->vm, buf, (size_t)n));
}

NATIVE(n_num_toxml)
{
	UNUSED;
	char num[400], buf[440];
	num_text(self, num, sizeof num);
	const char *tag = pvm_kind_name(self->kind) + 10;   /* skip ".internal." */
	int n = amber_snprintf(buf, sizeof buf, "<%s>%s</%s>", tag, num, tag);
	RET(pvm_new_string(t->vm, buf, (size_t)n));
}

/* ---- string (table size 21) ---- */

#define SELF PVM_STR(self)

NATIVE(n_str_clone) { UNUSED; RET(pvm_new_string(t->vm, SELF->b, SELF->len)); }

NATIVE(n_str_equals)
{
	UNUSED;
	NEED(1);
	pvm_obj *o = args[0];
	if (!o || o == t->vm->null_obj)
		RET_INT(0);
	if (!pvm_is_string(o))
		return pvm_throw_str(t, "not a string arg");
	RET_INT(PVM_STR(o)->len == SELF->len && !pvm_memcmp(PVM_STR(o)->b, SELF->b, SELF->len));
}

NATIVE(n_str_tostring) { UNUSED; self->rc++; *res = self; return 0; }

NATIVE(n_str_substring)
{
	UNUSED;
	int32_t index, len;
	int r;
	if ((r = pvm_arg_int(t, args, nargs, 0, &index)) || (r = pvm_arg_int(t, args, nargs, 1, &len)))
		return r;
	if (index < 0 || (uint32_t)index >= SELF->len)
		return pvm_throw_str(t, "string.substring index is out of bounds");
	int64_t n = (int64_t)SELF->len - index;
	if (len < n)
		n = len;
	if (n < 0)
		return pvm_throw_str(t, "string.substring length is negative");
	RET(pvm_new_string(t->vm, SELF->b + index, (size_t)n));
}

NATIVE(n_str_charat)
{
	UNUSED;
	int32_t index;
	int r = pvm_arg_int(t, args, nargs, 0, &index);
	if (r)
		return r;
	/* negative index: the original reads out of bounds; we throw */
	if (index < 0 || (uint32_t)index >= SELF->len)
		return pvm_throw_str(t, "string.charAt index is out of bounds");
	RET_INT(SELF->b[index]);
}

NATIVE(n_str_concat)
{
	UNUSED;
	pvm_string *s;
	int r = pvm_arg_str(t, args, nargs, 0, &s);
	if (r)
		return r;
	size_t n = (size_t)SELF->len + s->len;
	if (n > 0x7FFFFFFF)
		return pvm_throw_str(t, "string.concat: result too long");
	pvm_obj *out = pvm_obj_new_head(t->vm, t->vm->cls[PVM_K_STRING], sizeof(pvm_string) + n, sizeof(pvm_string));
	if (!out)
		return pvm_oom(t);
	PVM_STR(out)->len = (uint32_t)n;
	pvm_memcpy(PVM_STR(out)->b, SELF->b, SELF->len);
	pvm_memcpy(PVM_STR(out)->b + SELF->len, s->b, s->len);
	*res = out;
	return 0;
}

NATIVE(n_str_length) { UNUSED; RET_INT((int32_t)SELF->len); }

NATIVE(n_str_strstr)
{
	UNUSED;
	pvm_string *s;
	int r = pvm_arg_str(t, args, nargs, 0, &s);
	if (r)
		return r;
	int32_t at = -1;
	if (s->len == 0)
		at = 0;
	for (uint32_t i = 0; s->len && i + s->len <= SELF->len; i++)
		if (!pvm_memcmp(SELF->b + i, s->b, s->len)) {
			at = (int32_t)i;
			break;
		}
	RET_INT(at);
}

/* C-style decimal: leading blanks, sign, digits up to the first non-digit.
 * The whole string is parsed (spec §9.2 fix of the off-by-one). */
static int64_t str_to_i64(const pvm_string *s)
{
	uint32_t i = 0;
	while (i < s->len && (s->b[i] == ' ' || (s->b[i] >= 9 && s->b[i] <= 13)))
		i++;
	int neg = 0;
	if (i < s->len && (s->b[i] == '-' || s->b[i] == '+'))
		neg = s->b[i++] == '-';
	uint64_t v = 0;
	for (; i < s->len && s->b[i] >= '0' && s->b[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(s->b[i] - '0');
	return neg ? (int64_t)(0 - v) : (int64_t)v;
}

NATIVE(n_str_toint) { UNUSED; RET_INT((int32_t)str_to_i64(SELF)); }
NATIVE(n_str_tolong) { UNUSED; RET(pvm_new_long(t->vm, str_to_i64(SELF))); }
NATIVE(n_str_tofloat) { UNUSED; return pvm_throw_str(t, "not impl tofloat"); }
NATIVE(n_str_todouble) { UNUSED; return pvm_throw_str(t, "not impl si_string_19_todouble"); }
NATIVE(n_str_parsejson) { UNUSED; return pvm_throw_str(t, "string.parseJson: not implemented"); }

#undef SELF

/* ---- array ---- */

NATIVE(n_arr_tostring) { UNUSED; RET_STR("array"); }
NATIVE(n_arr_iterator) { UNUSED; return pvm_throw_str(t, "get iterator is not implemented yet"); }
NATIVE(n_arr_subarray) { UNUSED; NEED(2); return pvm_throw_str(t, "get subarray is not implemented yet"); }

NATIVE(n_arr_get)
{
	UNUSED;
	int32_t i;
	int r = pvm_arg_int(t, args, nargs, 0, &i);
	if (r)
		return r;
	if ((uint32_t)i >= ((pvm_array *)self)->n)
		return pvm_throw_str(t, "array get - index is out of bounds");
	pvm_obj *o = ((pvm_array *)self)->v[i];
	pvm_ref(o);
	*res = o;
	return 0;
}

/* set(value, index): value first (spec §9.1.4). A negative index is
 * undefined in the original (a huge allocation); we throw, and bound the
 * index so that a stray one cannot ask for gigabytes. */
#define ARRAY_MAX (1u << 24)
NATIVE(n_arr_set)
{
	UNUSED;
	int32_t i;
	NEED(2);
	int r = pvm_arg_int(t, args, nargs, 1, &i);
	if (r)
		return r;
	if (i < 0)
		return pvm_throw_str(t, "array set - index is negative");
	if ((uint32_t)i >= ARRAY_MAX)
		return pvm_throw_str(t, "array set - index is too big");
	if (self->flags & PVM_F_IMMUTABLE)
		return pvm_panic(t, "array set on an immutable array");
	pvm_ref(args[0]);
	if (pvm_array_set(t->vm, self, (uint32_t)i, args[0]))
		return pvm_oom(t);
	pvm_ref(args[0]);
	*res = args[0];
	return 0;
}

NATIVE(n_arr_size) { UNUSED; RET_INT((int32_t)((pvm_array *)self)->n); }

/* ---- class ---- */

NATIVE(n_cls_tostring) { UNUSED; RET_STR("class"); }
NATIVE(n_cls_newclass) { UNUSED; return pvm_throw_str(t, "class.newClass is broken in the original and not implemented"); }

/* Loaded classes have no statics array in the original (it would crash);
 * we make one on first use. */
NATIVE(n_cls_setstatic)
{
	UNUSED;
	int32_t slot;
	NEED(2);
	int r = pvm_arg_int(t, args, nargs, 0, &slot);
	if (r)
		return r;
	if (slot < 0 || (uint32_t)slot >= ARRAY_MAX)
		return pvm_throw_str(t, "class.setStatic - slot out of range");
	pvm_class *c = (pvm_class *)self;
	if (!c->statics && !(c->statics = pvm_new_array(t->vm)))
		return pvm_oom(t);
	pvm_ref(args[1]);
	if (pvm_array_set(t->vm, c->statics, (uint32_t)slot, args[1]))
		return pvm_oom(t);
	RET_NULL();
}

NATIVE(n_cls_getstatic)
{
	UNUSED;
	int32_t slot;
	int r = pvm_arg_int(t, args, nargs, 0, &slot);
	if (r)
		return r;
	pvm_class *c = (pvm_class *)self;
	pvm_obj *o = c->statics && slot >= 0 ? pvm_array_get(c->statics, (uint32_t)slot) : NULL;
	if (!o)
		RET_NULL();
	o->rc++;
	*res = o;
	return 0;
}

NATIVE(n_cls_instanceof) { UNUSED; NEED(1); RET_INT(pvm_instance_of(args[0], (pvm_class *)self)); }

/* ---- the other plain internal classes: only toString differs ---- */

NATIVE(n_iface_tostring) { UNUSED; RET_STR("interface"); }
NATIVE(n_code_tostring) { UNUSED; RET_STR("code"); }
NATIVE(n_page_tostring) { UNUSED; RET_STR("page"); }
NATIVE(n_cf_tostring) { UNUSED; RET_STR("call_frame"); }
NATIVE(n_is_tostring) { UNUSED; RET_STR("istack"); }
NATIVE(n_os_tostring) { UNUSED; RET_STR("ostack"); }
NATIVE(n_es_tostring) { UNUSED; RET_STR("estack"); }

/* ---- tables ---- */




/* Builds the native table of one class: the defaults of §5.2 with
 * setImmutable only where the spec has it, then the class's overrides. */
int pvm_natives_table(struct pvm_vm *vm, int kind, uint32_t size, const struct override *ov, size_t nov)
{
	struct pvm_native *tab = pvm_alloc(vm, size * sizeof *tab);
	if (!tab)
		return PVM_ENOMEM;
	pvm_memset(tab, 0, size * sizeof *tab);
	pvm_memcpy(tab, defaults, sizeof defaults);
	bool imm = kind == PVM_K_VOID || kind == PVM_K_INT || kind == PVM_K_LONG || kind == PVM_K_FLOAT ||
		   kind == PVM_K_DOUBLE || kind == PVM_K_STRING;
	if (!imm)
		tab[14] = (struct pvm_native){ 0, 0 };
	for (size_t i = 0; i < nov; i++)
		tab[ov[i].k] = (struct pvm_native){ ov[i].fn, ov[i].name };
	vm->cls[kind]->natives = tab;
	vm->cls[kind]->nnatives = size;
	return 0;
}

int pvm_natives_init(struct pvm_vm *vm)
{
	int r;
	TABLE(PVM_K_VOID, 16, { 5, n_void_tostring, "toString" });
	for (int k = PVM_K_INT; k <= PVM_K_DOUBLE; k++) {
		static const struct override num[] = {
			{ 3, n_num_clone, "clone" }, { 4, n_num_equals, "equals" },
			{ 5, n_num_tostring, "toString" }, { 6, n_num_toxml, "toXML" },
		};
		if ((r = pvm_natives_table(vm, k, 16, num, 4)))
			return r;
	}
	TABLE(PVM_K_STRING, 21, { 3, n_str_clone, "clone" }, { 4, n_str_equals, "equals" },
	      { 5, n_str_tostring, "toString" }, { 8, n_str_substring, "substring" },
	      { 9, n_str_charat, "charAt" }, { 10, n_str_concat, "concat" },
	      { 11, n_str_length, "length" }, { 12, n_str_strstr, "strstr" },
	      { 16, n_str_toint, "toInt" }, { 17, n_str_tolong, "toLong" },
	      { 18, n_str_tofloat, "toFloat" }, { 19, n_str_todouble, "toDouble" },
	      { 20, n_str_parsejson, "parseJson" });
	TABLE(PVM_K_ARRAY, 16, { 5, n_arr_tostring, "toString" }, { 8, n_arr_iterator, "iterator" },
	      { 9, n_arr_subarray, "subarray" }, { 10, n_arr_get, "get" }, { 11, n_arr_set, "set" },
	      { 12, n_arr_size, "size" });
	TABLE(PVM_K_CLASS, 16, { 5, n_cls_tostring, "toString" }, { 8, n_cls_newclass, "newClass" },
	      { 10, n_cls_setstatic, "setStatic" }, { 11, n_cls_getstatic, "getStatic" },
	      { 14, n_cls_instanceof, "instanceof" });
	TABLE(PVM_K_INTERFACE, 16, { 5, n_iface_tostring, "toString" });
	TABLE(PVM_K_CODE, 16, { 5, n_code_tostring, "toString" });
	TABLE(PVM_K_PAGE, 16, { 5, n_page_tostring, "toString" });
	TABLE(PVM_K_CALL_FRAME, 16, { 5, n_cf_tostring, "toString" });
	TABLE(PVM_K_ISTACK, 16, { 5, n_is_tostring, "toString" });
	TABLE(PVM_K_OSTACK, 16, { 5, n_os_tostring, "toString" });
	TABLE(PVM_K_ESTACK, 16, { 5, n_es_tostring, "toString" });
	return pvm_natives_sys_init(vm);
}

/* `sys k` on self (spec §2.5): only internal classes have natives; ordinal
 * 0 alone walks up to the first internal ancestor (the root's no-op). */
int pvm_sys_call(pvm_thread *t, pvm_obj *self, int k, pvm_obj **args, int nargs, pvm_obj **res)
{
	if (!self)
		return pvm_panic(t, "sys %d on the zero reference", k);
	pvm_class *c = self->cls;
	if (!c->internal) {
		if (k != 0)
			return pvm_panic(t, "not internal class in SYS > 0 (sys %d on %s)", k, pvm_class_cname(c));
		while (!c->internal && c->parent != c)
			c = c->parent;
	}
	if ((uint32_t)k >= c->nnatives)
		return pvm_panic(t, "sys %d is beyond the native table of %s (size %u)", k,
				 pvm_class_cname(c), c->nnatives);
	if (!c->natives[k].fn)
		return pvm_throw_str(t, "invalid syscall called");
	*res = NULL;
	return c->natives[k].fn(t, self, args, nargs, res);
}
