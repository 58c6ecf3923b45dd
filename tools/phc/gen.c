/* phc code generator: statements and the method frame (spec §2.3). */
#include "tools/phc/gen.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- statements ---- */
static void stmt(node *s);

static void pop_catchers(int to) { for (int i = g.tries; i > to; i--) g_op(OP_POP_CATCHER); }

static void add_patch(int **v, int *n, int at) { *v = xrealloc(*v, sizeof(int) * (*n + 1)); (*v)[(*n)++] = at; }

static void loop_body(loop *lp, node *body)
{
	lp->up = g.loop; lp->tries = g.tries; g.loop = lp;
	stmt(body);
	g.loop = lp->up;
}

static void stmt(node *s)
{
	if (!s) return;
	g_line(s);
	switch (s->kind) {
	case N_EMPTY: break;
	case N_BLOCK: g.scope++; for (node *k = s->a; k; k = k->next) stmt(k);
		while (g.nlocals && g.locals[g.nlocals - 1].scope == g.scope) g.nlocals--;
		g.scope--; break;
	case N_EXPR:
		if (s->a->kind == N_ASSIGN) g_gen_assign(s->a, 0);
		else g_drop(g_gen(s->a));
		break;
	case N_VARDEF: {
		if (s->ty.kind == TY_VOID) { g_err(s, "variable '%s' declared void", s->str); break; }
		for (int i = 0; i < g.m->nargs; i++) if (!strcmp(g.m->args[i].name, s->str)) g_err(s, "'%s' is already an argument", s->str);
		node id = *s; id.kind = N_IDENT;
		type vt = s->a ? g_gen(s->a) : ty_make(TY_VOID, NULL);
		g_add_local(s, s->str, s->ty);
		if (s->a) g_store_ident(&id, vt, 0);
		break;
	}
	case N_IF: {
		g_cond(s->a);
		int j = g_jump(OP_JZ);
		stmt(s->b);
		if (s->c) { int j2 = g_jump(OP_JMP); g_patch(j, g_here()); stmt(s->c); g_patch(j2, g_here()); }
		else g_patch(j, g_here());
		break;
	}
	case N_WHILE: case N_DO: case N_FOR: {
		/* while: top: C; jz end; BODY; jmp top
		 * do PRE while (C) POST: top: PRE; C; jz end; POST; jmp top
		 * for (I; C; S) BODY: I; top: C; jz end; BODY; cont: S; jmp top */
		loop lp = { 0 };
		if (s->kind == N_FOR && s->d) stmt(s->d);
		int top = g_here(), jend = -1;
		if (s->kind == N_DO) {
			lp.cont_target = -1;
			loop_body(&lp, s->b);
			int ctarget = g_here();
			g_cond(s->a); jend = g_jump(OP_JZ);
			loop_body(&lp, s->c);
			g_jump_to(OP_JMP, top);
			for (int i = 0; i < lp.ncont; i++) g_patch(lp.cont[i], ctarget);
		} else {
			if (s->a) { g_line(s->a); g_cond(s->a); jend = g_jump(OP_JZ); }
			loop_body(&lp, s->b);
			int ctarget = g_here();
			if (s->kind == N_FOR && s->c) stmt(s->c);
			g_jump_to(OP_JMP, top);
			for (int i = 0; i < lp.ncont; i++) g_patch(lp.cont[i], s->kind == N_FOR ? ctarget : top);
		}
		if (jend >= 0) g_patch(jend, g_here());
		for (int i = 0; i < lp.nbrk; i++) g_patch(lp.brk[i], g_here());
		break;
	}
	case N_BREAK: case N_CONTINUE: {
		loop *lp = g.loop;
		if (s->kind == N_CONTINUE) while (lp && lp->is_switch) lp = lp->up;
		if (!lp) { g_err(s, "'%s' outside of a loop%s", s->kind == N_BREAK ? "break" : "continue", s->kind == N_BREAK ? " or switch" : ""); break; }
		pop_catchers(lp->tries);
		int j = g_jump(OP_JMP);
		if (s->kind == N_BREAK) add_patch(&lp->brk, &lp->nbrk, j);
		else add_patch(&lp->cont, &lp->ncont, j);
		break;
	}
	case N_SWITCH: {
		/* the value goes to a temporary; the case tests jump into the
		 * bodies, which follow one another, so fall-through is correct */
		type vt = g_type_of(s->a);
		int numeric = g_is_num(vt) || vt.kind == TY_UNKNOWN;
		int tmp;
		if (numeric) { tmp = g_temp_int(TY_INT); g_to_num(g_gen(s->a), TY_INT, s->a); g_op32(OP_IS_SET, tmp); }
		else { tmp = g_temp_obj(); g_to_obj(g_gen(s->a)); g_op32(OP_OS_SET, tmp); }
		int ncase = 0, have_default = 0;
		for (node *k = s->b; k; k = k->next) if (k->kind == N_CASE || k->kind == N_DEFAULT) ncase++;
		int *to = xmalloc(sizeof(int) * (ncase + 1)), i = 0;
		for (node *k = s->b; k; k = k->next) {
			if (k->kind == N_CASE) {
				g_line(k);
				if (numeric) { g_op32(OP_IS_GET, tmp); g_to_num(g_gen(k->a), TY_INT, k->a); g_op(OP_ISUBLU); }
				else { g_op32(OP_OS_GET, tmp); g_to_obj(g_gen(k->a)); g_call(4, 1); g_op(OP_O2I); g_op(OP_LOG_NOT); }
				to[i++] = g_jump(OP_JZ);
			} else if (k->kind == N_DEFAULT) {
				if (have_default) g_err(k, "more than one default in a switch");
				have_default = 1; i++;
			}
		}
		int jdef = g_jump(OP_JMP);
		loop lp = { 0 }; lp.is_switch = 1; lp.up = g.loop; lp.tries = g.tries; g.loop = &lp;
		i = 0;
		int def_at = -1;
		for (node *k = s->b; k; k = k->next) {
			if (k->kind == N_CASE) g_patch(to[i++], g_here());
			else if (k->kind == N_DEFAULT) { def_at = g_here(); i++; }
			else stmt(k);
		}
		g.loop = lp.up;
		g_patch(jdef, def_at >= 0 ? def_at : g_here());
		for (int b = 0; b < lp.nbrk; b++) g_patch(lp.brk[b], g_here());
		xfree(to);
		break;
	}
	case N_RETURN: {
		type r = g.m->ret;
		if (s->a) {
			type t = g_gen(s->a);
			if (r.kind == TY_VOID) { g_err(s, "a void method returns a value"); g_drop(t); g_op(OP_NULL); }
			else if (ty_numeric(r.kind)) { g_to_num(t, r.kind, s->a); g_to_obj(r); }
			else { if (t.kind == TY_VOID) g_err(s, "returning a void value"); g_to_obj(t); }
		} else {
			if (r.kind != TY_VOID && !g.m->is_ctor) g_err(s, "return without a value in a method returning %s", ty_sig_name(r));
			g_op(OP_NULL);
		}
		g_op(OP_RET);
		break;
	}
	case N_THROW: {
		type t = g_gen(s->a);
		if (t.kind == TY_VOID) g_err(s, "throwing a void value");
		g_to_obj(t); g_op(OP_THROW);
		break;
	}
	case N_TRY: {
		g_summon(s->ty.kind == TY_UNKNOWN ? ty_make(TY_OBJ, ".internal.object") : s->ty, s);
		int jc = g_jump(OP_PUSH_CATCHER);
		g.tries++;
		stmt(s->a);
		g.tries--;
		g_op(OP_POP_CATCHER);
		int jend = g_jump(OP_JMP);
		g_patch(jc, g_here());
		g_op(OP_POP_CATCHER);   /* a catcher stays active after it caught */
		g.scope++;
		local *l = g_add_local(s, s->str, ty_numeric(s->ty.kind) ? ty_make(TY_OBJ, ty_main_name(s->ty)) : s->ty);
		g_op32(OP_OS_SET, l->pos);
		stmt(s->b);
		while (g.nlocals && g.locals[g.nlocals - 1].scope == g.scope) g.nlocals--;
		g.scope--;
		g_patch(jend, g_here());
		break;
	}
	case N_CASE: case N_DEFAULT: g_err(s, "case label outside of a switch"); break;
	default: g_drop(g_gen(s)); break;
	}
}

