/* phc code generator: one method's AST -> bytecode (spec §3), with a line
 * map. Values of numeric types (int, long, float, double) live on the
 * istack while an expression runs; everything else on the ostack. Fields,
 * arguments and call results are objects, converted with o2i/i2o and a
 * type prefix. Method frame: arguments in ostack slots 0..N-1, object
 * locals above them, numeric locals on the istack from cell 0, reserved
 * with one stack_reserve after arg_count. */
#include "tools/phc/phc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
	OP_JZ = 0x05, OP_JMP = 0x06, OP_RET = 0x08, OP_CALL8 = 0x0D, OP_CALL32 = 0x0E,
	OP_IS_DUP = 0x10, OP_IS_DROP = 0x11, OP_OS_DUP = 0x12, OP_OS_DROP = 0x13,
	OP_LOAD8 = 0x14, OP_SAVE8 = 0x15, OP_LOAD32 = 0x16, OP_SAVE32 = 0x17, OP_NEW = 0x18,
	OP_PULL = 0x1C, OP_OS_GET = 0x1E, OP_OS_SET = 0x1F, OP_ICONST0 = 0x20, OP_ICONST1 = 0x21,
	OP_ICONST8 = 0x22, OP_ICONST32 = 0x23, OP_SCONST = 0x24, OP_ICONST64 = 0x25,
	OP_IS_GET = 0x26, OP_IS_SET = 0x27, OP_CPOOL = 0x28, OP_RESERVE = 0x29, OP_CAST = 0x2B,
	OP_PUSH_CATCHER = 0x2D, OP_POP_CATCHER = 0x2E, OP_THROW = 0x2F, OP_THIS = 0x31,
	OP_NULL = 0x37, OP_INT_CLASS = 0x39, OP_STRING_CLASS = 0x3A, OP_ARRAY_CLASS = 0x3D,
	OP_BY_NAME = 0x3F, OP_I2O = 0x40, OP_O2I = 0x41, OP_ISUM = 0x42, OP_IMUL = 0x43,
	OP_ISUBLU = 0x45, OP_IDIVLU = 0x47, OP_IOR = 0x48, OP_IAND = 0x49, OP_IXOR = 0x4A,
	OP_INOT = 0x4B, OP_LOG_AND = 0x4D, OP_LOG_NOT = 0x4F, OP_IGE = 0x52, OP_ILE = 0x53,
	OP_IGT = 0x54, OP_ILT = 0x55, OP_IREMLU = 0x57, OP_OS_EQ = 0x58, OP_OS_NEQ = 0x59,
	OP_ISNULL = 0x5A, OP_PREFIX_LONG = 0x5C, OP_STATIC_INVOKE = 0x6E, OP_SHL = 0x70,
	OP_SHR = 0x71, OP_USHR = 0x72, OP_ARG_COUNT = 0x73, OP_FROMI = 0x74,
};

typedef struct local { char *name; type ty; int obj; int pos; int scope; } local;
typedef struct loop { int *brk; int nbrk; int *cont; int ncont; int cont_target; int tries; int is_switch; struct loop *up; } loop;

static pclass *C;
static method *M;
static code_out *O;
static cpool *P;
static local *locals; static int nlocals, scope;
static int nobj, nint;   /* object locals (beyond args), istack cells */
static loop *L;
static int tries;
static int failed;

