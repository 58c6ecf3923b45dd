/*
 * tests/guest/check_world.c — host unit tests of the world's pure parts:
 * the class image parser (guest/classimg.c) on hand-made archives, on the
 * real image `make` builds with binutils ar, on every truncation of it and
 * on damaged headers; the world heap (guest/wheap.c); the page allocator
 * handing its rest to the world (kalloc_give_rest). Built with ASan+UBSan.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/classimg.h"
#include "guest/kalloc.h"
#include "guest/wheap.h"
#include "lib/fmt.h"
#include "tests/unit.h"

_Noreturn void panic(const char *fmt, ...)
{
	(void)fmt;
	abort();
}

/* ---- a tiny ar writer for hand-made archives ---- */

struct ar { unsigned char b[8192]; size_t n; };

static void ar_member(struct ar *a, const char *name16, const void *data, size_t len)
{
	char h[61];
	snprintf(h, sizeof h, "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", name16, "0", "0", "0", "644", len);
	memcpy(a->b + a->n, h, 60);
	a->n += 60;
	memcpy(a->b + a->n, data, len);
	a->n += len;
	if (a->n % 2)
		a->b[a->n++] = '\n';
}

static void ar_start(struct ar *a)
{
	memcpy(a->b, "!<arch>\n", 8);
	a->n = 8;
}

static char err[400];

START_TEST(img_short_and_long_names)
{
	struct ar a;
	ar_start(&a);
	const char *longtab = "ru.dz.phantom.system.boot.pc/\nAmber.World.Init.pc/\n";
	ar_member(&a, "/", "\0\0\0\0", 4);                 /* a symbol table: skipped */
	ar_member(&a, "/SYM64/", "\0\0\0\0", 4);           /* the 64-bit one too */
	ar_member(&a, "//", longtab, strlen(longtab));
	ar_member(&a, "/0", "BOOT", 4);
	ar_member(&a, "a.pc/", "A", 1);                    /* odd size: padded */
	ar_member(&a, "/30", "INIT", 4);
	ar_member(&a, "notes.txt/", "hi", 2);
	struct classimg ci;
	ck_assert_int_eq(classimg_open(&ci, a.b, a.n, err, sizeof err), 0);
	ck_assert_uint_eq(ci.entries, 4);
	struct classimg_entry e;
	ck_assert_int_eq(classimg_find(&ci, "ru.dz.phantom.system.boot", 25, &e), 1);
	ck_assert_str_eq(e.name, "ru.dz.phantom.system.boot.pc");
	ck_assert_int_eq(memcmp(e.data, "BOOT", 4), 0);
	ck_assert_int_eq(classimg_find(&ci, "amber.world.init", 16, &e), 1);   /* any case */
	ck_assert_int_eq(memcmp(e.data, "INIT", 4), 0);
	ck_assert_int_eq(classimg_find(&ci, "a", 1, &e), 1);
	ck_assert_uint_eq(e.size, 1);
	ck_assert_int_eq(classimg_find(&ci, "notes", 5, &e), 0);          /* not a .pc */
	ck_assert_int_eq(classimg_find(&ci, "ru.dz", 5, &e), 0);
}
END_TEST

static void refused(const unsigned char *b, size_t n, const char *want)
{
	struct classimg ci;
	err[0] = 0;
	ck_assert_int_eq(classimg_open(&ci, b, n, err, sizeof err), -1);
	ck_assert_msg(strstr(err, want), "message '%s' lacks '%s'", err, want);
}

