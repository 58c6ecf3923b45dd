/*
 * tools/pvm-as — assemble a textual PVM program into a .pc class file.
 *
 *   pvm-as [-o OUT.pc] IN.pvs
 *
 * Syntax (one statement a line; ';' starts a comment):
 *   class .name               class name (required, first)
 *   parent .name              default .internal.object
 *   fields N                  reference fields per instance
 *   methods N                 method-table size; default max(16, top ordinal + 1)
 *   field NAME ORD            an f record
 *   const IDX "text"          a c record (string constant for const_pool)
 *   method NAME ORD ... end   an M record; inside:
 *       LABEL:                a jump target (an instruction may follow)
 *       line N                line number of the next instruction (l record)
 *       .byte N [N...]        raw bytes (e.g. an undefined opcode)
 *       OPCODE OPERANDS       mnemonics and operand order as pvm-dis prints:
 *           jz/jmp/djnz/push_catcher LABEL    switch SHIFT DIV LABEL...
 *           call_8bit ORD NARGS   call_32bit/static_invoke ORD NARGS
 *           stack_reserve NOBJ NINT   debug MODE ["text"]   sconst_bin "text"
 * Numbers are C literals (decimal, 0x hex, negative). Strings take \n, \t,
 * \\, \", \xNN. The output is C, then M and l per method, f, c; no S records
 * (they carry no runtime meaning, spec §1.5).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvm/pvm.h"

static const char *src_name;
static int lineno;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "pvm-as: %s:%d: ", src_name, lineno);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

struct buf { uint8_t *p; size_t n, cap; };

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		while (b->n + n > b->cap)
			b->cap = b->cap ? b->cap * 2 : 256;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die("out of memory");
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put8(struct buf *b, unsigned v) { uint8_t c = (uint8_t)v; put(b, &c, 1); }
static void put32(struct buf *b, int64_t v)
{
	uint8_t c[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(b, c, 4);
}
static void put64(struct buf *b, int64_t v) { put32(b, v >> 32); put32(b, (int32_t)v); }
static void putstr(struct buf *b, const void *s, size_t n) { put32(b, (int64_t)n); put(b, s, n); }
static void put_type(struct buf *b, const char *main) { put32(b, 0); putstr(b, main, strlen(main)); putstr(b, "", 0); }

/* ---- tokens ---- */

struct tok { char *s; size_t n; int is_str; };

static int tokenize(char *line, struct tok *t, int max)
{
	int n = 0;
	char *p = line;
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p || *p == ';')
			break;
		if (n == max)
			die("too many operands");
		if (*p == '"') {
			char *o = ++p, *start = o;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1]) {
					p++;
					switch (*p) {
					case 'n': *o++ = '\n'; p++; break;
					case 't': *o++ = '\t'; p++; break;
					case 'r': *o++ = '\r'; p++; break;
					case '0': *o++ = 0; p++; break;
					case 'x': {
						char hex[3] = { p[1], p[1] ? p[2] : 0, 0 };
						char *end;
						long v = strtol(hex, &end, 16);
						if (end != hex + 2)
							die("bad \\x escape");
						*o++ = (char)v;
						p += 3;
						break;
					}
					default: *o++ = *p++;
					}
				} else {
					*o++ = *p++;
				}
			}
			if (*p != '"')
				die("unterminated string");
			p++;
			t[n++] = (struct tok){ start, (size_t)(o - start), 1 };
		} else {
			char *start = p;
			while (*p && !isspace((unsigned char)*p) && *p != ';')
				p++;
			t[n++] = (struct tok){ start, (size_t)(p - start), 0 };
			if (*p && *p != ';')
				*p++ = 0;
			else if (*p == ';') {
				*p = 0;
				break;
			}
		}
	}
	for (int i = 0; i < n; i++)
		if (!t[i].is_str)
			t[i].s[t[i].n] = 0;
	return n;
}

