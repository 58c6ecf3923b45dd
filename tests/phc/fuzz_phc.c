/*
 * tests/phc/fuzz_phc.c — libFuzzer target for the whole compiler: the input
 * is one source file; it is lexed, parsed, laid out and code-generated (no
 * output written, no -I folders); phc_free_all() then releases the whole
 * compilation. Crashes, UB, leaks, hangs and runaway memory fail the run.
 */
#include <stdint.h>
#include <string.h>

#include "tools/phc/phc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *src = xmalloc(size + 1);
	memcpy(src, data, size);
	src[size] = 0;
	phc_classes = NULL;
	phc_errors = 0;
	phc_quiet = 1;
	phc_nincdirs = 0;
	int n;
	token *t = phc_lex("/nonexistent/fuzz.ph", src, size, &n);
	phc_parse("/nonexistent/fuzz.ph", t, n);
	phc_compile_all(NULL);
	phc_free_all();
	return 0;
}
