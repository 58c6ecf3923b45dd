/*
 * pvm/interp.c — the bytecode interpreter: one loop over the current
 * thread's frames, with calls, returns and exceptions (spec §2, §3).
 *
 * The three per-frame stacks of the spec live in three per-thread arrays;
 * a frame owns the cells from its base up. A call leaves the arguments where
 * the caller pushed them, so they become the callee's slots 0..N-1 with no
 * copying; the receiver's cell below them is cleared (the frame holds
 * `this`) and receives the result on return.
 *
 * The loop keeps ip and the stack pointers in locals. SAVE() writes them
 * back before anything that can look at the thread from outside (calls,
 * natives, allocation that may collect, panics); LOAD() re-reads them,
 * because growing a stack or the frame array moves it.
 *
 * Dispatch is written with vmdispatch/vmcase/vmbreak so that the same body
 * is a switch or a computed-goto table (PVM_JUMPTABLE, default with GCC).
 *
 * Errors: a panic (spec "Panic") stops the thread with a message and a
 * bytecode backtrace; it never harms the host. Division by zero throws
 * "division by zero" instead of trapping (spec §9.2).
 */
#include "pvm/interp_int.h"

#ifndef PVM_JUMPTABLE
#ifdef __GNUC__
#define PVM_JUMPTABLE 1
#else
#define PVM_JUMPTABLE 0
#endif
#endif

/* ---- boxed ints: the hottest allocation (every i2o) ----
 * Inline versions of pvm_new_int and of freeing an int, using the free
 * list directly. Test builds take the general path, where allocation
 * failures are injected. */

static inline pvm_obj *box_int_fast(struct pvm_vm *vm, int32_t v)
{
#ifndef PVM_TEST
	enum { SC = (sizeof(pvm_int) + 7) >> 3 };
	pvm_int *o = vm->freelist[SC];
	if (likely(o && !vm->mem_limit)) {
		vm->freelist[SC] = *(void **)o;
		vm->bytes += sizeof(pvm_int);
		/* not counted in alloc_since_gc: an int holds no references, so
		 * reusing a free int cell cannot make a garbage cycle */
		pvm_class *c = vm->cls[PVM_K_INT];
		c->h.rc++;
		o->h.cls = c;
		o->h.rc = 1;
		o->h.aux = 0;
		o->h.flags = 0;
		o->h.kind = PVM_K_INT;
		o->h.pad = 0;
		o->v = v;
		o->h.gc_prev = &vm->all;
		o->h.gc_next = vm->all.gc_next;
		vm->all.gc_next->gc_prev = &o->h;
		vm->all.gc_next = &o->h;
		vm->nobjs++;
		return &o->h;
	}
#endif
	(void)vm;
	(void)v;
	return NULL;   /* no free cell: the general allocator (pvm_new_int) */
}

static inline void unref(struct pvm_vm *vm, pvm_obj *o)
{
	if (!o || --o->rc)
		return;
#ifndef PVM_TEST
	if (o->kind == PVM_K_INT && !vm->freeing) {
		enum { SC = (sizeof(pvm_int) + 7) >> 3 };
		o->cls->h.rc--;   /* never the last: the VM holds the int class */
		o->gc_prev->gc_next = o->gc_next;
		o->gc_next->gc_prev = o->gc_prev;
		vm->nobjs--;
		vm->bytes -= sizeof(pvm_int);
		*(void **)o = vm->freelist[SC];
		vm->freelist[SC] = o;
		return;
	}
#endif
	pvm_obj_release(vm, o);
}

/* ---- stack growth and frames (out of line: rare) ---- */

static int grow_buf(struct pvm_vm *vm, void **buf, uint32_t *cap, size_t elt, uint32_t need)
{
	uint32_t nc = *cap ? *cap : 16;
	if (need > PVM_MAX_STACK)
		return PVM_EINVAL;   /* "stack overflow", not a lack of memory */
	while (nc < need)
		nc *= 2;
	if (nc == *cap)
		return 0;
	void *n = pvm_alloc(vm, nc * elt);
	if (!n)
		return PVM_ENOMEM;
	if (*cap)
		pvm_memcpy(n, *buf, *cap * elt);
	pvm_dealloc(vm, *buf, *cap * elt);
	*buf = n;
	*cap = nc;
	return 0;
}

int pvm_grow_os(pvm_thread *t, uint32_t more)
{
	return grow_buf(t->vm, (void **)&t->os, &t->ocap, sizeof(pvm_obj *), t->osp + more);
}

int pvm_grow_is(pvm_thread *t, uint32_t more)
{
	return grow_buf(t->vm, (void **)&t->is, &t->icap, sizeof(int32_t), t->isp + more);
}

int pvm_grow_failed(pvm_thread *t, int g)
{
	return g == PVM_EINVAL ? pvm_panic(t, "stack overflow (more than %u cells)", PVM_MAX_STACK) : pvm_oom(t);
}
/* A time slice counts calls and backward jumps (a loop's turn, some tens
 * of instructions); trying a catcher costs about one instruction. */
#define CATCHERS_PER_STEP 16
#define grow_os pvm_grow_os
#define grow_is pvm_grow_is

/* Fills frame f for method m entered with `this` = self (a reference the
 * frame takes over): arguments from ostack cell obase, istack from cell ib
 * (which the caller sets to the argument count). The one frame entry:
 * enter() and the interpreter's call path use it. */
static inline __attribute__((always_inline)) void frame_init(pvm_frame *f, pvm_method *m, pvm_obj *self, uint32_t obase,
							      uint32_t ib, uint32_t eb, uint32_t ret_osp, uint32_t ret_isp)
{
	f->m = m;
	f->ip = 0;
	f->obase = obase;
	f->ibase = ib;
	f->ebase = eb;
	f->ret_osp = ret_osp;
	f->ret_isp = ret_isp;
	f->ireach = 0;
	f->this = self;
}

/* Where a callee's istack starts: above the caller's depth and reach. */
static inline uint32_t callee_ibase(const pvm_thread *t)
{
	uint32_t ib = t->isp;
	if (t->nfr && t->fr[t->nfr - 1].ibase + t->fr[t->nfr - 1].ireach > ib)
		ib = t->fr[t->nfr - 1].ibase + t->fr[t->nfr - 1].ireach;
	return ib;
}

/* Enters bytecode method m: self (a reference we own) becomes `this`, the
 * top nargs ostack cells become the callee's arguments. The slow path of
 * the interpreter's call (depth limit, growing the frame array or the
 * istack) and the entry of a thread's bottom frame. */
