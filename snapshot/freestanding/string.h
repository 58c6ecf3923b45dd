/*
 * snapshot/freestanding/string.h — <string.h> of the hypervisor build of the
 * store (-nostdinc): the one mem* of every freestanding image, lib/mem.c.
 */
#ifndef AMBER_SNAPSHOT_FREESTANDING_STRING_H
#define AMBER_SNAPSHOT_FREESTANDING_STRING_H
#include "lib/mem.h"
#endif
