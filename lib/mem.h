/*
 * lib/mem.h — the byte and string functions of every freestanding image
 * (lib/mem.c). On the host the same names are libc's.
 */
#ifndef AMBER_LIB_MEM_H
#define AMBER_LIB_MEM_H

#include <stddef.h>

void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