static int enter(pvm_thread *t, pvm_obj *self, pvm_method *m, uint32_t nargs, uint32_t ret_osp)
{
	if (t->nfr >= PVM_MAX_DEPTH) {
		pvm_unref(t->vm, self);
		return pvm_panic(t, "call depth limit (%d frames) exceeded", PVM_MAX_DEPTH);
	}
	int g = 0;
	uint32_t ib = callee_ibase(t);
	if ((t->nfr == t->fcap && (g = grow_buf(t->vm, (void **)&t->fr, &t->fcap, sizeof(pvm_frame), t->nfr + 1))) ||
	    (ib >= t->icap && (g = grow_buf(t->vm, (void **)&t->is, &t->icap, sizeof(int32_t), ib + 1)))) {
		pvm_unref(t->vm, self);
		return g == PVM_EINVAL ? pvm_panic(t, "stack overflow (more than %u cells)", PVM_MAX_STACK) : pvm_oom(t);
	}
	frame_init(&t->fr[t->nfr++], m, self, t->osp - nargs, ib, t->esp, ret_osp, t->isp);
	t->is[ib] = (int32_t)nargs;
	t->isp = ib + 1;
	return 0;
}

/* A call of a native stub "sys k; ret" without building its frame: the
 * result is the same, and the stub frame has no catchers, so a throw simply
 * continues in the caller. */
static int call_native(pvm_thread *t, pvm_obj *self, int k, uint32_t nargs, uint32_t ret_osp)
{
	pvm_obj *res = NULL;
	int r = pvm_sys_call(t, self, k, &t->os[t->osp - nargs], (int)nargs, &res);
	while (t->osp > ret_osp) {
		pvm_obj *x = t->os[--t->osp];
		pvm_unref(t->vm, x);
	}
	pvm_unref(t->vm, self);
	if (r == 0)
		t->os[t->osp++] = res;
	return r;
}

/* Discards the top frame and everything on its three stacks. */
static inline __attribute__((always_inline)) void pop_frame(pvm_thread *t)
{
	pvm_frame *f = &t->fr[t->nfr - 1];
	struct pvm_vm *vm = t->vm;
	while (t->osp > f->obase) {
		pvm_obj *x = t->os[--t->osp];
		unref(vm, x);
	}
	while (t->esp > f->ebase) {
		pvm_class *c = t->es[--t->esp].cls;
		unref(vm, &c->h);
	}
	pvm_obj *self = f->this;
	t->osp = f->ret_osp;
	t->isp = f->ret_isp;
	t->nfr--;
	unref(vm, self);
}

void pvm_thread_stop(pvm_thread *t)
{
	while (t->nfr)
		pop_frame(t);
	while (t->osp) {
		pvm_obj *x = t->os[--t->osp];
		pvm_unref(t->vm, x);
	}
	t->isp = 0;
	t->state = PVM_T_DONE;
}

/* Sets up the bottom frame of t: self.ordinal(args...). Takes nothing; the
 * arguments are referenced anew. */
int pvm_thread_call(pvm_thread *t, pvm_obj *self, int ordinal, pvm_obj **args, int nargs)
{
	if (!self)
		return pvm_panic(t, "call of method %d on the zero reference", ordinal);
	pvm_class *c = self->cls;
	if (ordinal < 0 || (uint32_t)ordinal >= c->nmethods || !c->methods[ordinal])
		return pvm_panic(t, "no method %d in class (table size %u)", ordinal, c->nmethods);
	if (grow_os(t, (uint32_t)nargs + 1))
		return pvm_oom(t);
	for (int i = 0; i < nargs; i++) {
		pvm_ref(args[i]);
		t->os[t->osp++] = args[i];
	}
	pvm_ref(self);
	t->state = PVM_T_RUNNABLE;
	return enter(t, self, c->methods[ordinal], (uint32_t)nargs, t->osp - (uint32_t)nargs);
}

/* Unwinds to the innermost matching catcher (spec §2.6): the catcher stays,
 * the stacks are not trimmed, the thrown object is pushed. With no catcher
 * anywhere the thread ends: the message and backtrace are taken first, while
 * the frames still show where the throw happened. *walked counts the
 * catchers tried: since catchers survive a catch, a loop that pushes one and
 * throws past it makes every throw longer, and the caller charges the time
 * slice for them. */
static int do_throw(pvm_thread *t, pvm_obj *x, uint32_t *walked)
{
	struct pvm_vm *vm = t->vm;
	uint32_t fi = t->nfr, ei = t->esp;
	bool found = false;
	while (fi > 0 && !found) {
		pvm_frame *f = &t->fr[fi - 1];
		for (; ei > f->ebase; ei--, ++*walked)
			if (pvm_instance_of(x, t->es[ei - 1].cls)) {
				found = true;
				break;
			}
		if (!found)
			fi--;
	}
	if (!found) {
		char msg[512];
		size_t n = 0;
		int r = pvm_print_obj(t, x, msg, sizeof msg, &n);
		pvm_unref(vm, x);
		if (r < 0)
			return r;
		pvm_errf(vm, PVM_EUNHANDLED, "%s", msg);
		vm->bt[0] = 0;
		pvm_backtrace_capture(t);
		pvm_thread_stop(t);
		t->status = PVM_EUNHANDLED;
		return PVM_EUNHANDLED;
	}
	while (t->nfr > fi)
		pop_frame(t);
	pvm_frame *f = &t->fr[fi - 1];
	uint32_t target = t->es[ei - 1].target;
	if (target >= f->m->len) {
		pvm_unref(vm, x);
		return pvm_panic(t, "catcher target %u out of bounds (code length %u)", target, f->m->len);
	}
	if (t->osp == t->ocap && grow_os(t, 1)) {
		pvm_unref(vm, x);
		return pvm_oom(t);
	}
	t->os[t->osp++] = x;
	f->ip = target;
	return 0;
}

static void trace_insn(pvm_thread *t, const pvm_frame *f, uint32_t ip)
{
	uint8_t op = f->m->code[ip];
	const char *name = pvm_opinfo[op].name;
	pvm_log(t->vm, "trace: depth %u ord %d ip %u: %s (0x%x) os %u is %u\n", t->nfr,
		f->m->ordinal, ip, name ? name : "?", op, t->osp - f->obase, t->isp - f->ibase);
}

