/* phc class table: the classes being compiled and the classes imported from
 * .pc files in the -I folders; field slots and method ordinals.
 *
 * Ordinals follow the original compiler (plc, HEAD): pinned ordinals ([N])
 * first, then the other methods in the iteration order of a Java HashMap
 * keyed by the signature string "name_#_type_#_type" ("name_#_void" with no
 * arguments), numbered from the parent's method-table size (16 for a root
 * child); a method that overrides one of the parent's takes the parent's
 * ordinal. Field slots follow the parent's, in source order. This is what
 * the bundled variant-B class files show (phantom.util.map, hashpair,
 * environment, osimpl). plc at HEAD also adds an empty default constructor
 * "<init>" to a class that has none; phc does not, so that its ordinals stay
 * those of the bundled files (a constructor runs the nearest ancestor's
 * default constructor instead). The older plc (the variant-A files: boot,
 * class_loader, hashmap, windows ...) keyed the map by the method name
 * alone: phc --ordinals=name numbers methods that way. */
#include "tools/phc/phc.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

pclass *phc_classes;
int phc_name_ordinals;
const char **phc_incdirs;
int phc_nincdirs;

type ty_make(enum ty_kind k, const char *cls)
{
	type t = { k, cls, TY_UNKNOWN };
	return t;
}

type ty_from_class(const char *n, int is_array)
{
	static const struct { const char *a, *b; enum ty_kind k; } map[] = {
		{ "int", ".internal.int", TY_INT }, { "long", ".internal.long", TY_LONG },
		{ "float", ".internal.float", TY_FLOAT }, { "double", ".internal.double", TY_DOUBLE },
		{ "string", ".internal.string", TY_STRING }, { "void", ".internal.void", TY_VOID },
	};
	type t = ty_make(TY_OBJ, n);
	if (!n || !*n) t = ty_make(TY_UNKNOWN, NULL);
	else for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
		if (!strcmp(n, map[i].a)) { t = ty_make(map[i].k, NULL); break; }
		if (!strcmp(n, map[i].b)) { t = ty_make(map[i].k, map[i].b); break; }
	}
	if (is_array) {
		type a = ty_make(TY_ARRAY, t.kind == TY_OBJ ? t.cls : (t.kind == TY_UNKNOWN ? "" : ty_main_name(t)));
		a.elem = t.kind == TY_VOID ? TY_UNKNOWN : t.kind;
		if (t.kind == TY_VOID) a.cls = ".internal.void";
		return a;
	}
	return t;
}

const char *ty_main_name(type t)
{
	switch (t.kind) {
	case TY_UNKNOWN: return "";
	case TY_VOID: return ".internal.void";
	case TY_INT: return ".internal.int";
	case TY_LONG: return ".internal.long";
	case TY_FLOAT: return ".internal.float";
	case TY_DOUBLE: return ".internal.double";
	case TY_STRING: return ".internal.string";
	case TY_OBJ: return t.cls;
	case TY_ARRAY: return "";
	}
	return "";
}

const char *ty_sig_name(type t)
{
	/* .internal.int and int are both "int" (plc's PhantomType.toString) */
	if (t.kind == TY_ARRAY) {
		type e = ty_from_class(t.cls, 0);
		return xasprintf("%s[]", ty_sig_name(e));
	}
	switch (t.kind) {
	case TY_UNKNOWN: return "unknown";
	case TY_VOID: return "void";
	case TY_INT: return "int";
	case TY_LONG: return "long";
	case TY_FLOAT: return "float";
	case TY_DOUBLE: return "double";
	case TY_STRING: return "string";
	default: return t.cls;
	}
}

