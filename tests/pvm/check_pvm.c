/*
 * tests/pvm/check_pvm.c — Check tests of the PVM, built with -DPVM_TEST and
 * ASan/UBSan (LeakSanitizer reports any leak at exit).
 *
 * Programs come from the .pvs files in tests/pvm/asm, assembled by pvm-as into
 * PVM_TEST_PC; the bundled Phantom files are read from PHANTOM_PC. Every run
 * goes through run(): it checks the heap invariants after the run and after
 * a cycle collection, frees the VM and checks that the port holds no bytes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit.h"
#include "pvm/pvm.h"
#include "pvm/host/port_host.h"

struct run {
	int status;
	char out[8192];
	char err[1024];
	char bt[2048];
};

static pvm_vm *vm_new(void)
{
	pvm_host_clear_classdirs();
	pvm_host_add_classdir(PVM_TEST_PC);
	pvm_host_add_classdir(PHANTOM_PC);
	pvm_vm *vm = pvm_new();
	ck_assert_ptr_nonnull(vm);
	return vm;
}

static void vm_done(pvm_vm *vm)
{
	ck_assert_msg(pvm_heap_check(vm) == 0, "heap check after run: %s", pvm_errmsg(vm));
	pvm_collect(vm);
	ck_assert_msg(pvm_heap_check(vm) == 0, "heap check after collect: %s", pvm_errmsg(vm));
	pvm_free(vm);
	ck_assert_uint_eq(pvm_host_outstanding(), 0);
}

/* Runs cls.ord(boot) with the console captured. */
static void run_vm(pvm_vm *vm, const char *cls, int ord, struct run *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	pvm_host_set_chan(PVM_CHAN_CONSOLE, mem);
	r->status = pvm_run_class(vm, cls, ord, 1);
	fclose(mem);
	pvm_host_set_chan(PVM_CHAN_CONSOLE, NULL);
	snprintf(r->out, sizeof r->out, "%.*s", (int)len, buf ? buf : "");
	free(buf);
	snprintf(r->err, sizeof r->err, "%s", pvm_errmsg(vm));
	snprintf(r->bt, sizeof r->bt, "%s", pvm_backtrace(vm));
}

static void run(const char *cls, int ord, struct run *r)
{
	pvm_vm *vm = vm_new();
	run_vm(vm, cls, ord, r);
	vm_done(vm);
}

static void expect(const char *cls, int ord, const char *out)
{
	struct run r;
	run(cls, ord, &r);
	ck_assert_msg(r.status == 0, "%s: status %d: %s\n%s", cls, r.status, r.err, r.bt);
	ck_assert_str_eq(r.out, out);
}

/* ---- opcode groups (programs in tests/pvm/asm) ---- */

START_TEST(int_group)
{
	expect("t.int", 8, "12 -2147483648 2 -2 -3 -3 -1 1 42 200 10 -1 1 101 8 -8 15 11 ");
}
END_TEST

START_TEST(flow_group)
{
	expect("t.flow", 8, "40 7 c3 default out ");
}
END_TEST

START_TEST(prefix_group)
{
	expect("t.prefix", 8, "4000000000 1 1 1099511627776 -5 3 2.400000 0.333333 16777216.000000 49 -9 1 "
	       "ignored 123456789 ");
}
END_TEST

START_TEST(stack_group)
{
	expect("t.stack", 8, "0 1 3 1 a 22 0 (void) ");
}
END_TEST

START_TEST(switch_fall_through)
{
	/* panicked before: "is_set32: position 1 outside the frame's 1 cells";
	 * the third value is 1 as in the original: the push of i lands in j's
	 * dropped cell */
	expect("t.fall", 8, "2 1 1 30064771077 wrapped ");
}
END_TEST

START_TEST(int_assignment)
{
	expect("t.assign", 8, "5 7 4 0 42 ");
}
END_TEST