static void debug_insn(pvm_thread *t, int mode, const uint8_t *s, int32_t n, uint32_t ideep, uint32_t odeep)
{
	char buf[160];
	amber_snprintf(buf, sizeof buf, "\nDebug 0x%x", mode);
	pvm_log(t->vm, "%s", buf);
	if (mode & 0x80) {
		pvm_log(t->vm, " (");
		pvm_port_write(PVM_CHAN_LOG, (const char *)s, (size_t)n);
		pvm_log(t->vm, ")");
	}
	if (ideep)
		pvm_log(t->vm, "\nistack top %d", t->is[t->isp - 1]);
	else
		pvm_log(t->vm, "\nistack empty");
	pvm_log(t->vm, "\nostack depth %u\n", odeep);
}

/* The opcode of the instruction that ip (just past its opcode or operands)
 * is in, found again by decoding from the start: the dispatch does not keep
 * the opcode live through every handler for the sake of one message. */
static uint8_t op_before(const pvm_method *m, uint32_t ip)
{
	size_t p = 0, last = 0;
	while (p < ip) {
		long n = pvm_insn_len(m->code, m->len, p);
		if (n <= 0)
			break;
		last = p;
		p += (size_t)n;
	}
	return last < m->len ? m->code[last] : 0xFF;
}

/* ---- the loop ---- */

#ifdef PVM_COUNT_OPS
uint64_t pvm_ops_count;   /* instructions executed (bench build only) */
#endif

/* GCC would merge the copies of the dispatch jump that end every handler
 * (cross-jumping) and hoist loads across them (GCSE), which undoes threaded
 * dispatch; its manual recommends turning both off for such loops. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-gcse", "no-crossjumping")))
#endif
int pvm_interp(pvm_thread *t, long budget)
{
	struct pvm_vm *vm = t->vm;
	pvm_frame *fr;
	const uint8_t *code, *ip;
	pvm_obj **sp, **sbase, **slim;
	int32_t *isp, *ibase, *ilim;
	int r;
	/* these two are rare: keep them out of registers */
#define LEN (fr->m->len)
#define SELF (fr->this)
	unsigned op;   /* an opcode byte; unsigned int saves re-extending it */
	int prefix;
	pvm_obj *exc;
	pvm_obj *crecv, **cret;    /* the call path's operands (do_call) */
	pvm_method *cm;
	uint32_t cnargs;

#define SAVE() do { fr->ip = (uint32_t)(ip - code); t->osp = (uint32_t)(sp - t->os); \
		    t->isp = (uint32_t)(isp - t->is); } while (0)
#define LOAD() do { fr = &t->fr[t->nfr - 1]; code = fr->m->code; \
		    ip = code + fr->ip; sp = t->os + t->osp; sbase = t->os + fr->obase; \
		    slim = t->os + t->ocap; isp = t->is + t->isp; ibase = t->is + fr->ibase; \
		    ilim = t->is + t->icap; } while (0)
#define PANIC(...) do { SAVE(); r = pvm_panic(t, __VA_ARGS__); goto stop; } while (0)
#define OOM() do { SAVE(); r = pvm_oom(t); goto stop; } while (0)
#define THROW(msg) do { SAVE(); r = pvm_throw_str(t, msg); goto handle; } while (0)
/* Depth and room are compared in bytes: a subtraction and a compare, with
 * no scaling of pointer differences on the hot path. */
#define OBYTES(hi, lo) ((size_t)((const char *)(hi) - (const char *)(lo)))
#define NEED_O(n) do { if (unlikely(OBYTES(sp, sbase) < (size_t)(n) * sizeof(pvm_obj *))) goto underflow; } while (0)
#define NEED_I(n) do { if (unlikely(OBYTES(isp, ibase) < (size_t)(n) * sizeof(int32_t))) goto underflow; } while (0)
#define GROWFAIL(g) do { if ((g) == PVM_EINVAL) PANIC("stack overflow (more than %u cells)", PVM_MAX_STACK); \
			    OOM(); } while (0)
#define ROOM_O(n) do { if (unlikely(OBYTES(slim, sp) < (size_t)(n) * sizeof(pvm_obj *))) { SAVE(); \
		int _g = grow_os(t, (uint32_t)(n)); if (_g) { GROWFAIL(_g); } LOAD(); } } while (0)
#define ROOM_I(n) do { if (unlikely(OBYTES(ilim, isp) < (size_t)(n) * sizeof(int32_t))) { SAVE(); \
		int _g = grow_is(t, (uint32_t)(n)); if (_g) { GROWFAIL(_g); } LOAD(); } } while (0)
/* PUSH_O owns x: if the stack cannot grow, x is released before the panic */
#define PUSH_O(x) do { pvm_obj *_x = (x); if (unlikely(slim == sp)) { SAVE(); \
		int _g = grow_os(t, 1); if (_g) { unref(vm, _x); GROWFAIL(_g); } LOAD(); } \
		*sp++ = _x; } while (0)
#define PUSH_I(v) do { int32_t _v = (v); if (unlikely(isp == ilim)) { ROOM_I(1); } *isp++ = _v; } while (0)
#define RD8() (*ip++)
#define RD32() (ip += 4, pvm_be32(ip - 4))
#define JUMP_TO(tg) do { int64_t _t = (tg); if (unlikely((uint64_t)_t > LEN)) { \
		PANIC("jump target %ld out of bounds (code length %u)", (long)_t, LEN); } \
		if (_t <= ip - code && unlikely(--budget == 0)) { ip = code + _t; SAVE(); return PVM_YIELD; } \
		ip = code + _t; } while (0)
#define REL() (pos = (uint32_t)(ip - code), (int64_t)pos + RD32())
#define BINOP(expr) do { NEED_I(2); int32_t u = isp[-1], l = isp[-2]; (void)u; (void)l; \
			 isp--; isp[-1] = (expr); } while (0)
#define POP_O(x) do { NEED_O(1); (x) = *--sp; } while (0)
/* a fresh int object (spec §9.1.7): a free cell of the int size class, or
 * the general allocator with the state saved */
#define BOX(o, v) do { (o) = box_int_fast(vm, (v)); if (unlikely(!(o))) { SAVE(); \
		(o) = pvm_new_int(vm, (v)); if (!(o)) OOM(); } } while (0)
/* The istack reach (README "Quirks"): absolute accesses may address any cell
 * below the larger of the depth at the start of the instruction and the
 * frame's reach, which is_drop and writes above the top raise; a call places
 * the callee's stack above the reach, so those cells keep their values. */
