/*
 * guest/fmt.h — a small snprintf for the guest kernel. Also built on the
 * host for unit tests (tests/guest/), hence the k prefix.
 *
 * Conversions: %d %i %u %x %X %c %s %p %%, with flags '-' and '0', a width, a
 * precision for %s only, and the length modifiers l, ll and z. Returns the length the output
 * would have had, like C's snprintf; the buffer always ends in NUL.
 */
#ifndef AMBER_GUEST_FMT_H
#define AMBER_GUEST_FMT_H

#include <stdarg.h>
#include <stddef.h>

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
