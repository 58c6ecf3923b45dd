/*
 * pvm/loader.c — the class-file parser (spec §1): record framing, the C, M,
 * S, l, c and f records, and the class object they build.
 *
 * Every malformed input is reported as "FILE: offset N: what is wrong" with
 * the absolute file offset of the offending field and its value; nothing in
 * a class file can make the loader read outside the buffer. S records
 * have no runtime meaning: the loader only checks which of the two layouts
 * (spec §1.5) a record has and logs one that matches neither; pvm-dis
 * decodes them.
 */
#include "pvm/pvm_int.h"

#define MAX_SLOTS   (1 << 20)
#define MAX_METHODS (1 << 16)
#define MAX_POOL    (1 << 20)

int pvm_record_next(const uint8_t *buf, size_t len, size_t *off, struct pvm_record *rec,
		    char *err, size_t errlen)
{
	size_t o = *off;
	if (o >= len)
		return 0;
	if (len - o < PVM_RECORD_HEADER) {
		amber_snprintf(err, errlen, "offset %lu: truncated record header (%lu bytes left, need 10)",
			     (unsigned long)o, (unsigned long)(len - o));
		return PVM_EFORMAT;
	}
	if (pvm_memcmp(buf + o, "phfr:", 5)) {
		amber_snprintf(err, errlen, "offset %lu: record marker is not \"phfr:\" (bytes %x %x %x %x %x)",
			     (unsigned long)o, buf[o], buf[o + 1], buf[o + 2], buf[o + 3], buf[o + 4]);
		return PVM_EFORMAT;
	}
	int32_t rl = pvm_be32(buf + o + 6);
	if (rl < 14) {
		amber_snprintf(err, errlen, "offset %lu: record length %d is below the minimum of 14",
			     (unsigned long)(o + 6), rl);
		return PVM_EFORMAT;
	}
	if ((size_t)rl > len - o) {
		amber_snprintf(err, errlen, "offset %lu: record length %d runs past the end of the file (%lu bytes left)",
			     (unsigned long)(o + 6), rl, (unsigned long)(len - o));
		return PVM_EFORMAT;
	}
	rec->tag = (char)buf[o + 5];
	rec->offset = o;
	rec->length = (size_t)rl;
	rec->payload = buf + o + PVM_RECORD_HEADER;
	rec->payload_len = (size_t)rl - PVM_RECORD_HEADER;
	*off = o + (size_t)rl;
	return 1;
}

/* A cursor over one record's payload; offsets in messages are absolute. */
struct cur {
	struct pvm_vm *vm;
	const char *file;
	const uint8_t *buf;   /* whole file */
	size_t pos, end;
};

static int bad(struct cur *c, size_t at, const char *what, long value)
{
	return pvm_errf(c->vm, PVM_EFORMAT, "%s: offset %lu: %s %ld", c->file, (unsigned long)at, what, value);
}

static int rd_i32(struct cur *c, int32_t *v, const char *what)
{
	*v = 0;
	if (c->end - c->pos < 4)
		return pvm_errf(c->vm, PVM_EFORMAT, "%s: offset %lu: %s runs past the end of the record",
				c->file, (unsigned long)c->pos, what);
	*v = pvm_be32(c->buf + c->pos);
	c->pos += 4;
	return 0;
}

static int rd_str(struct cur *c, const uint8_t **s, int32_t *n, const char *what)
{
	*s = NULL;
	size_t at = c->pos;
	int r = rd_i32(c, n, what);
	if (r)
		return r;
	if (*n < 0)
		return bad(c, at, "negative string length", *n);
	if ((size_t)*n > c->end - c->pos)
		return pvm_errf(c->vm, PVM_EFORMAT, "%s: offset %lu: %s length %d runs past the end of the record (%lu bytes left)",
				c->file, (unsigned long)at, what, *n, (unsigned long)(c->end - c->pos));
	*s = c->buf + c->pos;
	c->pos += (size_t)*n;
	return 0;
}

/* type = is_container, main class name, contained class name (spec §1.1) */
static int rd_type(struct cur *c, const uint8_t **main, int32_t *mlen)
{
	int32_t cont, n2;
	const uint8_t *s2;
	int r = rd_i32(c, &cont, "type container flag");
	if (!r)
		r = rd_str(c, main, mlen, "type class name");
	if (!r)
		r = rd_str(c, &s2, &n2, "type contained class name");
	return r;
}

static int table_set(struct pvm_vm *vm, pvm_obj **arr, uint32_t i, const uint8_t *s, int32_t n)
{
	if (!*arr && !(*arr = pvm_new_array(vm)))
		return PVM_ENOMEM;
	pvm_obj *str = pvm_new_string(vm, s, (size_t)n);
	if (!str)
		return PVM_ENOMEM;
	return pvm_array_set(vm, *arr, i, str);
}

void pvm_method_free(struct pvm_vm *vm, pvm_method *m)
{
	if (m->code)
		pvm_dealloc(vm, (void *)m->code, m->len + PVM_CODE_PAD);
	if (m->lines)
		pvm_dealloc(vm, m->lines, m->nlines * sizeof(struct pvm_line));
	m->code = NULL;
	m->lines = NULL;
}

/* Does the S payload parse as variant B (is_constructor after n_args) or A?
 * B only if it consumes the payload exactly (spec §1.5 option b); 0 if
 * neither. S records carry no runtime meaning, so this only feeds the log. */
static int sig_parses(const uint8_t *p, size_t n, int variant_b)
{
	size_t o = 0;
	int32_t v;
#define TAKE4() do { if (n - o < 4) return 0; v = pvm_be32(p + o); o += 4; } while (0)
#define TAKESTR() do { TAKE4(); if (v < 0 || (size_t)v > n - o) return 0; o += (size_t)v; } while (0)
	TAKESTR();                      /* name */
	TAKE4();                        /* ordinal */
	TAKE4();                        /* n_args */
	int32_t nargs = v;
	if (nargs < 0)
		return 0;
	if (variant_b)
		TAKE4();                /* is_constructor */
	for (int32_t i = -1; i < nargs; i++) {
		if (i >= 0)
			TAKESTR();      /* arg name */
		TAKE4();                /* type: is_container, main, contained */
		TAKESTR();
		TAKESTR();
	}
#undef TAKE4
#undef TAKESTR
	return o == n;
}

static char sig_variant(const uint8_t *p, size_t n)
{
	return sig_parses(p, n, 1) ? 'B' : sig_parses(p, n, 0) ? 'A' : 0;
}

static int rec_class(struct cur *c, pvm_thread *t, pvm_class **out)
{
	const uint8_t *name, *parent;
	int32_t nlen, nslots, nmeth, plen;
	size_t at_slots, at_meth, at_parent;
	int r = rd_str(c, &name, &nlen, "class name");
	at_slots = c->pos;
	if (!r)
		r = rd_i32(c, &nslots, "field count");
	at_meth = c->pos;
	if (!r)
		r = rd_i32(c, &nmeth, "method count");
	at_parent = c->pos;
	if (!r)
		r = rd_str(c, &parent, &plen, "parent class name");
	if (r)
		return r;
	if (nslots < 0 || nslots > MAX_SLOTS)
		return bad(c, at_slots, "field count out of range:", nslots);
	if (nmeth < 0 || nmeth > MAX_METHODS)
		return bad(c, at_meth, "method count out of range:", nmeth);
	struct pvm_vm *vm = c->vm;
	pvm_class *pc = vm->cls[PVM_K_VOID];
	if (plen && !(plen == 16 && !pvm_memcmp(parent, ".internal.object", 16))) {
		r = pvm_lookup_class(vm, t, parent, (size_t)plen, &pc);
		if (r == PVM_ENOTFOUND) {
			char nm[128];
			int32_t k = plen < 127 ? plen : 127;
			pvm_memcpy(nm, parent, (size_t)k);
			nm[k] = 0;
			return pvm_errf(vm, PVM_EFORMAT, "%s: offset %lu: parent class '%s' not found",
					c->file, (unsigned long)at_parent, nm);
		}
		if (r == PVM_ENOMEM)
			return r;
		if (r)
			return pvm_errf(vm, r, "%s: offset %lu: loading parent class failed: %s",
					c->file, (unsigned long)at_parent, vm->err);
		if (pc->internal && pc != vm->cls[PVM_K_VOID]) {
			pvm_log(vm, "%s: internal class can not be a parent; using the root class\n", c->file);
			pvm_unref(vm, &pc->h);
			pc = vm->cls[PVM_K_VOID];
			pc->h.rc++;
		}
	} else {
		pc->h.rc++;
	}
	pvm_class *k = pvm_class_new(vm, (const char *)name, (size_t)nlen, pc, (uint32_t)nmeth);
	pvm_unref(vm, &pc->h);
	if (!k)
		return PVM_ENOMEM;
	k->inst_kind = PVM_K_USER;
	k->nslots = (uint32_t)nslots;
	if (nmeth) {
		k->own = pvm_alloc(vm, (size_t)nmeth * sizeof(pvm_method));
		if (!k->own) {
			pvm_unref(vm, &k->h);
			return PVM_ENOMEM;
		}
		pvm_memset(k->own, 0, (size_t)nmeth * sizeof(pvm_method));
	}
	*out = k;
	return 0;
}

