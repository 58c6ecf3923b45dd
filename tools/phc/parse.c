/* phc parser: recursive descent over the token array, building the AST of
 * each class. The expression levels and their order are the original
 * compiler's (loosest first): ! || &&, comparisons, :== :!=, + -, * / %,
 * bit operators, unary and literals, then calls/subscripts/assignment.
 * A syntax error longjmps to the innermost statement or member, which
 * skips to the next ';' or '}' so several errors are reported per run. */
#include "tools/phc/phc.h"
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

static const char *pfile;
static token *tk;
static int ntk, pos;
static jmp_buf *recover;
static int depth;
static int at_eof_reported;   /* one 'not closed' error at the end of the file is enough */
static pclass *cur;       /* class being parsed */
static char *package;
static char **imports; static int nimports;

#define MAX_DEPTH 400

static token *peek(void) { return &tk[pos]; }
static token *peekn(int k) { return &tk[pos + k < ntk ? pos + k : ntk - 1]; }
static token *next(void) { token *t = &tk[pos]; if (pos < ntk - 1) pos++; return t; }
static int is_op(token *t, const char *s) { return t->kind == T_OP && !strcmp(t->text, s); }
static int is_kw(token *t, const char *s) { return t->kind == T_IDENT && !strcmp(t->text, s); }
static int eat(const char *s) { if (is_op(peek(), s) || is_kw(peek(), s)) { next(); return 1; } return 0; }

static const char *tdesc(token *t)
{
	switch (t->kind) {
	case T_EOF: return "end of file";
	case T_INT: case T_FLOAT: return xasprintf("number '%s'", t->text);
	case T_STRING: return "string constant";
	default: return xasprintf("'%s'", t->text);
	}
}

static void __attribute__((noreturn)) fail(token *t, const char *fmt, const char *what)
{
	phc_error(pfile, t->line, t->col, fmt, what);
	if (cur) cur->failed = 1;
	longjmp(*recover, 1);
}

static void expect(const char *s)
{
	if (!eat(s)) fail(peek(), "expected %s", xasprintf("'%s' before %s", s, tdesc(peek())));
}

static char *ident(void)
{
	token *t = peek();
	if (t->kind != T_IDENT) fail(t, "expected a name before %s", tdesc(t));
	next();
	return t->text;
}

static node *mk(enum node_kind k, token *at)
{
	node *n = xmalloc(sizeof *n);
	memset(n, 0, sizeof *n);
	n->kind = k; n->line = at->line; n->col = at->col; n->ival = -1;
	return n;
}

static int builtin(const char *s)
{
	return !strcmp(s, "int") || !strcmp(s, "long") || !strcmp(s, "float") ||
	       !strcmp(s, "double") || !strcmp(s, "string") || !strcmp(s, "void");
}

/* dotted name: [.]a.b."c" — returns it with a leading dot if absolute */
static char *dotted(int *absolute)
{
	char b[1024]; size_t n = 0;
	*absolute = eat(".");
	do {
		token *t = peek();
		if (t->kind != T_IDENT && t->kind != T_STRING) fail(t, "expected a class name before %s", tdesc(t));
		next();
		size_t l = strlen(t->text);
		if (n + l + 2 >= sizeof b) fail(t, "%s", "class name too long");
		if (n || *absolute) b[n++] = '.';
		memcpy(b + n, t->text, l); n += l;
	} while (is_op(peek(), ".") && (peekn(1)->kind == T_IDENT || peekn(1)->kind == T_STRING) && next());
	b[n] = 0;
	return xstrdup(b);
}

static char *resolve_name(const char *name, int absolute)
{
	if (absolute) return xstrdup(name);
	if (!strchr(name, '.'))
		for (int i = 0; i < nimports; i++) {
			const char *d = strrchr(imports[i], '.');
			if (d && !strcmp(d + 1, name)) return xstrdup(imports[i]);
		}
	if (cur && !strchr(name, '.')) {
		const char *d = strrchr(cur->name, '.');
		if (d && !strcmp(d + 1, name)) return xstrdup(cur->name);
	}
	return xasprintf("%s.%s", package ? package : "", name);
}