static void err(node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err(node *n, const char *fmt, ...)
{
	char b[512];
	va_list ap; va_start(ap, fmt); vsnprintf(b, sizeof b, fmt, ap); va_end(ap);
	phc_error(C->file, n ? n->line : M->line, n ? n->col : M->col, "%s", b);
	failed = 1;
}

static void op(int o) { b_u8(&O->code, o); }
static void op32(int o, int32_t v) { op(o); b_i32(&O->code, v); }
static int here(void) { return (int)O->code.n; }
static int jump(int o) { op(o); int at = here(); b_i32(&O->code, 0); return at; }
static void patch(int at, int target)
{
	int32_t d = target - at;
	uint8_t *p = O->code.p + at;
	p[0] = d >> 24; p[1] = d >> 16; p[2] = d >> 8; p[3] = d;
}
static void jump_to(int o, int target) { op(o); int at = here(); b_i32(&O->code, target - at); }

static void line(node *n)
{
	if (!n) return;
	if (O->nlines && O->lines[O->nlines - 1].line == n->line) return;
	if (O->nlines && O->lines[O->nlines - 1].ip == here()) { O->lines[O->nlines - 1].line = n->line; return; }
	if (O->nlines == O->caplines) { O->caplines = O->caplines ? O->caplines * 2 : 16; O->lines = xrealloc(O->lines, sizeof(linemap) * O->caplines); }
	O->lines[O->nlines++] = (linemap){ here(), n->line };
}

static void prefix(enum ty_kind k)
{
	if (k == TY_LONG) op(0x5C);
	else if (k == TY_FLOAT) op(0x5D);
	else if (k == TY_DOUBLE) op(0x5E);
}
static int cells(enum ty_kind k) { return ty_wide(k) ? 2 : 1; }

static void iconst(int64_t v)
{
	if (v == 0) op(OP_ICONST0);
	else if (v == 1) op(OP_ICONST1);
	else if (v > 0 && v < 256) { op(OP_ICONST8); op((int)v); }
	else op32(OP_ICONST32, (int32_t)v);
}

/* ---- conversions ---- */
static type to_obj(type t)
{
	if (ty_numeric(t.kind)) {
		prefix(t.kind); op(OP_I2O);
		return ty_make(TY_OBJ, ty_main_name(t));
	}
	return t;
}
static type num(enum ty_kind k) { return ty_make(k, NULL); }
/* value of type t (wherever it is) -> numeric k on the istack */
static void to_num(type t, enum ty_kind k, node *at)
{
	if (t.kind == TY_VOID) { err(at, "a void value is used as a number"); op(OP_OS_DROP); iconst(0); prefix(k); op(OP_FROMI); return; }
	if (ty_numeric(t.kind)) {
		if (t.kind == k) return;
		prefix(k); op(OP_FROMI + (t.kind - TY_INT));
		return;
	}
	if (t.kind == TY_STRING || t.kind == TY_ARRAY) err(at, "a %s is used as a number", t.kind == TY_STRING ? "string" : "array");
	/* an object holding a number: its payload, as an int unless typed */
	enum ty_kind src = TY_INT;
	if (t.kind == TY_OBJ) {
		if (!strcmp(t.cls, ".internal.long")) src = TY_LONG;
		else if (!strcmp(t.cls, ".internal.float")) src = TY_FLOAT;
		else if (!strcmp(t.cls, ".internal.double")) src = TY_DOUBLE;
	}
	prefix(src); op(OP_O2I);
	if (src != k) { prefix(k); op(OP_FROMI + (src - TY_INT)); }
}
static void drop(type t)
{
	if (ty_numeric(t.kind)) { if (ty_wide(t.kind)) prefix(t.kind); op(OP_IS_DROP); }
	else op(OP_OS_DROP);
}

static void summon(type t, node *at)
{
	const char *n = t.kind == TY_ARRAY ? NULL : ty_main_name(t);
	if (t.kind == TY_ARRAY) op(OP_ARRAY_CLASS);
	else if (!n || !*n) { err(at, "the class of an untyped value is not known"); op(OP_NULL); }
	else if (!strcmp(n, ".internal.int")) op(OP_INT_CLASS);
	else if (!strcmp(n, ".internal.string")) op(OP_STRING_CLASS);
	else if (!strcmp(n, ".internal.container.array")) op(OP_ARRAY_CLASS);
	else { op(OP_BY_NAME); b_str(&O->code, n, strlen(n)); }
}

static void call(int ord, int nargs)
{
	if (nargs == 0 && ord < 4) op(0x09 + ord);
	else if (ord < 32 && nargs < 16) { op(0xA0 + ord); op(nargs); }
	else if (ord < 16) { op(OP_CALL8); op(ord); b_i32(&O->code, nargs); }
	else { op(OP_CALL32); b_i32(&O->code, ord); b_i32(&O->code, nargs); }
}

/* ---- names ---- */
static local *find_local(const char *n)
{
	for (int i = nlocals - 1; i >= 0; i--) if (!strcmp(locals[i].name, n)) return &locals[i];
	return NULL;
}
static local *add_local(node *at, const char *n, type t)
{
	for (int i = nlocals - 1; i >= 0 && locals[i].scope == scope; i--)
		if (!strcmp(locals[i].name, n)) { err(at, "'%s' is already declared in this block", n); break; }
	locals = xrealloc(locals, sizeof(local) * (nlocals + 1));
	local *l = &locals[nlocals++];
	l->name = (char *)n; l->ty = t; l->scope = scope;
	if (ty_numeric(t.kind)) { l->obj = 0; l->pos = nint; nint += cells(t.kind); }
	else { l->obj = 1; l->pos = M->nargs + nobj; nobj++; }
	return l;
}
static int temp_int(enum ty_kind k) { int p = nint; nint += cells(k); return p; }
static int temp_obj(void) { return M->nargs + nobj++; }

static pclass *class_of(type t, node *at)
{
	const char *n = NULL;
	switch (t.kind) {
	case TY_ARRAY: n = ".internal.container.array"; break;
	case TY_UNKNOWN: case TY_VOID: return cls_load(".internal.object");
	default: n = ty_main_name(t);
	}
	pclass *c = cls_load(n);
	if (!c) err(at, "cannot find class %s (no %s.pc in the -I folders, and it is not being compiled)", n, n + 1);
	else cls_layout(c);
	return c;
}

static type gen(node *e);
static type type_of(node *e);

static type ident_type(node *e, local **lp, int *argi, field **fp)
{
	*lp = NULL; *argi = -1; *fp = NULL;
	local *l = find_local(e->str);
	if (l) { *lp = l; return l->ty; }
	for (int i = 0; i < M->nargs; i++) if (!strcmp(M->args[i].name, e->str)) { *argi = i; return M->args[i].ty; }
	field *f = cls_field(C, e->str);
	if (f) { *fp = f; return f->ty; }
	return ty_make(TY_VOID, NULL);
}

/* a method call: resolve without emitting (types of the arguments by type_of) */
static method *resolve_call(node *e, type *recv_t, pclass **rc)
{
	type rt = e->a ? type_of(e->a) : ty_make(TY_OBJ, C->name);
	*recv_t = rt;
	if (rt.kind == TY_VOID && e->a) return NULL;
	*rc = class_of(rt, e);
	if (e->ival >= 0) return NULL;
	if (!*rc) return NULL;
	int n = 0;
	for (node *a = e->b; a; a = a->next) n++;
	type *at = xmalloc(sizeof(type) * (n + 1));
	n = 0;
	for (node *a = e->b; a; a = a->next) at[n++] = type_of(a);
	int amb = 0;
	method *m = cls_method(*rc, e->str, at, n, &amb);
	xfree(at);
	return m;
}

static type ret_type(method *m) { return m && m->ret.kind != TY_VOID ? m->ret : ty_make(m ? TY_VOID : TY_UNKNOWN, NULL); }

static enum ty_kind arith_kind(type a, type b)
{
	enum ty_kind ka = ty_numeric(a.kind) ? a.kind : TY_INT, kb = ty_numeric(b.kind) ? b.kind : TY_INT;
	if (a.kind == TY_OBJ) { type t = ty_from_class(a.cls, 0); if (ty_numeric(t.kind)) ka = t.kind; }
	if (b.kind == TY_OBJ) { type t = ty_from_class(b.cls, 0); if (ty_numeric(t.kind)) kb = t.kind; }
	return ka > kb ? ka : kb;
}
static int is_num(type t)
{
	if (ty_numeric(t.kind)) return 1;
	if (t.kind == TY_OBJ) return ty_numeric(ty_from_class(t.cls, 0).kind);
	return 0;
}

static type type_of(node *e)
{
	switch (e->kind) {
	case N_INT: return num(e->ival > INT32_MAX || e->ival < INT32_MIN ? TY_LONG : TY_INT);
	case N_FLOAT: return num(e->ival ? TY_FLOAT : TY_DOUBLE);
	case N_STR: case N_BIN: return ty_make(TY_STRING, NULL);
	case N_NULL: return ty_make(TY_UNKNOWN, NULL);
	case N_THIS: return ty_make(TY_OBJ, C->name);
	case N_IDENT: { local *l; int ai; field *f; type t = ident_type(e, &l, &ai, &f); return t.kind == TY_VOID ? ty_make(TY_UNKNOWN, NULL) : t; }
	case N_CALL: {
		type rt; pclass *rc = NULL;
		int errs = phc_errors; int fl = failed;
		method *m = resolve_call(e, &rt, &rc);
		phc_errors = errs; failed = fl;   /* reported when generated */
		return e->ival >= 0 ? ty_make(TY_UNKNOWN, NULL) : ret_type(m);
	}
	case N_INDEX: { type a = type_of(e->a); if (a.kind == TY_ARRAY) return a.elem == TY_OBJ ? ty_make(TY_OBJ, a.cls) : ty_make(a.elem, NULL); return ty_make(TY_UNKNOWN, NULL); }
	case N_NEW: case N_CAST: return e->ty;
	case N_ASSIGN: return type_of(e->a);
	case N_NOT: case N_AND: case N_OR: case N_INSTANCEOF: return num(TY_INT);
	case N_NEG: case N_BITNOT: { type t = type_of(e->a); return num(arith_kind(t, t)); }
	case N_BINOP: {
		const char *o = e->str;
		if (!strcmp(o, "==") || !strcmp(o, "!=") || !strcmp(o, "<") || !strcmp(o, ">") || !strcmp(o, "<=") ||
		    !strcmp(o, ">=") || !strcmp(o, ":==") || !strcmp(o, ":!=")) return num(TY_INT);
		type a = type_of(e->a), b = type_of(e->b);
		if (!strcmp(o, "+") && (a.kind == TY_STRING || b.kind == TY_STRING)) return ty_make(TY_STRING, NULL);
		return num(arith_kind(a, b));
	}
	default: return ty_make(TY_VOID, NULL);
	}
}

static void pool_string(const char *s, size_t n)
{
	int i;
	for (i = 0; i < P->n; i++) if (P->len[i] == n && !memcmp(P->s[i], s, n)) break;
	if (i == P->n) {
		P->s = xrealloc(P->s, sizeof(char *) * (P->n + 1));
		P->len = xrealloc(P->len, sizeof(size_t) * (P->n + 1));
		P->s[P->n] = (char *)s; P->len[P->n] = n; P->n++;
	}
	op32(OP_CPOOL, i);
}

static void bin_import(node *e)
{
	/* relative to the source's folder, then to each folder above it (the
	 * library names its resources from plib/sys), then to the current one */
	char *dir = xstrdup(C->file);
	char *slash = strrchr(dir, '/');
	if (slash) *slash = 0; else strcpy(dir, ".");
	FILE *f = NULL;
	for (int up = 0; up < 8 && !f; up++) {
		char *p = e->str[0] == '/' ? xstrdup(e->str) : xasprintf("%s/%s", dir, e->str);
		f = fopen(p, "rb");
		char *s = strrchr(dir, '/');
		if (s) *s = 0; else if (strcmp(dir, ".")) strcpy(dir, "."); else break;
	}
	if (!f) f = fopen(e->str, "rb");
	if (!f) { err(e, "cannot read the imported file '%s'", e->str); op(OP_NULL); return; }
	struct stat st;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > (64 << 20)) {
		err(e, "the imported file '%s' is not a regular file of at most 64 MiB", e->str);
		fclose(f); op(OP_NULL); return;
	}
	buf b = { 0 };
	char tmp[4096]; size_t k;
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0 && b.n < (64u << 20)) b_put(&b, tmp, k);
	fclose(f);
	op(OP_SCONST); b_str(&O->code, (const char *)b.p, b.n);
	xfree(b.p);
}

