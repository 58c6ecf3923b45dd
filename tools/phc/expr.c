/* phc code generator: expressions. type_of() infers a type without
 * emitting (operands are converted before the operator), gen() emits. */
#include "tools/phc/gen.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

type g_ident_type(node *e, local **lp, int *argi, field **fp)
{
	*lp = NULL; *argi = -1; *fp = NULL;
	local *l = g_find_local(e->str);
	if (l) { *lp = l; return l->ty; }
	for (int i = 0; i < g.m->nargs; i++) if (!strcmp(g.m->args[i].name, e->str)) { *argi = i; return g.m->args[i].ty; }
	field *f = cls_field(g.cls, e->str);
	if (f) { *fp = f; return f->ty; }
	return ty_make(TY_VOID, NULL);
}

/* a method call: resolve without emitting (types of the arguments by type_of) */
static method *resolve_call(node *e, type *recv_t, pclass **rc)
{
	type rt = e->a ? g_type_of(e->a) : ty_make(TY_OBJ, g.cls->name);
	*recv_t = rt;
	if (rt.kind == TY_VOID && e->a) return NULL;
	*rc = g_class_of(rt, e);
	if (e->ival >= 0) return NULL;
	if (!*rc) return NULL;
	int n = 0;
	for (node *a = e->b; a; a = a->next) n++;
	type *at = xmalloc(sizeof(type) * (n + 1));
	n = 0;
	for (node *a = e->b; a; a = a->next) at[n++] = g_type_of(a);
	int amb = 0;
	method *m = cls_method(*rc, e->str, at, n, &amb);
	xfree(at);
	return m;
}

static type ret_type(method *m) { return m && m->ret.kind != TY_VOID ? m->ret : ty_make(m ? TY_VOID : TY_UNKNOWN, NULL); }

enum ty_kind g_arith_kind(type a, type b)
{
	enum ty_kind ka = ty_numeric(a.kind) ? a.kind : TY_INT, kb = ty_numeric(b.kind) ? b.kind : TY_INT;
	if (a.kind == TY_OBJ) { type t = ty_from_class(a.cls, 0); if (ty_numeric(t.kind)) ka = t.kind; }
	if (b.kind == TY_OBJ) { type t = ty_from_class(b.cls, 0); if (ty_numeric(t.kind)) kb = t.kind; }
	return ka > kb ? ka : kb;
}
int g_is_num(type t)
{
	if (ty_numeric(t.kind)) return 1;
	if (t.kind == TY_OBJ) return ty_numeric(ty_from_class(t.cls, 0).kind);
	return 0;
}

type g_type_of(node *e)
{
	switch (e->kind) {
	case N_INT: return g_num(e->ival > INT32_MAX || e->ival < INT32_MIN ? TY_LONG : TY_INT);
	case N_FLOAT: return g_num(e->ival ? TY_FLOAT : TY_DOUBLE);
	case N_STR: case N_BIN: return ty_make(TY_STRING, NULL);
	case N_NULL: return ty_make(TY_UNKNOWN, NULL);
	case N_THIS: return ty_make(TY_OBJ, g.cls->name);
	case N_IDENT: { local *l; int ai; field *f; type t = g_ident_type(e, &l, &ai, &f); return t.kind == TY_VOID ? ty_make(TY_UNKNOWN, NULL) : t; }
	case N_CALL: {
		type rt; pclass *rc = NULL;
		int errs = phc_errors, fl = g.failed, quiet = phc_quiet;
		phc_quiet = 1;   /* problems are reported when the call is generated */
		method *m = resolve_call(e, &rt, &rc);
		phc_errors = errs; g.failed = fl; phc_quiet = quiet;
		return e->ival >= 0 ? ty_make(TY_UNKNOWN, NULL) : ret_type(m);
	}
	case N_INDEX: { type a = g_type_of(e->a); if (a.kind == TY_ARRAY) return a.elem == TY_OBJ ? ty_make(TY_OBJ, a.cls) : ty_make(a.elem, NULL); return ty_make(TY_UNKNOWN, NULL); }
	case N_NEW: case N_CAST: return e->ty;
	case N_ASSIGN: return g_type_of(e->a);
	case N_NOT: case N_AND: case N_OR: case N_INSTANCEOF: return g_num(TY_INT);
	case N_NEG: case N_BITNOT: { type t = g_type_of(e->a); return g_num(g_arith_kind(t, t)); }
	case N_BINOP: {
		const char *o = e->str;
		if (!strcmp(o, "==") || !strcmp(o, "!=") || !strcmp(o, "<") || !strcmp(o, ">") || !strcmp(o, "<=") ||
		    !strcmp(o, ">=") || !strcmp(o, ":==") || !strcmp(o, ":!=")) return g_num(TY_INT);
		type a = g_type_of(e->a), b = g_type_of(e->b);
		if (!strcmp(o, "+") && (a.kind == TY_STRING || b.kind == TY_STRING)) return ty_make(TY_STRING, NULL);
		return g_num(g_arith_kind(a, b));
	}
	default: return ty_make(TY_VOID, NULL);
	}
}