START_TEST(call_group)
{
	expect("t.call", 8, "v 7 ok (void) far callee! (void) class 15 5 1 1 Hello ");
}
END_TEST

START_TEST(exception_group)
{
	static const char vmexc[] = "division by zero array get - index is out of bounds type assert failed "
	       "cast to not parent cast to not parent invalid arg count division by zero division by zero "
	       "string.substring index is out of bounds not a string arg integer overflow in division 0 ";
	char all[1024];
	snprintf(all, sizeof all, "boom left 3 outer 5 from callee %s", vmexc);
	expect("t.exc", 8, all);
}
END_TEST

/* A throw is charged for the catchers it tries (t.catchers.pvs): a loop that
 * leaves one behind per turn stops under the step limit after ~1,400 turns
 * (the turns cost 2 + k/16 each); charged one jump per throw it ran 30,000. */
START_TEST(catch_loop_charged_for_catchers)
{
	struct run r;
	pvm_vm *vm = vm_new();
	pvm_set_step_limit(vm, 3);
	run_vm(vm, "t.catchers", 8, &r);
	vm_done(vm);
	ck_assert_msg(r.status == PVM_EPANIC && strstr(r.err, "step limit reached"), "status %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.out, "256 ") == r.out, "output: %.80s", r.out);
	ck_assert_msg(!strstr(r.out, "4096 "), "the loop ran on past 4096 turns: %.200s", r.out);
}
END_TEST

START_TEST(native_group)
{
	expect("t.native", 8, "0 4096 267391263 0 50358147 5163055 65535 ell llo 255 abcd 5 2 -1 0 1 0 123 -42 "
	       "9000000000 -12 <int>7</int> 3 two (void) array 0 17 v1 1 0 2 1 <long>-3</long> 5.000000 ");
}
END_TEST

START_TEST(thread_group)
{
	/* workers start after main returns; the mutex keeps A's section whole
	 * although A is preempted inside it */
	expect("t.thread", 8, "main-done A-in A-out B-in B-out ");
	expect("t.sleep", 8, "main [] r0 B B A A C C ");
}
END_TEST

START_TEST(wait_durable)
{
	/* the host keeps no store: 0 at once, nothing blocks */
	expect("t.durable", 8, "d0 w0 B B ");
	/* a store that commits only while every thread waits: each waiter
	 * blocks alone (B runs meanwhile) and gets the generation it asked for */
	pvm_host_sim_store(1);
	expect("t.durable", 8, "d1 B B w2 ");
	/* a restore loses generation 1 while run waits for it: run asks again
	 * on the new epoch and returns 2, the generation that did commit */
	pvm_host_sim_store(2);
	expect("t.durable", 8, "d2 B B w3 ");
	/* no snapshot disk: the call throws, with a message saying why */
	pvm_host_sim_store(-1);
	struct run r;
	run("t.durable", 8, &r);
	pvm_host_sim_store(0);
	ck_assert_int_eq(r.status, PVM_EUNHANDLED);
	ck_assert_str_eq(r.err, "waitDurable: no snapshot disk, so nothing can be made durable");
	ck_assert_str_eq(r.out, "");
}
END_TEST

START_TEST(misc_group)
{
	expect("t.misc", 8, "f32 78 lock 1 1111 (void) -5 81985529216486895 ");
}
END_TEST

START_TEST(huge_double_text)
{
	/* %f of 1e300: 301 digits, right in the leading ones (the freestanding
	 * formatter is approximate past 2^63); NaN prints "nan" */
	struct run r;
	run("t.misc", 17, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(strlen(r.out), 301 + 7 + 4);
	ck_assert_msg(!strncmp(r.out, "100000000000000", 15), "%s", r.out);
	ck_assert_str_eq(r.out + 301, ".000000nan ");   /* consolePrint: last argument first */
}
END_TEST

START_TEST(java_assigns_identity)
{
	expect("t.java", 8, "1");
}
END_TEST

START_TEST(system_natives)
{
	expect("t.sys", 8, "1 thread 1 os 3 root.shell=.ru.dz.phantom.system.shell bootstrap 1 "
	       ".no.such - class load error 12 0 400 new win size > PVM_MAX_WIN_PIXELS 65 (bitmap) "
	       "can not parse graphics data mutex unlock - not owner mutex .internal.cond .internal.sema "
	       "tty window (void) ");
}
END_TEST

START_TEST(kernel_environment)
{
	/* a name given again replaces its entry in place (boot.23) */
	pvm_vm *vm = vm_new();
	ck_assert_int_eq(pvm_setenv(vm, "root.shell=.my.shell"), 0);
	ck_assert_int_eq(pvm_setenv(vm, "extra=1"), 0);
	ck_assert_int_eq(pvm_setenv(vm, "no-equals"), PVM_EINVAL);
	struct run r;
	run_vm(vm, "t.sys", 8, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, " os 4 root.shell=.my.shell bootstrap "), "%s", r.out);
	vm_done(vm);
}
END_TEST

START_TEST(bundled_library)
{
	expect("t.lib", 8, "one ");
	/* hashmap: iremlu works, then the class's own empty-table bug throws */
	struct run r;
	run("t.lib", 17, &r);
	ck_assert_int_eq(r.status, PVM_EUNHANDLED);
	ck_assert_str_eq(r.err, "array get - index is out of bounds");
	ck_assert_msg(strstr(r.bt, "at .phantom.util.hashmap.find [method 19] ip 87 line 47"), "%s", r.bt);
}
END_TEST

/* ---- fatal errors ---- */

static const struct { int ord; int status; const char *msg; } fatal[] = {
	{ 16, PVM_EPANIC, "unknown opcode 0x9f" },
	{ 17, PVM_EPANIC, "stack underflow" },
	{ 18, PVM_EPANIC, "jump target -98 out of bounds" },
	{ 19, PVM_EPANIC, "call of method 16 on the zero reference" },
	{ 20, PVM_EPANIC, "IP out of bounds" },
	{ 21, PVM_EPANIC, "unimplemented opcode copy" },
	{ 22, PVM_EPANIC, "invalid float op" },
	{ 23, PVM_EPANIC, "not internal class in SYS > 0" },
	{ 24, PVM_EPANIC, "class '.no.such.class' not found" },
	{ 25, PVM_EPANIC, "call depth limit" },
	{ 26, PVM_EUNHANDLED, "oops" },
	{ 27, PVM_EUNHANDLED, "(void)" },
	{ 28, PVM_EPANIC, "o2i(null)" },
	{ 29, PVM_EPANIC, "pop_catcher: no catcher" },
	{ 30, PVM_EPANIC, "is_get32: position 5" },
	{ 31, PVM_EPANIC, "static_invoke: non-related class" },
	{ 32, PVM_EPANIC, "dynamic invoke failed" },
	{ 33, PVM_EPANIC, "stack underflow" },
	{ 34, PVM_EPANIC, "switch: table of 2147483647 entries out of bounds" },
	{ 35, PVM_EPANIC, "stack overflow (more than 1048576 cells)" },
	{ 36, PVM_EPANIC, "stack overflow (more than 1048576 cells)" },
	{ 37, PVM_EPANIC, "stack overflow (more than 1048576 cells)" },
	{ 38, PVM_EPANIC, "is_get32: position 2 outside the frame's 2 cells" },
	/* pos + 1 overflowed for INT32_MAX before (an 8 GiB out-of-bounds read) */
	{ 39, PVM_EPANIC, "is_get32: position 2147483647 outside the frame's 2 cells" },
	{ 40, PVM_EPANIC, "is_set32: position 2147483647 outside the frame's 2 cells" },
	{ 41, PVM_EPANIC, "is_set32: position 2147483647 outside the frame's 1 cells" },
	{ 42, PVM_EUNHANDLED, "o2i: not an int" },
	{ 43, PVM_EPANIC, "o2i(null)" },
};

START_TEST(fatal_errors)
{
	struct run r;
	run("t.panic", fatal[_i].ord, &r);
	ck_assert_msg(r.status == fatal[_i].status, "method %d: status %d (%s)", fatal[_i].ord, r.status, r.err);
	ck_assert_msg(strstr(r.err, fatal[_i].msg), "method %d: '%s' lacks '%s'", fatal[_i].ord, r.err,
		      fatal[_i].msg);
	ck_assert_msg(strstr(r.bt, ".t.panic"), "method %d: no backtrace: %s", fatal[_i].ord, r.bt);
}
END_TEST

/* ---- memory ---- */

START_TEST(cycles_collected)
{
	pvm_vm *vm = vm_new();
	struct run r;
	run_vm(vm, "t.gc", 8, &r);
	ck_assert_msg(r.status == 0, "%s", r.err);
	size_t before = pvm_live_objects(vm);
	long freed = pvm_collect(vm);
	ck_assert_int_ge(freed, 2000);   /* 1000 pairs a <-> b */
	ck_assert_uint_eq(pvm_live_objects(vm), before - (size_t)freed);
	vm_done(vm);
}
END_TEST

START_TEST(acyclic_freed_at_once)
{
	pvm_vm *vm = vm_new();
	size_t base = pvm_live_objects(vm);
	struct run r;
	run_vm(vm, "t.int", 8, &r);
	ck_assert_int_eq(r.status, 0);
	/* all boxed ints and strings are gone; what stays is the loaded class,
	 * its names and the finished main thread */
	ck_assert_uint_le(pvm_live_objects(vm), base + 12);
	ck_assert_int_eq(pvm_collect(vm), 0);
	vm_done(vm);
}
END_TEST

/* Every allocation of a run fails in turn: each run must end cleanly
 * (success or a stopped thread), keep the heap consistent and leak nothing. */
static void inject(const char *cls, int ord, const char *want)
{
	int n;
	for (n = 0; n < 20000; n++) {
		pvm_vm *vm = vm_new();
		pvm_fail_alloc_after(vm, n);
		struct run r;
		run_vm(vm, cls, ord, &r);
		pvm_fail_alloc_after(vm, -1);
		ck_assert_msg(r.status == 0 || r.status == PVM_EPANIC || r.status == PVM_ENOMEM ||
			      r.status == PVM_EUNHANDLED || r.status == PVM_ENOTFOUND || r.status == PVM_EFORMAT,
			      "failure at allocation %d: status %d", n, r.status);
		vm_done(vm);
		if (r.status == 0 && !strcmp(r.out, want))
			break;
	}
	ck_assert_msg(n > 50 && n < 20000, "allocation count %d", n);
	fprintf(stderr, "%s: %d allocation failures survived\n", cls, n);
}

START_TEST(alloc_failures_regression)
{
	inject("ru.dz.phantom.system.regression_tests", 19,
	       "Phantom language regression tests are running\nChecking flow control operators... passed\n"
	       "Checking int math... passed\nChecking arrays... Beeping: beep two! beep one! beep zero! \n"
	       "passed\n");
}
END_TEST

START_TEST(alloc_failures_calls)
{
	inject("t.call", 8, "v 7 ok (void) far callee! (void) class 15 5 1 1 Hello ");
}
END_TEST

/* ---- the bundled class files ---- */

static const char rt_out[] =
	"Phantom language regression tests are running\n"
	"Checking flow control operators... passed\n"
	"Checking int math... passed\n"
	"Checking arrays... Beeping: beep two! beep one! beep zero! \n"
	"passed\n";

START_TEST(regression_tests_output)
{
	expect("ru.dz.phantom.system.regression_tests", 19, rt_out);
}
END_TEST

START_TEST(boot_output)
{
	struct run r;
	run("ru.dz.phantom.system.boot", 8, &r);
	const char *want =
		"Phantom System Envirinment Setup is running\n"
		"loading loader class\n"
		"creating loader object\n"
		"initializing loader\n"
		"registering loader\n"
		"Starting compiler regression tests\n"
		"Phantom language regression tests are running\n"
		"Checking flow control operators... passed\n"
		"Checking int math... passed\n"
		"Checking arrays... Beeping: beep two! beep one! beep zero! \n"
		"passed\n"
		"Finished compiler regression tests\n"
		"Env root.shell=.ru.dz.phantom.system.shell\n"
		"Env root.init=.ru.dz.phantom.system.init\n"
		"Finished windows tests\n"
		"Run Java tests\n";
	ck_assert_str_eq(r.out, want);
	/* then the Java tests recurse forever in <init> (spec §8.3) */
	ck_assert_int_eq(r.status, PVM_EPANIC);
	ck_assert_msg(strstr(r.err, "call depth limit"), "%s", r.err);
	ck_assert_msg(strstr(r.bt, "<init>"), "%s", r.bt);
}
END_TEST

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n + 1);
	ck_assert_int_eq(fread(b, 1, (size_t)n, f), n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

START_TEST(all_bundled_files_load)
{
	DIR *d = opendir(PHANTOM_PC);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	int n = 0;
	pvm_vm *vm = vm_new();
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 4 || strcmp(e->d_name + l - 3, ".pc"))
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", PHANTOM_PC, e->d_name);
		size_t len;
		uint8_t *b = slurp(path, &len);
		int r = pvm_load_bytes(vm, path, b, len);
		ck_assert_msg(r == 0, "%s", pvm_errmsg(vm));
		free(b);
		n++;
	}
	closedir(d);
	ck_assert_int_eq(n, 52);
	vm_done(vm);
}
END_TEST