static void skip_attrs(void)
{
	while (is_op(peek(), "@") || is_kw(peek(), "attribute")) {
		next();
		do {
			eat("~");
			int abs_;
			dotted(&abs_);
			while (is_op(peek(), "+") || is_op(peek(), "*") || is_op(peek(), "!->") ||
			       is_op(peek(), "->!") || is_op(peek(), "!"))
				next();
		} while (eat(","));
	}
}

static type parse_type(void)
{
	type t;
	eat("static");
	token *at = peek();
	if (is_op(at, "*")) fail(at, "%s", "computed types ('*expr') are not supported");
	int absolute;
	char *n = dotted(&absolute);
	if (!absolute && builtin(n)) t = ty_from_class(n, 0);
	else t = ty_from_class(resolve_name(n, absolute), 0);
	if (eat("[")) {
		if (!is_op(peek(), "]")) fail(peek(), "%s", "specific container classes ('[class]') are not supported");
		expect("]");
		type a = ty_make(TY_ARRAY, t.kind == TY_OBJ ? t.cls : ty_main_name(t));
		a.elem = t.kind;
		if (t.kind == TY_VOID || t.kind == TY_UNKNOWN) { a.cls = t.kind == TY_VOID ? ".internal.void" : ""; a.elem = TY_UNKNOWN; }
		t = a;
	}
	skip_attrs();
	return t;
}

/* Is there a type at the cursor followed by a name? (declaration "T x") */
static int looks_like_decl(void)
{
	int p = pos;
	token *t = &tk[p];
	int absolute = 0;
	if (is_op(t, ".")) { absolute = 1; p++; }
	if (tk[p].kind != T_IDENT) return 0;
	char first[256]; snprintf(first, sizeof first, "%s", tk[p].text);
	p++;
	while (is_op(&tk[p], ".") && tk[p + 1].kind == T_IDENT) p += 2;
	if (is_op(&tk[p], "[") && is_op(&tk[p + 1], "]")) p += 2;
	if (tk[p].kind != T_IDENT) return 0;
	if (!absolute && !builtin(first)) {   /* a relative name must be a known class */
		int known = 0;
		for (int i = 0; i < nimports; i++) {
			const char *d = strrchr(imports[i], '.');
			if (d && !strcmp(d + 1, first)) known = 1;
		}
		if (!known) return 0;
	}
	token *after = &tk[p + 1];
	return is_op(after, ";") || is_op(after, "=") || is_op(after, "@");
}

static node *expr(void);
static node *stmt(void);

static node *call_args(node *call)
{
	expect("(");
	node **tail = &call->b;
	if (eat(")")) return call;
	do {
		node *a = expr();
		*tail = a; tail = &a->next;
	} while (eat(","));
	expect(")");
	return call;
}

static node *atom(void)
{
	token *t = peek();
	if (t->kind == T_IDENT) {
		if (!strcmp(t->text, "null")) { next(); return mk(N_NULL, t); }
		if (!strcmp(t->text, "this")) { next(); return mk(N_THIS, t); }
		next();
		node *n = mk(N_IDENT, t); n->str = t->text;
		return n;
	}
	if (is_op(t, "(")) {
		next();
		node *n = expr();
		expect(")");
		return n;
	}
	fail(t, "expected an expression before %s", tdesc(t));
}