static void pool_string(const char *s, size_t n)
{
	int i;
	for (i = 0; i < g.pool->n; i++) if (g.pool->len[i] == n && !memcmp(g.pool->s[i], s, n)) break;
	if (i == g.pool->n) {
		g.pool->s = xrealloc(g.pool->s, sizeof(char *) * (g.pool->n + 1));
		g.pool->len = xrealloc(g.pool->len, sizeof(size_t) * (g.pool->n + 1));
		g.pool->s[g.pool->n] = (char *)s; g.pool->len[g.pool->n] = n; g.pool->n++;
	}
	g_op32(OP_CPOOL, i);
}

static void bin_import(node *e)
{
	/* relative to the source's folder, then to each folder above it (the
	 * library names its resources from plib/sys), then to the current one */
	char *dir = xstrdup(g.cls->file);
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
	if (!f) { g_err(e, "cannot read the imported file '%s'", e->str); g_op(OP_NULL); return; }
	struct stat st;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > (64 << 20)) {
		g_err(e, "the imported file '%s' is not a regular file of at most 64 MiB", e->str);
		fclose(f); g_op(OP_NULL); return;
	}
	buf b = { 0 };
	char tmp[4096]; size_t k;
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0 && b.n < (64u << 20)) b_put(&b, tmp, k);
	fclose(f);
	g_op(OP_SCONST); b_str(&g.out->code, (const char *)b.p, b.n);
	xfree(b.p);
}

static type gen_call(node *e)
{
	type rt; pclass *rc = NULL;
	method *m = resolve_call(e, &rt, &rc);
	int n = 0;
	if (e->a) { type t = g_gen(e->a); if (t.kind == TY_VOID) g_err(e, "method call on a void value"); g_to_obj(t); }
	else g_op(OP_THIS);
	for (node *a = e->b; a; a = a->next) { g_to_obj(g_gen(a)); n++; }
	if (e->ival >= 0) { g_call((int)e->ival, n); return ty_make(TY_UNKNOWN, NULL); }
	if (!m) {
		if (rc) g_err(e, "class %s has no method %s taking %d argument%s", rc->name, e->str, n, n == 1 ? "" : "s");
		g_call(0, n);
		return ty_make(TY_UNKNOWN, NULL);
	}
	g_call(m->ordinal, n);
	type r = ret_type(m);
	if (ty_numeric(r.kind)) { g_prefix(r.kind); g_op(OP_O2I); }
	return r;
}

static type gen_new(node *e)
{
	type t = e->ty;
	int n = 0;
	for (node *a = e->b; a; a = a->next) n++;
	if (e->a) {   /* new *(class) */
		type ct = g_gen(e->a);
		if (ct.kind == TY_VOID || ty_numeric(ct.kind)) g_err(e, "'new *' needs a class object");
		g_to_obj(ct);
		g_op(OP_NEW);
		if (n) g_err(e, "'new *(class)' takes no constructor arguments");
		return t;
	}
	g_summon(t, e);
	g_op(OP_NEW);
	if (t.kind != TY_ARRAY && ty_main_name(t)[0] && strncmp(ty_main_name(t), ".internal.", 10)) {
		pclass *c = g_class_of(t, e);
		method *ctor = NULL;
		if (c) {
			type *at = xmalloc(sizeof(type) * (n + 1));
			int k = 0;
			for (node *a = e->b; a; a = a->next) at[k++] = g_type_of(a);
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
			for (node *a = e->b; a; a = a->next) g_to_obj(g_gen(a));
			g_op32(OP_PULL, n);
			g_summon(t, e);
			g_op(OP_STATIC_INVOKE); b_i32(&g.out->code, ctor->ordinal); b_i32(&g.out->code, n);
			g_op(OP_OS_DROP);
		} else if (n) g_err(e, "class %s has no constructor taking %d argument%s", ty_main_name(t), n, n == 1 ? "" : "s");
	} else if (n) g_err(e, "'new' of %s takes no arguments", t.kind == TY_ARRAY ? "an array" : ty_main_name(t));
	return t;
}