static int64_t num(const struct tok *t, int64_t lo, int64_t hi, const char *what)
{
	if (t->is_str)
		die("%s: expected a number, got a string", what);
	char *end;
	errno = 0;
	long long v = strtoll(t->s, &end, 0);
	if (*end || errno)
		die("%s: '%s' is not a number", what, t->s);
	if (v < lo || v > hi)
		die("%s: %lld out of range %lld..%lld", what, v, (long long)lo, (long long)hi);
	return v;
}

/* ---- methods ---- */

struct label { char name[64]; long ip; };
struct fix { size_t at; long from; char name[64]; int line; };
struct method {
	char *name;
	int32_t ord;
	struct buf code;
	struct label *labels; int nlabels;
	struct fix *fixes; int nfixes;
	struct buf lines; int32_t nlines;
};

static void add_fix(struct method *m, const struct tok *t)
{
	if (t->is_str)
		die("expected a label");
	m->fixes = realloc(m->fixes, (size_t)(m->nfixes + 1) * sizeof *m->fixes);
	struct fix *f = &m->fixes[m->nfixes++];
	f->at = m->code.n;
	f->from = (long)m->code.n;
	f->line = lineno;
	snprintf(f->name, sizeof f->name, "%s", t->s);
	put32(&m->code, 0);
}

static void insn(struct method *m, struct tok *t, int nt)
{
	if (!strcmp(t[0].s, ".byte")) {
		for (int i = 1; i < nt; i++)
			put8(&m->code, (unsigned)num(&t[i], 0, 255, ".byte"));
		return;
	}
	int op = pvm_opcode_by_name(t[0].s, t[0].n);
	if (op < 0)
		die("unknown opcode '%s'", t[0].s);
	const struct pvm_opinfo *oi = &pvm_opinfo[op];
	int want;
	switch (oi->opk) {
	case PVM_OPK_NONE: want = 0; break;
	case PVM_OPK_U8: case PVM_OPK_I32: case PVM_OPK_I64: case PVM_OPK_STR: case PVM_OPK_REL: want = 1; break;
	case PVM_OPK_U8I32: case PVM_OPK_I32I32: case PVM_OPK_U8U8: want = 2; break;
	case PVM_OPK_DEBUG: want = nt > 2 ? 2 : 1; break;
	default: want = -1;
	}
	if (want >= 0 && nt - 1 != want)
		die("%s takes %d operand(s), got %d", oi->name, want, nt - 1);
	put8(&m->code, (unsigned)op);
	switch (oi->opk) {
	case PVM_OPK_U8: put8(&m->code, (unsigned)num(&t[1], 0, 255, oi->name)); break;
	case PVM_OPK_I32: put32(&m->code, num(&t[1], INT32_MIN, UINT32_MAX, oi->name)); break;
	case PVM_OPK_I64: put64(&m->code, num(&t[1], INT64_MIN, INT64_MAX, oi->name)); break;
	case PVM_OPK_U8U8:
		put8(&m->code, (unsigned)num(&t[1], 0, 255, oi->name));
		put8(&m->code, (unsigned)num(&t[2], 0, 255, oi->name));
		break;
	case PVM_OPK_U8I32:
		put8(&m->code, (unsigned)num(&t[1], 0, 255, oi->name));
		put32(&m->code, num(&t[2], INT32_MIN, INT32_MAX, oi->name));
		break;
	case PVM_OPK_I32I32:
		put32(&m->code, num(&t[1], INT32_MIN, INT32_MAX, oi->name));
		put32(&m->code, num(&t[2], INT32_MIN, INT32_MAX, oi->name));
		break;
	case PVM_OPK_STR:
		if (!t[1].is_str)
			die("%s takes a string", oi->name);
		putstr(&m->code, t[1].s, t[1].n);
		break;
	case PVM_OPK_DEBUG: {
		int mode = (int)num(&t[1], 0, 255, "debug mode");
		if (nt > 2)
			mode |= 0x80;
		put8(&m->code, (unsigned)mode);
		if (mode & 0x80) {
			if (nt < 3 || !t[2].is_str)
				die("debug mode with bit 7 takes a string");
			putstr(&m->code, t[2].s, t[2].n);
		}
		break;
	}
	case PVM_OPK_REL:
		if (t[1].s[0] == '@' && !t[1].is_str) {
			struct tok d = { t[1].s + 1, t[1].n - 1, 0 };
			put32(&m->code, num(&d, INT32_MIN, INT32_MAX, "displacement"));
		} else {
			add_fix(m, &t[1]);
		}
		break;
	case PVM_OPK_SWITCH:
		if (nt < 3)
			die("switch SHIFT DIV LABEL...");
		put32(&m->code, nt - 3);
		put32(&m->code, num(&t[1], INT32_MIN, INT32_MAX, "switch shift"));
		put32(&m->code, num(&t[2], INT32_MIN, INT32_MAX, "switch divisor"));
		for (int i = 3; i < nt; i++)
			add_fix(m, &t[i]);
		break;
	}
}

