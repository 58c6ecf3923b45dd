/*
 * lib/fmt.c — lib/fmt.h: stb_sprintf compiled with this image's flags.
 */
#include "lib/fmt.h"

/* Without SSE registers (the hypervisor and the guest kernel trap path) no
 * double may be touched: gcc defines __SSE2__ only when SSE is allowed. */
#ifndef __SSE2__
#define STB_SPRINTF_NOFLOAT
#endif
/* Its unaligned word stores are undefined behaviour in C (UBSan stops the
 * sanitized tests on them); byte stores cost little in short messages. */
#define STB_SPRINTF_NOUNALIGNED
#define STB_SPRINTF_STATIC
#define STB_SPRINTF_IMPLEMENTATION
/* stb_sprintf's own casts and fallthroughs are not ours to fix */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
/* It negates a negative %d argument in its own type, which overflows for
 * INT_MIN/INT64_MIN (found by the PVM fuzzer): let that wrap, as it means. */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((no_sanitize("signed-integer-overflow"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC optimize("wrapv")
#endif
#include <stb/stb_sprintf.h>
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#pragma GCC diagnostic pop

int amber_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	/* stb counts in int: a larger buffer is used up to INT_MAX bytes */
	int n = size > 0x7fffffff ? 0x7fffffff : (int)size;
	return stbsp_vsnprintf(buf, n, fmt, ap);
}

int amber_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = amber_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