/* ---- corrupt class files: precise messages ---- */

static const struct { const char *name; const char *bytes; size_t len; const char *msg; } corrupt[] = {
	{ "empty", "", 0, "offset 0: empty file" },
	{ "short header", "phfr:C\0\0", 8, "offset 0: truncated record header" },
	{ "bad marker", "phfx:C\0\0\0\x0e\0\0\0\0", 14, "offset 0: record marker is not" },
	{ "tiny length", "phfr:C\0\0\0\x0d\0\0\0\0", 14, "offset 6: record length 13 is below the minimum" },
	{ "long length", "phfr:C\0\0\0\x20\0\0\0\0", 14, "offset 6: record length 32 runs past the end" },
	{ "no C", "phfr:X\0\0\0\x0e\0\0\0\0", 14, "offset 0: no C record" },
	{ "M first", "phfr:M\0\0\0\x0e\0\0\0\0", 14, "offset 0: 'M' record before the C record" },
	{ "negative string", "phfr:C\0\0\0\x0e\xff\xff\xff\xff", 14, "offset 10: negative string length -1" },
	{ "string too long", "phfr:C\0\0\0\x0e\0\0\0\x09", 14, "offset 10: class name length 9 runs past" },
	{ "bad field count",
	  "phfr:C\0\0\0\x22\0\0\0\x02.a\xff\xff\xff\xfe\0\0\0\0\0\0\0\0", 34 - 4, NULL },
};