static node *postfix(void)
{
	node *out = atom(), *first = out;
	for (;;) {
		token *t = peek();
		if (is_op(t, ".")) {
			next();
			node *c = mk(N_CALL, t);
			token *m = peek();
			if (m->kind == T_IDENT) { next(); c->str = m->text; }
			else if (m->kind == T_INT) { next(); c->ival = m->ival; if (m->ival > 0x7fffffff) fail(m, "%s", "method ordinal too large"); }
			else fail(m, "expected a method name or ordinal before %s", tdesc(m));
			c->a = out; c->line = m->line; c->col = m->col;
			out = call_args(c);
		} else if (is_op(t, "(")) {
			if (out != first || out->kind != N_IDENT) fail(t, "%s", "call of something that is not a method");
			node *c = mk(N_CALL, t);
			c->str = out->str; c->line = out->line; c->col = out->col;
			c->a = NULL;  /* this */
			out = call_args(c);
			first = NULL;
		} else if (is_op(t, "[")) {
			next();
			node *s = mk(N_INDEX, t);
			s->a = out; s->b = expr();
			expect("]");
			out = s;
		} else break;
	}
	token *t = peek();
	if (is_op(t, "=")) {
		next();
		node *a = mk(N_ASSIGN, t);
		a->a = out; a->b = expr();
		return a;
	}
	if (is_op(t, ".=")) fail(t, "%s", "value assignment '.=' is not supported");
	return out;
}

static node *unary(void);

static node *lower(void)
{
	token *t = peek();
	if (++depth > MAX_DEPTH) fail(t, "%s", "expression nested too deeply");
	node *n;
	if (t->kind == T_STRING) { next(); n = mk(N_STR, t); n->str = t->text; n->len = t->len; }
	else if (t->kind == T_INT) { next(); n = mk(N_INT, t); n->ival = t->ival; }
	else if (t->kind == T_FLOAT) { next(); n = mk(N_FLOAT, t); n->fval = t->fval; n->ival = t->is_float; }
	else if (is_kw(t, "import")) {
		next();
		token *f = peek();
		if (f->kind != T_STRING) fail(f, "expected a file name after import, found %s", tdesc(f));
		next();
		n = mk(N_BIN, t); n->str = f->text; n->len = f->len;
	} else if (is_op(t, "-")) {
		next();
		if (peek()->kind == T_INT) { token *v = next(); n = mk(N_INT, t); n->ival = -v->ival; }
		else if (peek()->kind == T_FLOAT) { token *v = next(); n = mk(N_FLOAT, t); n->fval = -v->fval; n->ival = v->is_float; }
		else { n = mk(N_NEG, t); n->a = lower(); }
	} else if (is_op(t, "~")) { next(); n = mk(N_BITNOT, t); n->a = lower(); }
	else if (is_kw(t, "new")) {
		next();
		n = mk(N_NEW, t);
		if (eat("*")) {   /* new *(class expression) [: type] () */
			expect("(");
			n->a = expr();
			expect(")");
			n->ty = ty_make(TY_UNKNOWN, NULL);
			if (eat(":")) n->ty = parse_type();
		} else n->ty = parse_type();
		if (n->ty.kind == TY_VOID) fail(t, "%s", "cannot create an object of type void");
		call_args(n);
	} else if (is_op(t, "(") && (is_op(peekn(1), ".") || (peekn(1)->kind == T_IDENT && builtin(peekn(1)->text)))) {
		/* (type) expr */
		int save = pos;
		next();
		jmp_buf jb, *old = recover;
		recover = &jb;
		int errs = phc_errors, quiet = phc_quiet, failed = cur ? cur->failed : 0;
		phc_quiet = 1;
		if (!setjmp(jb)) {
			type ty = parse_type();
			if (is_op(peek(), ")")) {
				recover = old;
				phc_quiet = quiet;
				next();
				n = mk(N_CAST, t); n->ty = ty; n->a = unary();
				depth--;
				return n;
			}
		}
		recover = old; phc_errors = errs; pos = save; phc_quiet = quiet;
		if (cur) cur->failed = failed;
		n = postfix();
	} else n = postfix();
	depth--;
	return n;
}

static node *unary(void) { return lower(); }

static node *binop(const char *op, token *t, node *l, node *r)
{
	node *n = mk(N_BINOP, t);
	n->str = (char *)op; n->a = l; n->b = r;
	return n;
}

