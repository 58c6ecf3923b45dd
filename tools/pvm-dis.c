/*
 * tools/pvm-dis — disassemble Phantom class files (spec §1, §3).
 *
 *   pvm-dis [-q] FILE.pc...
 *
 * Prints every record (offset, tag, length), the class header, each method
 * as pvm-as source (labels at jump targets, `line` directives from the l
 * records, IPs as comments), S signatures decoded (both variants, §1.5),
 * constants and field names. The output assembles again with pvm-as.
 * Each file is also loaded by the VM's own loader; -q does only that.
 * Exit status 2 if any file fails to parse or load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvm/pvm.h"

static int32_t be32(const uint8_t *p)
{
	return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]);
}

static int64_t be64(const uint8_t *p)
{
	return (int64_t)(((uint64_t)(uint32_t)be32(p) << 32) | (uint32_t)be32(p + 4));
}

static void put_str(FILE *o, const uint8_t *s, size_t n)
{
	fputc('"', o);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", o);
		else if (c >= 32 && c < 127)
			fputc(c, o);
		else
			fprintf(o, "\\x%02x", c);
	}
	fputc('"', o);
}

/* A reader over one payload; ok drops to 0 on any overrun. */
struct rd { const uint8_t *p; size_t n, pos; int ok; };

static int32_t r32(struct rd *r)
{
	if (r->n - r->pos < 4) {
		r->ok = 0;
		r->pos = r->n;
		return 0;
	}
	r->pos += 4;
	return be32(r->p + r->pos - 4);
}

static const uint8_t *rstr(struct rd *r, int32_t *len)
{
	*len = r32(r);
	if (!r->ok || *len < 0 || (size_t)*len > r->n - r->pos) {
		r->ok = 0;
		*len = 0;
		return (const uint8_t *)"";
	}
	r->pos += (size_t)*len;
	return r->p + r->pos - (size_t)*len;
}

static void rtype(struct rd *r, FILE *o)
{
	int32_t cont = r32(r), n1, n2;
	const uint8_t *a = rstr(r, &n1), *b = rstr(r, &n2);
	if (!r->ok)
		return;
	fprintf(o, "%.*s", (int)n1, (const char *)a);
	if (cont)
		fprintf(o, "[%.*s]", (int)n2, (const char *)b);
	if (!n1 && !cont)
		fputs("(untyped)", o);
}

/* Variant B (is_constructor after n_args) only if it consumes the payload
 * exactly; otherwise A (spec §1.5 option b). */
static int sig_parse(const uint8_t *p, size_t n, int variant_b, FILE *o)
{
	struct rd r = { p, n, 0, 1 };
	int32_t nl, ord, nargs, ctor = 0;
	const uint8_t *name = rstr(&r, &nl);
	ord = r32(&r);
	nargs = r32(&r);
	if (variant_b)
		ctor = r32(&r);
	if (!r.ok || nargs < 0 || nargs > 10000)
		return -1;
	FILE *sink = o ? o : NULL;
	if (sink)
		fprintf(sink, "; S %.*s ord %d%s returns ", (int)nl, (const char *)name, ord, ctor ? " (constructor)" : "");
	struct rd save = r;
	FILE *tmp = sink;
	if (!tmp) {
		/* dry run: parse only */
		for (int32_t i = -1; i < nargs && r.ok; i++) {
			int32_t l;
			if (i >= 0)
				rstr(&r, &l);
			int32_t c = r32(&r);
			(void)c;
			rstr(&r, &l);
			rstr(&r, &l);
		}
		return r.ok && r.pos == r.n ? 0 : -1;
	}
	r = save;
	rtype(&r, sink);
	fputs(" (", sink);
	for (int32_t i = 0; i < nargs && r.ok; i++) {
		int32_t l;
		const uint8_t *an = rstr(&r, &l);
		fprintf(sink, "%s%.*s: ", i ? ", " : "", (int)l, (const char *)an);
		rtype(&r, sink);
	}
	fprintf(sink, ") [variant %c]\n", variant_b ? 'B' : 'A');
	return 0;
}

struct lines { int32_t ord; int32_t n; const uint8_t *e; };