/* ---- reading .pc files ---- */
typedef struct rd { const uint8_t *p; size_t n, i; int bad; } rd;
static int32_t r32(rd *r)
{
	if (r->i + 4 > r->n) { r->bad = 1; return 0; }
	const uint8_t *p = r->p + r->i; r->i += 4;
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}
static char *rstr(rd *r)
{
	int32_t l = r32(r);
	if (r->bad || l < 0 || (size_t)l > r->n - r->i) { r->bad = 1; return xstrdup(""); }
	char *s = xstrndup((const char *)r->p + r->i, l);
	r->i += l;
	return s;
}
static type rtype(rd *r)
{
	int32_t cont = r32(r);
	char *main = rstr(r), *elem = rstr(r);
	if (cont) return ty_from_class(elem, 1);
	if (!strcmp(main, ".void")) return ty_make(TY_VOID, NULL);
	return ty_from_class(main, 0);
}

static method *pc_method(pclass *c, int ord)
{
	for (int i = 0; i < c->nmethods; i++) if (c->methods[i].ordinal == ord) return &c->methods[i];
	c->methods = xrealloc(c->methods, sizeof(method) * (c->nmethods + 1));
	method *m = &c->methods[c->nmethods++];
	memset(m, 0, sizeof *m);
	m->ordinal = ord; m->nargs = -1; m->ret = ty_make(TY_UNKNOWN, NULL);
	return m;
}

/* one S record: variant B if it consumes the payload exactly, else A (spec §1.5) */
static void pc_sig(pclass *c, const uint8_t *p, size_t n)
{
	for (int variant = 1; variant >= 0; variant--) {
		rd r = { p, n, 0, 0 };
		char *name = rstr(&r);
		int32_t ord = r32(&r), na = r32(&r), ctor = 0;
		if (r.bad || na < 0 || na > 1000) return;
		if (variant) ctor = r32(&r);
		type ret = rtype(&r);
		arg *args = xmalloc(sizeof(arg) * (na + 1));
		for (int i = 0; i < na && !r.bad; i++) { args[i].name = rstr(&r); args[i].ty = rtype(&r); }
		if (r.bad || (variant && r.i != n)) continue;
		method *m = pc_method(c, ord);
		m->name = name; m->ret = ret; m->args = args; m->nargs = na; m->is_ctor = ctor;
		return;
	}
}

static pclass *pc_read(const char *path, const char *want)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	size_t cap = 4096, n = 0;
	uint8_t *p = xmalloc(cap);
	size_t k;
	while ((k = fread(p + n, 1, cap - n, f)) > 0) { n += k; if (n == cap) { cap *= 2; p = xrealloc(p, cap); } }
	fclose(f);
	pclass *c = xmalloc(sizeof *c);
	memset(c, 0, sizeof *c);
	c->file = xstrdup(path);
	size_t i = 0;
	int have_c = 0;
	while (i + 10 <= n) {
		rd h = { p, n, i + 6, 0 };
		int32_t len = r32(&h);
		if (memcmp(p + i, "phfr:", 5) || len < 10 || (size_t)len > n - i) break;
		rd r = { p + i + 10, (size_t)len - 10, 0, 0 };
		switch (p[i + 5]) {
		case 'C':
			c->name = rstr(&r); c->nslots = r32(&r); c->nmslots = r32(&r); c->parent = rstr(&r);
			have_c = !r.bad;
			break;
		case 'M': {
			char *name = rstr(&r); int32_t ord = r32(&r);
			if (!r.bad && ord >= 0) { method *m = pc_method(c, ord); if (!m->name) m->name = name; m->has_body = 1; }
			break;
		}
		case 'S': pc_sig(c, r.p, r.n); break;
		case 'f':
			while (r.i < r.n && !r.bad) {
				char *fn = rstr(&r); int32_t ord = r32(&r); type t = rtype(&r);
				if (r.bad) break;
				c->fields = xrealloc(c->fields, sizeof(field) * (c->nfields + 1));
				c->fields[c->nfields++] = (field){ fn, t, ord };
			}
			break;
		}
		i += len;
	}
	xfree(p);
	if (!have_c) { phc_error(path, 0, 0, "not a class file (no class record)"); return NULL; }
	if (strcasecmp(c->name, want) && !phc_quiet)
		fprintf(stderr, "phc: warning: %s holds class %s, not %s\n", path, c->name, want);
	if (!c->parent || !*c->parent) c->parent = ".internal.object";
	return c;
}

static pclass *synth(const char *name)
{
	static const struct { const char *cls, *m; int ord, nargs; enum ty_kind ret; } b[] = {
		{ ".internal.container.array", "get", 10, 1, TY_UNKNOWN },
		{ ".internal.container.array", "set", 11, 2, TY_VOID },
		{ ".internal.container.array", "size", 12, 0, TY_INT },
		{ ".internal.string", "substring", 8, 2, TY_STRING },
		{ ".internal.string", "charAt", 9, 1, TY_INT },
		{ ".internal.string", "concat", 10, 1, TY_STRING },
		{ ".internal.string", "length", 11, 0, TY_INT },
		{ ".internal.string", "strstr", 12, 1, TY_INT },
		{ ".internal.object", NULL, 0, 0, 0 },
		{ ".internal.int", NULL, 0, 0, 0 }, { ".internal.long", NULL, 0, 0, 0 },
		{ ".internal.float", NULL, 0, 0, 0 }, { ".internal.double", NULL, 0, 0, 0 },
		{ ".internal.void", NULL, 0, 0, 0 },
	};
	pclass *c = NULL;
	for (size_t i = 0; i < sizeof b / sizeof *b; i++) {
		if (strcmp(b[i].cls, name)) continue;
		if (!c) {
			c = xmalloc(sizeof *c); memset(c, 0, sizeof *c);
			c->name = xstrdup(name); c->parent = ".internal.object"; c->nmslots = 16;
			c->file = "(built in)";
		}
		if (!b[i].m) continue;
		method *m = pc_method(c, b[i].ord);
		m->name = (char *)b[i].m; m->nargs = b[i].nargs; m->ret = ty_make(b[i].ret, NULL);
		m->args = xmalloc(sizeof(arg) * 2);
		for (int k = 0; k < m->nargs; k++) m->args[k] = (arg){ "a", ty_make(TY_UNKNOWN, NULL) };
		if (b[i].ord == 8 || b[i].ord == 9) for (int k = 0; k < m->nargs; k++) m->args[k].ty = ty_make(TY_INT, NULL);
		if (b[i].ord >= 10 && b[i].ord <= 12 && b[i].cls[10] == 's') m->args[0].ty = ty_make(TY_STRING, NULL);
		if (b[i].ord == 10 && b[i].cls[10] == 'c') m->args[0].ty = ty_make(TY_INT, NULL);
		if (b[i].ord == 11 && b[i].cls[10] == 'c') m->args[1].ty = ty_make(TY_INT, NULL);
	}
	return c;
}

pclass *cls_find(const char *name)
{
	for (pclass *c = phc_classes; c; c = c->next)
		if (!strcasecmp(c->name, name)) return c;
	return NULL;
}

pclass *cls_load(const char *name)
{
	if (!strcmp(name, ".internal.void")) name = ".internal.object";
	pclass *c = cls_find(name);
	if (c) return c;
	const char *base = name[0] == '.' ? name + 1 : name;
	char *want = xasprintf("%s.pc", base);
	for (int i = 0; i < phc_nincdirs && !c; i++) {
		DIR *d = opendir(phc_incdirs[i]);
		if (!d) continue;
		struct dirent *e;
		while ((e = readdir(d)))
			if (!strcasecmp(e->d_name, want)) {
				char *path = xasprintf("%s/%s", phc_incdirs[i], e->d_name);
				c = pc_read(path, name);
				break;
			}
		closedir(d);
	}
	pclass *s = synth(name);
	if (!c) c = s;
	else if (s) {   /* merge built-in knowledge the stub lacks */
		for (int i = 0; i < s->nmethods; i++)
			if (!cls_method_ord(c, s->methods[i].ordinal)) {
				method *m = pc_method(c, s->methods[i].ordinal);
				*m = s->methods[i];
			}
	}
	if (!c) return NULL;
	c->next = NULL;
	pclass **pp = &phc_classes;
	while (*pp) pp = &(*pp)->next;
	*pp = c;
	if (strcmp(c->parent, ".internal.object") && strcasecmp(c->parent, c->name))
		c->pc_parent = cls_load(c->parent);
	return c;
}

