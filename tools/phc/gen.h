/* phc code generator, internal interface (code.c, expr.c, gen.c).
 *
 * Values of numeric types (int, long, float, double) live on the istack
 * while an expression runs; everything else on the ostack. Fields,
 * arguments and call results are objects, converted with o2i/i2o and a type
 * prefix. Method frame: arguments in ostack slots 0..N-1, object locals
 * above them, numeric locals on the istack from cell 0, reserved with one
 * stack_reserve after arg_count. */
#ifndef PHC_GEN_H
#define PHC_GEN_H

#include "tools/phc/phc.h"

/* opcodes (spec §3.2) */
enum {
	OP_JZ = 0x05, OP_JMP = 0x06, OP_RET = 0x08, OP_CALL8 = 0x0D, OP_CALL32 = 0x0E,
	OP_IS_DUP = 0x10, OP_IS_DROP = 0x11, OP_OS_DUP = 0x12, OP_OS_DROP = 0x13,
	OP_LOAD8 = 0x14, OP_SAVE8 = 0x15, OP_LOAD32 = 0x16, OP_SAVE32 = 0x17, OP_NEW = 0x18,
	OP_PULL = 0x1C, OP_OS_GET = 0x1E, OP_OS_SET = 0x1F, OP_ICONST0 = 0x20, OP_ICONST1 = 0x21,
	OP_ICONST8 = 0x22, OP_ICONST32 = 0x23, OP_SCONST = 0x24, OP_ICONST64 = 0x25,
	OP_IS_GET = 0x26, OP_IS_SET = 0x27, OP_CPOOL = 0x28, OP_RESERVE = 0x29, OP_CAST = 0x2B,
	OP_PUSH_CATCHER = 0x2D, OP_POP_CATCHER = 0x2E, OP_THROW = 0x2F, OP_THIS = 0x31,
	OP_NULL = 0x37, OP_INT_CLASS = 0x39, OP_STRING_CLASS = 0x3A, OP_ARRAY_CLASS = 0x3D,
	OP_BY_NAME = 0x3F, OP_I2O = 0x40, OP_O2I = 0x41, OP_ISUM = 0x42, OP_IMUL = 0x43,
	OP_ISUBLU = 0x45, OP_IDIVLU = 0x47, OP_IOR = 0x48, OP_IAND = 0x49, OP_IXOR = 0x4A,
	OP_INOT = 0x4B, OP_LOG_AND = 0x4D, OP_LOG_NOT = 0x4F, OP_IGE = 0x52, OP_ILE = 0x53,
	OP_IGT = 0x54, OP_ILT = 0x55, OP_IREMLU = 0x57, OP_OS_EQ = 0x58, OP_OS_NEQ = 0x59,
	OP_ISNULL = 0x5A, OP_PREFIX_LONG = 0x5C, OP_STATIC_INVOKE = 0x6E, OP_SHL = 0x70,
	OP_SHR = 0x71, OP_USHR = 0x72, OP_ARG_COUNT = 0x73, OP_FROMI = 0x74,
};

typedef struct local { char *name; type ty; int obj; int pos; int scope; } local;
typedef struct loop { int *brk; int nbrk; int *cont; int ncont; int cont_target; int tries; int is_switch; struct loop *up; } loop;


/* the method being generated */
struct gen_ctx {
	pclass *cls;
	method *m;
	code_out *out;
	cpool *pool;
	local *locals; int nlocals, scope;
	int nobj, nint;     /* object locals (beyond args), istack cells */
	loop *loop;         /* innermost loop or switch */
	int tries;          /* try blocks open */
	int failed;
};
extern struct gen_ctx g;

/* code.c: bytes, jumps (rel32 from the displacement field), line map */
void g_err(node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void g_op(int o);
void g_op32(int o, int32_t v);
int g_here(void);
int g_jump(int o);                  /* emits a jump, returns where to patch */
void g_patch(int at, int target);
void g_jump_to(int o, int target);
void g_line(node *n);
void g_iconst(int64_t v);
void g_call(int ord, int nargs);    /* the shortest call form (spec §3.2) */
void g_summon(type t, node *at);    /* push a class object */
/* code.c: values between the stacks */
void g_prefix(enum ty_kind k);      /* type prefix for long/float/double */
int g_cells(enum ty_kind k);
type g_num(enum ty_kind k);
type g_to_obj(type t);              /* box a number; returns the object's type */
void g_to_num(type t, enum ty_kind k, node *at);   /* value -> number of kind k */
void g_drop(type t);
/* code.c: locals and temporaries of the frame */
local *g_find_local(const char *n);
local *g_add_local(node *at, const char *n, type t);
int g_temp_int(enum ty_kind k);
int g_temp_obj(void);
pclass *g_class_of(type t, node *at);
/* expr.c */
type g_ident_type(node *e, local **lp, int *argi, field **fp);
enum ty_kind g_arith_kind(type a, type b);
int g_is_num(type t);
type g_type_of(node *e);            /* infer, emit nothing */
type g_gen(node *e);                /* emit; the value ends on the stack of its type */
void g_cond(node *e);               /* emit as an int for a jz */
void g_store_ident(node *target, type vt, int keep);
type g_gen_assign(node *e, int keep);

#endif