static void dis_code(FILE *o, const uint8_t *code, size_t len, const struct lines *lm, int nlm, int32_t ord)
{
	/* pass 1: jump targets */
	char *target = calloc(len + 1, 1);
	for (size_t ip = 0; ip < len;) {
		long il = pvm_insn_len(code, len, ip);
		if (il < 0) {
			ip++;
			continue;
		}
		const struct pvm_opinfo *oi = &pvm_opinfo[code[ip]];
		if (oi->opk == PVM_OPK_REL) {
			int64_t t = (int64_t)ip + 1 + be32(code + ip + 1);
			if (t >= 0 && (size_t)t <= len)
				target[t] = 1;
		} else if (oi->opk == PVM_OPK_SWITCH) {
			int32_t n = be32(code + ip + 1);
			for (int32_t i = 0; i < n; i++) {
				size_t at = ip + 13 + 4 * (size_t)i;
				int64_t t = (int64_t)at + be32(code + at);
				if (t >= 0 && (size_t)t <= len)
					target[t] = 1;
			}
		}
		ip += (size_t)il;
	}
	for (size_t ip = 0; ip < len;) {
		if (target[ip])
			fprintf(o, "L%zu:\n", ip);
		for (int i = 0; i < nlm; i++)
			if (lm[i].ord == ord)
				for (int32_t k = 0; k < lm[i].n; k++)
					if (be64(lm[i].e + 12 * k) == (int64_t)ip)
						fprintf(o, "    line %d\n", be32(lm[i].e + 12 * k + 8));
		long il = pvm_insn_len(code, len, ip);
		if (il < 0) {
			fprintf(o, "    .byte 0x%02x                ; %zu: %s\n", code[ip], ip,
				pvm_opinfo[code[ip]].name ? "truncated instruction" : "undefined opcode");
			ip++;
			continue;
		}
		const uint8_t *p = code + ip + 1;
		const struct pvm_opinfo *oi = &pvm_opinfo[code[ip]];
		fprintf(o, "    %s", oi->name);
		switch (oi->opk) {
		case PVM_OPK_U8: fprintf(o, " %u", p[0]); break;
		case PVM_OPK_U8U8: fprintf(o, " %u %u", p[0], p[1]); break;
		case PVM_OPK_I32: fprintf(o, " %d", be32(p)); break;
		case PVM_OPK_I64: fprintf(o, " %lld", (long long)be64(p)); break;
		case PVM_OPK_U8I32: fprintf(o, " %u %d", p[0], be32(p + 1)); break;
		case PVM_OPK_I32I32: fprintf(o, " %d %d", be32(p), be32(p + 4)); break;
		case PVM_OPK_STR: fputc(' ', o); put_str(o, p + 4, (size_t)be32(p)); break;
		case PVM_OPK_DEBUG:
			fprintf(o, " 0x%02x", p[0]);
			if (p[0] & 0x80) {
				fputc(' ', o);
				put_str(o, p + 5, (size_t)be32(p + 1));
			}
			break;
		case PVM_OPK_REL: {
			int64_t t = (int64_t)ip + 1 + be32(p);
			if (t >= 0 && (size_t)t <= len)
				fprintf(o, " L%lld", (long long)t);
			else
				fprintf(o, " @%d", be32(p));
			break;
		}
		case PVM_OPK_SWITCH: {
			int32_t n = be32(p);
			fprintf(o, " %d %d", be32(p + 4), be32(p + 8));
			for (int32_t i = 0; i < n; i++) {
				size_t at = ip + 13 + 4 * (size_t)i;
				int64_t t = (int64_t)at + be32(code + at);
				if (t >= 0 && (size_t)t <= len)
					fprintf(o, " L%lld", (long long)t);
				else
					fprintf(o, " @%d", be32(code + at));
			}
			break;
		}
		}
		fprintf(o, "    ; %zu%s\n", ip, oi->implemented ? "" : " (not implemented: panics)");
		ip += (size_t)il;
	}
	if (target[len])
		fprintf(o, "L%zu:\n", len);
	free(target);
}

