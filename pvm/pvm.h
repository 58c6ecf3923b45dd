/*
 * pvm/pvm.h — the whole public interface of the PVM, a bytecode VM that runs
 * unmodified Phantom OS class files (.pc). See ../shared/spec/pvm-format.md.
 *
 * The VM is freestanding: it reaches the outside world only through
 * pvm/pvm_port.h. One pvm_vm holds a whole object world (classes, objects,
 * green threads). Nothing here is thread-safe; one host thread drives a VM.
 *
 * Errors are negative pvm_err codes; pvm_strerror() names them and
 * pvm_errmsg() gives the detail of the last one (file, offset, value, or the
 * panic/exception text), pvm_backtrace() the bytecode backtrace.
 */
#ifndef PVM_H
#define PVM_H

#include <stddef.h>
#include <stdint.h>

typedef struct pvm_vm pvm_vm;

enum pvm_err {
	PVM_OK = 0,
	PVM_ENOMEM = -1,      /* allocation failed */
	PVM_EFORMAT = -2,     /* corrupt or unsupported class file */
	PVM_ENOTFOUND = -3,   /* class not found */
	PVM_EPANIC = -4,      /* the thread stopped: a fatal VM error (spec "panic") */
	PVM_EUNHANDLED = -5,  /* an exception reached the bottom of a thread */
	PVM_EDEADLOCK = -6,   /* every remaining thread is blocked */
	PVM_EINVAL = -7,      /* bad argument to an API call */
	PVM_EHEAP = -8,       /* heap invariant broken (pvm_heap_check) */
};

const char *pvm_strerror(int err);

/* Port channels: where pvm_port_write() output goes. */
enum pvm_chan {
	PVM_CHAN_CONSOLE = 0, /* boot.consolePrint: the program's output */
	PVM_CHAN_TTY = 1,     /* .internal.io.tty windows (headless) */
	PVM_CHAN_LOG = 2,     /* diagnostics: traces, "Unused type prefix", loader notes */
};

pvm_vm *pvm_new(void);
void pvm_free(pvm_vm *vm);

/* Kernel environment entry "name=value" (boot.23); a repeated name replaces. */
int pvm_setenv(pvm_vm *vm, const char *name_eq_value);

/* Instruction tracing to PVM_CHAN_LOG. */
void pvm_set_trace(pvm_vm *vm, int on);

/* Load a class from bytes; file names the source in error messages. The
 * class is put into the class cache under its own name. */
int pvm_load_bytes(pvm_vm *vm, const char *file, const uint8_t *buf, size_t len);

/* The boot protocol (spec §6.1, §8.2): make the boot object, load CLASS by
 * name (leading dot optional; a class given to pvm_load_bytes is used,
 * otherwise the bootstrap loader reads the file), make an instance without constructor, call
 * method ORDINAL with the boot object as its one argument and run until that
 * call returns; then run the threads it started until all end or block.
 * nargs 0 calls without the boot object (kernel debugger "runclass"). */
int pvm_run_class(pvm_vm *vm, const char *name, int ordinal, int nargs);

/* Detail of the last error: "FILE: offset N: what" for load errors, the
 * panic text, or the printed exception object. */
const char *pvm_errmsg(const pvm_vm *vm);
/* Bytecode backtrace of the last panic/unhandled exception, one frame a line. */
const char *pvm_backtrace(const pvm_vm *vm);

/* Memory management. pvm_collect runs the cycle collector and returns the
 * number of objects it freed. pvm_heap_check verifies every object's
 * reference count against the references that really exist and the class
 * and list invariants; returns 0 or PVM_EHEAP (detail in pvm_errmsg). */
long pvm_collect(pvm_vm *vm);
int pvm_heap_check(pvm_vm *vm);
size_t pvm_live_objects(const pvm_vm *vm);
size_t pvm_live_bytes(const pvm_vm *vm);
/* Allocation failure injection: the n-th allocation from now fails (0 =
 * the next one); negative disables. */
void pvm_fail_alloc_after(pvm_vm *vm, long n);

/* Limits. */
#define PVM_MAX_DEPTH 10000      /* call frames per thread; deeper is a panic */
#define PVM_MAX_STACK (1u << 20) /* cells per thread stack; more is a panic */
/* Total bytes the VM may hold (0 = no limit); beyond it allocation fails,
 * which stops the allocating thread with "out of memory". */
void pvm_set_mem_limit(pvm_vm *vm, size_t bytes);
/* Stop after this many time slices (calls and backward jumps, ~20000
 * each), counted over all threads and nested runs; 0 = no limit. The
 * thread then stops with the panic "step limit reached". For fuzzing. */
void pvm_set_step_limit(pvm_vm *vm, unsigned long slices);

/* ---- Class-file and bytecode description, for tools (pvm-dis, pvm-as) ---- */

enum pvm_opk {
	PVM_OPK_NONE,   /* no operand */
	PVM_OPK_U8,     /* u8 */
	PVM_OPK_I32,    /* i32 big-endian */
	PVM_OPK_I64,    /* i64 big-endian */
	PVM_OPK_STR,    /* i32 length + bytes */
	PVM_OPK_REL,    /* rel32, relative to the displacement's own first byte */
	PVM_OPK_SWITCH, /* i32 n, i32 shift, i32 div, n x rel32 */
	PVM_OPK_U8I32,  /* u8 ordinal, i32 nargs (call_8bit) */
	PVM_OPK_I32I32, /* i32 ordinal, i32 nargs (call_32bit, static_invoke) */
	PVM_OPK_U8U8,   /* u8, u8 (stack_reserve) */
	PVM_OPK_DEBUG,  /* u8 mode, then str if mode & 0x80 */
};

struct pvm_opinfo {
	const char *name;   /* NULL for undefined bytes */
	uint8_t opk;        /* enum pvm_opk */
	uint8_t implemented;
};
/* Opcode table indexed by byte (call_00..call_1F included). */
extern const struct pvm_opinfo pvm_opinfo[256];
/* Opcode byte for a mnemonic, or -1. */
int pvm_opcode_by_name(const char *name, size_t len);
/* Length in bytes of the instruction at code[ip] (opcode included), or
 * PVM_EFORMAT if it runs past len or the opcode is undefined. */
long pvm_insn_len(const uint8_t *code, size_t len, size_t ip);

/* Record framing (spec §1.2). */
struct pvm_record {
	char tag;
	size_t offset;        /* of the "phfr:" marker */
	size_t length;        /* including the 10-byte header */
	const uint8_t *payload;
	size_t payload_len;
};
#define PVM_RECORD_HEADER 10
/* Reads the record at *off and advances *off. Returns 1 on a record, 0 at
 * the end, PVM_EFORMAT with a message in err (size errlen) when corrupt. */
int pvm_record_next(const uint8_t *buf, size_t len, size_t *off,
		    struct pvm_record *rec, char *err, size_t errlen);

#ifdef PVM_COUNT_OPS
/* Instructions executed by every VM so far: only in the counting build of
 * make bench (pvm-run-count), which divides instruction counts by it. */
extern uint64_t pvm_ops_count;
#endif

#endif
