/* phc parser: expressions. The levels and their order are the original
 * compiler's (loosest first): ! || &&, comparisons, :== :!=, + -, * / %,
 * bit operators, unary and literals, then calls/subscripts/assignment. */
#include "tools/phc/parse.h"
#include <stdio.h>
#include <string.h>

static node *call_args(node *call)
{
	p_expect("(");
	node **tail = &call->b;
	if (p_eat(")")) return call;
	do {
		node *a = p_expr();
		*tail = a; tail = &a->next;
	} while (p_eat(","));
	p_expect(")");
	return call;
}

static node *atom(void)
{
	token *t = p_peek();
	if (t->kind == T_IDENT) {
		if (!strcmp(t->text, "null")) { p_next(); return p_mk(N_NULL, t); }
		if (!strcmp(t->text, "this")) { p_next(); return p_mk(N_THIS, t); }
		p_next();
		node *n = p_mk(N_IDENT, t); n->str = t->text;
		return n;
	}
	if (p_is_op(t, "(")) {
		p_next();
		node *n = p_expr();
		p_expect(")");
		return n;
	}
	p_fail(t, "expected an expression before %s", p_tdesc(t));
}

static node *postfix(void)
{
	node *out = atom(), *first = out;
	for (;;) {
		token *t = p_peek();
		if (p_is_op(t, ".")) {
			p_next();
			node *c = p_mk(N_CALL, t);
			token *m = p_peek();
			if (m->kind == T_IDENT) { p_next(); c->str = m->text; }
			else if (m->kind == T_INT) { p_next(); c->ival = m->ival; if (m->ival > 0x7fffffff) p_fail(m, "%s", "method ordinal too large"); }
			else p_fail(m, "expected a method name or ordinal before %s", p_tdesc(m));
			c->a = out; c->line = m->line; c->col = m->col;
			out = call_args(c);
		} else if (p_is_op(t, "(")) {
			if (out != first || out->kind != N_IDENT) p_fail(t, "%s", "call of something that is not a method");
			node *c = p_mk(N_CALL, t);
			c->str = out->str; c->line = out->line; c->col = out->col;
			c->a = NULL;  /* this */
			out = call_args(c);
			first = NULL;
		} else if (p_is_op(t, "[")) {
			p_next();
			node *s = p_mk(N_INDEX, t);
			s->a = out; s->b = p_expr();
			p_expect("]");
			out = s;
		} else break;
	}
	token *t = p_peek();
	if (p_is_op(t, "=")) {
		p_next();
		node *a = p_mk(N_ASSIGN, t);
		a->a = out; a->b = p_expr();
		return a;
	}
	if (p_is_op(t, ".=")) p_fail(t, "%s", "value assignment '.=' is not supported");
	return out;
}

static node *unary(void);

static node *lower(void)
{
	token *t = p_peek();
	if (++ps.depth > MAX_DEPTH) p_fail(t, "%s", "expression nested too deeply");
	node *n;
	if (t->kind == T_STRING) { p_next(); n = p_mk(N_STR, t); n->str = t->text; n->len = t->len; }
	else if (t->kind == T_INT) { p_next(); n = p_mk(N_INT, t); n->ival = t->ival; }
	else if (t->kind == T_FLOAT) { p_next(); n = p_mk(N_FLOAT, t); n->fval = t->fval; n->ival = t->is_float; }
	else if (p_is_kw(t, "import")) {
		p_next();
		token *f = p_peek();
		if (f->kind != T_STRING) p_fail(f, "expected a file name after import, found %s", p_tdesc(f));
		p_next();
		n = p_mk(N_BIN, t); n->str = f->text; n->len = f->len;
	} else if (p_is_op(t, "-")) {
		p_next();
		if (p_peek()->kind == T_INT) { token *v = p_next(); n = p_mk(N_INT, t); n->ival = -v->ival; }
		else if (p_peek()->kind == T_FLOAT) { token *v = p_next(); n = p_mk(N_FLOAT, t); n->fval = -v->fval; n->ival = v->is_float; }
		else { n = p_mk(N_NEG, t); n->a = lower(); }
	} else if (p_is_op(t, "~")) { p_next(); n = p_mk(N_BITNOT, t); n->a = lower(); }
	else if (p_is_kw(t, "new")) {
		p_next();
		n = p_mk(N_NEW, t);
		if (p_eat("*")) {   /* new *(class expression) [: type] () */
			p_expect("(");
			n->a = p_expr();
			p_expect(")");
			n->ty = ty_make(TY_UNKNOWN, NULL);
			if (p_eat(":")) n->ty = p_parse_type();
		} else n->ty = p_parse_type();
		if (n->ty.kind == TY_VOID) p_fail(t, "%s", "cannot create an object of type void");
		call_args(n);
	} else if (p_is_op(t, "(") && (p_is_op(p_peekn(1), ".") || (p_peekn(1)->kind == T_IDENT && p_builtin(p_peekn(1)->text)))) {
		/* (type) expr */
		int save = ps.pos;
		p_next();
		jmp_buf jb, *old = ps.recover;
		ps.recover = &jb;
		int errs = phc_errors, quiet = phc_quiet, failed = ps.cur ? ps.cur->failed : 0;
		phc_quiet = 1;
		if (!setjmp(jb)) {
			type ty = p_parse_type();
			if (p_is_op(p_peek(), ")")) {
				ps.recover = old;
				phc_quiet = quiet;
				p_next();
				n = p_mk(N_CAST, t); n->ty = ty; n->a = unary();
				ps.depth--;
				return n;
			}
		}
		ps.recover = old; phc_errors = errs; ps.pos = save; phc_quiet = quiet;
		if (ps.cur) ps.cur->failed = failed;
		n = postfix();
	} else n = postfix();
	ps.depth--;
	return n;
}

