/*
 * pvm/interp_int.h — what the interpreter (interp.c) and the long/float/
 * double forms (prefix.c) share: opcode numbers, the cell layout of longs,
 * floats and doubles (spec §2.2), float conversions, stack growth.
 */
#ifndef PVM_INTERP_INT_H
#define PVM_INTERP_INT_H

#include "pvm/pvm_int.h"
#include "pvm/opcodes.h"

enum {
#define X(name, byte, opk, impl) OP_##name = byte,
	PVM_OPCODE_LIST(X)
#undef X
};

#define GETL(p) ((int64_t)(((uint64_t)(uint32_t)(p)[0] << 32) | (uint32_t)(p)[1]))
#define PUTL(p, v) do { uint64_t _v = (uint64_t)(v); (p)[0] = (int32_t)(uint32_t)(_v >> 32); \
			(p)[1] = (int32_t)(uint32_t)_v; } while (0)

typedef union { float f; int32_t i; } fbits;
typedef union { double d; int64_t i; } dbits;
static inline float cell2f(int32_t c) { fbits u = { .i = c }; return u.f; }
static inline int32_t f2cell(float f) { fbits u = { .f = f }; return u.i; }
static inline double l2d(int64_t l) { dbits u = { .i = l }; return u.d; }
static inline int64_t d2l(double d) { dbits u = { .d = d }; return u.i; }

/* Float to integer conversions of NaN or out-of-range values are undefined
 * in the spec (host C behaviour); we saturate, and NaN gives 0, so the host
 * itself never meets undefined behaviour. */
static inline int64_t pvm_d2i64(double v)
{
	if (v != v)
		return 0;
	if (v >= 9223372036854775807.0)
		return INT64_MAX;
	if (v <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)v;
}

static inline int32_t pvm_d2i32(double v)
{
	if (v != v)
		return 0;
	if (v >= 2147483647.0)
		return INT32_MAX;
	if (v <= -2147483648.0)
		return INT32_MIN;
	return (int32_t)v;
}

/* Grows t's ostack/istack to hold `more` cells above the top: 0,
 * PVM_EINVAL (beyond PVM_MAX_STACK) or PVM_ENOMEM. */
int pvm_grow_os(pvm_thread *t, uint32_t more);
int pvm_grow_is(pvm_thread *t, uint32_t more);
/* The panic for a failed growth g (stack overflow or out of memory). */
int pvm_grow_failed(pvm_thread *t, int g);

/* Runs the instruction after a type prefix in t's top frame (its ip just
 * past the prefix byte; its state saved). Returns 0, PVM_THROWN (t->thrown
 * set), a negative panic code, or PVM_PREFIX_PLAIN with *op set to an
 * instruction the prefix does not apply to (ip past its opcode byte), which
 * then runs in its int form. */
#define PVM_PREFIX_PLAIN 3
int pvm_prefixed(pvm_thread *t, int prefix, uint8_t *op);

#endif
