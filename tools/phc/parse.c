/* phc parser: tokens, names and types, class declarations (the entry
 * point phc_parse). Expressions are in pexpr.c, statements in pstmt.c. */
#include "tools/phc/parse.h"
#include <stdio.h>
#include <string.h>

struct parse_state ps;

token *p_peek(void) { return &ps.tk[ps.pos]; }
token *p_peekn(int k) { return &ps.tk[ps.pos + k < ps.ntk ? ps.pos + k : ps.ntk - 1]; }
token *p_next(void) { token *t = &ps.tk[ps.pos]; if (ps.pos < ps.ntk - 1) ps.pos++; return t; }
int p_is_op(token *t, const char *s) { return t->kind == T_OP && !strcmp(t->text, s); }
int p_is_kw(token *t, const char *s) { return t->kind == T_IDENT && !strcmp(t->text, s); }
int p_eat(const char *s) { if (p_is_op(p_peek(), s) || p_is_kw(p_peek(), s)) { p_next(); return 1; } return 0; }

const char *p_tdesc(token *t)
{
	switch (t->kind) {
	case T_EOF: return "end of file";
	case T_INT: case T_FLOAT: return xasprintf("number '%s'", t->text);
	case T_STRING: return "string constant";
	default: return xasprintf("'%s'", t->text);
	}
}

void __attribute__((noreturn)) p_fail(token *t, const char *fmt, const char *what)
{
	phc_error(ps.pfile, t->line, t->col, fmt, what);
	if (ps.cur) ps.cur->failed = 1;
	longjmp(*ps.recover, 1);
}

void p_expect(const char *s)
{
	if (!p_eat(s)) p_fail(p_peek(), "expected %s", xasprintf("'%s' before %s", s, p_tdesc(p_peek())));
}

char *p_ident(void)
{
	token *t = p_peek();
	if (t->kind != T_IDENT) p_fail(t, "expected a name before %s", p_tdesc(t));
	p_next();
	return t->text;
}

node *p_mk(enum node_kind k, token *at)
{
	node *n = xmalloc(sizeof *n);
	memset(n, 0, sizeof *n);
	n->kind = k; n->line = at->line; n->col = at->col; n->ival = -1;
	return n;
}

int p_builtin(const char *s)
{
	return !strcmp(s, "int") || !strcmp(s, "long") || !strcmp(s, "float") ||
	       !strcmp(s, "double") || !strcmp(s, "string") || !strcmp(s, "void");
}

/* dotted name: [.]a.b."c" — returns it with a leading dot if absolute */
char *p_dotted(int *absolute)
{
	char b[1024]; size_t n = 0;
	*absolute = p_eat(".");
	do {
		token *t = p_peek();
		if (t->kind != T_IDENT && t->kind != T_STRING) p_fail(t, "expected a class name before %s", p_tdesc(t));
		p_next();
		size_t l = strlen(t->text);
		/* a quoted part ("class") becomes part of a file name: keep it a name */
		if (t->kind == T_STRING && (!l || l != t->len || strpbrk(t->text, "./\\ \t\n")))
			p_fail(t, "%s", "a quoted part of a class name must be a plain name");
		if (n + l + 2 >= sizeof b) p_fail(t, "%s", "class name too long");
		if (n || *absolute) b[n++] = '.';
		memcpy(b + n, t->text, l); n += l;
	} while (p_is_op(p_peek(), ".") && (p_peekn(1)->kind == T_IDENT || p_peekn(1)->kind == T_STRING) && p_next());
	b[n] = 0;
	return xstrdup(b);
}

char *p_resolve_name(const char *name, int absolute)
{
	if (absolute) return xstrdup(name);
	if (!strchr(name, '.'))
		for (int i = 0; i < ps.nimports; i++) {
			const char *d = strrchr(ps.imports[i], '.');
			if (d && !strcmp(d + 1, name)) return xstrdup(ps.imports[i]);
		}
	if (ps.cur && !strchr(name, '.')) {
		const char *d = strrchr(ps.cur->name, '.');
		if (d && !strcmp(d + 1, name)) return xstrdup(ps.cur->name);
	}
	return xasprintf("%s.%s", ps.package ? ps.package : "", name);
}

void p_skip_attrs(void)
{
	while (p_is_op(p_peek(), "@") || p_is_kw(p_peek(), "attribute")) {
		p_next();
		do {
			p_eat("~");
			int abs_;
			p_dotted(&abs_);
			while (p_is_op(p_peek(), "+") || p_is_op(p_peek(), "*") || p_is_op(p_peek(), "!->") ||
			       p_is_op(p_peek(), "->!") || p_is_op(p_peek(), "!"))
				p_next();
		} while (p_eat(","));
	}
}

