/*
 * snapshot/freestanding/stdlib.h — what xxhash.h asks of <stdlib.h> when the
 * store is built for the hypervisor with -nostdinc. Its malloc/free wrappers
 * are static and unused by XXH64, so nothing here is ever linked.
 */
#ifndef AMBER_SNAPSHOT_FREESTANDING_STDLIB_H
#define AMBER_SNAPSHOT_FREESTANDING_STDLIB_H
#include <stddef.h>
void *malloc(size_t n);
void free(void *p);
#endif