START_TEST(img_damage_named)
{
	struct ar a;
	refused((const unsigned char *)"PK\3\4", 4, "without the ar header");
	ar_start(&a);
	ar_member(&a, "x.pc/", "0123456789", 10);
	refused(a.b, a.n - 1, "entry 'x.pc/' at offset 8: 10 bytes of data, but only 9 left");
	refused(a.b, 30, "entry at offset 8: truncated header (22 of 60 bytes)");
	unsigned char d[sizeof a.b];
	memcpy(d, a.b, a.n);
	d[8 + 58] = 'X';
	refused(d, a.n, "entry 'x.pc/' at offset 8: header terminator");
	memcpy(d, a.b, a.n);
	d[8 + 48] = 'z';
	refused(d, a.n, "entry 'x.pc/' at offset 8: size field");
	ar_start(&a);
	ar_member(&a, "/99", "x", 1);
	refused(a.b, a.n, "long name /99 is outside the name table");
	ar_start(&a);
	ar_member(&a, "noslash.pc", "x", 1);
	refused(a.b, a.n, "does not end in '/'");
	ar_start(&a);
	ar_member(&a, "//", "abc", 3);
	ar_member(&a, "/0", "x", 1);
	refused(a.b, a.n, "long name /0 is not terminated");
}
END_TEST

/* The image `make` builds (tools/mkclassimg, binutils ar). */
static unsigned char *real_img(size_t *n)
{
	FILE *f = fopen(CLASS_IMG, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", CLASS_IMG);
	static unsigned char buf[4 << 20];
	*n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return buf;
}

START_TEST(img_real_archive)
{
	size_t n;
	unsigned char *b = real_img(&n);
	struct classimg ci;
	ck_assert_int_eq(classimg_open(&ci, b, n, err, sizeof err), 0);
	/* every name `ar t` lists is found, with its size */
	FILE *p = popen("ar tv " CLASS_IMG, "r");
	ck_assert(p != NULL);
	char line[512];
	unsigned listed = 0;
	while (fgets(line, sizeof line, p)) {
		char *name = strrchr(line, ' ');
		ck_assert(name != NULL);
		name++;
		name[strcspn(name, "\n")] = 0;
		size_t len = strlen(name);
		ck_assert(len > 3 && !strcmp(name + len - 3, ".pc"));
		struct classimg_entry e;
		ck_assert_msg(classimg_find(&ci, name, len - 3, &e), "%s not found", name);
		ck_assert_str_eq(e.name, name);
		listed++;
	}
	pclose(p);
	ck_assert_uint_eq(listed, ci.entries);
	ck_assert_uint_ge(listed, 50);
}
END_TEST

/* Every prefix of the real image: either a whole, shorter archive (the cut
 * falls between members) or a refusal that names an offset; never a read
 * outside the prefix (ASan would stop the test). */
START_TEST(img_every_truncation)
{
	size_t n;
	unsigned char *b = real_img(&n);
	unsigned ok = 0, refused_n = 0;
	for (size_t len = 0; len < n; len++) {
		unsigned char *cut = malloc(len ? len : 1);
		memcpy(cut, b, len);
		struct classimg ci;
		if (classimg_open(&ci, cut, len, err, sizeof err) == 0) {
			ok++;
		} else {
			ck_assert_msg(strstr(err, "offset"), "len %zu: message '%s' names no offset", len, err);
			refused_n++;
		}
		free(cut);
	}
	ck_assert_uint_gt(refused_n, n * 9 / 10);
	ck_assert_uint_le(ok, 200);   /* only cuts between members */
}
END_TEST

/* Every single-byte change in the first members' headers: refused with an
 * offset, or still consistent; never a crash. */
START_TEST(img_header_flips)
{
	size_t n;
	unsigned char *b = real_img(&n);
	unsigned char *d = malloc(n);
	for (size_t i = 8; i < 8 + 3 * 60 && i < n; i++) {
		for (int v = 0; v < 256; v += 37) {
			memcpy(d, b, n);
			d[i] = (unsigned char)v;
			struct classimg ci;
			if (classimg_open(&ci, d, n, err, sizeof err))
				ck_assert_msg(strstr(err, "offset"), "byte %zu = %d: '%s'", i, v, err);
		}
	}
	free(d);
}
END_TEST

/* ---- the world heap ---- */

START_TEST(wheap_sizes_and_reuse)
{
	static unsigned char mem[1 << 22] __attribute__((aligned(4096)));
	struct wheap h;
	wheap_init(&h, (uintptr_t)mem + 1, (uintptr_t)mem + sizeof mem);
	ck_assert_uint_eq(h.lo, (uintptr_t)mem + 4096);   /* rounded inward */
	void *a = wheap_alloc(&h, 24), *b = wheap_alloc(&h, 24);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq((uintptr_t)a % 16, 0);
	ck_assert_uint_eq((uintptr_t)b - (uintptr_t)a, 32);
	memset(a, 0xAA, 24);
	wheap_free(&h, a, 24);
	ck_assert_ptr_eq(wheap_alloc(&h, 17), a);          /* same class */
	void *big = wheap_alloc(&h, 10000);                /* 3 pages */
	ck_assert_uint_eq((uintptr_t)big % 4096, 0);
	memset(big, 1, 10000);
	size_t used = h.used;
	wheap_free(&h, big, 10000);
	ck_assert_uint_eq(h.used, used - 3 * 4096);
	void *again = wheap_alloc(&h, 9000);
	ck_assert_ptr_eq(again, big);                      /* the top run went back */
	/* a freed run in the middle is split: its tail is handed out */
	void *r1 = wheap_alloc(&h, 5 * 4096), *r2 = wheap_alloc(&h, 4096);
	(void)r2;
	wheap_free(&h, r1, 5 * 4096);
	void *r3 = wheap_alloc(&h, 2 * 4096);
	ck_assert_ptr_eq(r3, (char *)r1 + 3 * 4096);
	ck_assert_ptr_eq(wheap_alloc(&h, 3 * 4096), r1);
}
END_TEST

START_TEST(wheap_runs_out_cleanly)
{
	static unsigned char mem[1 << 20] __attribute__((aligned(4096)));
	struct wheap h;
	wheap_init(&h, (uintptr_t)mem, (uintptr_t)mem + sizeof mem);
	ck_assert_ptr_null(wheap_alloc(&h, 2u << 20));
	unsigned n = 0;
	while (wheap_alloc(&h, 1000))
		n++;
	ck_assert_uint_ge(n, (1u << 20) / 1008 - 16);
	ck_assert_ptr_null(wheap_alloc(&h, 5000));
}
END_TEST

START_TEST(kalloc_gives_the_rest)
{
	static unsigned char mem[64 * 4096] __attribute__((aligned(4096)));
	kinit((uintptr_t)mem, (uintptr_t)mem + sizeof mem);
	void *p = kalloc();
	ck_assert_ptr_eq(p, mem);
	uintptr_t lo, hi;
	kalloc_give_rest(10, &lo, &hi);
	ck_assert_uint_eq(lo, (uintptr_t)mem + 11 * 4096);
	ck_assert_uint_eq(hi, (uintptr_t)mem + sizeof mem);
	ck_assert_uint_eq(kfree_pages(), 10);
	for (int i = 0; i < 10; i++)
		ck_assert_ptr_nonnull(kalloc());
	ck_assert_ptr_null(kalloc());   /* never into the world's pages */
}
END_TEST

/* This suite is the sanitized build of lib/fmt.c: the most negative
 * integers, whose negation overflowed inside stb_sprintf (fuzzer find). */
START_TEST(fmt_most_negative)
{
	char b[64];
	amber_snprintf(b, sizeof b, "%d %lld", (int)0x80000000u, (long long)0x8000000000000000ull);
	ck_assert_str_eq(b, "-2147483648 -9223372036854775808");
}
END_TEST

static Suite *world_suite(void)
{
	Suite *s = suite_create("world");
	TCase *c = tcase_create("classimg");
	tcase_set_timeout(c, 120);
	tcase_add_test(c, img_short_and_long_names);
	tcase_add_test(c, img_damage_named);
	tcase_add_test(c, img_real_archive);
	tcase_add_test(c, img_every_truncation);
	tcase_add_test(c, img_header_flips);
	suite_add_tcase(s, c);
	TCase *h = tcase_create("heap");
	tcase_add_test(h, wheap_sizes_and_reuse);
	tcase_add_test(h, wheap_runs_out_cleanly);
	tcase_add_test(h, kalloc_gives_the_rest);
	tcase_add_test(h, fmt_most_negative);
	suite_add_tcase(s, h);
	return s;
}

int main(void)
{
	return unit_main(world_suite(), NULL);
}