method *cls_method_ord(pclass *c, int ord)
{
	for (int depth = 0; c && depth < 64; c = c->pc_parent, depth++)
		for (int i = 0; i < c->nmethods; i++) if (c->methods[i].ordinal == ord && c->methods[i].name) return &c->methods[i];
	return NULL;
}

static int sig_compatible(type want, type have)
{
	if (want.kind == TY_UNKNOWN || have.kind == TY_UNKNOWN) return 1;
	if (want.kind == TY_OBJ && !strcmp(want.cls, ".internal.object")) return 1;
	if (want.kind == TY_OBJ && have.kind == TY_OBJ) {
		pclass *h = cls_load(have.cls);
		return h && cls_is_subclass(h, want.cls);
	}
	if (want.kind == TY_OBJ || have.kind == TY_OBJ) {
		/* an object of a numeric/string class against its kind */
		return !strcmp(ty_main_name(want), ty_main_name(have));
	}
	return want.kind == have.kind;
}

method *cls_method(pclass *c, const char *name, type *argt, int nargs, int *ambiguous)
{
	method *best = NULL;
	int best_score = -1, tie = 0;
	for (int depth = 0; c && depth < 64; c = c->pc_parent, depth++) {
		for (int i = 0; i < c->nmethods; i++) {
			method *m = &c->methods[i];
			if (!m->name || strcmp(m->name, name)) continue;
			if (m->nargs >= 0 && m->nargs != nargs) continue;
			int score = 1, ok = 1;
			for (int k = 0; m->nargs > 0 && k < nargs; k++) {
				if (!sig_compatible(m->args[k].ty, argt[k])) { ok = 0; break; }
				if (!strcmp(ty_sig_name(m->args[k].ty), ty_sig_name(argt[k])) ||
				    (m->args[k].ty.kind == argt[k].kind && m->args[k].ty.kind != TY_OBJ))
					score += 2;
			}
			if (!ok) continue;
			if (score > best_score) { best = m; best_score = score; tie = 0; }
			else if (score == best_score && best && best->ordinal != m->ordinal && depth == 0) tie = 1;
		}
		if (best) break;
	}
	if (ambiguous) *ambiguous = tie;
	if (!best) {   /* the root protocol every object has */
		static const struct { const char *n; int ord, nargs; enum ty_kind ret; } root[] = {
			{ "getClass", 2, 0, TY_UNKNOWN }, { "clone", 3, 0, TY_UNKNOWN }, { "equals", 4, 1, TY_INT },
			{ "toString", 5, 0, TY_STRING }, { "toXML", 6, 0, TY_STRING }, { "setImmutable", 14, 0, TY_VOID },
			{ "hashCode", 15, 0, TY_INT },
		};
		static method rm[7];
		for (int i = 0; i < 7; i++)
			if (!strcmp(root[i].n, name) && root[i].nargs == nargs) {
				rm[i].name = (char *)root[i].n; rm[i].ordinal = root[i].ord; rm[i].nargs = nargs;
				rm[i].ret = ty_make(root[i].ret, NULL);
				static arg a1 = { "o", { TY_UNKNOWN, NULL, TY_UNKNOWN } };
				rm[i].args = &a1;
				return &rm[i];
			}
	}
	return best;
}

field *cls_field(pclass *c, const char *name)
{
	for (int depth = 0; c && depth < 64; c = c->pc_parent, depth++)
		for (int i = 0; i < c->nfields; i++) if (!strcmp(c->fields[i].name, name)) return &c->fields[i];
	return NULL;
}

int cls_is_subclass(pclass *c, const char *name)
{
	if (!strcmp(name, ".internal.object")) return 1;
	for (int depth = 0; c && depth < 64; c = c->pc_parent, depth++)
		if (!strcasecmp(c->name, name)) return 1;
	return 0;
}

static uint32_t jhash(const char *s)
{
	uint32_t h = 0;
	for (; *s; s++) h = 31 * h + (uint8_t)*s;
	return h;
}