static type gen_call(node *e)
{
	type rt; pclass *rc = NULL;
	method *m = resolve_call(e, &rt, &rc);
	int n = 0;
	if (e->a) { type t = gen(e->a); if (t.kind == TY_VOID) err(e, "method call on a void value"); to_obj(t); }
	else op(OP_THIS);
	for (node *a = e->b; a; a = a->next) { to_obj(gen(a)); n++; }
	if (e->ival >= 0) { call((int)e->ival, n); return ty_make(TY_UNKNOWN, NULL); }
	if (!m) {
		if (rc) err(e, "class %s has no method %s taking %d argument%s", rc->name, e->str, n, n == 1 ? "" : "s");
		call(0, n);
		return ty_make(TY_UNKNOWN, NULL);
	}
	call(m->ordinal, n);
	type r = ret_type(m);
	if (ty_numeric(r.kind)) { prefix(r.kind); op(OP_O2I); }
	return r;
}

static type gen_new(node *e)
{
	type t = e->ty;
	int n = 0;
	for (node *a = e->b; a; a = a->next) n++;
	if (e->a) {   /* new *(class) */
		type ct = gen(e->a);
		if (ct.kind == TY_VOID || ty_numeric(ct.kind)) err(e, "'new *' needs a class object");
		to_obj(ct);
		op(OP_NEW);
		if (n) err(e, "'new *(class)' takes no constructor arguments");
		return t;
	}
	summon(t, e);
	op(OP_NEW);
	if (t.kind != TY_ARRAY && ty_main_name(t)[0] && strncmp(ty_main_name(t), ".internal.", 10)) {
		pclass *c = class_of(t, e);
		method *ctor = NULL;
		if (c) {
			type *at = xmalloc(sizeof(type) * (n + 1));
			int k = 0;
			for (node *a = e->b; a; a = a->next) at[k++] = type_of(a);
			for (int i = 0; i < c->nmethods; i++) {
				method *m = &c->methods[i];
				if (!m->is_ctor || m->nargs != n) continue;
				int ok = 1;
				for (int j = 0; j < n; j++)
					if (m->args[j].ty.kind != TY_UNKNOWN && at[j].kind != TY_UNKNOWN && m->args[j].ty.kind != at[j].kind &&
					    strcmp(ty_main_name(m->args[j].ty), ty_main_name(at[j]))) ok = 0;
				if (ok) { ctor = m; break; }
			}
			xfree(at);
		}
		if (ctor) {
			for (node *a = e->b; a; a = a->next) to_obj(gen(a));
			op32(OP_PULL, n);
			summon(t, e);
			op(OP_STATIC_INVOKE); b_i32(&O->code, ctor->ordinal); b_i32(&O->code, n);
			op(OP_OS_DROP);
		} else if (n) err(e, "class %s has no constructor taking %d argument%s", ty_main_name(t), n, n == 1 ? "" : "s");
	} else if (n) err(e, "'new' of %s takes no arguments", t.kind == TY_ARRAY ? "an array" : ty_main_name(t));
	return t;
}