static void resolve(struct method *m)
{
	for (int i = 0; i < m->nfixes; i++) {
		struct fix *f = &m->fixes[i];
		long ip = -1;
		for (int k = 0; k < m->nlabels; k++)
			if (!strcmp(m->labels[k].name, f->name))
				ip = m->labels[k].ip;
		if (ip < 0) {
			lineno = f->line;
			die("undefined label '%s'", f->name);
		}
		int64_t d = ip - f->from;   /* relative to the displacement's own first byte */
		uint8_t *p = m->code.p + f->at;
		p[0] = (uint8_t)(d >> 24);
		p[1] = (uint8_t)(d >> 16);
		p[2] = (uint8_t)(d >> 8);
		p[3] = (uint8_t)d;
	}
}

static void record(struct buf *out, char tag, const struct buf *payload)
{
	put(out, "phfr:", 5);
	put8(out, (unsigned char)tag);
	put32(out, (int64_t)payload->n + 10);
	put(out, payload->p, payload->n);
}

int main(int argc, char **argv)
{
	const char *out_name = NULL, *in_name = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out_name = argv[++i];
		else if (!in_name)
			in_name = argv[i];
		else
			in_name = NULL, i = argc;
	}
	if (!in_name) {
		fprintf(stderr, "usage: pvm-as [-o OUT.pc] IN.pvs\n");
		return 1;
	}
	src_name = in_name;
	FILE *in = fopen(in_name, "r");
	if (!in) {
		fprintf(stderr, "pvm-as: %s: cannot open\n", in_name);
		return 1;
	}
	char *cls = NULL, *parent = strdup(".internal.object");
	long nfields = 0, nmeth = -1;
	struct method *ms = NULL, *cur = NULL;
	int nms = 0;
	struct buf fields = { 0 }, consts = { 0 };
	int pending_line = -1;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t got;
	while ((got = getline(&line, &lcap, in)) >= 0) {
		lineno++;
		struct tok t[300];
		int nt = tokenize(line, t, 300);
		if (!nt)
			continue;
		if (cur) {
			if (t[0].s[t[0].n - 1] == ':' && !t[0].is_str) {
				cur->labels = realloc(cur->labels, (size_t)(cur->nlabels + 1) * sizeof *cur->labels);
				t[0].s[t[0].n - 1] = 0;
				for (int k = 0; k < cur->nlabels; k++)
					if (!strcmp(cur->labels[k].name, t[0].s))
						die("label '%s' defined twice", t[0].s);
				snprintf(cur->labels[cur->nlabels].name, 64, "%s", t[0].s);
				cur->labels[cur->nlabels++].ip = (long)cur->code.n;
				if (nt > 1)
					insn(cur, t + 1, nt - 1);
			} else if (!strcmp(t[0].s, "end") && nt == 1) {
				resolve(cur);
				cur = NULL;
			} else if (!strcmp(t[0].s, "line") && nt == 2) {
				pending_line = (int)num(&t[1], INT32_MIN, INT32_MAX, "line");
				put64(&cur->lines, (int64_t)cur->code.n);
				put32(&cur->lines, pending_line);
				cur->nlines++;
			} else {
				insn(cur, t, nt);
			}
			continue;
		}
		if (!strcmp(t[0].s, "class") && nt == 2)
			cls = strdup(t[1].s);
		else if (!strcmp(t[0].s, "parent") && nt == 2)
			free(parent), parent = strdup(t[1].s);
		else if (!strcmp(t[0].s, "fields") && nt == 2)
			nfields = (long)num(&t[1], 0, 1 << 20, "fields");
		else if (!strcmp(t[0].s, "methods") && nt == 2)
			nmeth = (long)num(&t[1], 0, 1 << 16, "methods");
		else if (!strcmp(t[0].s, "field") && nt >= 3) {
			struct buf p = { 0 };
			putstr(&p, t[1].s, t[1].n);
			put32(&p, num(&t[2], 0, INT32_MAX, "field ordinal"));
			put_type(&p, "");
			record(&fields, 'f', &p);
			free(p.p);
		} else if (!strcmp(t[0].s, "const") && nt == 3 && t[2].is_str) {
			struct buf p = { 0 };
			put32(&p, num(&t[1], 0, INT32_MAX, "const index"));
			put_type(&p, ".internal.string");
			put(&p, t[2].s, t[2].n);
			record(&consts, 'c', &p);
			free(p.p);
		} else if (!strcmp(t[0].s, "method") && nt == 3) {
			if (!cls)
				die("method before class");
			ms = realloc(ms, (size_t)(nms + 1) * sizeof *ms);
			cur = &ms[nms++];
			memset(cur, 0, sizeof *cur);
			cur->name = strdup(t[1].s);
			cur->ord = (int32_t)num(&t[2], 0, (1 << 16) - 1, "method ordinal");
		} else {
			die("unknown statement '%s'", t[0].s);
		}
	}
	free(line);
	fclose(in);
	if (cur)
		die("method '%s' has no end", cur->name);
	if (!cls)
		die("no class statement");
	long top = 16;
	for (int i = 0; i < nms; i++)
		if (ms[i].ord + 1 > top)
			top = ms[i].ord + 1;
	if (nmeth < 0)
		nmeth = top;

	struct buf out = { 0 }, p = { 0 };
	putstr(&p, cls, strlen(cls));
	put32(&p, nfields);
	put32(&p, nmeth);
	putstr(&p, parent, strlen(parent));
	putstr(&p, "00000000000000000", 17);
	record(&out, 'C', &p);
	for (int i = 0; i < nms; i++) {
		p.n = 0;
		putstr(&p, ms[i].name, strlen(ms[i].name));
		put32(&p, ms[i].ord);
		put(&p, ms[i].code.p ? ms[i].code.p : (uint8_t *)"", ms[i].code.n);
		record(&out, 'M', &p);
		if (ms[i].nlines) {
			p.n = 0;
			put32(&p, ms[i].ord);
			put32(&p, ms[i].nlines);
			put(&p, ms[i].lines.p, ms[i].lines.n);
			record(&out, 'l', &p);
		}
	}
	if (fields.n)
		put(&out, fields.p, fields.n);
	if (consts.n)
		put(&out, consts.p, consts.n);

	char def[4096];
	if (!out_name) {
		snprintf(def, sizeof def, "%s", cls[0] == '.' ? cls + 1 : cls);
		strncat(def, ".pc", sizeof def - strlen(def) - 1);
		out_name = def;
	}
	FILE *o = fopen(out_name, "wb");
	if (!o || fwrite(out.p, 1, out.n, o) != out.n || fclose(o)) {
		fprintf(stderr, "pvm-as: %s: cannot write\n", out_name);
		return 1;
	}
	return 0;
}