#define KEEP_REACH() do { if (unlikely((uint32_t)(isp - ibase) > fr->ireach)) \
			fr->ireach = (uint32_t)(isp - ibase); } while (0)
/* cells pos .. pos+n-1 may be addressed with `held` cells on the stack
 * (computed in 64 bits: pos may be INT32_MAX) */
#define IN_REACH(pos, n, held) ((pos) >= 0 && (int64_t)(pos) + (n) <= \
		(int64_t)((uint32_t)(held) > fr->ireach ? (uint32_t)(held) : fr->ireach))
#define REACH() ((uint32_t)(isp - ibase) > fr->ireach ? (uint32_t)(isp - ibase) : fr->ireach)
/* a write of cells pos .. pos+n-1 (already checked) that reach above the top */
#define WROTE_ABOVE(pos, n) do { if ((uint32_t)(pos) + (n) > fr->ireach) \
			fr->ireach = (uint32_t)(pos) + (n); } while (0)

#ifdef PVM_COUNT_OPS
#define COUNT_OP() (pvm_ops_count++)
#else
#define COUNT_OP() ((void)0)
#endif

#if PVM_JUMPTABLE
	/* undefined bytes first, then the real entries override them */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#ifdef __clang__
#pragma GCC diagnostic ignored "-Winitializer-overrides"
#endif
	static const void *const disptab[256] = {
		[0 ... 255] = &&L_undefined,
#define X(name, byte, opk, impl) [byte] = &&L_##name,
		PVM_OPCODE_LIST(X)
#undef X
		[PVM_OP_CALLN_FIRST ... PVM_OP_CALLN_LAST] = &&L_calln,
	};
	/* Tracing swaps the table instead of testing a flag per instruction. */
	static const void *const tracetab[256] = { [0 ... 255] = &&L_trace };
#pragma GCC diagnostic pop
	const void *const *dt = vm->trace ? tracetab : disptab;