void g_store_ident(node *target, type vt, int keep)
{
	local *l; int ai; field *f;
	type t = g_ident_type(target, &l, &ai, &f);
	if (t.kind == TY_VOID && !l && ai < 0 && !f) { g_err(target, "'%s' is not declared", target->str); g_drop(vt); return; }
	if (ty_numeric(t.kind)) g_to_num(vt, t.kind, target);
	else {
		if (vt.kind == TY_VOID) g_err(target, "a void value is assigned to '%s'", target->str);
		if (t.kind == TY_STRING && ty_numeric(vt.kind)) g_err(target, "a number is assigned to the string '%s'", target->str);
		g_to_obj(vt);
	}
	if (keep) { if (ty_numeric(t.kind)) { g_prefix(ty_wide(t.kind) ? t.kind : TY_INT); g_op(OP_IS_DUP); } else g_op(OP_OS_DUP); }
	if (l && !l->obj) { g_prefix(ty_wide(t.kind) ? t.kind : TY_INT); g_op32(OP_IS_SET, l->pos); }
	else if (l) g_op32(OP_OS_SET, l->pos);
	else if (ai >= 0) { if (ty_numeric(t.kind)) g_to_obj(t); g_op32(OP_OS_SET, ai); }
	else {
		if (ty_numeric(t.kind)) g_to_obj(t);
		if (f->slot < 256) { g_op(OP_SAVE8); g_op(f->slot); } else g_op32(OP_SAVE32, f->slot);
	}
}

type g_gen_assign(node *e, int keep)
{
	node *t = e->a;
	if (t->kind == N_IDENT) {
		type tt = g_type_of(t);
		g_store_ident(t, g_gen(e->b), keep);
		return keep ? tt : ty_make(TY_VOID, NULL);
	}
	if (t->kind == N_INDEX) {
		type at = g_type_of(t->a);
		type et = at.kind == TY_ARRAY ? (at.elem == TY_OBJ ? ty_make(TY_OBJ, at.cls) : ty_make(at.elem, NULL)) : ty_make(TY_UNKNOWN, NULL);
		g_to_obj(g_gen(t->a));
		type v = g_gen(e->b);
		if (ty_numeric(et.kind)) { g_to_num(v, et.kind, e); v = g_to_obj(g_num(et.kind)); }
		else g_to_obj(v);
		int tmp = -1;
		if (keep) { tmp = g_temp_obj(); g_op(OP_OS_DUP); g_op32(OP_OS_SET, tmp); }
		g_to_num(g_gen(t->b), TY_INT, t->b); g_op(OP_I2O);
		g_call(11, 2); g_op(OP_OS_DROP);
		if (keep) { g_op32(OP_OS_GET, tmp); return v; }
		return ty_make(TY_VOID, NULL);
	}
	g_err(e, "the left side of '=' cannot be assigned to");
	g_drop(g_gen(e->b));
	return ty_make(TY_VOID, NULL);
}

/* numeric comparison of a and b in kind k; result an int 0/1 */
static void num_cmp(node *e, const char *o, enum ty_kind k)
{
	if (!strcmp(o, "==") || !strcmp(o, "!=")) {
		if (k == TY_INT) {
			g_to_num(g_gen(e->a), k, e->a); g_to_num(g_gen(e->b), k, e->b);
			g_op(OP_ISUBLU); g_op(OP_LOG_NOT);
		} else {   /* a >= b && a <= b, through two temps */
			int ta = g_temp_int(k), tb = g_temp_int(k);
			g_to_num(g_gen(e->a), k, e->a); g_prefix(k); g_op32(OP_IS_SET, ta);
			g_to_num(g_gen(e->b), k, e->b); g_prefix(k); g_op32(OP_IS_SET, tb);
			g_prefix(k); g_op32(OP_IS_GET, ta); g_prefix(k); g_op32(OP_IS_GET, tb); g_prefix(k); g_op(OP_IGE);
			g_prefix(k); g_op32(OP_IS_GET, ta); g_prefix(k); g_op32(OP_IS_GET, tb); g_prefix(k); g_op(OP_ILE);
			g_op(OP_LOG_AND);
		}
		if (o[0] == '!') g_op(OP_LOG_NOT);
		return;
	}
	g_to_num(g_gen(e->a), k, e->a); g_to_num(g_gen(e->b), k, e->b);
	g_prefix(k);
	g_op(!strcmp(o, "<") ? OP_ILT : !strcmp(o, ">") ? OP_IGT : !strcmp(o, "<=") ? OP_ILE : OP_IGE);
}

