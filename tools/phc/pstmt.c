/* phc parser: statements, with the recovery point of each statement. */
#include "tools/phc/parse.h"
#include <stdio.h>
#include <string.h>


static node *vardef(token *at, char *name, type ty)
{
	node *n = p_mk(N_VARDEF, at);
	n->str = name; n->ty = ty;
	if (p_eat("=")) n->a = p_expr();
	p_expect(";");
	return n;
}

static node *stmt_inner(void)
{
	token *t = p_peek();
	if (p_is_op(t, "{")) { p_next(); return p_block_body(t); }
	if (p_is_op(t, ";")) { p_next(); return p_mk(N_EMPTY, t); }
	if (t->kind == T_IDENT) {
		const char *k = t->text;
		if (!strcmp(k, "if")) {
			p_next(); p_expect("(");
			node *n = p_mk(N_IF, t); n->a = p_expr(); p_expect(")");
			n->b = p_stmt();
			if (p_eat("else")) n->c = p_stmt();
			return n;
		}
		if (!strcmp(k, "while")) {
			p_next(); p_expect("(");
			node *n = p_mk(N_WHILE, t); n->a = p_expr(); p_expect(")");
			n->b = p_stmt();
			return n;
		}
		if (!strcmp(k, "do")) {   /* do PRE while (C) [POST | ;] */
			p_next();
			node *n = p_mk(N_DO, t); n->b = p_stmt();
			p_expect("while"); p_expect("("); n->a = p_expr(); p_expect(")");
			if (!p_eat(";")) n->c = p_stmt();
			return n;
		}
		if (!strcmp(k, "for")) {
			p_next(); p_expect("(");
			node *n = p_mk(N_FOR, t);
			if (!p_is_op(p_peek(), ";")) { node *e = p_mk(N_EXPR, p_peek()); e->a = p_expr(); n->d = e; }
			p_expect(";");
			if (!p_is_op(p_peek(), ";")) n->a = p_expr();
			p_expect(";");
			if (!p_is_op(p_peek(), ")")) { node *e = p_mk(N_EXPR, p_peek()); e->a = p_expr(); n->c = e; }
			p_expect(")");
			n->b = p_stmt();
			return n;
		}
		if (!strcmp(k, "return")) {
			p_next();
			node *n = p_mk(N_RETURN, t);
			if (!p_eat(";")) { n->a = p_expr(); p_expect(";"); }
			return n;
		}
		if (!strcmp(k, "throw")) {
			p_next();
			node *n = p_mk(N_THROW, t); n->a = p_expr(); p_expect(";");
			return n;
		}
		if (!strcmp(k, "break")) { p_next(); p_expect(";"); return p_mk(N_BREAK, t); }
		if (!strcmp(k, "continue")) { p_next(); p_expect(";"); return p_mk(N_CONTINUE, t); }
		if (!strcmp(k, "try")) {
			p_next();
			node *n = p_mk(N_TRY, t);
			n->a = p_stmt();
			p_expect("catch"); p_expect("(");
			n->ty = p_parse_type();
			n->str = p_ident();
			p_expect(")");
			n->b = p_stmt();
			return n;
		}
		if (!strcmp(k, "switch")) {
			p_next(); p_expect("(");
			node *n = p_mk(N_SWITCH, t); n->a = p_expr(); p_expect(")");
			token *open = p_peek();
			p_expect("{");
			node **tail = &n->b;
			while (!p_is_op(p_peek(), "}")) {
				token *c = p_peek();
				node *s;
				if (c->kind == T_EOF) { if (ps.at_eof_reported++) longjmp(*ps.recover, 1); p_fail(open, "%s", "switch is not closed by '}'"); }
				if (p_is_kw(c, "case")) { p_next(); s = p_mk(N_CASE, c); s->a = p_expr(); p_expect(":"); }
				else if (p_is_kw(c, "default")) { p_next(); s = p_mk(N_DEFAULT, c); p_expect(":"); }
				else s = p_stmt();
				*tail = s; tail = &s->next;
			}
			p_next();
			return n;
		}
		if (!strcmp(k, "var")) {
			p_next();
			char *name = p_ident();
			type ty = ty_make(TY_UNKNOWN, NULL);
			if (p_eat(":")) ty = p_parse_type();
			p_skip_attrs();
			return vardef(t, name, ty);
		}
		if (!strcmp(k, "foreach")) p_fail(t, "%s", "foreach is not supported");
		if (!strcmp(k, "case") || !strcmp(k, "default")) p_fail(t, "'%s' outside of a switch", k);
		if (!strcmp(k, "else")) p_fail(t, "%s", "'else' without 'if'");
	}
	if ((t->kind == T_IDENT || p_is_op(t, ".")) && p_looks_like_decl()) {
		type ty = p_parse_type();
		char *name = p_ident();
		p_skip_attrs();
		return vardef(t, name, ty);
	}
	node *n = p_mk(N_EXPR, t);
	n->a = p_expr();
	p_expect(";");
	return n;
}

/* After an error: skip to the end of the broken statement or member, past
 * its ';' or its balanced '{...}', or stop before the '}' that closes it. */
void p_sync(void)
{
	int nest = 0;
	for (;;) {
		token *t = p_peek();
		if (t->kind == T_EOF) return;
		if (p_is_op(t, "{")) nest++;
		else if (p_is_op(t, "}")) { if (!nest) return; nest--; if (!nest) { p_next(); return; } }
		else if (p_is_op(t, ";") && !nest) { p_next(); return; }
		p_next();
	}
}

node *p_stmt(void)
{
	jmp_buf jb, *old = ps.recover;
	volatile int d = ps.depth;
	volatile int p0 = ps.pos;
	node *volatile n;
	if (++ps.depth > MAX_DEPTH) {   /* give up on the rest of the file */
		phc_error(ps.pfile, p_peek()->line, p_peek()->col, "statements nested too deeply");
		if (ps.cur) ps.cur->failed = 1;
		ps.depth = d; ps.recover = old; ps.pos = ps.ntk - 1; ps.at_eof_reported = 1;
		longjmp(*ps.recover, 1);
	}
	ps.recover = &jb;
	if (!setjmp(jb)) n = stmt_inner();
	else {
		ps.depth = d + 1;
		if (ps.pos == p0 && p_is_op(p_peek(), "}")) p_next();  /* always make progress */
		p_sync();
		n = p_mk(N_EMPTY, p_peek());
	}
	ps.recover = old;
	ps.depth = d;
	return n;
}

node *p_block_body(token *open)
{
	node *b = p_mk(N_BLOCK, open);
	node **tail = &b->a;
	while (!p_is_op(p_peek(), "}")) {
		if (p_peek()->kind == T_EOF) { if (ps.at_eof_reported++) longjmp(*ps.recover, 1); p_fail(open, "%s", "block is not closed by '}'"); }
		node *s = p_stmt();
		*tail = s; tail = &s->next;
	}
	p_next();
	return b;
}