START_TEST(corrupt_files)
{
	pvm_vm *vm = vm_new();
	int r = pvm_load_bytes(vm, "x.pc", (const uint8_t *)corrupt[_i].bytes, corrupt[_i].len);
	ck_assert_msg(r == PVM_EFORMAT, "%s: status %d", corrupt[_i].name, r);
	ck_assert_msg(!strncmp(pvm_errmsg(vm), "x.pc: offset ", 13), "%s: %s", corrupt[_i].name, pvm_errmsg(vm));
	if (corrupt[_i].msg)
		ck_assert_msg(strstr(pvm_errmsg(vm), corrupt[_i].msg), "%s: '%s' lacks '%s'", corrupt[_i].name,
			      pvm_errmsg(vm), corrupt[_i].msg);
	vm_done(vm);
}
END_TEST

START_TEST(method_ordinal_out_of_range)
{
	/* C: ".a", 0 fields, 1 method, parent "", then M "m" ordinal 5 */
	static const uint8_t f[] = "phfr:C\0\0\0\x1c" "\0\0\0\x02.a" "\0\0\0\0" "\0\0\0\x01" "\0\0\0\0"
				   "phfr:M\0\0\0\x14" "\0\0\0\x01m" "\0\0\0\x05" "\x08";
	pvm_vm *vm = vm_new();
	ck_assert_int_eq(pvm_load_bytes(vm, "o.pc", f, sizeof f - 1), PVM_EFORMAT);
	ck_assert_msg(strstr(pvm_errmsg(vm), "o.pc: offset 43: method ordinal 5 outside the method table (size 1)"),
		      "%s", pvm_errmsg(vm));
	vm_done(vm);
}
END_TEST

