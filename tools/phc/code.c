/* phc code generator: emitting bytes, jumps, line maps, conversions
 * between the two stacks, and the frame's local variables. */
#include "tools/phc/gen.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct gen_ctx g;

void g_err(node *n, const char *fmt, ...)
{
	char b[512];
	va_list ap; va_start(ap, fmt); vsnprintf(b, sizeof b, fmt, ap); va_end(ap);
	phc_error(g.cls->file, n ? n->line : g.m->line, n ? n->col : g.m->col, "%s", b);
	g.failed = 1;
}

void g_op(int o) { b_u8(&g.out->code, o); }
void g_op32(int o, int32_t v) { g_op(o); b_i32(&g.out->code, v); }
int g_here(void) { return (int)g.out->code.n; }
int g_jump(int o) { g_op(o); int at = g_here(); b_i32(&g.out->code, 0); return at; }
void g_patch(int at, int target)
{
	int32_t d = target - at;
	uint8_t *p = g.out->code.p + at;
	p[0] = d >> 24; p[1] = d >> 16; p[2] = d >> 8; p[3] = d;
}
void g_jump_to(int o, int target) { g_op(o); int at = g_here(); b_i32(&g.out->code, target - at); }

void g_line(node *n)
{
	if (!n) return;
	if (g.out->nlines && g.out->lines[g.out->nlines - 1].line == n->line) return;
	if (g.out->nlines && g.out->lines[g.out->nlines - 1].ip == g_here()) { g.out->lines[g.out->nlines - 1].line = n->line; return; }
	if (g.out->nlines == g.out->caplines) { g.out->caplines = g.out->caplines ? g.out->caplines * 2 : 16; g.out->lines = xrealloc(g.out->lines, sizeof(linemap) * g.out->caplines); }
	g.out->lines[g.out->nlines++] = (linemap){ g_here(), n->line };
}

void g_prefix(enum ty_kind k)
{
	if (k == TY_LONG) g_op(0x5C);
	else if (k == TY_FLOAT) g_op(0x5D);
	else if (k == TY_DOUBLE) g_op(0x5E);
}
int g_cells(enum ty_kind k) { return ty_wide(k) ? 2 : 1; }

void g_iconst(int64_t v)
{
	if (v == 0) g_op(OP_ICONST0);
	else if (v == 1) g_op(OP_ICONST1);
	else if (v > 0 && v < 256) { g_op(OP_ICONST8); g_op((int)v); }
	else g_op32(OP_ICONST32, (int32_t)v);
}

/* ---- conversions ---- */
type g_to_obj(type t)
{
	if (ty_numeric(t.kind)) {
		g_prefix(t.kind); g_op(OP_I2O);
		return ty_make(TY_OBJ, ty_main_name(t));
	}
	return t;
}
type g_num(enum ty_kind k) { return ty_make(k, NULL); }
/* value of type t (wherever it is) -> numeric k on the istack */
void g_to_num(type t, enum ty_kind k, node *at)
{
	if (t.kind == TY_VOID) { g_err(at, "a void value is used as a number"); g_op(OP_OS_DROP); g_iconst(0); g_prefix(k); g_op(OP_FROMI); return; }
	if (ty_numeric(t.kind)) {
		if (t.kind == k) return;
		g_prefix(k); g_op(OP_FROMI + (t.kind - TY_INT));
		return;
	}
	if (t.kind == TY_STRING || t.kind == TY_ARRAY) g_err(at, "a %s is used as a number", t.kind == TY_STRING ? "string" : "array");
	/* an object holding a number: its payload, as an int unless typed */
	enum ty_kind src = TY_INT;
	if (t.kind == TY_OBJ) {
		if (!strcmp(t.cls, ".internal.long")) src = TY_LONG;
		else if (!strcmp(t.cls, ".internal.float")) src = TY_FLOAT;
		else if (!strcmp(t.cls, ".internal.double")) src = TY_DOUBLE;
	}
	g_prefix(src); g_op(OP_O2I);
	if (src != k) { g_prefix(k); g_op(OP_FROMI + (src - TY_INT)); }
}
void g_drop(type t)
{
	if (ty_numeric(t.kind)) { if (ty_wide(t.kind)) g_prefix(t.kind); g_op(OP_IS_DROP); }
	else g_op(OP_OS_DROP);
}

void g_summon(type t, node *at)
{
	const char *n = t.kind == TY_ARRAY ? NULL : ty_main_name(t);
	if (t.kind == TY_ARRAY) g_op(OP_ARRAY_CLASS);
	else if (!n || !*n) { g_err(at, "the class of an untyped value is not known"); g_op(OP_NULL); }
	else if (!strcmp(n, ".internal.int")) g_op(OP_INT_CLASS);
	else if (!strcmp(n, ".internal.string")) g_op(OP_STRING_CLASS);
	else if (!strcmp(n, ".internal.container.array")) g_op(OP_ARRAY_CLASS);
	else { g_op(OP_BY_NAME); b_str(&g.out->code, n, strlen(n)); }
}

void g_call(int ord, int nargs)
{
	if (nargs == 0 && ord < 4) g_op(0x09 + ord);
	else if (ord < 32 && nargs < 16) { g_op(0xA0 + ord); g_op(nargs); }
	else if (ord < 16) { g_op(OP_CALL8); g_op(ord); b_i32(&g.out->code, nargs); }
	else { g_op(OP_CALL32); b_i32(&g.out->code, ord); b_i32(&g.out->code, nargs); }
}

/* ---- names ---- */
local *g_find_local(const char *n)
{
	for (int i = g.nlocals - 1; i >= 0; i--) if (!strcmp(g.locals[i].name, n)) return &g.locals[i];
	return NULL;
}
local *g_add_local(node *at, const char *n, type t)
{
	for (int i = g.nlocals - 1; i >= 0 && g.locals[i].scope == g.scope; i--)
		if (!strcmp(g.locals[i].name, n)) { g_err(at, "'%s' is already declared in this block", n); break; }
	g.locals = xrealloc(g.locals, sizeof(local) * (g.nlocals + 1));
	local *l = &g.locals[g.nlocals++];
	l->name = (char *)n; l->ty = t; l->scope = g.scope;
	if (ty_numeric(t.kind)) { l->obj = 0; l->pos = g.nint; g.nint += g_cells(t.kind); }
	else { l->obj = 1; l->pos = g.m->nargs + g.nobj; g.nobj++; }
	return l;
}
int g_temp_int(enum ty_kind k) { int p = g.nint; g.nint += g_cells(k); return p; }
int g_temp_obj(void) { return g.m->nargs + g.nobj++; }

pclass *g_class_of(type t, node *at)
{
	const char *n = NULL;
	switch (t.kind) {
	case TY_ARRAY: n = ".internal.container.array"; break;
	case TY_UNKNOWN: case TY_VOID: return cls_load(".internal.object");
	default: n = ty_main_name(t);
	}
	pclass *c = cls_load(n);
	if (!c) g_err(at, "cannot find class %s (no %s.pc in the -I folders, and it is not being compiled)", n, n + 1);
	else cls_layout(c);
	return c;
}