static int dis_file(const char *path, int quiet)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "pvm-dis: %s: cannot open\n", path);
		return 2;
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;
	do {
		if (len == cap && !(buf = realloc(buf, cap = cap ? cap * 2 : 65536))) {
			fclose(f);
			return 2;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);

	int status = 0;
	pvm_vm *vm = pvm_new();
	if (!vm || pvm_load_bytes(vm, path, buf, len)) {
		fprintf(stderr, "pvm-dis: %s\n", vm ? pvm_errmsg(vm) : "out of memory");
		status = 2;
	}
	pvm_free(vm);
	if (quiet) {
		free(buf);
		return status;
	}

	FILE *o = stdout;
	char err[256];
	struct pvm_record rec;
	struct lines lm[256];
	int nlm = 0;
	size_t off = 0;
	while (pvm_record_next(buf, len, &off, &rec, err, sizeof err) == 1)
		if (rec.tag == 'l' && rec.payload_len >= 8 && nlm < 256) {
			int32_t cnt = be32(rec.payload + 4);
			if (cnt >= 0 && (size_t)cnt * 12 == rec.payload_len - 8)
				lm[nlm++] = (struct lines){ be32(rec.payload), cnt, rec.payload + 8 };
		}
	fprintf(o, "; %s (%zu bytes)\n", path, len);
	off = 0;
	int r;
	while ((r = pvm_record_next(buf, len, &off, &rec, err, sizeof err)) == 1) {
		struct rd d = { rec.payload, rec.payload_len, 0, 1 };
		fprintf(o, "\n; record '%c' at offset %zu, length %zu\n", rec.tag, rec.offset, rec.length);
		int32_t l1, l2, a, b;
		const uint8_t *s1, *s2;
		switch (rec.tag) {
		case 'C':
			s1 = rstr(&d, &l1);
			a = r32(&d);
			b = r32(&d);
			s2 = rstr(&d, &l2);
			fprintf(o, "class %.*s\nfields %d\nmethods %d\nparent %.*s\n", (int)l1, (const char *)s1, a, b,
				(int)l2, (const char *)s2);
			if (d.ok && d.pos < d.n) {
				int32_t vl;
				const uint8_t *v = rstr(&d, &vl);
				if (d.ok)
					fprintf(o, "; version %.*s\n", (int)vl, (const char *)v);
			}
			break;
		case 'M':
			s1 = rstr(&d, &l1);
			a = r32(&d);
			if (!d.ok)
				break;
			fprintf(o, "method %.*s %d    ; %zu bytes of code\n", (int)l1, (const char *)s1, a, d.n - d.pos);
			dis_code(o, d.p + d.pos, d.n - d.pos, lm, nlm, a);
			fprintf(o, "end\n");
			break;
		case 'S':
			if (sig_parse(rec.payload, rec.payload_len, 1, NULL) == 0)
				sig_parse(rec.payload, rec.payload_len, 1, o);
			else if (sig_parse(rec.payload, rec.payload_len, 0, NULL) == 0)
				sig_parse(rec.payload, rec.payload_len, 0, o);
			else
				fprintf(o, "; S record matches neither variant\n");
			break;
		case 'l':
			a = r32(&d);
			b = r32(&d);
			fprintf(o, "; line map of method %d, %d entries:", a, b);
			for (int32_t i = 0; d.ok && i < b && d.pos + 12 <= d.n; i++, d.pos += 12)
				fprintf(o, " %lld:%d", (long long)be64(d.p + d.pos), be32(d.p + d.pos + 8));
			fputc('\n', o);
			break;
		case 'c':
			a = r32(&d);
			fprintf(o, "; type ");
			rtype(&d, o);
			fprintf(o, "\nconst %d ", a);
			put_str(o, d.p + d.pos, d.n - d.pos);
			fputc('\n', o);
			break;
		case 'f':
			while (d.ok && d.pos < d.n) {
				s1 = rstr(&d, &l1);
				a = r32(&d);
				if (!d.ok)
					break;
				fprintf(o, "field %.*s %d    ; ", (int)l1, (const char *)s1, a);
				rtype(&d, o);
				fputc('\n', o);
			}
			break;
		default:
			fprintf(o, "; unknown record, ignored by the loader\n");
		}
		if (!d.ok)
			fprintf(o, "; (record truncated)\n");
	}
	if (r < 0) {
		fprintf(o, "; %s\n", err);
		status = 2;
	}
	free(buf);
	return status;
}

int main(int argc, char **argv)
{
	int quiet = 0, status = 0, files = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q")) {
			quiet = 1;
			continue;
		}
		files++;
		int r = dis_file(argv[i], quiet);
		if (r)
			status = r;
	}
	if (!files) {
		fprintf(stderr, "usage: pvm-dis [-q] FILE.pc...\n");
		return 1;
	}
	return status;
}
