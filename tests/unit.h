/*
 * tests/unit.h — the common main() of every Check test program.
 *
 * A test program defines its suites and calls unit_main() with them; the
 * program ends with the house summary line "N passed, N failed" and exits
 * non-zero on any failure. CK_FORK stays at Check's default (fork per test),
 * so a crashing test is reported as a failure instead of ending the run.
 */
#ifndef AMBER_TESTS_UNIT_H
#define AMBER_TESTS_UNIT_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static inline int unit_main(Suite *first, ...)
{
	SRunner *sr = srunner_create(first);
	va_list ap;
	va_start(ap, first);
	for (Suite *s; (s = va_arg(ap, Suite *)) != NULL;)
		srunner_add_suite(sr, s);
	va_end(ap);
	srunner_run_all(sr, CK_NORMAL);
	int run = srunner_ntests_run(sr), failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	printf("%d passed, %d failed\n", run - failed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* unit_main(suite_a(), suite_b(), NULL) */

#endif