static int rec_method(struct cur *c, pvm_class *k)
{
	const uint8_t *name;
	int32_t nlen, ord;
	int r = rd_str(c, &name, &nlen, "method name");
	size_t at = c->pos;
	if (!r)
		r = rd_i32(c, &ord, "method ordinal");
	if (r)
		return r;
	if (ord < 0 || (uint32_t)ord >= k->nmethods)
		return pvm_errf(c->vm, PVM_EFORMAT, "%s: offset %lu: method ordinal %d outside the method table (size %u)",
				c->file, (unsigned long)at, ord, k->nmethods);
	size_t n = c->end - c->pos;
	if (n > 0x7FFFFFF0)
		return bad(c, c->pos, "method code too long:", (long)n);
	uint8_t *code = pvm_alloc(c->vm, n + PVM_CODE_PAD);
	if (!code)
		return PVM_ENOMEM;
	pvm_memcpy(code, c->buf + c->pos, n);
	pvm_memset(code + n, 0xFF, PVM_CODE_PAD);
	pvm_method *m = &k->own[ord];
	if (m->code)
		pvm_dealloc(c->vm, (void *)m->code, m->len + PVM_CODE_PAD);
	m->code = code;
	m->len = (uint32_t)n;
	m->ordinal = ord;
	m->sys = -1;
	m->cls = k;
	k->methods[ord] = m;
	c->pos = c->end;
	return table_set(c->vm, &k->method_names, (uint32_t)ord, name, nlen);
}

static int rec_lines(struct cur *c, pvm_class *k)
{
	int32_t ord, n;
	size_t at = c->pos;
	int r = rd_i32(c, &ord, "line map method ordinal");
	if (!r)
		r = rd_i32(c, &n, "line map entry count");
	if (r)
		return r;
	if (ord < 0 || (uint32_t)ord >= k->nmethods)
		return pvm_errf(c->vm, PVM_EFORMAT, "%s: offset %lu: line map ordinal %d outside the method table (size %u)",
				c->file, (unsigned long)at, ord, k->nmethods);
	if (n < 0 || (size_t)n * 12 != c->end - c->pos)
		return pvm_errf(c->vm, PVM_EFORMAT, "%s: offset %lu: line map of %d entries does not fill the record (%lu bytes)",
				c->file, (unsigned long)(at + 4), n, (unsigned long)(c->end - c->pos));
	pvm_method *m = &k->own[ord];
	if (m->lines)
		pvm_dealloc(c->vm, m->lines, m->nlines * sizeof(struct pvm_line));
	m->lines = NULL;
	m->nlines = 0;
	if (!n)
		return 0;
	struct pvm_line *l = pvm_alloc(c->vm, (size_t)n * sizeof *l);
	if (!l)
		return PVM_ENOMEM;
	for (int32_t i = 0; i < n; i++) {
		const uint8_t *p = c->buf + c->pos + (size_t)i * 12;
		int64_t ip = (int64_t)(((uint64_t)(uint32_t)pvm_be32(p) << 32) | (uint32_t)pvm_be32(p + 4));
		struct pvm_line e = { (uint32_t)(ip < 0 ? 0 : ip > 0x7FFFFFFF ? 0x7FFFFFFF : ip), pvm_be32(p + 8) };
		int32_t j = i;   /* insertion sort: maps are short */
		while (j > 0 && l[j - 1].ip > e.ip) {
			l[j] = l[j - 1];
			j--;
		}
		l[j] = e;
	}
	m->lines = l;
	m->nlines = (uint32_t)n;
	c->pos = c->end;
	return 0;
}