#define vmdispatch(o) goto *disptab[o];
#define vmcase(l) L_##l:
#define vmdefault L_undefined:
#define vmbreak do { COUNT_OP(); op = *ip++; goto *dt[op]; } while (0)
#define SET_TRACE() (dt = vm->trace ? tracetab : disptab)
#else
#define SET_TRACE() ((void)0)
#define vmdispatch(o) switch (o)
#define vmcase(l) case OP_##l:
#define vmdefault default:
#define vmbreak break
#endif

	if (budget <= 0)
		budget = -1;
	LOAD();
	for (;;) {
	next:
		if (unlikely(vm->trace)) {
			SAVE();
			trace_insn(t, fr, (uint32_t)(ip - code));
		}
		COUNT_OP();
		op = *ip++;
	redispatch:
		vmdispatch(op) {
		vmcase(nop) vmbreak;
		vmcase(debug) {
			int mode = RD8();
			const uint8_t *s = NULL;
			int32_t n = 0;
			if (mode & 0x80) {
				n = RD32();
				if (n < 0 || n > (int32_t)(code + LEN - ip))
					PANIC("debug: string operand out of bounds");
				s = ip;
				ip += n;
			}
			SAVE();
			debug_insn(t, mode, s, n, (uint32_t)(isp - ibase), (uint32_t)(sp - sbase));
			if (mode & 1)
				vm->trace = 1;
			if (mode & 2)
				vm->trace = 0;
			SET_TRACE();
			vmbreak;
		}
		vmcase(djnz) {
			uint32_t pos;
			NEED_I(1);
			int64_t tg = REL();
			isp[-1] = (int32_t)((uint32_t)isp[-1] - 1);
			if (isp[-1] != 0)
				JUMP_TO(tg);
			vmbreak;
		}
		vmcase(jz) {
			uint32_t pos;
			NEED_I(1);
			int64_t tg = REL();
			if (*--isp == 0)
				JUMP_TO(tg);
			vmbreak;
		}
		vmcase(jmp) {
			uint32_t pos;
			int64_t tg = REL();
			JUMP_TO(tg);
			vmbreak;
		}
		vmcase(switch) {
			NEED_I(1);
			int32_t n = RD32(), shift = RD32(), div = RD32();
			if (n < 0 || n > (int32_t)((code + LEN - ip) / 4))
				PANIC("switch: table of %d entries out of bounds", n);
			if (div == 0)
				THROW("division by zero");
			uint32_t idx = (uint32_t)*--isp + (uint32_t)shift;   /* 32-bit wrap, no UB */
			idx /= (uint32_t)div;
			if (idx < (uint32_t)n) {
				const uint8_t *e = ip + 4 * idx;
				int32_t d = (int32_t)(((uint32_t)e[0] << 24) | ((uint32_t)e[1] << 16) |
						      ((uint32_t)e[2] << 8) | e[3]);
				JUMP_TO((int64_t)(e - code) + d);
			} else {
				ip += 4 * n;
			}
			vmbreak;
		}
		vmcase(ret) {
			pvm_obj *res;
			if (sp > sbase) {
				res = *--sp;
			} else {
				res = vm->null_obj;
				res->rc++;
			}
			if (unlikely(t->nfr == 1 || t->esp > fr->ebase)) {
				SAVE();
				pop_frame(t);
				if (t->nfr == 0) {
					pvm_set(vm, &t->result, res);
					t->state = PVM_T_DONE;
					return 0;
				}
				t->os[t->osp++] = res;
				LOAD();
				vmbreak;
			}
			/* the common return: pop_frame() with the state in locals */
			while (sp > sbase) {
				pvm_obj *x = *--sp;
				unref(vm, x);
			}
			pvm_obj *dead = fr->this;
			sp = t->os + fr->ret_osp;
			isp = t->is + fr->ret_isp;
			t->nfr--;
			fr--;
			code = fr->m->code;
			ip = code + fr->ip;
			sbase = t->os + fr->obase;
			ibase = t->is + fr->ibase;
			*sp++ = res;
			unref(vm, dead);
			vmbreak;
		}
		{
			int32_t ord, nargs;
		vmcase(short_call_0) ord = 0; nargs = 0; goto call;
		vmcase(short_call_1) ord = 1; nargs = 0; goto call;
		vmcase(short_call_2) ord = 2; nargs = 0; goto call;
		vmcase(short_call_3) ord = 3; nargs = 0; goto call;
		vmcase(call_8bit) ord = RD8(); nargs = RD32(); goto call;
		vmcase(call_32bit) ord = RD32(); nargs = RD32(); goto call;
#if PVM_JUMPTABLE
		L_calln:
#else
		case PVM_OP_CALLN_FIRST ... PVM_OP_CALLN_LAST:
#endif
			ord = op - PVM_OP_CALLN_FIRST;
			nargs = RD8();
		call:
			if (nargs < 0)
				PANIC("call: negative argument count %d", nargs);
			NEED_O((long)nargs + 1);
			crecv = sp[-nargs - 1];
			if (unlikely(!crecv))
				PANIC("call of method %d on the zero reference", ord);
			{
				pvm_class *c = crecv->cls;
				if (unlikely((uint32_t)ord >= c->nmethods || !c->methods[ord]))
					PANIC("no method %d in class %s (table size %u)", ord, pvm_class_cname(c), c->nmethods);
				cm = c->methods[ord];
			}
			sp[-nargs - 1] = NULL;   /* the frame holds the receiver */
			cnargs = (uint32_t)nargs;
			cret = sp - nargs - 1;
			goto do_call;
		}

		/* The one call path (all three call instructions), as Lua's
		 * luaD_precall: crecv (a reference the callee takes over) gets method
		 * cm with the top cnargs ostack cells as arguments; the result goes
		 * to cret. Natives run at once; bytecode gets a frame, built here
		 * with the state in locals unless the depth limit or a full frame
		 * array or istack sends it to enter(). */
	do_call:
		if (unlikely(cm->sys >= 0)) {
			SAVE();
			r = call_native(t, crecv, cm->sys, cnargs, (uint32_t)(cret - t->os));
			if (unlikely(r))
				goto handle;
			LOAD();
			if (unlikely(t->state != PVM_T_RUNNABLE)) {
				SAVE();
				return PVM_YIELD;
			}
			vmbreak;
		}
		{
			int32_t *nib = ibase + fr->ireach > isp ? ibase + fr->ireach : isp;
			fr->ip = (uint32_t)(ip - code);
			if (likely(t->nfr < PVM_MAX_DEPTH && t->nfr < t->fcap && nib < ilim)) {
				t->nfr++;
				sbase = sp - cnargs;
				frame_init(fr + 1, cm, crecv, (uint32_t)(sbase - t->os), (uint32_t)(nib - t->is), t->esp,
					   (uint32_t)(cret - t->os), (uint32_t)(isp - t->is));
				fr++;
				code = cm->code;
				ip = code;
				ibase = nib;
				*nib = (int32_t)cnargs;
				isp = nib + 1;
			} else {
				SAVE();
				r = enter(t, crecv, cm, cnargs, (uint32_t)(cret - t->os));
				if (unlikely(r))
					goto handle;
				LOAD();
			}
			if (unlikely(--budget == 0)) {
				SAVE();
				return PVM_YIELD;
			}
			vmbreak;
		}
		vmcase(sys_8bit) {
			int k = RD8();
			NEED_I(1);
			int32_t n = isp[-1];
			if (n < 0)
				PANIC("sys: negative argument count %d", n);
			NEED_O(n);
			ROOM_O(1);   /* with no arguments the result is one more cell */
			pvm_obj *res = NULL;
			SAVE();
			r = pvm_sys_call(t, SELF, k, sp - n, n, &res);
			LOAD();
			if (r)
				goto handle;
			isp--;
			for (int32_t i = 0; i < n; i++) {
				pvm_obj *x = *--sp;
				unref(vm, x);
			}
			*sp++ = res;
			if (unlikely(t->state != PVM_T_RUNNABLE)) {
				SAVE();
				return PVM_YIELD;
			}
			vmbreak;
		}
		vmcase(is_dup)
			NEED_I(1);
			/* The compiler's int assignment "is_dup; is_set32 N; is_drop"
			 * (the value of the assignment expression, then the statement
			 * drops it) in one dispatch when N addresses a cell below the
			 * value: the same cells, reach and result as the three
			 * instructions; jumps into the middle still find them. The
			 * bytes read are inside the code or its guard bytes. */
			if (ip[0] == OP_is_set32 && ip[5] == OP_is_drop) {
				uint32_t pos = (uint32_t)pvm_be32(ip + 1);
				if (pos < (size_t)(isp - ibase) - 1) {
					ibase[pos] = isp[-1];
					KEEP_REACH();
					isp--;
					ip += 6;
					vmbreak;
				}
			}
			PUSH_I(isp[-1]);
			vmbreak;
		vmcase(is_drop)
			NEED_I(1);
			KEEP_REACH();
			isp--;
			vmbreak;
		vmcase(os_dup) {
			NEED_O(1);
			pvm_obj *x = sp[-1];
			pvm_ref(x);
			PUSH_O(x);
			vmbreak;
		}
		vmcase(os_drop) {
			pvm_obj *x;
			POP_O(x);
			unref(vm, x);
			vmbreak;
		}
		{
			int32_t slot;
		vmcase(os_load8) slot = RD8(); goto load;
		vmcase(os_load32) slot = RD32(); goto load;
		load:
			if (unlikely(!SELF || SELF->kind != PVM_K_USER))
				PANIC("field load: this is not an object with fields");
			if (unlikely((uint32_t)slot >= ((pvm_user *)SELF)->n))
				PANIC("field load: slot %d out of range (%u fields)", slot, ((pvm_user *)SELF)->n);
			pvm_obj *x = ((pvm_user *)SELF)->f[slot];
			pvm_ref(x);
			PUSH_O(x);
			vmbreak;
		vmcase(os_save8) slot = RD8(); goto save;
		vmcase(os_save32) slot = RD32(); goto save;
		save:
			if (unlikely(!SELF || SELF->kind != PVM_K_USER))
				PANIC("field store: this is not an object with fields");
			if (unlikely((uint32_t)slot >= ((pvm_user *)SELF)->n))
				PANIC("field store: slot %d out of range (%u fields)", slot, ((pvm_user *)SELF)->n);
			if (unlikely(SELF->flags & PVM_F_IMMUTABLE))
				PANIC("field store into an immutable object");
			NEED_O(1);
			sp--;
			pvm_set(vm, &((pvm_user *)SELF)->f[slot], *sp);
			vmbreak;
		}
		vmcase(new) {
			pvm_obj *c;
			POP_O(c);
			if (unlikely(!c || c->kind != PVM_K_CLASS)) {
				unref(vm, c);
				PANIC("new: operand is not a class");
			}
			SAVE();
			pvm_obj *o = pvm_new_instance(vm, (pvm_class *)c);
			unref(vm, c);
			if (!o)
				OOM();
			*sp++ = o;
			vmbreak;
		}
		vmcase(os_pull32) {
			int32_t d = RD32();
			if (d < 0)
				PANIC("os_pull32: negative depth %d", d);
			NEED_O((long)d + 1);
			pvm_obj *x = sp[-d - 1];
			pvm_ref(x);
			PUSH_O(x);
			vmbreak;
		}
		vmcase(os_get32) {
			int32_t pos = RD32();
			if (unlikely((size_t)(uint32_t)pos >= (size_t)(sp - sbase)))
				PANIC("os_get32: position %d outside the frame's %ld slots", pos, (long)(sp - sbase));
			pvm_obj *x = sbase[pos];
			/* "os_get32 N; o2i", the compiler's read of an int argument or
			 * local, in one dispatch: the value without the reference
			 * taken and given back. Anything but an int object takes the
			 * two instructions (and their errors). */
			if (*ip == OP_o2i && x && x->kind == PVM_K_INT) {
				ip++;
				PUSH_I(((pvm_int *)x)->v);
				vmbreak;
			}
			pvm_ref(x);
			PUSH_O(x);
			vmbreak;
		}
		vmcase(os_set32) {
			int32_t pos = RD32();
			pvm_obj *x;
			POP_O(x);
			if (unlikely((size_t)(uint32_t)pos >= (size_t)(sp - sbase))) {
				unref(vm, x);
				PANIC("os_set32: position %d outside the frame's %ld slots", pos, (long)(sp - sbase));
			}
			pvm_set(vm, &sbase[pos], x);
			vmbreak;
		}
		vmcase(iconst_0) PUSH_I(0); vmbreak;
		vmcase(iconst_1) PUSH_I(1); vmbreak;
		vmcase(iconst_8bit) { int32_t v = RD8(); PUSH_I(v); vmbreak; }
		vmcase(iconst_32bit) { int32_t v = RD32(); PUSH_I(v); vmbreak; }
		vmcase(iconst_64bit) {
			int32_t hi = RD32(), lo = RD32();
			ROOM_I(2);
			*isp++ = hi;
			*isp++ = lo;
			vmbreak;
		}
		vmcase(sconst_bin) {
			int32_t n = RD32();
			if (n < 0 || n > (int32_t)(code + LEN - ip))
				PANIC("sconst_bin: string of %d bytes runs past the code", n);
			SAVE();
			pvm_obj *s = pvm_new_string(vm, ip, (size_t)n);
			if (!s)
				OOM();
			ip += n;
			PUSH_O(s);
			vmbreak;
		}
		vmcase(is_get32) {
			int32_t pos = RD32();
			if (unlikely((size_t)(uint32_t)pos >= (size_t)(isp - ibase)) && !IN_REACH(pos, 1, isp - ibase))
				PANIC("is_get32: position %d outside the frame's %ld cells", pos, (long)REACH());
			PUSH_I(ibase[pos]);
			vmbreak;
		}
		vmcase(is_set32) {
			int32_t pos = RD32();
			NEED_I(1);
			if (unlikely((size_t)(uint32_t)pos >= (size_t)(isp - 1 - ibase))) {
				if (!IN_REACH(pos, 1, isp - ibase))
					PANIC("is_set32: position %d outside the frame's %ld cells", pos, (long)REACH());
				WROTE_ABOVE(pos, 1);
			}
			isp--;
			ibase[pos] = *isp;
			vmbreak;
		}
		vmcase(const_pool) {
			int32_t idx = RD32();
			pvm_obj *pool = fr->m->cls ? fr->m->cls->pool : NULL;
			if (!pool || idx < 0 || (uint32_t)idx >= ((pvm_array *)pool)->n)
				PANIC("const_pool: index %d out of range", idx);
			pvm_obj *x = ((pvm_array *)pool)->v[idx];
			pvm_ref(x);
			PUSH_O(x);
			vmbreak;
		}
		vmcase(stack_reserve) {
			int no = RD8(), ni = RD8();
			ROOM_O(no);
			ROOM_I(ni);
			for (int i = 0; i < no; i++)
				*sp++ = NULL;
			for (int i = 0; i < ni; i++)
				*isp++ = 0;
			vmbreak;
		}
		vmcase(cast) {
			pvm_obj *c, *o;
			NEED_O(2);
			c = *--sp;
			if (unlikely(!c || c->kind != PVM_K_CLASS)) {
				unref(vm, c);
				PANIC("cast: operand is not a class");
			}
			o = sp[-1];
			bool ok = pvm_instance_of(o, (pvm_class *)c);
			unref(vm, c);
			if (!ok) {
				sp--;
				unref(vm, o);
				THROW("cast to not parent");
			}
			vmbreak;
		}
		vmcase(push_catcher) {
			uint32_t pos;
			int64_t tg = REL();
			pvm_obj *c;
			POP_O(c);
			if (unlikely(!c || c->kind != PVM_K_CLASS)) {
				unref(vm, c);
				PANIC("push_catcher: operand is not a class");
			}
			if (tg < 0 || tg >= LEN) {
				unref(vm, c);
				PANIC("push_catcher: target %ld out of bounds", (long)tg);
			}
			if (t->esp == t->ecap && grow_buf(vm, (void **)&t->es, &t->ecap, sizeof(pvm_catcher), t->esp + 1)) {
				unref(vm, c);
				OOM();
			}
			t->es[t->esp].cls = (pvm_class *)c;
			t->es[t->esp].target = (uint32_t)tg;
			t->esp++;
			vmbreak;
		}
		vmcase(pop_catcher) {
			if (t->esp == fr->ebase)
				PANIC("pop_catcher: no catcher in this frame");
			pvm_class *c = t->es[--t->esp].cls;
			unref(vm, &c->h);
			vmbreak;
		}
		vmcase(throw) {
			POP_O(exc);
			SAVE();
			goto throw_it;
		}
		vmcase(summon_thread) t->h.rc++; PUSH_O(&t->h); vmbreak;
		vmcase(summon_this) SELF->rc++; PUSH_O(SELF); vmbreak;   /* never the zero ref: calls check */
		vmcase(summon_null) vm->null_obj->rc++; PUSH_O(vm->null_obj); vmbreak;
		{
			pvm_class *c;
		vmcase(summon_class_class) c = vm->cls[PVM_K_CLASS]; goto summon;
		vmcase(summon_int_class) c = vm->cls[PVM_K_INT]; goto summon;
		vmcase(summon_string_class) c = vm->cls[PVM_K_STRING]; goto summon;
		vmcase(summon_interface_class) c = vm->cls[PVM_K_INTERFACE]; goto summon;
		vmcase(summon_code_class) c = vm->cls[PVM_K_CODE]; goto summon;
		vmcase(summon_array_class) c = vm->cls[PVM_K_ARRAY]; goto summon;
		summon:
			c->h.rc++;
			PUSH_O(&c->h);
			vmbreak;
		}
		vmcase(summon_by_name) {
			int32_t n = RD32();
			if (n < 0 || n > (int32_t)(code + LEN - ip))
				PANIC("summon_by_name: name of %d bytes runs past the code", n);
			const uint8_t *name = ip;
			ip += n;
			pvm_class *c = NULL;
			SAVE();
			r = pvm_lookup_class(vm, t, name, (size_t)n, &c);
			if (r == PVM_ENOTFOUND) {
				char nm[256];
				size_t k = (size_t)n < sizeof nm - 1 ? (size_t)n : sizeof nm - 1;
				pvm_memcpy(nm, name, k);
				nm[k] = 0;
				PANIC("summon_by_name: class '%s' not found", nm);
			}
			if (r == PVM_ENOMEM)
				OOM();
			if (r < 0)
				goto stop;
			LOAD();
			PUSH_O(&c->h);
			vmbreak;
		}
		vmcase(i2o) {
			NEED_I(1);
			pvm_obj *o;
			BOX(o, isp[-1]);
			isp--;
			PUSH_O(o);
			vmbreak;
		}
		vmcase(o2i) {
			pvm_obj *o;
			POP_O(o);
			if (unlikely(!o))
				PANIC("o2i(null)");
			if (unlikely(o->kind != PVM_K_INT)) {
				unref(vm, o);
				THROW("o2i: not an int");
			}
			int32_t v = ((pvm_int *)o)->v;
			unref(vm, o);
			PUSH_I(v);
			vmbreak;
		}
		vmcase(isum) BINOP((int32_t)((uint32_t)l + (uint32_t)u)); vmbreak;
		vmcase(imul) BINOP((int32_t)((uint32_t)l * (uint32_t)u)); vmbreak;
		vmcase(isubul) BINOP((int32_t)((uint32_t)u - (uint32_t)l)); vmbreak;
		vmcase(isublu) BINOP((int32_t)((uint32_t)l - (uint32_t)u)); vmbreak;
		{
			int32_t a, b;
			int rem;
		vmcase(idivul) NEED_I(2); a = isp[-1]; b = isp[-2]; rem = 0; goto idiv;
		vmcase(idivlu) NEED_I(2); a = isp[-2]; b = isp[-1]; rem = 0; goto idiv;
		vmcase(iremul) NEED_I(2); a = isp[-1]; b = isp[-2]; rem = 1; goto idiv;
		vmcase(iremlu) NEED_I(2); a = isp[-2]; b = isp[-1]; rem = 1; goto idiv;
		idiv:
			if (b == 0)
				THROW("division by zero");
			/* INT_MIN / -1 traps on x86 like a division by zero (spec §9.2);
			 * the remainder is simply 0 */
			if (b == -1 && a == INT32_MIN && !rem)
				THROW("integer overflow in division");
			isp--;
			isp[-1] = b == -1 ? (rem ? 0 : -a) : rem ? a % b : a / b;
			vmbreak;
		}
		vmcase(ior) BINOP(l | u); vmbreak;
		vmcase(iand) BINOP(l & u); vmbreak;
		vmcase(ixor) BINOP(l ^ u); vmbreak;
		vmcase(inot) NEED_I(1); isp[-1] = ~isp[-1]; vmbreak;
		vmcase(log_or) BINOP(l || u); vmbreak;
		vmcase(log_and) BINOP(l && u); vmbreak;
		vmcase(log_xor) BINOP(!l != !u); vmbreak;
		vmcase(log_not) NEED_I(1); isp[-1] = !isp[-1]; vmbreak;
		vmcase(is_load8) {
			int slot = RD8();
			if (unlikely(!SELF || SELF->kind != PVM_K_USER || (uint32_t)slot >= ((pvm_user *)SELF)->n))
				PANIC("is_load8: bad field %d", slot);
			pvm_obj *x = ((pvm_user *)SELF)->f[slot];
			if (!x)
				PANIC("is_load8: field %d is the zero reference", slot);
			if (x->kind != PVM_K_INT)
				THROW("type assert failed");
			PUSH_I(((pvm_int *)x)->v);
			vmbreak;
		}
		vmcase(is_save8) {
			int slot = RD8();
			NEED_I(1);
			if (unlikely(!SELF || SELF->kind != PVM_K_USER || (uint32_t)slot >= ((pvm_user *)SELF)->n))
				PANIC("is_save8: bad field %d", slot);
			if (unlikely(SELF->flags & PVM_F_IMMUTABLE))
				PANIC("field store into an immutable object");
			pvm_obj *o;
			BOX(o, isp[-1]);
			isp--;
			pvm_set(vm, &((pvm_user *)SELF)->f[slot], o);
			vmbreak;
		}
		vmcase(ige) BINOP(l >= u); vmbreak;
		vmcase(ile) BINOP(l <= u); vmbreak;
		vmcase(igt) BINOP(l > u); vmbreak;
		vmcase(ilt) BINOP(l < u); vmbreak;
		{
			int eq;
		vmcase(os_eq) eq = 1; goto oseq;
		vmcase(os_neq) eq = 0; goto oseq;
		oseq:
			NEED_O(2);
			pvm_obj *b = *--sp, *a = *--sp;
			int v = (a == b) == eq;
			unref(vm, a);
			unref(vm, b);
			PUSH_I(v);
			vmbreak;
		}
		vmcase(os_isnull) {
			pvm_obj *a;
			POP_O(a);
			int v = !a || a == vm->null_obj;
			unref(vm, a);
			PUSH_I(v);
			vmbreak;
		}
		vmcase(prefix_long) prefix = PVM_K_LONG; goto prefixed;
		vmcase(prefix_float) prefix = PVM_K_FLOAT; goto prefixed;
		vmcase(prefix_double) prefix = PVM_K_DOUBLE; goto prefixed;
		vmcase(general_lock)
		vmcase(general_unlock) {
			pvm_obj *x;
			POP_O(x);
			unref(vm, x);
			vmbreak;
		}
		vmcase(static_invoke) {
			int32_t ord = RD32(), nargs = RD32();
			pvm_obj *c, *o;
			if (nargs < 0)
				PANIC("static_invoke: negative argument count %d", nargs);
			NEED_O((long)nargs + 2);
			c = sp[-1];
			o = sp[-2];
			if (unlikely(!c || c->kind != PVM_K_CLASS))
				PANIC("static_invoke: operand is not a class");
			if (unlikely(!o || o == vm->null_obj))
				PANIC("static_invoke: this is null");
			pvm_class *k = (pvm_class *)c;
			if (!pvm_instance_of(o, k))
				PANIC("static_invoke: non-related class");
			if ((uint32_t)ord >= k->nmethods || !k->methods[ord])
				PANIC("static_invoke: no method %d in class (table size %u)", ord, k->nmethods);
			cm = k->methods[ord];
			crecv = o;
			sp -= 2;
			SAVE();
			unref(vm, c);
			cnargs = (uint32_t)nargs;
			cret = sp - nargs;
			goto do_call;
		}
		vmcase(dynamic_invoke) {
			NEED_O(2);
			NEED_I(1);
			pvm_obj *name = sp[-1], *o = sp[-2];
			int32_t nargs = isp[-1];
			if (!o || o == vm->null_obj || !pvm_is_string(name))
				PANIC("dynamic invoke failed: null this or name not a string");
			if (nargs < 0 || sp - 2 - sbase < nargs)
				PANIC("dynamic invoke failed: %d arguments not on the stack", nargs);
			pvm_array *names = (pvm_array *)o->cls->method_names;
			uint32_t ord = 0;
			bool found = false;
			for (; names && ord < names->n; ord++) {
				pvm_obj *e = names->v[ord];
				if (pvm_is_string(e) && PVM_STR(e)->len == PVM_STR(name)->len &&
				    !pvm_memcmp(PVM_STR(e)->b, PVM_STR(name)->b, PVM_STR(name)->len)) {
					found = true;
					break;
				}
			}
			if (!found || ord >= o->cls->nmethods || !o->cls->methods[ord]) {
				char nm[128];
				uint32_t k = PVM_STR(name)->len < sizeof nm - 1 ? PVM_STR(name)->len : sizeof nm - 1;
				pvm_memcpy(nm, PVM_STR(name)->b, k);
				nm[k] = 0;
				PANIC("dynamic invoke failed: no method '%s'", nm);
			}
			cm = o->cls->methods[ord];
			crecv = o;
			sp -= 2;
			isp--;
			SAVE();
			unref(vm, name);
			cnargs = (uint32_t)nargs;
			cret = sp - nargs;
			goto do_call;
		}
		/* Original operand order (spec §3.4): value on top, count below. */
		vmcase(ishl) BINOP((int32_t)((uint32_t)u << (l & 31))); vmbreak;
		vmcase(ishr) BINOP(u >> (l & 31)); vmbreak;
		vmcase(ushr) BINOP((int32_t)((uint32_t)u >> (l & 31))); vmbreak;
		vmcase(arg_count) {
			uint32_t n = RD8();
			NEED_I(1);
			if ((uint32_t)*--isp != n)
				THROW("invalid arg count");
			vmbreak;
		}
		vmcase(fromi) NEED_I(1); vmbreak;
		vmcase(froml) NEED_I(2); isp--; isp[-1] = isp[0]; vmbreak;
		vmcase(fromf) NEED_I(1); isp[-1] = pvm_d2i32(cell2f(isp[-1])); vmbreak;
		vmcase(fromd) NEED_I(2); isp--; isp[-1] = pvm_d2i32(l2d(GETL(isp - 1))); vmbreak;
		vmcase(copy)
		vmcase(os_compose32)
		vmcase(os_decompose)
			PANIC("unimplemented opcode %s (0x%x)", pvm_opinfo[ip[-1]].name, ip[-1]);
		vmdefault
			if (ip - 1 >= code + LEN)
				PANIC("IP out of bounds (ip %ld, code length %u)", (long)(ip - 1 - code), LEN);
			PANIC("unknown opcode 0x%x at ip %ld", ip[-1], (long)(ip - 1 - code));
		}
		continue;

	prefixed:
		/* the long/float/double forms: ordinary code in prefix.c */
		SAVE();
		{
			uint8_t plain;   /* op stays out of memory: its address is not taken */
			r = pvm_prefixed(t, prefix, &plain);
			op = plain;
		}
		if (unlikely(r < 0 || r == PVM_THROWN))
			goto handle;
		LOAD();
		if (r == PVM_PREFIX_PLAIN)
			goto redispatch;
		continue;
	}

