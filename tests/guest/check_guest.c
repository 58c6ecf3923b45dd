/*
 * tests/guest/check_guest.c — host unit tests of the guest kernel's pure
 * parts: kvsnprintf (lib/fmt.h, as the kernel names it), the line editor, the page allocator, boot info
 * validation with its command line, and the tick deadline arithmetic.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "guest/bootinfo.h"
#include "guest/fmt.h"
#include "guest/kalloc.h"
#include "guest/line.h"
#include "guest/timer.h"
#include "tests/unit.h"

/* The allocator panics on a bad kfree; on the host that is an abort. */
_Noreturn void panic(const char *fmt, ...)
{
	(void)fmt;
	abort();
}

/* Calls through a pointer: formats GCC would reject at compile time are tested too. */
static int (*volatile unchecked)(char *, size_t, const char *, ...) = ksnprintf;

#define FMT(want, ...) do { \
	char b[128]; \
	int n = ksnprintf(b, sizeof b, __VA_ARGS__); \
	ck_assert_str_eq(b, want); \
	ck_assert_int_eq(n, (int)strlen(want)); \
} while (0)

START_TEST(fmt_conversions)
{
	FMT("42 -7 0 x", "%d %i %u %c", 42, -7, 0u, 'x');
	FMT("ff FF 000000000000001f", "%x %X %p", 255u, 255u, (void *)0x1f);
	FMT("18446744073709551615", "%llu", ~0ull);
	FMT("-9223372036854775808", "%lld", (long long)(-0x7fffffffffffffffll - 1));
	FMT("4096", "%zu", (size_t)4096);
	FMT("100%", "100%%");
	char b[16];
	unchecked(b, sizeof b, "%s", (char *)NULL);
	ck_assert_str_eq(b, "null");
}
END_TEST

START_TEST(fmt_width_and_flags)
{
	FMT("   42|42   |00042", "%5d|%-5d|%05d", 42, 42, 42);
	FMT("-0042|  -42", "%05d|%5d", -42, -42);
	FMT("00000000deadbeef", "%016llx", 0xdeadbeefull);
	FMT("  ab|ab  |#GP", "%4s|%-4s|%.3s", "ab", "ab", "#GP general protection");
	FMT("tick 3 t=1.05s", "tick %llu t=%llu.%02llus", 3ull, 1ull, 5ull);
}
END_TEST

START_TEST(fmt_truncates_and_counts)
{
	char b[8];
	int n = ksnprintf(b, sizeof b, "%s", "hello, world");
	ck_assert_int_eq(n, 12);
	ck_assert_str_eq(b, "hello, ");
	ck_assert_int_eq(ksnprintf(b, 1, "abc"), 3);
	ck_assert_str_eq(b, "");
	ck_assert_int_eq(ksnprintf(NULL, 0, "abc%d", 1), 4);
	/* unknown conversion: its letter is shown, so it gets fixed (a lone
	 * trailing '%' is not tested: stb_sprintf reads past it, and GCC's
	 * format checking rejects it in every caller) */
	unchecked(b, sizeof b, "%q");
	ck_assert_str_eq(b, "q");
}
END_TEST

static Suite *fmt_suite(void)
{
	Suite *s = suite_create("fmt");
	TCase *c = tcase_create("Core");
	tcase_add_test(c, fmt_conversions);
	tcase_add_test(c, fmt_width_and_flags);
	tcase_add_test(c, fmt_truncates_and_counts);
	suite_add_tcase(s, c);
	return s;
}

/* Feeds s to the editor; returns the completed lines joined by '|'. */
static const char *feed(struct line *l, const char *s)
{
	static char got[1024];
	char out[LINE_MAX];
	got[0] = '\0';
	for (; *s; s++) {
		if (line_feed(l, *s, out, sizeof out) >= 0) {
			strcat(got, out);
			strcat(got, "|");
		}
	}
	return got;
}

START_TEST(line_ends)
{
	struct line l = { 0 };
	ck_assert_str_eq(feed(&l, "abc"), "");
	ck_assert_str_eq(feed(&l, "\n"), "abc|");
	ck_assert_str_eq(feed(&l, "one\r\ntwo\rthree\n\n"), "one|two|three||");
	ck_assert_str_eq(feed(&l, "x\r\r\n"), "x||");
}
END_TEST