static char *signature(method *m)
{
	size_t cap = 64; char *s = xmalloc(cap);
	snprintf(s, cap, "%s", m->name);
	for (int i = 0; i <= m->nargs; i++) {
		const char *t = i < m->nargs ? ty_sig_name(m->args[i].ty) : (m->nargs ? NULL : "void");
		if (!t) break;
		size_t need = strlen(s) + strlen(t) + 4;
		if (need > cap) { cap = need * 2; s = xrealloc(s, cap); }
		strcat(s, "_#_"); strcat(s, t);
	}
	return s;
}

void cls_layout(pclass *c)
{
	if (!c->compiled || c->nmslots) return;
	c->nmslots = 16;     /* guards recursion through a cyclic parent chain */
	pclass *p = NULL;
	if (strcmp(c->parent, ".internal.object")) {
		p = cls_load(c->parent);
		if (!p) {
			phc_error(c->file, c->line, c->col, "cannot find the parent class %s (no .pc in the -I folders, not being compiled)", c->parent);
			c->failed = 1;
		} else {
			cls_layout(p);
			if (cls_is_subclass(p, c->name)) {
				phc_error(c->file, c->line, c->col, "class %s inherits from itself", c->name);
				c->failed = 1; p = NULL;
			} else if (!strncmp(p->name, ".internal.", 10)) {
				phc_error(c->file, c->line, c->col, "class %s cannot extend the internal class %s", c->name, p->name);
				c->failed = 1; p = NULL;
			}
		}
	}
	c->pc_parent = p;
	int base_f = p ? p->nslots : 0, base_m = p ? (p->nmslots > 16 ? p->nmslots : 16) : 16;
	for (int i = 0; i < c->nfields; i++) {
		if (p && cls_field(p, c->fields[i].name))
			phc_error(c->file, c->line, c->col, "field %s is already defined in a base class", c->fields[i].name), c->failed = 1;
		for (int k = 0; k < i; k++)
			if (!strcmp(c->fields[k].name, c->fields[i].name))
				phc_error(c->file, c->line, c->col, "field %s is defined twice", c->fields[i].name), c->failed = 1;
		c->fields[i].slot = base_f + i;
	}
	c->nslots = base_f + c->nfields;
	/* signature duplicates, pinned ordinals */
	int n = c->nmethods;
	char **sig = xmalloc(sizeof(char *) * (n + 1));
	for (int i = 0; i < n; i++) {
		sig[i] = signature(&c->methods[i]);
		for (int k = 0; k < i; k++)
			if (!strcmp(sig[k], sig[i])) {
				phc_error(c->file, c->methods[i].line, c->methods[i].col, "method %s is defined twice with the same signature", c->methods[i].name);
				c->failed = 1;
			}
		for (int k = 0; k < i; k++)
			if (c->methods[i].ordinal >= 0 && c->methods[k].ordinal == c->methods[i].ordinal) {
				phc_error(c->file, c->methods[i].line, c->methods[i].col, "method ordinal %d is used twice (%s and %s)",
				          c->methods[i].ordinal, c->methods[k].name, c->methods[i].name);
				c->failed = 1;
			}
	}
	/* Calls through a variable of an interface's type use the interface's
	 * ordinals, so a method implementing one takes its ordinal when that is
	 * free (plc only checked the names; this changes numbering only for
	 * classes that implement interfaces). */
	for (int k = 0; k < c->nifaces; k++) {
		pclass *ic = cls_load(c->ifaces[k]);
		if (!ic || ic == c) continue;
		cls_layout(ic);
		for (int i = 0; i < ic->nmethods; i++) {
			method *im = &ic->methods[i];
			if (!im->name || im->is_ctor || im->nargs < 0 || im->ordinal < 16) continue;
			method *m = NULL;
			for (int j = 0; j < n && !m; j++) {
				method *cm = &c->methods[j];
				if (cm->ordinal >= 0 || strcmp(cm->name, im->name) || cm->nargs != im->nargs) continue;
				int ok = 1;
				for (int a = 0; a < cm->nargs; a++) if (!sig_compatible(im->args[a].ty, cm->args[a].ty)) ok = 0;
				if (ok) m = cm;
			}
			if (!m) continue;
			int used = p && cls_method_ord(p, im->ordinal);
			for (int j = 0; j < n; j++) if (c->methods[j].ordinal == im->ordinal) used = 1;
			if (!used) { m->ordinal = im->ordinal; m->pinned = 2; }
		}
	}
	/* Java HashMap iteration order: bucket (spread hash & (cap-1)), then insertion */
	int cap = 16;
	while (n > cap * 3 / 4) cap *= 2;
	int *order = xmalloc(sizeof(int) * (n + 1));
	for (int i = 0; i < n; i++) order[i] = i;
	for (int i = 1; i < n; i++) {     /* stable insertion sort */
		int v = order[i], j = i - 1;
		uint32_t hv = jhash(phc_name_ordinals ? c->methods[v].name : sig[v]); hv = (hv ^ (hv >> 16)) & (cap - 1);
		while (j >= 0) {
			uint32_t hj = jhash(phc_name_ordinals ? c->methods[order[j]].name : sig[order[j]]); hj = (hj ^ (hj >> 16)) & (cap - 1);
			if (hj <= hv) break;
			order[j + 1] = order[j]; j--;
		}
		order[j + 1] = v;
	}
	int next = base_m;
	for (int k = 0; k < n; k++) {
		method *m = &c->methods[order[k]];
		if (m->ordinal >= 0) continue;
		for (;;) {
			int used = 0;
			for (int i = 0; i < n; i++) if (c->methods[i].ordinal == next) used = 1;
			if (!used) break;
			next++;
		}
		m->ordinal = next++;
	}
	/* overriding a parent's method keeps its ordinal */
	for (int i = 0; p && i < n; i++) {
		method *m = &c->methods[i];
		if (m->pinned == 2) continue;   /* an interface's ordinal */
		int amb;
		type *at = xmalloc(sizeof(type) * (m->nargs + 1));
		for (int k = 0; k < m->nargs; k++) at[k] = m->args[k].ty;
		method *bm = cls_method(p, m->name, at, m->nargs, &amb);
		if (bm && bm->ordinal >= 16 && bm->nargs == m->nargs) m->ordinal = bm->ordinal;
	}
	/* an implemented interface's methods must be defined (here or inherited) */
	for (int k = 0; k < c->nifaces; k++) {
		pclass *ic = cls_load(c->ifaces[k]);
		if (!ic) {
			phc_error(c->file, c->line, c->col, "cannot find the interface %s", c->ifaces[k]);
			c->failed = 1;
			continue;
		}
		cls_layout(ic);
		for (int i = 0; i < ic->nmethods; i++) {
			method *im = &ic->methods[i];
			if (!im->name || im->is_ctor || im->nargs < 0) continue;
			type *at = xmalloc(sizeof(type) * (im->nargs + 1));
			for (int a = 0; a < im->nargs; a++) at[a] = im->args[a].ty;
			int amb;
			method *m = cls_method(c, im->name, at, im->nargs, &amb);
			if (!m || m->ordinal < 16) {
				phc_error(c->file, c->line, c->col, "class %s does not define %s (%d argument%s), required by interface %s",
				          c->name, im->name, im->nargs, im->nargs == 1 ? "" : "s", ic->name);
				c->failed = 1;
				continue;
			}
			if (m->ordinal != im->ordinal && !phc_quiet)
				fprintf(stderr, "%s:%d:%d: warning: calls through interface %s reach ordinal %d, but %s.%s is method %d\n",
				        c->file, m->line ? m->line : c->line, m->line ? m->col : c->col, ic->name, im->ordinal, c->name, m->name, m->ordinal);
		}
	}
	int max = base_m - 1;
	for (int i = 0; i < n; i++) if (c->methods[i].ordinal > max) max = c->methods[i].ordinal;
	c->nmslots = max + 1;
}