type p_parse_type(void)
{
	type t;
	p_eat("static");
	token *at = p_peek();
	if (p_is_op(at, "*")) p_fail(at, "%s", "computed types ('*expr') are not supported");
	int absolute;
	char *n = p_dotted(&absolute);
	if (!absolute && p_builtin(n)) t = ty_from_class(n, 0);
	else t = ty_from_class(p_resolve_name(n, absolute), 0);
	if (p_eat("[")) {
		if (!p_is_op(p_peek(), "]")) p_fail(p_peek(), "%s", "specific container classes ('[class]') are not supported");
		p_expect("]");
		type a = ty_make(TY_ARRAY, t.kind == TY_OBJ ? t.cls : ty_main_name(t));
		a.elem = t.kind;
		if (t.kind == TY_VOID || t.kind == TY_UNKNOWN) { a.cls = t.kind == TY_VOID ? ".internal.void" : ""; a.elem = TY_UNKNOWN; }
		t = a;
	}
	p_skip_attrs();
	return t;
}

/* Is there a type at the cursor followed by a name? (declaration "T x") */
int p_looks_like_decl(void)
{
	int p = ps.pos;
	token *t = &ps.tk[p];
	int absolute = 0;
	if (p_is_op(t, ".")) { absolute = 1; p++; }
	if (ps.tk[p].kind != T_IDENT) return 0;
	char first[256]; snprintf(first, sizeof first, "%s", ps.tk[p].text);
	p++;
	while (p_is_op(&ps.tk[p], ".") && ps.tk[p + 1].kind == T_IDENT) p += 2;
	if (p_is_op(&ps.tk[p], "[") && p_is_op(&ps.tk[p + 1], "]")) p += 2;
	if (ps.tk[p].kind != T_IDENT) return 0;
	if (!absolute && !p_builtin(first)) {   /* a relative name must be a known class */
		int known = 0;
		for (int i = 0; i < ps.nimports; i++) {
			const char *d = strrchr(ps.imports[i], '.');
			if (d && !strcmp(d + 1, first)) known = 1;
		}
		if (!known) return 0;
	}
	token *after = &ps.tk[p + 1];
	return p_is_op(after, ";") || p_is_op(after, "=") || p_is_op(after, "@");
}


static void add_method(pclass *c, method *m)
{
	c->methods = xrealloc(c->methods, sizeof *m * (c->nmethods + 1));
	c->methods[c->nmethods++] = *m;
}

static void member(pclass *c, int iface)
{
	token *t = p_peek();
	if (p_is_op(t, ";")) { p_next(); return; }
	if (p_is_kw(t, "attribute") || p_is_op(t, "@")) { p_skip_attrs(); p_eat(";"); return; }
	if (p_is_kw(t, "var")) {
		p_next();
		token *nt = p_peek();
		char *name = p_ident();
		type ty = ty_make(TY_UNKNOWN, NULL);
		if (p_eat(":")) ty = p_parse_type();
		p_skip_attrs();
		p_expect(";");
		if (iface) p_fail(nt, "%s", "an interface cannot have fields");
		c->fields = xrealloc(c->fields, sizeof(field) * (c->nfields + 1));
		c->fields[c->nfields++] = (field){ name, ty, -1 };
		(void)nt;
		return;
	}
	type ty = p_parse_type();
	p_skip_attrs();
	token *nt = p_peek();
	char *name = p_ident();
	if (!p_is_op(p_peek(), "(")) {
		p_skip_attrs();
		p_expect(";");
		if (iface) p_fail(nt, "%s", "an interface cannot have fields");
		c->fields = xrealloc(c->fields, sizeof(field) * (c->nfields + 1));
		c->fields[c->nfields++] = (field){ name, ty, -1 };
		return;
	}
	method m; memset(&m, 0, sizeof m);
	m.name = name; m.ret = ty; m.ordinal = -1; m.line = nt->line; m.col = nt->col;
	const char *shortn = strrchr(c->name, '.');
	m.is_ctor = shortn && !strcmp(shortn + 1, name);
	if (m.is_ctor && ty.kind != TY_VOID) p_fail(nt, "%s", "a constructor must be declared void");
	if (m.is_ctor) m.name = "<init>";   /* the original's constructor name */
	p_expect("(");
	if (!p_eat(")")) {
		do {
			token *at = p_peek();
			if (!p_eat("var")) p_fail(at, "expected 'var' in the argument list before %s", p_tdesc(at));
			char *an = p_ident();
			type aty = ty_make(TY_UNKNOWN, NULL);
			if (p_eat(":")) aty = p_parse_type();
			p_skip_attrs();
			for (int i = 0; i < m.nargs; i++)
				if (!strcmp(m.args[i].name, an)) p_fail(at, "duplicate argument '%s'", an);
			m.args = xrealloc(m.args, sizeof(arg) * (m.nargs + 1));
			m.args[m.nargs++] = (arg){ an, aty };
		} while (p_eat(","));
		p_expect(")");
	}
	if (p_eat("[")) {
		token *o = p_peek();
		if (o->kind != T_INT) p_fail(o, "expected a method ordinal before %s", p_tdesc(o));
		p_next();
		if (o->ival > 0xffff) p_fail(o, "%s", "method ordinal is too large (at most 65535)");
		m.ordinal = (int)o->ival;
		m.pinned = 1;
		p_expect("]");
	}
	p_skip_attrs();
	if (iface && p_is_op(p_peek(), ";")) { p_next(); add_method(c, &m); return; }
	token *open = p_peek();
	p_expect("{");
	m.body = p_block_body(open);
	m.has_body = 1;
	add_method(c, &m);
}