START_TEST(line_editing)
{
	struct line l = { 0 };
	ck_assert_str_eq(feed(&l, "abd\bc\n"), "abc|");
	ck_assert_str_eq(feed(&l, "xy\x7f\x7f\x7fz\n"), "z|");
	ck_assert_str_eq(feed(&l, "garbage\x15ok\n"), "ok|");
	ck_assert_str_eq(feed(&l, "a\tb\x01\x1b" "c\n"), "a bc|");
}
END_TEST

START_TEST(line_limits)
{
	struct line l = { 0 };
	char big[LINE_MAX + 50], out[LINE_MAX];
	memset(big, 'q', sizeof big);
	int n = -1;
	for (size_t i = 0; i < sizeof big; i++)
		ck_assert_int_eq(line_feed(&l, big[i], out, sizeof out), -1);
	ck_assert_int_eq(l.truncated, 1);
	n = line_feed(&l, '\n', out, sizeof out);
	ck_assert_int_eq(n, LINE_MAX - 1);
	ck_assert_int_eq((int)strlen(out), LINE_MAX - 1);
	ck_assert_int_eq(l.truncated, 0);
	/* A small output buffer gets a truncated, terminated copy. */
	char small[4];
	for (const char *p = "abcdef"; *p; p++)
		line_feed(&l, *p, small, sizeof small);
	ck_assert_int_eq(line_feed(&l, '\n', small, sizeof small), 3);
	ck_assert_str_eq(small, "abc");
}
END_TEST

static Suite *line_suite(void)
{
	Suite *s = suite_create("line");
	TCase *c = tcase_create("Core");
	tcase_add_test(c, line_ends);
	tcase_add_test(c, line_editing);
	suite_add_tcase(s, c);
	TCase *lim = tcase_create("Limits");
	tcase_add_test(lim, line_limits);
	suite_add_tcase(s, lim);
	return s;
}

#define PG 4096
static char *arena;

static void arena_setup(void)
{
	arena = aligned_alloc(PG, 16 * PG);
	ck_assert_ptr_nonnull(arena);
}

static void arena_teardown(void)
{
	free(arena);
}

START_TEST(kalloc_hands_out_each_page_once)
{
	/* An unaligned range: rounded inward to 14 whole pages. */
	kinit((uintptr_t)arena + 100, (uintptr_t)arena + 15 * PG + 100);
	ck_assert_uint_eq(kfree_pages(), 14);
	char *seen[14];
	for (int i = 0; i < 14; i++) {
		seen[i] = kalloc();
		ck_assert_ptr_nonnull(seen[i]);
		ck_assert_uint_eq((uintptr_t)seen[i] % PG, 0);
		ck_assert(seen[i] >= arena + PG && seen[i] < arena + 15 * PG);
		for (int j = 0; j < i; j++)
			ck_assert_ptr_ne(seen[i], seen[j]);
	}
	ck_assert_ptr_null(kalloc());
	ck_assert_uint_eq(kfree_pages(), 0);
	kfree(seen[3]);
	kfree(seen[7]);
	ck_assert_uint_eq(kfree_pages(), 2);
	char *a = kalloc(), *b = kalloc();
	ck_assert((a == seen[3] && b == seen[7]) || (a == seen[7] && b == seen[3]));
	ck_assert_ptr_null(kalloc());
}
END_TEST

START_TEST(kalloc_zeroes_and_empty_range)
{
	kinit((uintptr_t)arena, (uintptr_t)arena + 2 * PG);
	char *p = kalloc();
	memset(p, 0xa5, PG);
	kfree(p);
	char *z = kzalloc();
	ck_assert_ptr_eq(z, p);
	for (int i = 0; i < PG; i++)
		ck_assert_int_eq(z[i], 0);
	kinit((uintptr_t)arena + 100, (uintptr_t)arena + 200);   /* no whole page */
	ck_assert_uint_eq(kfree_pages(), 0);
	ck_assert_ptr_null(kalloc());
	kinit((uintptr_t)arena + 2 * PG, (uintptr_t)arena);   /* end before start */
	ck_assert_ptr_null(kalloc());
}
END_TEST

START_TEST(kfree_of_foreign_page_panics)
{
	kinit((uintptr_t)arena, (uintptr_t)arena + 4 * PG);
	kalloc();
	kfree(arena + 2 * PG);   /* never handed out */
}
END_TEST

