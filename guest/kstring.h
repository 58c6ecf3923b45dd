/*
 * guest/kstring.h — the C string functions the guest uses. GCC may emit
 * calls to memset/memcpy/memmove/memcmp even with -ffreestanding, so these
 * keep their standard names (on the host, libc provides them).
 */
#ifndef AMBER_GUEST_KSTRING_H
#define AMBER_GUEST_KSTRING_H

#include <stddef.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