static node *bitlevel(void)
{
	node *l = lower();
	for (;;) {
		token *t = peek();
		if (t->kind == T_OP && (!strcmp(t->text, "|") || !strcmp(t->text, "&") || !strcmp(t->text, "^") ||
		    !strcmp(t->text, "<<") || !strcmp(t->text, ">>") || !strcmp(t->text, ">>>"))) {
			next(); l = binop(t->text, t, l, lower());
		} else return l;
	}
}
static node *mult(void)
{
	node *l = bitlevel();
	for (;;) {
		token *t = peek();
		if (is_op(t, "*") || is_op(t, "/") || is_op(t, "%")) { next(); l = binop(t->text, t, l, bitlevel()); }
		else return l;
	}
}
static node *additive(void)
{
	node *l = mult();
	for (;;) {
		token *t = peek();
		if (is_op(t, "+") || is_op(t, "-")) { next(); l = binop(t->text, t, l, mult()); }
		else return l;
	}
}
static node *refcmp(void)
{
	node *l = additive();
	for (;;) {
		token *t = peek();
		if (is_op(t, ":==") || is_op(t, ":!=")) { next(); l = binop(t->text, t, l, additive()); }
		else return l;
	}
}
static node *cmp(void)
{
	node *l = refcmp();
	for (;;) {
		token *t = peek();
		if (t->kind == T_OP && (!strcmp(t->text, "==") || !strcmp(t->text, "!=") || !strcmp(t->text, "<") ||
		    !strcmp(t->text, ">") || !strcmp(t->text, "<=") || !strcmp(t->text, ">="))) {
			next(); l = binop(t->text, t, l, refcmp());
		} else if (is_kw(t, "instanceof")) {
			next();
			node *n = mk(N_INSTANCEOF, t);
			n->a = l; n->ty = parse_type();
			l = n;
		} else return l;
	}
}
static node *logical(void)
{
	token *t = peek();
	if (++depth > MAX_DEPTH) fail(t, "%s", "expression nested too deeply");
	node *l;
	if (is_op(t, "!")) { next(); l = mk(N_NOT, t); l->a = logical(); depth--; return l; }
	l = cmp();
	for (;;) {
		token *o = peek();
		if (is_op(o, "||")) { next(); node *n = mk(N_OR, o); n->a = l; n->b = cmp(); l = n; }
		else if (is_op(o, "&&")) { next(); node *n = mk(N_AND, o); n->a = l; n->b = cmp(); l = n; }
		else break;
	}
	depth--;
	return l;
}
static node *expr(void) { return logical(); }

static node *block_body(token *open);

static node *vardef(token *at, char *name, type ty)
{
	node *n = mk(N_VARDEF, at);
	n->str = name; n->ty = ty;
	if (eat("=")) n->a = expr();
	expect(";");
	return n;
}