static void store_ident(node *target, type vt, int keep)
{
	local *l; int ai; field *f;
	type t = ident_type(target, &l, &ai, &f);
	if (t.kind == TY_VOID && !l && ai < 0 && !f) { err(target, "'%s' is not declared", target->str); drop(vt); return; }
	if (ty_numeric(t.kind)) to_num(vt, t.kind, target);
	else {
		if (vt.kind == TY_VOID) err(target, "a void value is assigned to '%s'", target->str);
		if (t.kind == TY_STRING && ty_numeric(vt.kind)) err(target, "a number is assigned to the string '%s'", target->str);
		to_obj(vt);
	}
	if (keep) { if (ty_numeric(t.kind)) { prefix(ty_wide(t.kind) ? t.kind : TY_INT); op(OP_IS_DUP); } else op(OP_OS_DUP); }
	if (l && !l->obj) { prefix(ty_wide(t.kind) ? t.kind : TY_INT); op32(OP_IS_SET, l->pos); }
	else if (l) op32(OP_OS_SET, l->pos);
	else if (ai >= 0) { if (ty_numeric(t.kind)) to_obj(t); op32(OP_OS_SET, ai); }
	else {
		if (ty_numeric(t.kind)) to_obj(t);
		if (f->slot < 256) { op(OP_SAVE8); op(f->slot); } else op32(OP_SAVE32, f->slot);
	}
}