#if PVM_JUMPTABLE
L_trace:
	ip--;
	SAVE();
	trace_insn(t, fr, (uint32_t)(ip - code));
	op = *ip++;
	goto *disptab[op];
#endif

underflow:
	op = op_before(fr->m, (uint32_t)(ip - code));
	PANIC("stack underflow (%s at ip %ld)", pvm_opinfo[op].name ? pvm_opinfo[op].name : "?",
	      (long)(ip - code));

handle:
	/* r: PVM_THROWN with t->thrown, or a negative code already reported */
	if (r == PVM_THROWN) {
		exc = t->thrown;
		t->thrown = NULL;
		goto throw_it;
	}
	if (r == PVM_YIELD)
		return r;
	goto stop;

throw_it:
	{
		uint32_t walked = 0;
		r = do_throw(t, exc, &walked);
		/* a catch can loop (catchers survive it): it counts like a jump,
		 * plus one for every CATCHERS_PER_STEP catchers tried */
		long cost = 1 + (long)(walked / CATCHERS_PER_STEP);
		if (r == 0 && budget > 0 && (budget = budget > cost ? budget - cost : 0) == 0) {
			LOAD();
			SAVE();
			return PVM_YIELD;
		}
	}
	if (r == 0) {
		LOAD();
		goto next;
	}
	if (r == PVM_EUNHANDLED)
		return r;
stop:
	if (t->state != PVM_T_DONE) {
		pvm_thread_stop(t);
		t->status = r;
	}
	return r;
#undef LEN
#undef SELF
}