static node *stmt_inner(void)
{
	token *t = peek();
	if (is_op(t, "{")) { next(); return block_body(t); }
	if (is_op(t, ";")) { next(); return mk(N_EMPTY, t); }
	if (t->kind == T_IDENT) {
		const char *k = t->text;
		if (!strcmp(k, "if")) {
			next(); expect("(");
			node *n = mk(N_IF, t); n->a = expr(); expect(")");
			n->b = stmt();
			if (eat("else")) n->c = stmt();
			return n;
		}
		if (!strcmp(k, "while")) {
			next(); expect("(");
			node *n = mk(N_WHILE, t); n->a = expr(); expect(")");
			n->b = stmt();
			return n;
		}
		if (!strcmp(k, "do")) {   /* do PRE while (C) [POST | ;] */
			next();
			node *n = mk(N_DO, t); n->b = stmt();
			expect("while"); expect("("); n->a = expr(); expect(")");
			if (!eat(";")) n->c = stmt();
			return n;
		}
		if (!strcmp(k, "for")) {
			next(); expect("(");
			node *n = mk(N_FOR, t);
			if (!is_op(peek(), ";")) { node *e = mk(N_EXPR, peek()); e->a = expr(); n->d = e; }
			expect(";");
			if (!is_op(peek(), ";")) n->a = expr();
			expect(";");
			if (!is_op(peek(), ")")) { node *e = mk(N_EXPR, peek()); e->a = expr(); n->c = e; }
			expect(")");
			n->b = stmt();
			return n;
		}
		if (!strcmp(k, "return")) {
			next();
			node *n = mk(N_RETURN, t);
			if (!eat(";")) { n->a = expr(); expect(";"); }
			return n;
		}
		if (!strcmp(k, "throw")) {
			next();
			node *n = mk(N_THROW, t); n->a = expr(); expect(";");
			return n;
		}
		if (!strcmp(k, "break")) { next(); expect(";"); return mk(N_BREAK, t); }
		if (!strcmp(k, "continue")) { next(); expect(";"); return mk(N_CONTINUE, t); }
		if (!strcmp(k, "try")) {
			next();
			node *n = mk(N_TRY, t);
			n->a = stmt();
			expect("catch"); expect("(");
			n->ty = parse_type();
			n->str = ident();
			expect(")");
			n->b = stmt();
			return n;
		}
		if (!strcmp(k, "switch")) {
			next(); expect("(");
			node *n = mk(N_SWITCH, t); n->a = expr(); expect(")");
			token *open = peek();
			expect("{");
			node **tail = &n->b;
			while (!is_op(peek(), "}")) {
				token *c = peek();
				node *s;
				if (c->kind == T_EOF) { if (at_eof_reported++) longjmp(*recover, 1); fail(open, "%s", "switch is not closed by '}'"); }
				if (is_kw(c, "case")) { next(); s = mk(N_CASE, c); s->a = expr(); expect(":"); }
				else if (is_kw(c, "default")) { next(); s = mk(N_DEFAULT, c); expect(":"); }
				else s = stmt();
				*tail = s; tail = &s->next;
			}
			next();
			return n;
		}
		if (!strcmp(k, "var")) {
			next();
			char *name = ident();
			type ty = ty_make(TY_UNKNOWN, NULL);
			if (eat(":")) ty = parse_type();
			skip_attrs();
			return vardef(t, name, ty);
		}
		if (!strcmp(k, "foreach")) fail(t, "%s", "foreach is not supported");
		if (!strcmp(k, "case") || !strcmp(k, "default")) fail(t, "'%s' outside of a switch", k);
		if (!strcmp(k, "else")) fail(t, "%s", "'else' without 'if'");
	}
	if ((t->kind == T_IDENT || is_op(t, ".")) && looks_like_decl()) {
		type ty = parse_type();
		char *name = ident();
		skip_attrs();
		return vardef(t, name, ty);
	}
	node *n = mk(N_EXPR, t);
	n->a = expr();
	expect(";");
	return n;
}

/* skip to the end of the broken statement: past ';' or before '}' */
static void sync_stmt(void)
{
	int nest = 0;
	for (;;) {
		token *t = peek();
		if (t->kind == T_EOF) return;
		if (is_op(t, "{")) nest++;
		else if (is_op(t, "}")) { if (!nest) return; nest--; if (!nest) { next(); return; } }
		else if (is_op(t, ";") && !nest) { next(); return; }
		next();
	}
}

static node *stmt(void)
{
	jmp_buf jb, *old = recover;
	volatile int d = depth;
	volatile int p0 = pos;
	node *volatile n;
	if (++depth > MAX_DEPTH) {   /* give up on the rest of the file */
		phc_error(pfile, peek()->line, peek()->col, "statements nested too deeply");
		if (cur) cur->failed = 1;
		depth = d; recover = old; pos = ntk - 1; at_eof_reported = 1;
		longjmp(*recover, 1);
	}
	recover = &jb;
	if (!setjmp(jb)) n = stmt_inner();
	else {
		depth = d + 1;
		if (pos == p0 && is_op(peek(), "}")) next();  /* always make progress */
		sync_stmt();
		n = mk(N_EMPTY, peek());
	}
	recover = old;
	depth = d;
	return n;
}