static type gen_assign(node *e, int keep)
{
	node *t = e->a;
	if (t->kind == N_IDENT) {
		type tt = type_of(t);
		store_ident(t, gen(e->b), keep);
		return keep ? tt : ty_make(TY_VOID, NULL);
	}
	if (t->kind == N_INDEX) {
		type at = type_of(t->a);
		type et = at.kind == TY_ARRAY ? (at.elem == TY_OBJ ? ty_make(TY_OBJ, at.cls) : ty_make(at.elem, NULL)) : ty_make(TY_UNKNOWN, NULL);
		to_obj(gen(t->a));
		type v = gen(e->b);
		if (ty_numeric(et.kind)) { to_num(v, et.kind, e); v = to_obj(num(et.kind)); }
		else to_obj(v);
		int tmp = -1;
		if (keep) { tmp = temp_obj(); op(OP_OS_DUP); op32(OP_OS_SET, tmp); }
		to_num(gen(t->b), TY_INT, t->b); op(OP_I2O);
		call(11, 2); op(OP_OS_DROP);
		if (keep) { op32(OP_OS_GET, tmp); return v; }
		return ty_make(TY_VOID, NULL);
	}
	err(e, "the left side of '=' cannot be assigned to");
	drop(gen(e->b));
	return ty_make(TY_VOID, NULL);
}

/* numeric comparison of a and b in kind k; result an int 0/1 */
static void num_cmp(node *e, const char *o, enum ty_kind k)
{
	if (!strcmp(o, "==") || !strcmp(o, "!=")) {
		if (k == TY_INT) {
			to_num(gen(e->a), k, e->a); to_num(gen(e->b), k, e->b);
			op(OP_ISUBLU); op(OP_LOG_NOT);
		} else {   /* a >= b && a <= b, through two temps */
			int ta = temp_int(k), tb = temp_int(k);
			to_num(gen(e->a), k, e->a); prefix(k); op32(OP_IS_SET, ta);
			to_num(gen(e->b), k, e->b); prefix(k); op32(OP_IS_SET, tb);
			prefix(k); op32(OP_IS_GET, ta); prefix(k); op32(OP_IS_GET, tb); prefix(k); op(OP_IGE);
			prefix(k); op32(OP_IS_GET, ta); prefix(k); op32(OP_IS_GET, tb); prefix(k); op(OP_ILE);
			op(OP_LOG_AND);
		}
		if (o[0] == '!') op(OP_LOG_NOT);
		return;
	}
	to_num(gen(e->a), k, e->a); to_num(gen(e->b), k, e->b);
	prefix(k);
	op(!strcmp(o, "<") ? OP_ILT : !strcmp(o, ">") ? OP_IGT : !strcmp(o, "<=") ? OP_ILE : OP_IGE);
}

static type to_string_obj(type t)
{
	if (ty_numeric(t.kind)) { to_obj(t); call(5, 0); }
	else if (t.kind != TY_STRING) call(5, 0);
	return ty_make(TY_STRING, NULL);
}

static type gen_binop(node *e)
{
	const char *o = e->str;
	type a = type_of(e->a), b = type_of(e->b);
	if (!strcmp(o, ":==") || !strcmp(o, ":!=")) {
		to_obj(gen(e->a)); to_obj(gen(e->b));
		op(o[1] == '=' ? OP_OS_EQ : OP_OS_NEQ);
		return num(TY_INT);
	}
	if (!strcmp(o, "==") || !strcmp(o, "!=")) {
		if (e->a->kind == N_NULL || e->b->kind == N_NULL) {
			node *x = e->a->kind == N_NULL ? e->b : e->a;
			local *l; int ai; field *f;
			type xt = x->kind == N_IDENT ? ident_type(x, &l, &ai, &f) : ty_make(TY_VOID, NULL);
			/* a number field or argument is tested as the object it is held in
			 * (a fresh field holds nothing, and o2i of nothing panics) */
			if (x->kind == N_IDENT && ty_numeric(xt.kind) && !l && (ai >= 0 || f)) {
				if (ai >= 0) op32(OP_OS_GET, ai);
				else if (f->slot < 256) { op(OP_LOAD8); op(f->slot); }
				else op32(OP_LOAD32, f->slot);
			} else to_obj(gen(x));
			op(OP_ISNULL);
			if (o[0] == '!') op(OP_LOG_NOT);
			return num(TY_INT);
		}
		if (!is_num(a) && !is_num(b)) {   /* objects: a.equals(b) */
			to_obj(gen(e->a)); to_obj(gen(e->b));
			call(4, 1); op(OP_O2I);
			if (o[0] == '!') op(OP_LOG_NOT);
			return num(TY_INT);
		}
		num_cmp(e, o, arith_kind(a, b));
		return num(TY_INT);
	}
	if (o[0] == '<' || o[0] == '>') {
		if (!strcmp(o, "<<") || !strcmp(o, ">>") || !strcmp(o, ">>>")) {
			enum ty_kind k = arith_kind(a, a);
			if (k == TY_FLOAT || k == TY_DOUBLE) err(e, "shift of a floating-point value");
			/* the VM takes the count below the value (spec §3.4) */
			to_num(gen(e->b), TY_INT, e->b);
			to_num(gen(e->a), k, e->a);
			prefix(k);
			op(!strcmp(o, "<<") ? OP_SHL : !strcmp(o, ">>") ? OP_SHR : OP_USHR);
			return num(k);
		}
		num_cmp(e, o, arith_kind(a, b));
		return num(TY_INT);
	}
	if (!strcmp(o, "+") && (a.kind == TY_STRING || b.kind == TY_STRING)) {
		to_string_obj(gen(e->a));
		to_string_obj(gen(e->b));
		call(10, 1);
		return ty_make(TY_STRING, NULL);
	}
	enum ty_kind k = arith_kind(a, b);
	if ((a.kind == TY_STRING || b.kind == TY_STRING)) err(e, "operator '%s' on a string", o);
	int code;
	switch (o[0]) {
	case '+': code = OP_ISUM; break;
	case '-': code = OP_ISUBLU; break;
	case '*': code = OP_IMUL; break;
	case '/': code = OP_IDIVLU; break;
	case '%': code = OP_IREMLU; break;
	case '|': code = OP_IOR; break;
	case '&': code = OP_IAND; break;
	default: code = OP_IXOR; break;
	}
	if ((code == OP_IOR || code == OP_IAND || code == OP_IXOR || code == OP_IREMLU) && (k == TY_FLOAT || k == TY_DOUBLE))
		err(e, "operator '%s' on a floating-point value", o);
	to_num(gen(e->a), k, e->a);
	to_num(gen(e->b), k, e->b);
	prefix(k); op(code);
	return num(k);
}