START_TEST(strerror_names)
{
	ck_assert_str_eq(pvm_strerror(PVM_EPANIC), "VM panic");
	ck_assert_str_eq(pvm_strerror(PVM_EFORMAT), "bad class file");
	ck_assert_str_eq(pvm_strerror(12345), "unknown error");
}
END_TEST

static Suite *groups(void)
{
	Suite *s = suite_create("pvm opcode groups");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, int_group);
	tcase_add_test(tc, flow_group);
	tcase_add_test(tc, prefix_group);
	tcase_add_test(tc, stack_group);
	tcase_add_test(tc, switch_fall_through);
	tcase_add_test(tc, int_assignment);
	tcase_add_test(tc, call_group);
	tcase_add_test(tc, exception_group);
	tcase_add_test(tc, catch_loop_charged_for_catchers);
	tcase_add_test(tc, native_group);
	tcase_add_test(tc, thread_group);
	tcase_add_test(tc, wait_durable);
	tcase_add_test(tc, bundled_library);
	tcase_add_test(tc, system_natives);
	tcase_add_test(tc, misc_group);
	tcase_add_test(tc, java_assigns_identity);
	tcase_add_test(tc, huge_double_text);
	tcase_add_test(tc, kernel_environment);
	suite_add_tcase(s, tc);
	TCase *te = tcase_create("errors");
	tcase_set_timeout(te, 60);
	tcase_add_loop_test(te, fatal_errors, 0, (int)(sizeof fatal / sizeof fatal[0]));
	suite_add_tcase(s, te);
	return s;
}

static Suite *memory(void)
{
	Suite *s = suite_create("pvm memory");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, cycles_collected);
	tcase_add_test(tc, acyclic_freed_at_once);
	suite_add_tcase(s, tc);
	TCase *tl = tcase_create("limits");
	tcase_set_timeout(tl, 150);
	tcase_add_test(tl, alloc_failures_regression);
	tcase_add_test(tl, alloc_failures_calls);
	suite_add_tcase(s, tl);
	return s;
}

static Suite *bundled(void)
{
	Suite *s = suite_create("pvm bundled class files");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, regression_tests_output);
	tcase_add_test(tc, boot_output);
	tcase_add_test(tc, all_bundled_files_load);
	suite_add_tcase(s, tc);
	TCase *te = tcase_create("errors");
	tcase_add_loop_test(te, corrupt_files, 0, (int)(sizeof corrupt / sizeof corrupt[0]));
	tcase_add_test(te, method_ordinal_out_of_range);
	tcase_add_test(te, strerror_names);
	suite_add_tcase(s, te);
	return s;
}

int main(void)
{
	return unit_main(groups(), memory(), bundled(), NULL);
}