START_TEST(kfree_of_unaligned_pointer_panics)
{
	kinit((uintptr_t)arena, (uintptr_t)arena + 4 * PG);
	char *p = kalloc();
	kfree(p + 8);
}
END_TEST

static Suite *kalloc_suite(void)
{
	Suite *s = suite_create("kalloc");
	TCase *c = tcase_create("Core");
	tcase_add_checked_fixture(c, arena_setup, arena_teardown);
	tcase_add_test(c, kalloc_hands_out_each_page_once);
	tcase_add_test(c, kalloc_zeroes_and_empty_range);
	suite_add_tcase(s, c);
	TCase *e = tcase_create("Errors");
	tcase_add_checked_fixture(e, arena_setup, arena_teardown);
	tcase_add_test_raise_signal(e, kfree_of_foreign_page_panics, SIGABRT);
	tcase_add_test_raise_signal(e, kfree_of_unaligned_pointer_panics, SIGABRT);
	suite_add_tcase(s, e);
	return s;
}

#define KEND 0x120000ull

static struct vdev_boot_info good(void)
{
	struct vdev_boot_info bi;
	memset(&bi, 0, sizeof bi);
	bi.magic = VDEV_BOOT_MAGIC;
	bi.abi_version = VDEV_ABI_VERSION;
	bi.ram_bytes = 64ull << 20;
	bi.free_start = 0x200000;
	bi.epoch = 1;
	bi.tsc_hz = 1000000000;
	bi.tick_hz = 4;
	bi.n_modules = 1;
	bi.modules[0] = (struct vdev_module){ .gpa = 0x121000, .len = 0x5000, .name = "pvm" };
	strcpy(bi.cmdline, "guest=default tick_hz=4");
	return bi;
}

/* Checks that bi is rejected with a reason containing `why`. */
static void bad(struct vdev_boot_info bi, const char *why)
{
	char err[200];
	ck_assert_int_eq(bootinfo_check(&bi, KEND, err, sizeof err), -1);
	ck_assert_msg(strstr(err, why), "reason '%s' lacks '%s'", err, why);
}

START_TEST(bootinfo_accepts_good)
{
	struct vdev_boot_info bi = good();
	char err[200] = "";
	ck_assert_int_eq(bootinfo_check(&bi, KEND, err, sizeof err), 0);
	bi.n_modules = 0;
	ck_assert_int_eq(bootinfo_check(&bi, KEND, err, sizeof err), 0);
}
END_TEST

START_TEST(bootinfo_rejects_bad)
{
	struct vdev_boot_info bi;
	bi = good(); bi.magic = 0x12345678; bad(bi, "bad magic 0x12345678");
	bi = good(); bi.abi_version = 2; bad(bi, "ABI version 2");
	bi = good(); bi.ram_bytes += 1; bad(bi, "ram_bytes");
	bi = good(); bi.free_start += 8; bad(bi, "not page aligned");
	bi = good(); bi.free_start = 0x110000; bad(bi, "inside the kernel");
	bi = good(); bi.free_start = bi.ram_bytes + 4096; bad(bi, "smaller than");
	bi = good(); bi.free_start = bi.ram_bytes - 4096; bad(bi, "smaller than");
	bi = good(); bi.epoch = 0; bad(bi, "epoch 0");
	bi = good(); bi.tick_hz = 0; bad(bi, "tick_hz 0");
	bi = good(); bi.tick_hz = 1001; bad(bi, "tick_hz 1001");
	bi = good(); bi.n_modules = VDEV_MAX_MODULES + 1; bad(bi, "modules");
	bi = good(); memset(bi.modules[0].name, 'x', sizeof bi.modules[0].name); bad(bi, "NUL");
	bi = good(); bi.modules[0].gpa = 0x100000; bad(bi, "module 0 'pvm'");
	bi = good(); bi.modules[0].len = 0x200000; bad(bi, "module 0");
	bi = good(); bi.modules[0].len = ~0ull - 0x1000; bad(bi, "module 0");   /* gpa + len wraps */
	bi = good(); memset(bi.cmdline, 'a', sizeof bi.cmdline); bad(bi, "command line");
}
END_TEST