static type to_string_obj(type t)
{
	if (ty_numeric(t.kind)) { g_to_obj(t); g_call(5, 0); }
	else if (t.kind != TY_STRING) g_call(5, 0);
	return ty_make(TY_STRING, NULL);
}

static type gen_binop(node *e)
{
	const char *o = e->str;
	type a = g_type_of(e->a), b = g_type_of(e->b);
	if (!strcmp(o, ":==") || !strcmp(o, ":!=")) {
		g_to_obj(g_gen(e->a)); g_to_obj(g_gen(e->b));
		g_op(o[1] == '=' ? OP_OS_EQ : OP_OS_NEQ);
		return g_num(TY_INT);
	}
	if (!strcmp(o, "==") || !strcmp(o, "!=")) {
		if (e->a->kind == N_NULL || e->b->kind == N_NULL) {
			node *x = e->a->kind == N_NULL ? e->b : e->a;
			local *l; int ai; field *f;
			type xt = x->kind == N_IDENT ? g_ident_type(x, &l, &ai, &f) : ty_make(TY_VOID, NULL);
			/* a number field or argument is tested as the object it is held in
			 * (a fresh field holds nothing, and o2i of nothing panics) */
			if (x->kind == N_IDENT && ty_numeric(xt.kind) && !l && (ai >= 0 || f)) {
				if (ai >= 0) g_op32(OP_OS_GET, ai);
				else if (f->slot < 256) { g_op(OP_LOAD8); g_op(f->slot); }
				else g_op32(OP_LOAD32, f->slot);
			} else g_to_obj(g_gen(x));
			g_op(OP_ISNULL);
			if (o[0] == '!') g_op(OP_LOG_NOT);
			return g_num(TY_INT);
		}
		if (!g_is_num(a) && !g_is_num(b)) {   /* objects: a.equals(b) */
			g_to_obj(g_gen(e->a)); g_to_obj(g_gen(e->b));
			g_call(4, 1); g_op(OP_O2I);
			if (o[0] == '!') g_op(OP_LOG_NOT);
			return g_num(TY_INT);
		}
		num_cmp(e, o, g_arith_kind(a, b));
		return g_num(TY_INT);
	}
	if (o[0] == '<' || o[0] == '>') {
		if (!strcmp(o, "<<") || !strcmp(o, ">>") || !strcmp(o, ">>>")) {
			enum ty_kind k = g_arith_kind(a, a);
			if (k == TY_FLOAT || k == TY_DOUBLE) g_err(e, "shift of a floating-point value");
			/* the VM takes the count below the value (spec §3.4) */
			g_to_num(g_gen(e->b), TY_INT, e->b);
			g_to_num(g_gen(e->a), k, e->a);
			g_prefix(k);
			g_op(!strcmp(o, "<<") ? OP_SHL : !strcmp(o, ">>") ? OP_SHR : OP_USHR);
			return g_num(k);
		}
		num_cmp(e, o, g_arith_kind(a, b));
		return g_num(TY_INT);
	}
	if (!strcmp(o, "+") && (a.kind == TY_STRING || b.kind == TY_STRING)) {
		to_string_obj(g_gen(e->a));
		to_string_obj(g_gen(e->b));
		g_call(10, 1);
		return ty_make(TY_STRING, NULL);
	}
	enum ty_kind k = g_arith_kind(a, b);
	if ((a.kind == TY_STRING || b.kind == TY_STRING)) g_err(e, "operator '%s' on a string", o);
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
		g_err(e, "operator '%s' on a floating-point value", o);
	g_to_num(g_gen(e->a), k, e->a);
	g_to_num(g_gen(e->b), k, e->b);
	g_prefix(k); g_op(code);
	return g_num(k);
}

void g_cond(node *e) { g_to_num(g_gen(e), TY_INT, e); }

