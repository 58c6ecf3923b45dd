/*
 * lib/fmt.h — the one printf-style formatter of every Amber image (the
 * hypervisor, the guest kernel, the snapshot store, the PVM) and of the host
 * builds of the same sources. It is Debian's stb_sprintf (libstb-dev) behind
 * size_t-sized wrappers; lib/fmt.c compiles it once per image's flags.
 *
 * Conversions: C99's %d %i %u %x %X %o %c %s %p %%, flags '-' '0' '+' ' ',
 * width and precision (also '*'), length modifiers hh h l ll z j t. Where the
 * image is built without SSE (-mgeneral-regs-only) %f %e %g are compiled out
 * (STB_SPRINTF_NOFLOAT); the PVM formats doubles itself (pvm_fmt_double).
 * Differences from glibc that callers see: a NULL %s prints "null", %p prints
 * 16 hex digits without "0x", an unknown conversion prints its letter, and
 * a lone '%' at the end of the format is undefined (stb reads past it; the
 * format attribute makes GCC reject it in callers).
 *
 * Returns the length the whole output would have had; the buffer (if size is
 * not 0) always ends in NUL.
 */
#ifndef AMBER_LIB_FMT_H
#define AMBER_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

int amber_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int amber_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
