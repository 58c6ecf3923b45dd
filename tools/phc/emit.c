/* phc output: byte buffers and the .pc records (spec §1): C, then per
 * method M, S (variant B) and l, then f per field and c per pool string.
 * The file is written to NAME.pc.tmp and renamed, so a failed write never
 * leaves a half class behind. */
#include "tools/phc/phc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void b_put(buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		while (b->n + n > b->cap) b->cap = b->cap ? b->cap * 2 : 256;
		b->p = xrealloc(b->p, b->cap);
	}
	if (n) memcpy(b->p + b->n, p, n);
	b->n += n;
}
void b_u8(buf *b, int v) { uint8_t c = (uint8_t)v; b_put(b, &c, 1); }
void b_i32(buf *b, int32_t v) { uint8_t c[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v }; b_put(b, c, 4); }
void b_i64(buf *b, int64_t v) { b_i32(b, (int32_t)(v >> 32)); b_i32(b, (int32_t)v); }
void b_str(buf *b, const char *s, size_t n) { b_i32(b, (int32_t)n); b_put(b, s, n); }
void b_type(buf *b, type t)
{
	if (t.kind == TY_ARRAY) { b_i32(b, 1); b_str(b, "", 0); b_str(b, t.cls ? t.cls : "", t.cls ? strlen(t.cls) : 0); return; }
	const char *m = ty_main_name(t);
	b_i32(b, 0); b_str(b, m, strlen(m)); b_str(b, "", 0);
}

static void record(buf *out, char tag, buf *payload)
{
	b_put(out, "phfr:", 5);
	b_u8(out, tag);
	b_i32(out, (int32_t)(payload->n + 10));
	b_put(out, payload->p, payload->n);
	payload->n = 0;
}

static const char *version(void)
{
	static char v[96];
	time_t t = time(NULL);
	const char *e = getenv("SOURCE_DATE_EPOCH");
	if (e) t = (time_t)strtoll(e, NULL, 10);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(v, sizeof v, "%04d%02d%02d%02d%02d%02d000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	         tm.tm_hour, tm.tm_min, tm.tm_sec);
	return v;
}

int emit_class(pclass *c, const char *outdir, code_out *codes, cpool *pool)
{
	buf out = { 0 }, p = { 0 };
	b_str(&p, c->name, strlen(c->name));
	b_i32(&p, c->nslots);
	b_i32(&p, c->nmslots);
	b_str(&p, c->parent, strlen(c->parent));
	const char *v = version();
	b_str(&p, v, strlen(v));
	record(&out, 'C', &p);
	for (int i = 0; i < c->nmethods; i++) {
		method *m = &c->methods[i];
		const char *name = m->name;
		b_str(&p, name, strlen(name));
		b_i32(&p, m->ordinal);
		b_put(&p, codes[i].code.p, codes[i].code.n);
		record(&out, 'M', &p);
		b_str(&p, name, strlen(name));
		b_i32(&p, m->ordinal);
		b_i32(&p, m->nargs);
		b_i32(&p, m->is_ctor);
		b_type(&p, m->ret);
		for (int k = 0; k < m->nargs; k++) { b_str(&p, m->args[k].name, strlen(m->args[k].name)); b_type(&p, m->args[k].ty); }
		record(&out, 'S', &p);
		b_i32(&p, m->ordinal);
		b_i32(&p, codes[i].nlines);
		for (int k = 0; k < codes[i].nlines; k++) { b_i64(&p, codes[i].lines[k].ip); b_i32(&p, codes[i].lines[k].line); }
		record(&out, 'l', &p);
	}
	for (int i = 0; i < c->nfields; i++) {
		field *f = &c->fields[i];
		b_str(&p, f->name, strlen(f->name));
		b_i32(&p, f->slot);
		b_type(&p, f->ty);
		record(&out, 'f', &p);
	}
	for (int i = 0; i < pool->n; i++) {
		b_i32(&p, i);
		b_type(&p, ty_make(TY_STRING, NULL));
		b_put(&p, pool->s[i], pool->len[i]);
		record(&out, 'c', &p);
	}
	const char *base = c->name[0] == '.' ? c->name + 1 : c->name;
	char *path = xasprintf("%s/%s.pc", outdir, base);
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	int ok = f && fwrite(out.p, 1, out.n, f) == out.n;
	if (f && fclose(f)) ok = 0;
	if (ok && rename(tmp, path)) ok = 0;
	if (!ok) { remove(tmp); fprintf(stderr, "phc: cannot write %s\n", path); }
	xfree(out.p); xfree(p.p);
	return ok ? 0 : -1;
}