static node *unary(void) { return lower(); }

static node *binop(const char *op, token *t, node *l, node *r)
{
	node *n = p_mk(N_BINOP, t);
	n->str = (char *)op; n->a = l; n->b = r;
	return n;
}

static node *bitlevel(void)
{
	node *l = lower();
	for (;;) {
		token *t = p_peek();
		if (t->kind == T_OP && (!strcmp(t->text, "|") || !strcmp(t->text, "&") || !strcmp(t->text, "^") ||
		    !strcmp(t->text, "<<") || !strcmp(t->text, ">>") || !strcmp(t->text, ">>>"))) {
			p_next(); l = binop(t->text, t, l, lower());
		} else return l;
	}
}
static node *mult(void)
{
	node *l = bitlevel();
	for (;;) {
		token *t = p_peek();
		if (p_is_op(t, "*") || p_is_op(t, "/") || p_is_op(t, "%")) { p_next(); l = binop(t->text, t, l, bitlevel()); }
		else return l;
	}
}
static node *additive(void)
{
	node *l = mult();
	for (;;) {
		token *t = p_peek();
		if (p_is_op(t, "+") || p_is_op(t, "-")) { p_next(); l = binop(t->text, t, l, mult()); }
		else return l;
	}
}
static node *refcmp(void)
{
	node *l = additive();
	for (;;) {
		token *t = p_peek();
		if (p_is_op(t, ":==") || p_is_op(t, ":!=")) { p_next(); l = binop(t->text, t, l, additive()); }
		else return l;
	}
}
static node *cmp(void)
{
	node *l = refcmp();
	for (;;) {
		token *t = p_peek();
		if (t->kind == T_OP && (!strcmp(t->text, "==") || !strcmp(t->text, "!=") || !strcmp(t->text, "<") ||
		    !strcmp(t->text, ">") || !strcmp(t->text, "<=") || !strcmp(t->text, ">="))) {
			p_next(); l = binop(t->text, t, l, refcmp());
		} else if (p_is_kw(t, "instanceof")) {
			p_next();
			node *n = p_mk(N_INSTANCEOF, t);
			n->a = l; n->ty = p_parse_type();
			l = n;
		} else return l;
	}
}
static node *logical(void)
{
	token *t = p_peek();
	if (++ps.depth > MAX_DEPTH) p_fail(t, "%s", "expression nested too deeply");
	node *l;
	if (p_is_op(t, "!")) { p_next(); l = p_mk(N_NOT, t); l->a = logical(); ps.depth--; return l; }
	l = cmp();
	for (;;) {
		token *o = p_peek();
		if (p_is_op(o, "||")) { p_next(); node *n = p_mk(N_OR, o); n->a = l; n->b = cmp(); l = n; }
		else if (p_is_op(o, "&&")) { p_next(); node *n = p_mk(N_AND, o); n->a = l; n->b = cmp(); l = n; }
		else break;
	}
	ps.depth--;
	return l;
}
node *p_expr(void) { return logical(); }