static node *block_body(token *open)
{
	node *b = mk(N_BLOCK, open);
	node **tail = &b->a;
	while (!is_op(peek(), "}")) {
		if (peek()->kind == T_EOF) { if (at_eof_reported++) longjmp(*recover, 1); fail(open, "%s", "block is not closed by '}'"); }
		node *s = stmt();
		*tail = s; tail = &s->next;
	}
	next();
	return b;
}

static void add_method(pclass *c, method *m)
{
	c->methods = xrealloc(c->methods, sizeof *m * (c->nmethods + 1));
	c->methods[c->nmethods++] = *m;
}

static void member(pclass *c, int iface)
{
	token *t = peek();
	if (is_op(t, ";")) { next(); return; }
	if (is_kw(t, "attribute") || is_op(t, "@")) { skip_attrs(); eat(";"); return; }
	if (is_kw(t, "var")) {
		next();
		token *nt = peek();
		char *name = ident();
		type ty = ty_make(TY_UNKNOWN, NULL);
		if (eat(":")) ty = parse_type();
		skip_attrs();
		expect(";");
		if (iface) fail(nt, "%s", "an interface cannot have fields");
		c->fields = xrealloc(c->fields, sizeof(field) * (c->nfields + 1));
		c->fields[c->nfields++] = (field){ name, ty, -1 };
		(void)nt;
		return;
	}
	type ty = parse_type();
	skip_attrs();
	token *nt = peek();
	char *name = ident();
	if (!is_op(peek(), "(")) {
		skip_attrs();
		expect(";");
		if (iface) fail(nt, "%s", "an interface cannot have fields");
		c->fields = xrealloc(c->fields, sizeof(field) * (c->nfields + 1));
		c->fields[c->nfields++] = (field){ name, ty, -1 };
		return;
	}
	method m; memset(&m, 0, sizeof m);
	m.name = name; m.ret = ty; m.ordinal = -1; m.line = nt->line; m.col = nt->col;
	const char *shortn = strrchr(c->name, '.');
	m.is_ctor = shortn && !strcmp(shortn + 1, name);
	if (m.is_ctor && ty.kind != TY_VOID) fail(nt, "%s", "a constructor must be declared void");
	if (m.is_ctor) m.name = "<init>";   /* the original's constructor name */
	expect("(");
	if (!eat(")")) {
		do {
			token *at = peek();
			if (!eat("var")) fail(at, "expected 'var' in the argument list before %s", tdesc(at));
			char *an = ident();
			type aty = ty_make(TY_UNKNOWN, NULL);
			if (eat(":")) aty = parse_type();
			skip_attrs();
			for (int i = 0; i < m.nargs; i++)
				if (!strcmp(m.args[i].name, an)) fail(at, "duplicate argument '%s'", an);
			m.args = xrealloc(m.args, sizeof(arg) * (m.nargs + 1));
			m.args[m.nargs++] = (arg){ an, aty };
		} while (eat(","));
		expect(")");
	}
	if (eat("[")) {
		token *o = peek();
		if (o->kind != T_INT) fail(o, "expected a method ordinal before %s", tdesc(o));
		next();
		if (o->ival > 0xffff) fail(o, "%s", "method ordinal is too large (at most 65535)");
		m.ordinal = (int)o->ival;
		expect("]");
	}
	skip_attrs();
	if (iface && is_op(peek(), ";")) { next(); add_method(c, &m); return; }
	token *open = peek();
	expect("{");
	m.body = block_body(open);
	m.has_body = 1;
	add_method(c, &m);
}

static void sync_member(void)
{
	int nest = 0;
	for (;;) {
		token *t = peek();
		if (t->kind == T_EOF) return;
		if (is_op(t, "{")) nest++;
		else if (is_op(t, "}")) { if (!nest) return; nest--; if (!nest) { next(); return; } }
		else if (is_op(t, ";") && !nest) { next(); return; }
		next();
	}
}

static void class_def(int iface)
{
	token *t = next();
	int absolute;
	token *nt = peek();
	char *n = dotted(&absolute);
	pclass *c = xmalloc(sizeof *c);
	memset(c, 0, sizeof *c);
	c->name = absolute ? n : xasprintf("%s.%s", package ? package : "", n);
	if (!absolute && !package) phc_error(pfile, nt->line, nt->col, "relative class name '%s' but no package was declared", n);
	c->parent = ".internal.object";
	c->compiled = 1; c->file = pfile; c->line = t->line; c->col = t->col;
	c->package = package;
	c->imports = imports; c->nimports = nimports;
	for (pclass *o = phc_classes; o; o = o->next)
		if (o->compiled && !strcasecmp(o->name, c->name)) {
			phc_error(pfile, nt->line, nt->col, "class '%s' is defined twice (first at %s:%d)", c->name, o->file, o->line);
			c->failed = 1;
		}
	cur = c;
	skip_attrs();
	for (;;) {
		if (eat("extends")) {
			token *e = peek();
			int a; char *p = dotted(&a);
			if (iface) fail(e, "%s", "an interface cannot extend a class");
			c->parent = resolve_name(p, a);
		} else if (eat("implements")) {
			int a; char *p = dotted(&a);
			c->ifaces = xrealloc(c->ifaces, sizeof(char *) * (c->nifaces + 1));
			c->ifaces[c->nifaces++] = resolve_name(p, a);
		} else break;
	}
	token *open = peek();
	expect("{");
	while (!is_op(peek(), "}")) {
		if (peek()->kind == T_EOF) { if (!at_eof_reported++) phc_error(pfile, open->line, open->col, "class body is not closed by '}'"); c->failed = 1; break; }
		jmp_buf jb, *old = recover;
		recover = &jb;
		volatile int p0 = pos;
		if (!setjmp(jb)) member(c, iface);
		else { if (pos == p0) next(); sync_member(); }
		recover = old;
	}
	next();
	/* append to keep source order */
	pclass **pp = &phc_classes;
	while (*pp) pp = &(*pp)->next;
	*pp = c;
	cur = NULL;
}

void phc_parse(const char *file, token *t, int n)
{
	pfile = file; tk = t; ntk = n; pos = 0; depth = 0; at_eof_reported = 0;
	package = NULL; imports = NULL; nimports = 0; cur = NULL;
	while (peek()->kind != T_EOF) {
		jmp_buf jb;
		recover = &jb;
		volatile int p0 = pos;
		if (setjmp(jb)) { if (pos == p0) next(); sync_member(); continue; }
		token *k = peek();
		if (eat(";")) continue;
		if (is_kw(k, "package")) {
			next();
			int a; char *p = dotted(&a);
			if (package) phc_error(file, k->line, k->col, "package is already declared as %s", package);
			else package = a ? p : xasprintf(".%s", p);
			expect(";");
		} else if (is_kw(k, "import")) {
			next();
			if (peek()->kind == T_STRING) fail(peek(), "%s", "import of a file is an expression, not a declaration");
			if (!is_op(peek(), ".")) fail(peek(), "%s", "import must use an absolute name (starting with '.')");
			int a; char *p = dotted(&a);
			if (eat(".")) { expect("*"); fail(k, "%s", "wildcard imports are not supported"); }
			imports = xrealloc(imports, sizeof(char *) * (nimports + 1));
			imports[nimports++] = p;
			expect(";");
		} else if (is_kw(k, "attribute") || is_op(k, "@")) {
			skip_attrs(); expect(";");
		} else if (is_kw(k, "class") || is_kw(k, "interface")) {
			class_def(is_kw(k, "interface"));
			eat(";");
		} else fail(k, "expected a class, package, import or attribute before %s", tdesc(k));
	}
	/* imports after a class count too (and the array may have moved) */
	for (pclass *c = phc_classes; c; c = c->next)
		if (c->compiled && c->file == file) { c->imports = imports; c->nimports = nimports; }
}