static int rec_const(struct cur *c, pvm_class *k)
{
	int32_t idx, mlen;
	const uint8_t *main;
	size_t at = c->pos;
	int r = rd_i32(c, &idx, "constant index");
	if (!r)
		r = rd_type(c, &main, &mlen);
	if (r)
		return r;
	if (idx < 0 || idx >= MAX_POOL)
		return bad(c, at, "constant index out of range:", idx);
	if (mlen != 16 || pvm_memcmp(main, ".internal.string", 16)) {
		pvm_log(c->vm, "%s: unknown const (id %d) type, skipped\n", c->file, idx);
		return 0;
	}
	r = table_set(c->vm, &k->pool, (uint32_t)idx, c->buf + c->pos, (int32_t)(c->end - c->pos));
	c->pos = c->end;
	return r;
}

static int rec_fields(struct cur *c, pvm_class *k)
{
	while (c->pos < c->end) {
		const uint8_t *name, *tn;
		int32_t nlen, ord, tl;
		size_t at;
		int r = rd_str(c, &name, &nlen, "field name");
		at = c->pos;
		if (!r)
			r = rd_i32(c, &ord, "field ordinal");
		if (!r)
			r = rd_type(c, &tn, &tl);
		if (r)
			return r;
		if (ord < 0 || ord >= MAX_SLOTS)
			return bad(c, at, "field ordinal out of range:", ord);
		if ((r = table_set(c->vm, &k->field_names, (uint32_t)ord, name, nlen)))
			return r;
	}
	return 0;
}

int pvm_load_class(struct pvm_vm *vm, const char *file, const uint8_t *buf, size_t len,
		   pvm_thread *t, pvm_class **out)
{
	size_t off = 0;
	struct pvm_record rec;
	pvm_class *k = NULL;
	char err[256];
	int r;
	if (len == 0)
		return pvm_errf(vm, PVM_EFORMAT, "%s: offset 0: empty file", file);
	while ((r = pvm_record_next(buf, len, &off, &rec, err, sizeof err)) == 1) {
		struct cur c = { vm, file, buf, rec.offset + PVM_RECORD_HEADER, rec.offset + rec.length };
		if (rec.tag != 'C' && rec.tag != 'S' && !k && (rec.tag == 'M' || rec.tag == 'l' ||
							      rec.tag == 'c' || rec.tag == 'f')) {
			r = pvm_errf(vm, PVM_EFORMAT, "%s: offset %lu: '%c' record before the C record",
				     file, (unsigned long)rec.offset, rec.tag);
			goto fail;
		}
		switch (rec.tag) {
		case 'C':
			if (k) {
				r = pvm_errf(vm, PVM_EFORMAT, "%s: offset %lu: second C record",
					     file, (unsigned long)rec.offset);
				goto fail;
			}
			r = rec_class(&c, t, &k);
			break;
		case 'M': r = rec_method(&c, k); break;
		case 'S': {
			char v = sig_variant(rec.payload, rec.payload_len);
			if (!v)
				pvm_log(vm, "%s: offset %lu: S record matches neither signature layout; skipped\n",
					file, (unsigned long)rec.offset);
			r = 0;
			break;
		}
		case 'l': r = rec_lines(&c, k); break;
		case 'c': r = rec_const(&c, k); break;
		case 'f': r = rec_fields(&c, k); break;
		default:
			pvm_log(vm, "%s: Class record '%c' ignored\n", file, rec.tag);
			r = 0;
		}
		if (r == PVM_ENOMEM)
			r = pvm_errf(vm, PVM_ENOMEM, "%s: out of memory while loading", file);
		if (r)
			goto fail;
	}
	if (r < 0) {
		r = pvm_errf(vm, PVM_EFORMAT, "%s: %s", file, err);
		goto fail;
	}
	if (!k)
		return pvm_errf(vm, PVM_EFORMAT, "%s: offset 0: no C record", file);
	*out = k;
	return 0;
fail:
	if (k)
		pvm_unref(vm, &k->h);
	return r;
}