static void cond(node *e) { to_num(gen(e), TY_INT, e); }

static type gen(node *e)
{
	switch (e->kind) {
	case N_INT:
		if (e->ival > INT32_MAX || e->ival < INT32_MIN) { op(OP_ICONST64); b_i64(&O->code, e->ival); return num(TY_LONG); }
		iconst(e->ival); return num(TY_INT);
	case N_FLOAT:   /* the IEEE bits: one cell for float, two for double */
		if (e->ival) { float f = (float)e->fval; uint32_t b; memcpy(&b, &f, 4); op32(OP_ICONST32, (int32_t)b); return num(TY_FLOAT); }
		else { uint64_t b; memcpy(&b, &e->fval, 8); op(OP_ICONST64); b_i64(&O->code, (int64_t)b); return num(TY_DOUBLE); }
	case N_STR: pool_string(e->str, e->len); return ty_make(TY_STRING, NULL);
	case N_BIN: bin_import(e); return ty_make(TY_STRING, NULL);
	case N_NULL: op(OP_NULL); return ty_make(TY_UNKNOWN, NULL);
	case N_THIS: op(OP_THIS); return ty_make(TY_OBJ, C->name);
	case N_IDENT: {
		local *l; int ai; field *f;
		type t = ident_type(e, &l, &ai, &f);
		if (!l && ai < 0 && !f) { err(e, "'%s' is not declared", e->str); op(OP_NULL); return ty_make(TY_UNKNOWN, NULL); }
		if (l && !l->obj) { prefix(ty_wide(t.kind) ? t.kind : TY_INT); op32(OP_IS_GET, l->pos); return t; }
		if (l) op32(OP_OS_GET, l->pos);
		else if (ai >= 0) op32(OP_OS_GET, ai);
		else if (f->slot < 256) { op(OP_LOAD8); op(f->slot); }
		else op32(OP_LOAD32, f->slot);
		if (ty_numeric(t.kind)) { prefix(t.kind); op(OP_O2I); }
		return t;
	}
	case N_CALL: return gen_call(e);
	case N_INDEX: {
		type at = type_of(e->a);
		to_obj(gen(e->a));
		to_num(gen(e->b), TY_INT, e->b); op(OP_I2O);
		call(10, 1);
		if (at.kind == TY_ARRAY && ty_numeric(at.elem)) { prefix(at.elem); op(OP_O2I); return num(at.elem); }
		if (at.kind == TY_ARRAY) return at.elem == TY_OBJ ? ty_make(TY_OBJ, at.cls) : ty_make(at.elem, NULL);
		return ty_make(TY_UNKNOWN, NULL);
	}
	case N_NEW: return gen_new(e);
	case N_CAST: {
		type t = gen(e->a);
		if (ty_numeric(e->ty.kind)) { to_num(t, e->ty.kind, e); return e->ty; }
		if (e->ty.kind == TY_VOID) { err(e, "cast to void"); return t; }
		to_obj(t);
		const char *cn = ty_main_name(e->ty);
		if (e->ty.kind == TY_ARRAY || (*cn && strcmp(cn, ".internal.object") && strcmp(cn, ty_main_name(t)))) {
			summon(e->ty, e); op(OP_CAST);
		}
		return e->ty;
	}
	case N_ASSIGN: return gen_assign(e, 1);
	case N_BINOP: return gen_binop(e);
	case N_NOT: cond(e->a); op(OP_LOG_NOT); return num(TY_INT);
	case N_NEG: {
		type t = type_of(e->a);
		enum ty_kind k = arith_kind(t, t);
		iconst(0); if (k != TY_INT) { prefix(k); op(OP_FROMI); }
		to_num(gen(e->a), k, e->a);
		prefix(k); op(OP_ISUBLU);
		return num(k);
	}
	case N_BITNOT: {
		type t = type_of(e->a);
		enum ty_kind k = arith_kind(t, t);
		if (k == TY_FLOAT || k == TY_DOUBLE) err(e, "operator '~' on a floating-point value");
		to_num(gen(e->a), k, e->a); prefix(k); op(OP_INOT);
		return num(k);
	}
	case N_AND: case N_OR: {
		cond(e->a);
		int j1;
		if (e->kind == N_AND) j1 = jump(OP_JZ);
		else { op(OP_LOG_NOT); j1 = jump(OP_JZ); }
		cond(e->b);
		op(OP_LOG_NOT); op(OP_LOG_NOT);
		int j2 = jump(OP_JMP);
		patch(j1, here());
		iconst(e->kind == N_AND ? 0 : 1);
		patch(j2, here());
		return num(TY_INT);
	}
	case N_INSTANCEOF: {
		/* the class's native instanceof (ordinal 14 of .internal.class) */
		summon(e->ty, e);
		to_obj(gen(e->a));
		call(14, 1); op(OP_O2I);
		return num(TY_INT);
	}
	default:
		err(e, "statement used as an expression");
		return ty_make(TY_VOID, NULL);
	}
}

