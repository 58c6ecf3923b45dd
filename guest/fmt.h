/*
 * guest/fmt.h — the guest kernel's names for the one formatter of every image
 * (lib/fmt.h: stb_sprintf, without %f since the kernel has no SSE state).
 */
#ifndef AMBER_GUEST_FMT_H
#define AMBER_GUEST_FMT_H

#include "lib/fmt.h"

#define kvsnprintf amber_vsnprintf
#define ksnprintf amber_snprintf

#endif