START_TEST(cmdline_words)
{
	const char *c = "/boot/hv.elf mem=64 guest=hostile  format tick_hz=10 guestx=1 tick_hz=12";
	char v[16];
	ck_assert_int_eq(cmdline_get(c, "guest", v, sizeof v), 1);
	ck_assert_str_eq(v, "hostile");
	ck_assert_int_eq(cmdline_get(c, "format", v, sizeof v), 1);
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(cmdline_get(c, "gue", v, sizeof v), 0);
	ck_assert_int_eq(cmdline_get(c, "snap_ms", v, sizeof v), 0);
	ck_assert_int_eq(cmdline_get(c, "tick_hz", v, sizeof v), 1);
	ck_assert_str_eq(v, "12");   /* the last one wins, as in the hypervisor */
	ck_assert_int_eq(cmdline_get("guest=averyveryverylongname", "guest", v, 8), 1);
	ck_assert_str_eq(v, "averyve");
	ck_assert_int_eq(cmdline_get("", "guest", v, sizeof v), 0);
}
END_TEST

START_TEST(cmdline_numbers)
{
	uint32_t n = 0;
	ck_assert_int_eq(cmdline_uint("tick_hz=10", "tick_hz", 1, 1000, &n), 1);
	ck_assert_uint_eq(n, 10);
	ck_assert_int_eq(cmdline_uint("mem=64", "tick_hz", 1, 1000, &n), 0);
	ck_assert_int_eq(cmdline_uint("tick_hz=0", "tick_hz", 1, 1000, &n), -1);
	ck_assert_int_eq(cmdline_uint("tick_hz=1001", "tick_hz", 1, 1000, &n), -1);
	ck_assert_int_eq(cmdline_uint("tick_hz=", "tick_hz", 1, 1000, &n), -1);
	ck_assert_int_eq(cmdline_uint("tick_hz", "tick_hz", 1, 1000, &n), -1);
	ck_assert_int_eq(cmdline_uint("tick_hz=4x", "tick_hz", 1, 1000, &n), -1);
	ck_assert_int_eq(cmdline_uint("tick_hz=99999999999999999999", "tick_hz", 1, 1000, &n), -1);
	ck_assert_uint_eq(n, 10);   /* untouched on error */
}
END_TEST

static Suite *bootinfo_suite(void)
{
	Suite *s = suite_create("bootinfo");
	TCase *c = tcase_create("Core");
	tcase_add_test(c, bootinfo_accepts_good);
	tcase_add_test(c, cmdline_words);
	suite_add_tcase(s, c);
	TCase *e = tcase_create("Errors");
	tcase_add_test(e, bootinfo_rejects_bad);
	tcase_add_test(e, cmdline_numbers);
	suite_add_tcase(s, e);
	return s;
}

START_TEST(timer_on_time)
{
	uint64_t missed = 99;
	/* Fired a little late: the next deadline keeps the grid, not now + period. */
	ck_assert_uint_eq(timer_next(1000, 1030, 100, &missed), 1100);
	ck_assert_uint_eq(missed, 0);
	ck_assert_uint_eq(timer_next(1000, 1099, 100, &missed), 1100);
	ck_assert_uint_eq(missed, 0);
}
END_TEST

START_TEST(timer_late)
{
	uint64_t missed = 0;
	/* Exactly at the next deadline: it is past, skip it. */
	ck_assert_uint_eq(timer_next(1000, 1100, 100, &missed), 1200);
	ck_assert_uint_eq(missed, 1);
	ck_assert_uint_eq(timer_next(1000, 1350, 100, &missed), 1400);
	ck_assert_uint_eq(missed, 3);
	/* A restore an hour later: one step, no burst of 36000 ticks. */
	ck_assert_uint_eq(timer_next(0, 3600000000000ull + 5, 100000000, &missed),
			  3600100000000ull);
	ck_assert_uint_eq(missed, 36000);
}
END_TEST

static Suite *timer_suite(void)
{
	Suite *s = suite_create("timer");
	TCase *c = tcase_create("Core");
	tcase_add_test(c, timer_on_time);
	suite_add_tcase(s, c);
	TCase *lim = tcase_create("Limits");
	tcase_add_test(lim, timer_late);
	suite_add_tcase(s, lim);
	return s;
}

int main(void)
{
	return unit_main(fmt_suite(), line_suite(), kalloc_suite(), bootinfo_suite(), timer_suite(),
			 NULL);
}