/* ---- statements ---- */
static void stmt(node *s);

static void pop_catchers(int to) { for (int i = tries; i > to; i--) op(OP_POP_CATCHER); }

static void add_patch(int **v, int *n, int at) { *v = xrealloc(*v, sizeof(int) * (*n + 1)); (*v)[(*n)++] = at; }

static void loop_body(loop *lp, node *body)
{
	lp->up = L; lp->tries = tries; L = lp;
	stmt(body);
	L = lp->up;
}

static void stmt(node *s)
{
	if (!s) return;
	line(s);
	switch (s->kind) {
	case N_EMPTY: break;
	case N_BLOCK: scope++; for (node *k = s->a; k; k = k->next) stmt(k);
		while (nlocals && locals[nlocals - 1].scope == scope) nlocals--;
		scope--; break;
	case N_EXPR:
		if (s->a->kind == N_ASSIGN) gen_assign(s->a, 0);
		else drop(gen(s->a));
		break;
	case N_VARDEF: {
		if (s->ty.kind == TY_VOID) { err(s, "variable '%s' declared void", s->str); break; }
		for (int i = 0; i < M->nargs; i++) if (!strcmp(M->args[i].name, s->str)) err(s, "'%s' is already an argument", s->str);
		node id = *s; id.kind = N_IDENT;
		type vt = s->a ? gen(s->a) : ty_make(TY_VOID, NULL);
		add_local(s, s->str, s->ty);
		if (s->a) store_ident(&id, vt, 0);
		break;
	}
	case N_IF: {
		cond(s->a);
		int j = jump(OP_JZ);
		stmt(s->b);
		if (s->c) { int j2 = jump(OP_JMP); patch(j, here()); stmt(s->c); patch(j2, here()); }
		else patch(j, here());
		break;
	}
	case N_WHILE: case N_DO: case N_FOR: {
		/* while: top: C; jz end; BODY; jmp top
		 * do PRE while (C) POST: top: PRE; C; jz end; POST; jmp top
		 * for (I; C; S) BODY: I; top: C; jz end; BODY; cont: S; jmp top */
		loop lp = { 0 };
		if (s->kind == N_FOR && s->d) stmt(s->d);
		int top = here(), jend = -1;
		if (s->kind == N_DO) {
			lp.cont_target = -1;
			loop_body(&lp, s->b);
			int ctarget = here();
			cond(s->a); jend = jump(OP_JZ);
			loop_body(&lp, s->c);
			jump_to(OP_JMP, top);
			for (int i = 0; i < lp.ncont; i++) patch(lp.cont[i], ctarget);
		} else {
			if (s->a) { line(s->a); cond(s->a); jend = jump(OP_JZ); }
			loop_body(&lp, s->b);
			int ctarget = here();
			if (s->kind == N_FOR && s->c) stmt(s->c);
			jump_to(OP_JMP, top);
			for (int i = 0; i < lp.ncont; i++) patch(lp.cont[i], s->kind == N_FOR ? ctarget : top);
		}
		if (jend >= 0) patch(jend, here());
		for (int i = 0; i < lp.nbrk; i++) patch(lp.brk[i], here());
		break;
	}
	case N_BREAK: case N_CONTINUE: {
		loop *lp = L;
		if (s->kind == N_CONTINUE) while (lp && lp->is_switch) lp = lp->up;
		if (!lp) { err(s, "'%s' outside of a loop%s", s->kind == N_BREAK ? "break" : "continue", s->kind == N_BREAK ? " or switch" : ""); break; }
		pop_catchers(lp->tries);
		int j = jump(OP_JMP);
		if (s->kind == N_BREAK) add_patch(&lp->brk, &lp->nbrk, j);
		else add_patch(&lp->cont, &lp->ncont, j);
		break;
	}
	case N_SWITCH: {
		/* the value goes to a temporary; the case tests jump into the
		 * bodies, which follow one another, so fall-through is correct */
		type vt = type_of(s->a);
		int numeric = is_num(vt) || vt.kind == TY_UNKNOWN;
		int tmp;
		if (numeric) { tmp = temp_int(TY_INT); to_num(gen(s->a), TY_INT, s->a); op32(OP_IS_SET, tmp); }
		else { tmp = temp_obj(); to_obj(gen(s->a)); op32(OP_OS_SET, tmp); }
		int ncase = 0, have_default = 0;
		for (node *k = s->b; k; k = k->next) if (k->kind == N_CASE || k->kind == N_DEFAULT) ncase++;
		int *to = xmalloc(sizeof(int) * (ncase + 1)), i = 0;
		for (node *k = s->b; k; k = k->next) {
			if (k->kind == N_CASE) {
				line(k);
				if (numeric) { op32(OP_IS_GET, tmp); to_num(gen(k->a), TY_INT, k->a); op(OP_ISUBLU); }
				else { op32(OP_OS_GET, tmp); to_obj(gen(k->a)); call(4, 1); op(OP_O2I); op(OP_LOG_NOT); }
				to[i++] = jump(OP_JZ);
			} else if (k->kind == N_DEFAULT) {
				if (have_default) err(k, "more than one default in a switch");
				have_default = 1; i++;
			}
		}
		int jdef = jump(OP_JMP);
		loop lp = { 0 }; lp.is_switch = 1; lp.up = L; lp.tries = tries; L = &lp;
		i = 0;
		int def_at = -1;
		for (node *k = s->b; k; k = k->next) {
			if (k->kind == N_CASE) patch(to[i++], here());
			else if (k->kind == N_DEFAULT) { def_at = here(); i++; }
			else stmt(k);
		}
		L = lp.up;
		patch(jdef, def_at >= 0 ? def_at : here());
		for (int b = 0; b < lp.nbrk; b++) patch(lp.brk[b], here());
		xfree(to);
		break;
	}
	case N_RETURN: {
		type r = M->ret;
		if (s->a) {
			type t = gen(s->a);
			if (r.kind == TY_VOID) { err(s, "a void method returns a value"); drop(t); op(OP_NULL); }
			else if (ty_numeric(r.kind)) { to_num(t, r.kind, s->a); to_obj(r); }
			else { if (t.kind == TY_VOID) err(s, "returning a void value"); to_obj(t); }
		} else {
			if (r.kind != TY_VOID && !M->is_ctor) err(s, "return without a value in a method returning %s", ty_sig_name(r));
			op(OP_NULL);
		}
		op(OP_RET);
		break;
	}
	case N_THROW: {
		type t = gen(s->a);
		if (t.kind == TY_VOID) err(s, "throwing a void value");
		to_obj(t); op(OP_THROW);
		break;
	}
	case N_TRY: {
		summon(s->ty.kind == TY_UNKNOWN ? ty_make(TY_OBJ, ".internal.object") : s->ty, s);
		int jc = jump(OP_PUSH_CATCHER);
		tries++;
		stmt(s->a);
		tries--;
		op(OP_POP_CATCHER);
		int jend = jump(OP_JMP);
		patch(jc, here());
		op(OP_POP_CATCHER);   /* a catcher stays active after it caught */
		scope++;
		local *l = add_local(s, s->str, ty_numeric(s->ty.kind) ? ty_make(TY_OBJ, ty_main_name(s->ty)) : s->ty);
		op32(OP_OS_SET, l->pos);
		stmt(s->b);
		while (nlocals && locals[nlocals - 1].scope == scope) nlocals--;
		scope--;
		patch(jend, here());
		break;
	}
	case N_CASE: case N_DEFAULT: err(s, "case label outside of a switch"); break;
	default: drop(gen(s)); break;
	}
}