type g_gen(node *e)
{
	switch (e->kind) {
	case N_INT:
		if (e->ival > INT32_MAX || e->ival < INT32_MIN) { g_op(OP_ICONST64); b_i64(&g.out->code, e->ival); return g_num(TY_LONG); }
		g_iconst(e->ival); return g_num(TY_INT);
	case N_FLOAT:   /* the IEEE bits: one cell for float, two for double */
		if (e->ival) { float f = (float)e->fval; uint32_t b; memcpy(&b, &f, 4); g_op32(OP_ICONST32, (int32_t)b); return g_num(TY_FLOAT); }
		else { uint64_t b; memcpy(&b, &e->fval, 8); g_op(OP_ICONST64); b_i64(&g.out->code, (int64_t)b); return g_num(TY_DOUBLE); }
	case N_STR: pool_string(e->str, e->len); return ty_make(TY_STRING, NULL);
	case N_BIN: bin_import(e); return ty_make(TY_STRING, NULL);
	case N_NULL: g_op(OP_NULL); return ty_make(TY_UNKNOWN, NULL);
	case N_THIS: g_op(OP_THIS); return ty_make(TY_OBJ, g.cls->name);
	case N_IDENT: {
		local *l; int ai; field *f;
		type t = g_ident_type(e, &l, &ai, &f);
		if (!l && ai < 0 && !f) { g_err(e, "'%s' is not declared", e->str); g_op(OP_NULL); return ty_make(TY_UNKNOWN, NULL); }
		if (l && !l->obj) { g_prefix(ty_wide(t.kind) ? t.kind : TY_INT); g_op32(OP_IS_GET, l->pos); return t; }
		if (l) g_op32(OP_OS_GET, l->pos);
		else if (ai >= 0) g_op32(OP_OS_GET, ai);
		else if (f->slot < 256) { g_op(OP_LOAD8); g_op(f->slot); }
		else g_op32(OP_LOAD32, f->slot);
		if (ty_numeric(t.kind)) { g_prefix(t.kind); g_op(OP_O2I); }
		return t;
	}
	case N_CALL: return gen_call(e);
	case N_INDEX: {
		type at = g_type_of(e->a);
		g_to_obj(g_gen(e->a));
		g_to_num(g_gen(e->b), TY_INT, e->b); g_op(OP_I2O);
		g_call(10, 1);
		if (at.kind == TY_ARRAY && ty_numeric(at.elem)) { g_prefix(at.elem); g_op(OP_O2I); return g_num(at.elem); }
		if (at.kind == TY_ARRAY) return at.elem == TY_OBJ ? ty_make(TY_OBJ, at.cls) : ty_make(at.elem, NULL);
		return ty_make(TY_UNKNOWN, NULL);
	}
	case N_NEW: return gen_new(e);
	case N_CAST: {
		type t = g_gen(e->a);
		if (ty_numeric(e->ty.kind)) { g_to_num(t, e->ty.kind, e); return e->ty; }
		if (e->ty.kind == TY_VOID) { g_err(e, "cast to void"); return t; }
		g_to_obj(t);
		const char *cn = ty_main_name(e->ty);
		if (e->ty.kind == TY_ARRAY || (*cn && strcmp(cn, ".internal.object") && strcmp(cn, ty_main_name(t)))) {
			g_summon(e->ty, e); g_op(OP_CAST);
		}
		return e->ty;
	}
	case N_ASSIGN: return g_gen_assign(e, 1);
	case N_BINOP: return gen_binop(e);
	case N_NOT: g_cond(e->a); g_op(OP_LOG_NOT); return g_num(TY_INT);
	case N_NEG: {
		type t = g_type_of(e->a);
		enum ty_kind k = g_arith_kind(t, t);
		g_iconst(0); if (k != TY_INT) { g_prefix(k); g_op(OP_FROMI); }
		g_to_num(g_gen(e->a), k, e->a);
		g_prefix(k); g_op(OP_ISUBLU);
		return g_num(k);
	}
	case N_BITNOT: {
		type t = g_type_of(e->a);
		enum ty_kind k = g_arith_kind(t, t);
		if (k == TY_FLOAT || k == TY_DOUBLE) g_err(e, "operator '~' on a floating-point value");
		g_to_num(g_gen(e->a), k, e->a); g_prefix(k); g_op(OP_INOT);
		return g_num(k);
	}
	case N_AND: case N_OR: {
		g_cond(e->a);
		int j1;
		if (e->kind == N_AND) j1 = g_jump(OP_JZ);
		else { g_op(OP_LOG_NOT); j1 = g_jump(OP_JZ); }
		g_cond(e->b);
		g_op(OP_LOG_NOT); g_op(OP_LOG_NOT);
		int j2 = g_jump(OP_JMP);
		g_patch(j1, g_here());
		g_iconst(e->kind == N_AND ? 0 : 1);
		g_patch(j2, g_here());
		return g_num(TY_INT);
	}
	case N_INSTANCEOF: {
		/* the class's native instanceof (ordinal 14 of .internal.class) */
		g_summon(e->ty, e);
		g_to_obj(g_gen(e->a));
		g_call(14, 1); g_op(OP_O2I);
		return g_num(TY_INT);
	}
	default:
		g_err(e, "statement used as an expression");
		return ty_make(TY_VOID, NULL);
	}
}

