/* phc — Phantom-language compiler.
 *   phc [-o DIR] [-I DIR]... [--ordinals=signature|name] FILE.ph...
 * Compiles every class of the given sources to DIR/NAME.pc. Imports
 * resolve against the classes being compiled and the .pc files of the -I
 * folders. Exit status 1 if any error was reported; a class with errors
 * gets no output file. */
#include "tools/phc/phc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

int phc_errors;
/* files with errors: none of their classes is written */
static const char **bad_files;
static int nbad_files;
int phc_quiet;

void phc_error(const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	phc_errors++;
	if (phc_quiet) return;
	phc_file_failed(file);
	va_start(ap, fmt);
	if (line > 0) fprintf(stderr, "%s:%d:%d: error: ", file, line, col);
	else fprintf(stderr, "%s: error: ", file);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

typedef struct hdr { struct hdr *prev, *next; max_align_t align[]; } hdr;
static hdr heap = { &heap, &heap };

static void *track(hdr *h)
{
	if (!h) { fprintf(stderr, "phc: out of memory\n"); exit(2); }
	h->next = heap.next; h->prev = &heap;
	heap.next->prev = h; heap.next = h;
	return h + 1;
}
static hdr *untrack(void *p)
{
	hdr *h = (hdr *)p - 1;
	h->prev->next = h->next; h->next->prev = h->prev;
	return h;
}
void *xmalloc(size_t n) { return track(malloc(sizeof(hdr) + n)); }
void *xrealloc(void *p, size_t n)
{
	if (!p) return xmalloc(n);
	hdr *h = untrack(p);
	hdr *q = realloc(h, sizeof(hdr) + n);
	if (!q) { track(h); fprintf(stderr, "phc: out of memory\n"); exit(2); }
	return track(q);
}
void xfree(void *p) { if (p) free(untrack(p)); }
void phc_free_all(void)
{
	bad_files = NULL; nbad_files = 0;
	while (heap.next != &heap) free(untrack(heap.next + 1));
}
char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }
char *xstrndup(const char *s, size_t n) { char *p = xmalloc(n + 1); memcpy(p, s, n); p[n] = 0; return p; }
char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

#ifndef PHC_NO_MAIN
static int usage(void)
{
	fprintf(stderr, "usage: phc [-o DIR] [-I DIR]... [--ordinals=signature|name] FILE.ph...\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *outdir = ".";
	const char **files = xmalloc(sizeof(char *) * argc);
	int nfiles = 0;
	phc_incdirs = xmalloc(sizeof(char *) * argc);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-o") || !strcmp(a, "-I")) {
			if (i + 1 >= argc) return usage();
			if (a[1] == 'o') outdir = argv[++i];
			else phc_incdirs[phc_nincdirs++] = argv[++i];
		} else if (!strncmp(a, "-I", 2)) phc_incdirs[phc_nincdirs++] = a + 2;
		else if (!strcmp(a, "--ordinals=name")) phc_name_ordinals = 1;
		else if (!strcmp(a, "--ordinals=signature")) phc_name_ordinals = 0;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(); return 0; }
		else if (a[0] == '-') { fprintf(stderr, "phc: unknown option %s\n", a); return usage(); }
		else files[nfiles++] = a;
	}
	if (!nfiles) return usage();
	for (int i = 0; i < nfiles; i++) {
		FILE *f = fopen(files[i], "rb");
		if (!f) { fprintf(stderr, "phc: cannot open %s\n", files[i]); phc_errors++; continue; }
		buf b = { 0 };
		char tmp[65536]; size_t k;
		while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) b_put(&b, tmp, k);
		fclose(f);
		b_u8(&b, 0);
		int nt;
		token *t = phc_lex(files[i], (const char *)b.p, b.n - 1, &nt);
		phc_parse(files[i], t, nt);
	}
	return phc_compile_all(outdir) || phc_errors ? 1 : 0;
}
#endif

void phc_file_failed(const char *file)
{
	for (int i = 0; i < nbad_files; i++) if (bad_files[i] == file || !strcmp(bad_files[i], file)) return;
	bad_files = xrealloc(bad_files, sizeof(char *) * (nbad_files + 1));
	bad_files[nbad_files++] = xstrdup(file);
}
static int file_failed(const char *file)
{
	for (int i = 0; i < nbad_files; i++) if (!strcmp(bad_files[i], file)) return 1;
	return 0;
}

int phc_compile_all(const char *outdir)
{
	int bad = 0;
	for (pclass *c = phc_classes; c; c = c->next)
		if (c->compiled) cls_layout(c);
	for (pclass *c = phc_classes; c; c = c->next) {
		if (!c->compiled) continue;
		for (int i = 0; i < c->nimports; i++)
			if (!cls_load(c->imports[i])) {
				phc_error(c->file, c->line, c->col, "cannot import %s: no %s.pc in the -I folders, and it is not being compiled",
				          c->imports[i], c->imports[i] + 1);
				c->failed = 1;
			}
		code_out *codes = xmalloc(sizeof(code_out) * (c->nmethods + 1));
		cpool pool = { 0 };
		for (int i = 0; i < c->nmethods; i++)
			if (gen_method(c, &c->methods[i], &codes[i], &pool)) c->failed = 1;
		if (c->failed || file_failed(c->file)) bad = 1;
		else if (outdir && emit_class(c, outdir, codes, &pool)) bad = 1;
	}
	return bad;
}