int gen_method(pclass *c, method *m, code_out *out, cpool *pool)
{
	C = c; M = m; O = out; P = pool;
	locals = NULL; nlocals = 0; scope = 0; nobj = 0; nint = 0; L = NULL; tries = 0; failed = 0;
	memset(out, 0, sizeof *out);
	if (m->nargs > 255) { err(NULL, "method %s has more than 255 arguments", m->name); return -1; }
	for (int i = 0; i < m->nargs; i++)
		if (m->args[i].ty.kind == TY_VOID) err(NULL, "argument '%s' of %s is declared void", m->args[i].name, m->name);
	if (!m->has_body) { op(OP_RET); return 0; }
	line(m->body);
	op(OP_ARG_COUNT); op(m->nargs);
	op(OP_RESERVE); int rpos = here(); op(0); op(0);
	if (m->is_ctor && c->pc_parent) {   /* run the parent's default constructor first */
		method *pm = NULL;
		pclass *p = c->pc_parent;
		for (int depth = 0; p && !pm && depth < 64; depth++) {
			for (int i = 0; i < p->nmethods; i++)
				if (p->methods[i].is_ctor && p->methods[i].nargs == 0) pm = &p->methods[i];
			if (!pm) p = p->pc_parent;
		}
		if (pm) {
			op(OP_THIS);
			summon(ty_make(TY_OBJ, p->name), m->body);
			op(OP_STATIC_INVOKE); b_i32(&O->code, pm->ordinal); b_i32(&O->code, 0);
			op(OP_OS_DROP);
		}
	}
	stmt(m->body);
	op(OP_NULL); op(OP_RET);
	if (nobj > 255 || nint > 255) err(NULL, "method %s has too many local variables", m->name);
	out->code.p[rpos] = nobj; out->code.p[rpos + 1] = nint;
	xfree(locals);
	return failed ? -1 : 0;
}
