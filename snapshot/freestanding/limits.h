/*
 * snapshot/freestanding/limits.h — the limits xxhash.h tests, from the
 * compiler's predefined macros: gcc's own limits.h would reach for the C
 * library's, which the hypervisor build (-nostdinc) does not have.
 */
#ifndef AMBER_SNAPSHOT_FREESTANDING_LIMITS_H
#define AMBER_SNAPSHOT_FREESTANDING_LIMITS_H
#define CHAR_BIT   __CHAR_BIT__
#define UCHAR_MAX  (__SCHAR_MAX__ * 2 + 1)
#define USHRT_MAX  (__SHRT_MAX__ * 2 + 1)
#define INT_MAX    __INT_MAX__
#define UINT_MAX   (__INT_MAX__ * 2U + 1U)
#define LONG_MAX   __LONG_MAX__
#define ULONG_MAX  (__LONG_MAX__ * 2UL + 1UL)
#define LLONG_MAX  __LONG_LONG_MAX__
#define ULLONG_MAX (__LONG_LONG_MAX__ * 2ULL + 1ULL)
#endif