static void class_def(int iface)
{
	token *t = p_next();
	int absolute;
	token *nt = p_peek();
	char *n = p_dotted(&absolute);
	pclass *c = xmalloc(sizeof *c);
	memset(c, 0, sizeof *c);
	c->name = absolute ? n : xasprintf("%s.%s", ps.package ? ps.package : "", n);
	if (!absolute && !ps.package) phc_error(ps.pfile, nt->line, nt->col, "relative class name '%s' but no package was declared", n);
	c->parent = ".internal.object";
	c->compiled = 1; c->file = ps.pfile; c->line = t->line; c->col = t->col;
	c->package = ps.package;
	c->imports = ps.imports; c->nimports = ps.nimports;
	for (pclass *o = phc_classes; o; o = o->next)
		if (o->compiled && !strcasecmp(o->name, c->name)) {
			phc_error(ps.pfile, nt->line, nt->col, "class '%s' is defined twice (first at %s:%d)", c->name, o->file, o->line);
			c->failed = 1;
		}
	ps.cur = c;
	p_skip_attrs();
	for (;;) {
		if (p_eat("extends")) {
			token *e = p_peek();
			int a; char *p = p_dotted(&a);
			if (iface) p_fail(e, "%s", "an interface cannot extend a class");
			c->parent = p_resolve_name(p, a);
		} else if (p_eat("implements")) {
			int a; char *p = p_dotted(&a);
			c->ifaces = xrealloc(c->ifaces, sizeof(char *) * (c->nifaces + 1));
			c->ifaces[c->nifaces++] = p_resolve_name(p, a);
		} else break;
	}
	token *open = p_peek();
	p_expect("{");
	while (!p_is_op(p_peek(), "}")) {
		if (p_peek()->kind == T_EOF) { if (!ps.at_eof_reported++) phc_error(ps.pfile, open->line, open->col, "class body is not closed by '}'"); c->failed = 1; break; }
		jmp_buf jb, *old = ps.recover;
		ps.recover = &jb;
		volatile int p0 = ps.pos;
		if (!setjmp(jb)) member(c, iface);
		else { if (ps.pos == p0) p_next(); p_sync(); }
		ps.recover = old;
	}
	p_next();
	/* append to keep source order */
	pclass **pp = &phc_classes;
	while (*pp) pp = &(*pp)->next;
	*pp = c;
	ps.cur = NULL;
}

void phc_parse(const char *file, token *t, int n)
{
	ps.pfile = file; ps.tk = t; ps.ntk = n; ps.pos = 0; ps.depth = 0; ps.at_eof_reported = 0;
	ps.package = NULL; ps.imports = NULL; ps.nimports = 0; ps.cur = NULL;
	while (p_peek()->kind != T_EOF) {
		jmp_buf jb;
		ps.recover = &jb;
		volatile int p0 = ps.pos;
		if (setjmp(jb)) { if (ps.pos == p0) p_next(); p_sync(); continue; }
		token *k = p_peek();
		if (p_eat(";")) continue;
		if (p_is_kw(k, "package")) {
			p_next();
			int a; char *p = p_dotted(&a);
			if (ps.package) phc_error(file, k->line, k->col, "package is already declared as %s", ps.package);
			else ps.package = a ? p : xasprintf(".%s", p);
			p_expect(";");
		} else if (p_is_kw(k, "import")) {
			p_next();
			if (p_peek()->kind == T_STRING) p_fail(p_peek(), "%s", "import of a file is an expression, not a declaration");
			if (!p_is_op(p_peek(), ".")) p_fail(p_peek(), "%s", "import must use an absolute name (starting with '.')");
			int a; char *p = p_dotted(&a);
			if (p_eat(".")) { p_expect("*"); p_fail(k, "%s", "wildcard imports are not supported"); }
			ps.imports = xrealloc(ps.imports, sizeof(char *) * (ps.nimports + 1));
			ps.imports[ps.nimports++] = p;
			p_expect(";");
		} else if (p_is_kw(k, "attribute") || p_is_op(k, "@")) {
			p_skip_attrs(); p_expect(";");
		} else if (p_is_kw(k, "class") || p_is_kw(k, "interface")) {
			class_def(p_is_kw(k, "interface"));
			p_eat(";");
		} else p_fail(k, "expected a class, package, import or attribute before %s", p_tdesc(k));
	}
	/* imports after a class count too (and the array may have moved) */
	for (pclass *c = phc_classes; c; c = c->next)
		if (c->compiled && c->file == file) { c->imports = ps.imports; c->nimports = ps.nimports; }
}