int gen_method(pclass *c, method *m, code_out *out, cpool *pool)
{
	g.cls = c; g.m = m; g.out = out; g.pool = pool;
	g.locals = NULL; g.nlocals = 0; g.scope = 0; g.nobj = 0; g.nint = 0; g.loop = NULL; g.tries = 0; g.failed = 0;
	memset(out, 0, sizeof *out);
	if (m->nargs > 255) { g_err(NULL, "method %s has more than 255 arguments", m->name); return -1; }
	for (int i = 0; i < m->nargs; i++)
		if (m->args[i].ty.kind == TY_VOID) g_err(NULL, "argument '%s' of %s is declared void", m->args[i].name, m->name);
	if (!m->has_body) { g_op(OP_RET); return 0; }
	g_line(m->body);
	g_op(OP_ARG_COUNT); g_op(m->nargs);
	g_op(OP_RESERVE); int rpos = g_here(); g_op(0); g_op(0);
	if (m->is_ctor && c->pc_parent) {   /* run the parent's default constructor first */
		method *pm = NULL;
		pclass *p = c->pc_parent;
		for (int depth = 0; p && !pm && depth < 64; depth++) {
			for (int i = 0; i < p->nmethods; i++)
				if (p->methods[i].is_ctor && p->methods[i].nargs == 0) pm = &p->methods[i];
			if (!pm) p = p->pc_parent;
		}
		if (pm) {
			g_op(OP_THIS);
			g_summon(ty_make(TY_OBJ, p->name), m->body);
			g_op(OP_STATIC_INVOKE); b_i32(&g.out->code, pm->ordinal); b_i32(&g.out->code, 0);
			g_op(OP_OS_DROP);
		}
	}
	stmt(m->body);
	g_op(OP_NULL); g_op(OP_RET);
	if (g.nobj > 255 || g.nint > 255) g_err(NULL, "method %s has too many local variables", m->name);
	out->code.p[rpos] = g.nobj; out->code.p[rpos + 1] = g.nint;
	if (!g.nobj && !g.nint) {
		/* no locals: drop the stack_reserve. Every jump is relative and lies
		 * after it, so only the line map moves. */
		memmove(out->code.p + rpos - 1, out->code.p + rpos + 2, out->code.n - (rpos + 2));
		out->code.n -= 3;
		for (int i = 0; i < out->nlines; i++)
			if (out->lines[i].ip > rpos - 1) out->lines[i].ip -= 3;
	}
	xfree(g.locals);
	return g.failed ? -1 : 0;
}
