/*
 * snapshot/freestanding/string.h — what xxhash.h asks of <string.h> in the
 * hypervisor build (-nostdinc). With XXH_FORCE_MEMORY_ACCESS=1 the XXH64
 * path loads through packed structs; the build checks that no memcpy or
 * memset is left undefined.
 */
#ifndef AMBER_SNAPSHOT_FREESTANDING_STRING_H
#define AMBER_SNAPSHOT_FREESTANDING_STRING_H
#include <stddef.h>
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif
