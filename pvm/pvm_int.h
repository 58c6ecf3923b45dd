/*
 * pvm/pvm_int.h — internal structures of the PVM: the object and value
 * layout, classes, methods, threads and frames, and the VM itself.
 *
 * VALUES. A reference is a `pvm_obj *`. There are three kinds (spec §2.1):
 *   - a real object;
 *   - the null object: one instance of the root class, vm->null_obj;
 *   - the zero reference: C NULL. Fresh fields and stack_reserve slots.
 * They must stay distinct: os_eq(NULL, null_obj) is 0 (spec §9.1.1).
 * Integers live on the per-thread istack as 32-bit cells; long and double
 * take two cells, high word deeper (spec §2.2).
 *
 * OBJECTS. Every object starts with struct pvm_obj:
 *
 *   +0  gc_next, gc_prev   all-objects list (cycle collector, heap checker)
 *   +16 cls                class object; counted reference
 *   +24 rc                 reference count: heap fields, stacks, VM roots
 *   +28 aux                collector scratch (mark bit, check counters)
 *   +32 flags              PVM_F_*
 *   +34 kind               enum pvm_kind: the payload layout that follows
 *   +35 (pad)
 *   +40 payload            per kind, see the pvm_* structs below
 *
 * Reference counting frees acyclic garbage at once; cycles are found by a
 * mark-and-sweep cycle collector (gc.c) run at safe points, as Phantom pairs
 * refcounts with a separate collector. Every counted reference is listed by
 * pvm_obj_children() (heap.c), which the collector, the freeing code and the
 * heap checker share, so they cannot disagree about what points where.
 *
 * Operations that can allocate are marked "allocates" below; those that can
 * throw or panic return int status codes (PVM_THROWN, negative = panic).
 */
#ifndef PVM_INT_H
#define PVM_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/fmt.h"
#include "pvm/pvm.h"
#include "pvm/pvm_port.h"

#define likely(x)   __builtin_expect(!!(x), 1)
/* Class files and bytecode are big-endian (spec §1.1): one unaligned load
 * and a byte swap. */
static inline int32_t pvm_be32(const uint8_t *p)
{
	uint32_t v;
	__builtin_memcpy(&v, p, 4);
	return (int32_t)__builtin_bswap32(v);
}

#define unlikely(x) __builtin_expect(!!(x), 0)

enum pvm_kind {
	PVM_K_VOID,       /* root class instances: the null object */
	PVM_K_USER,       /* loaded classes: n reference fields */
	PVM_K_INT, PVM_K_LONG, PVM_K_FLOAT, PVM_K_DOUBLE,
	PVM_K_STRING,
	PVM_K_ARRAY,
	PVM_K_CLASS,
	PVM_K_INTERFACE, PVM_K_CODE, PVM_K_PAGE,
	PVM_K_CALL_FRAME, PVM_K_ISTACK, PVM_K_OSTACK, PVM_K_ESTACK,
	PVM_K_BOOT, PVM_K_TTY, PVM_K_THREAD, PVM_K_MUTEX, PVM_K_COND, PVM_K_SEMA,
	PVM_K_BINARY, PVM_K_BITMAP, PVM_K_CLOSURE, PVM_K_WORLD, PVM_K_WINDOW,
	PVM_K_DIRECTORY, PVM_K_CONNECTION,
	PVM_K_COUNT
};

enum {
	PVM_F_IMMUTABLE = 0x2000, /* spec §4.2 value; stores into it panic */
	PVM_F_NULLOBJ = 0x4000,   /* the one null object (vm->null_obj) */
};

typedef struct pvm_obj pvm_obj;
typedef struct pvm_class pvm_class;
typedef struct pvm_thread pvm_thread;

struct pvm_obj {
	pvm_obj *gc_next, *gc_prev;
	pvm_class *cls;
	uint32_t rc;
	uint32_t aux;
	uint16_t flags;
	uint8_t kind;
	uint8_t pad;
};

typedef struct { pvm_obj h; int32_t v; } pvm_int;
typedef struct { pvm_obj h; int64_t v; } pvm_long;
typedef struct { pvm_obj h; float v; } pvm_float;
typedef struct { pvm_obj h; double v; } pvm_double;
typedef struct { pvm_obj h; uint32_t len; uint8_t b[]; } pvm_string;   /* immutable bytes */
typedef struct { pvm_obj h; uint32_t n, cap; pvm_obj **v; } pvm_array;  /* gaps: null object */
typedef struct { pvm_obj h; uint32_t n; uint8_t b[]; } pvm_binary;
typedef struct { pvm_obj h; uint32_t n; pvm_obj *f[]; } pvm_user;       /* fields start as NULL */
typedef struct { pvm_obj h; uint32_t n, cap; pvm_obj **k, **v; } pvm_dir;
typedef struct { pvm_obj h; pvm_obj *image; int32_t xsize, ysize; } pvm_bitmap;
typedef struct { pvm_obj h; int32_t x, y, col, row; } pvm_tty;
typedef struct { pvm_obj h; pvm_obj *cb; int32_t cb_ord; int32_t connected; } pvm_conn;
typedef struct { pvm_obj h; pvm_obj *obj; int32_t ord; } pvm_closure;
typedef struct { pvm_obj h; pvm_obj *owner, *waiters, *mutex; int32_t count; } pvm_sync;
/* mutex: owner thread + waiters (array of threads; LIFO hand-over, as the
 * original); cond: waiters + the mutex they wait with; sema: count. All
 * three pointers are counted. */

/* A method: bytecode, or a stub "sys k; ret" (spec §2.5). Methods are not
 * heap objects; they belong to the class that defined them (cls). */
typedef struct pvm_method {
	const uint8_t *code;  /* len bytes + PVM_CODE_PAD guard bytes of 0xFF */
	uint32_t len;
	int32_t ordinal;
	int32_t sys;          /* >= 0: native stub "sys sys; ret" */
	pvm_class *cls;       /* defining class (const_pool, backtraces) */
	uint32_t nlines;      /* line map sorted by ip */
	struct pvm_line { uint32_t ip; int32_t line; } *lines;
} pvm_method;

/* Guard bytes after every method body. The longest fixed-size operand is 8
 * bytes, so an instruction starting inside the body ends inside the guard,
 * and the next fetch hits 0xFF: "IP out of bounds" instead of a wild read. */
#define PVM_CODE_PAD 16

struct pvm_native;

struct pvm_class {
	pvm_obj h;              /* kind PVM_K_CLASS */
	pvm_obj *name;          /* string, original case */
	pvm_class *parent;      /* counted; the root class is its own parent (not counted) */
	uint32_t nmethods;
	pvm_method **methods;   /* slot -> method or NULL */
	pvm_method *own;        /* methods this class defined (array of nmethods) */
	uint32_t nslots;        /* reference fields per instance */
	uint8_t inst_kind;      /* enum pvm_kind of instances */
	uint8_t internal;       /* native class: methods are the 64 stubs */
	const struct pvm_native *natives;
	uint32_t nnatives;
	pvm_obj *method_names;  /* array or NULL */
	pvm_obj *field_names;   /* array or NULL */
	pvm_obj *pool;          /* array or NULL */
	pvm_obj *statics;       /* array or NULL */
};

/* Native method k of an internal class. Args are borrowed, *res is a new
 * reference. Returns 0, PVM_THROWN (t->thrown holds the thrown object), or
 * a negative panic code (t's message set by pvm_panic). */
typedef int (*pvm_native_fn)(pvm_thread *t, pvm_obj *self, pvm_obj **args,
			     int nargs, pvm_obj **res);
struct pvm_native { pvm_native_fn fn; const char *name; };
#define PVM_THROWN 1
#define PVM_NSTUBS 64

/* ---- threads and frames ---- */

typedef struct pvm_frame {
	pvm_method *m;
	uint32_t ip;
	uint32_t obase, ibase, ebase;  /* bottoms of this frame's three stacks */
	uint32_t ret_osp;              /* caller's ostack depth to return to */
	uint32_t ret_isp;              /* caller's istack depth to return to */
	uint32_t ireach;               /* istack depth this frame keeps (README "Quirks") */
	pvm_obj *this;                 /* counted */
} pvm_frame;

typedef struct pvm_catcher { pvm_class *cls; uint32_t target; } pvm_catcher;

enum pvm_tstate { PVM_T_NEW, PVM_T_RUNNABLE, PVM_T_BLOCKED, PVM_T_DONE };

struct pvm_thread {
	pvm_obj h;                 /* kind PVM_K_THREAD: thread objects are the threads */
	struct pvm_vm *vm;
	pvm_obj **os; uint32_t osp, ocap;
	int32_t *is; uint32_t isp, icap;
	pvm_catcher *es; uint32_t esp, ecap;
	pvm_frame *fr; uint32_t nfr, fcap;
	pvm_obj *thrown;           /* in-flight exception (counted) */
	pvm_obj *result;           /* bottom frame's return value (counted) */
	pvm_obj *env;              /* getEnvironment (counted) */
	pvm_obj *owner;            /* getUser: zero ref */
	pvm_obj *start_obj;        /* boot.18 target (counted) */
	uint8_t state;
	uint8_t nested;            /* synchronous run from native code */
	uint8_t wait;              /* enum pvm_wait while BLOCKED in a kernel call (wait.c) */
	uint64_t wake_ns;          /* PVM_W_SLEEP: monotonic deadline; PVM_W_DURABLE: the generation */
	int status;                /* how it ended: 0, PVM_EPANIC, PVM_EUNHANDLED */
};

/* ---- the VM ---- */

#define PVM_NSIZES 32          /* free-list size classes, 8-byte steps */

struct pvm_vm {
	pvm_obj all;               /* all-objects list head (sentinel) */
	size_t nobjs, bytes;
	void *freelist[PVM_NSIZES];
	long fail_after;           /* allocation failure injection; <0 off */
	pvm_obj *free_pending;     /* objects whose rc hit 0, not yet freed */
	int freeing;

	pvm_class *cls[PVM_K_COUNT]; /* internal classes by instance kind */
	pvm_obj *null_obj;
	pvm_obj *boot_obj;
	pvm_obj *class_cache;      /* directory: lower-cased name -> class */
	pvm_obj *env;              /* array of "name=value" strings */
	pvm_obj *threads;          /* array of runnable/blocked thread objects */
	pvm_obj *pending;          /* threads started during boot */
	pvm_obj *loader;           /* boot.17 system class loader */
	pvm_obj *os_iface;         /* boot.22 */
	int boot_done;             /* main has returned: boot.18 threads start at once */
	pvm_obj *main;             /* the thread pvm_run_class started */
	pvm_thread *cur;           /* running thread (not counted) */
	pvm_method stubs[PVM_NSTUBS];
	uint8_t stub_code[PVM_NSTUBS][3 + PVM_CODE_PAD];

	int nesting;               /* synchronous runs in progress */
	size_t mem_limit;          /* 0 = none */
	unsigned long step_limit, steps;
	int trace;
	size_t alloc_since_gc;
	uint64_t epoch;            /* pvm_port_epoch() last seen (wait.c) */
	uint64_t restarts;         /* restart epochs seen after the first: boot.25 */
	uint32_t in_len, in_pos;   /* tty.getwc: the rest of the last line read */
	char in[256];
	char err[1024];
	char bt[2048];
};

/* wait.c — threads blocked in kernel calls (sleep, console input), the
 * restart epoch. A waiting thread is BLOCKED with wait set; the native that
 * blocked it has already pushed its result, which the wake-up may replace. */
enum pvm_wait { PVM_W_NONE, PVM_W_SLEEP, PVM_W_LINE, PVM_W_CHAR, PVM_W_DURABLE };
int pvm_wait_sleep(pvm_thread *t, int64_t ms);
/* boot.waitDurable: pushes the generation (an int) as the result and blocks
 * t until it is committed; 0 at once on a port without a store; throws
 * without a snapshot disk. */
int pvm_wait_durable(pvm_thread *t, pvm_obj **res);
#define PVM_DURABLE_POLL_NS 1000000u  /* idle re-check while a thread waits for a commit */
int pvm_wait_input(pvm_thread *t, int kind, pvm_obj **res);
/* Between slices: restart hooks on a new epoch, then wake what is due.
 * Returns 1 when some thread waits in a kernel call (the VM is not dead). */
int pvm_wait_poll(struct pvm_vm *vm);
/* Nothing runnable but waiters: idle in the port until the next deadline. */
void pvm_wait_idle(struct pvm_vm *vm);

/* heap.c — allocation and reference counting */
void *pvm_alloc(struct pvm_vm *vm, size_t size);           /* allocates */
void pvm_dealloc(struct pvm_vm *vm, void *p, size_t size);
pvm_obj *pvm_obj_new(struct pvm_vm *vm, pvm_class *cls, size_t size); /* allocates */
/* the same, clearing only the first `zero` bytes: the caller fills the rest */
pvm_obj *pvm_obj_new_head(struct pvm_vm *vm, pvm_class *cls, size_t size, size_t zero);
size_t pvm_obj_size(const pvm_obj *o);
void pvm_obj_release(struct pvm_vm *vm, pvm_obj *o);
typedef void (*pvm_visit_fn)(pvm_obj **slot, void *ctx);
void pvm_obj_children(pvm_obj *o, pvm_visit_fn fn, void *ctx);
void pvm_heap_destroy(struct pvm_vm *vm);
void pvm_obj_unlink(struct pvm_vm *vm, pvm_obj *o);
void pvm_obj_destroy(struct pvm_vm *vm, pvm_obj *o);

static inline void pvm_ref(pvm_obj *o) { if (o) o->rc++; }
static inline void pvm_unref(struct pvm_vm *vm, pvm_obj *o)
{
	if (o && --o->rc == 0)
		pvm_obj_release(vm, o);
}
/* Stores v (already a counted reference the caller gives away) in *slot. */
static inline void pvm_set(struct pvm_vm *vm, pvm_obj **slot, pvm_obj *v)
{
	pvm_obj *old = *slot;
	*slot = v;
	pvm_unref(vm, old);
}

/* values.c — constructors and accessors (all allocate, NULL on failure) */
pvm_obj *pvm_new_int(struct pvm_vm *vm, int32_t v);
pvm_obj *pvm_new_long(struct pvm_vm *vm, int64_t v);
pvm_obj *pvm_new_float(struct pvm_vm *vm, float v);
pvm_obj *pvm_new_double(struct pvm_vm *vm, double v);
pvm_obj *pvm_new_string(struct pvm_vm *vm, const void *b, size_t n);
pvm_obj *pvm_new_cstring(struct pvm_vm *vm, const char *s);
pvm_obj *pvm_new_array(struct pvm_vm *vm);
pvm_obj *pvm_new_binary(struct pvm_vm *vm, size_t n);
pvm_obj *pvm_new_dir(struct pvm_vm *vm);
pvm_obj *pvm_new_instance(struct pvm_vm *vm, pvm_class *cls);  /* `new` semantics */
int pvm_array_set(struct pvm_vm *vm, pvm_obj *a, uint32_t i, pvm_obj *v); /* takes v */
int pvm_array_push(struct pvm_vm *vm, pvm_obj *a, pvm_obj *v);            /* takes v */
pvm_obj *pvm_array_get(pvm_obj *a, uint32_t i);                           /* borrowed */
int pvm_dir_put(struct pvm_vm *vm, pvm_obj *d, pvm_obj *k, pvm_obj *v);   /* refs both; 17 if present */
pvm_obj *pvm_dir_get(pvm_obj *d, const void *k, size_t n);                /* borrowed */
int pvm_dir_remove(struct pvm_vm *vm, pvm_obj *d, const void *k, size_t n);
bool pvm_instance_of(const pvm_obj *o, const pvm_class *c);
static inline bool pvm_is_string(const pvm_obj *o) { return o && o->kind == PVM_K_STRING; }
#define PVM_STR(o) ((pvm_string *)(o))

/* classes.c — internal classes, lookup, bootstrap loader */
int pvm_classes_init(struct pvm_vm *vm);
pvm_class *pvm_class_new(struct pvm_vm *vm, const char *name, size_t nlen,
			 pvm_class *parent, uint32_t nmethods);  /* allocates */
int pvm_lookup_class(struct pvm_vm *vm, pvm_thread *t, const void *name, size_t len, pvm_class **out);
int pvm_boot_load(struct pvm_vm *vm, const void *name, size_t len, pvm_class **out);
int pvm_load_class(struct pvm_vm *vm, const char *file, const uint8_t *buf,
		   size_t len, pvm_thread *t, pvm_class **out);      /* loader.c */
void pvm_method_free(struct pvm_vm *vm, pvm_method *m);
const char *pvm_kind_name(int kind);
const char *pvm_class_cname(const pvm_class *c);
int pvm_cache_class(struct pvm_vm *vm, const void *name, size_t len, pvm_class *c);
pvm_class *pvm_cache_lookup(struct pvm_vm *vm, const void *name, size_t len);  /* borrowed; case-insensitive */

/* interp.c */
int pvm_interp(pvm_thread *t, long budget);
#define PVM_YIELD 2           /* budget ran out or the thread blocked */
int pvm_thread_call(pvm_thread *t, pvm_obj *self, int ordinal, pvm_obj **args, int nargs);

/* thread.c — threads, scheduling, synchronous calls, errors */
pvm_thread *pvm_thread_new(struct pvm_vm *vm);
int pvm_call_sync(pvm_thread *caller, pvm_obj *self, int ordinal,
		  pvm_obj **args, int nargs, pvm_obj **res);
int pvm_panic(pvm_thread *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pvm_throw_str(pvm_thread *t, const char *msg);
int pvm_oom(pvm_thread *t);
void pvm_thread_stop(pvm_thread *t);
int pvm_schedule(struct pvm_vm *vm, pvm_thread *main);
int pvm_print_obj(pvm_thread *t, pvm_obj *o, char *buf, size_t n, size_t *outlen);
int pvm_console_print(pvm_thread *t, pvm_obj *o, int chan);
void pvm_backtrace_capture(pvm_thread *t);
void pvm_log(struct pvm_vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pvm_errf(struct pvm_vm *vm, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* natives.c, natives_sys.c */
int pvm_natives_init(struct pvm_vm *vm);
int pvm_sys_call(pvm_thread *t, pvm_obj *self, int k, pvm_obj **args, int nargs, pvm_obj **res);
int pvm_arg_int(pvm_thread *t, pvm_obj **args, int nargs, int i, int32_t *v);
int pvm_arg_str(pvm_thread *t, pvm_obj **args, int nargs, int i, pvm_string **s);

/* lib.c — the bits of libc we need */
void *pvm_memcpy(void *d, const void *s, size_t n);
void *pvm_memmove(void *d, const void *s, size_t n);
void *pvm_memset(void *d, int c, size_t n);
int pvm_memcmp(const void *a, const void *b, size_t n);
size_t pvm_strlen(const char *s);
int pvm_fmt_i64(char *buf, int64_t v);
int pvm_fmt_double(char *buf, size_t n, double v);
int pvm_tolower(int c);
uint32_t pvm_hash_bytes(uint32_t h, const uint8_t *b, size_t n);

#endif
