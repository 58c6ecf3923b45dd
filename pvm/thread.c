/*
 * pvm/thread.c — green threads: creation, the round-robin scheduler,
 * synchronous nested runs (spec §2.7), and how a thread reports that it
 * stopped (panics, unhandled exceptions, backtraces, printing of objects).
 */
#include "pvm/pvm_int.h"

#define SLICE 20000          /* calls and backward jumps per time slice */
#define GC_BYTES (64u << 20) /* allocation volume that triggers the cycle collector */

pvm_thread *pvm_thread_new(struct pvm_vm *vm)
{
	pvm_thread *t = (pvm_thread *)pvm_obj_new(vm, vm->cls[PVM_K_THREAD], sizeof(pvm_thread));
	if (!t)
		return NULL;
	t->vm = vm;
	t->state = PVM_T_NEW;
	return t;
}

void pvm_log(struct pvm_vm *vm, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	(void)vm;
	va_start(ap, fmt);
	int n = amber_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pvm_port_write(PVM_CHAN_LOG, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

int pvm_errf(struct pvm_vm *vm, int code, const char *fmt, ...)
{
	char buf[sizeof vm->err];
	va_list ap;
	va_start(ap, fmt);
	amber_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pvm_memcpy(vm->err, buf, sizeof buf);
	return code;
}

static void bt_append(struct pvm_vm *vm, const char *s)
{
	size_t o = pvm_strlen(vm->bt), n = pvm_strlen(s);
	if (o + n + 1 > sizeof vm->bt)
		n = sizeof vm->bt - 1 - o;
	pvm_memcpy(vm->bt + o, s, n);
	vm->bt[o + n] = 0;
}

static int32_t line_of(const pvm_method *m, uint32_t ip)
{
	int32_t line = -1;
	for (uint32_t i = 0; i < m->nlines && m->lines[i].ip <= ip; i++)
		line = m->lines[i].line;
	return line;
}

/* Appends the frames of t, innermost first, at most 16 of them. */
void pvm_backtrace_capture(pvm_thread *t)
{
	char line[256];
	for (uint32_t i = t->nfr, shown = 0; i > 0; i--, shown++) {
		if (shown == 12 && i > 4) {
			amber_snprintf(line, sizeof line, "  ... %u more frames\n", i - 4);
			bt_append(t->vm, line);
			i = 4;
		}
		const pvm_frame *f = &t->fr[i - 1];
		const pvm_method *m = f->m;
		char cname[160];
		amber_snprintf(cname, sizeof cname, "%s", m->cls ? pvm_class_cname(m->cls) :
			     f->this ? pvm_class_cname(f->this->cls) : "?");
		const char *mname = "";
		char mn[96] = "";
		if (m->cls && m->cls->method_names) {
			pvm_obj *s = pvm_array_get(m->cls->method_names, (uint32_t)m->ordinal);
			if (pvm_is_string(s)) {
				uint32_t n = PVM_STR(s)->len < sizeof mn - 1 ? PVM_STR(s)->len : sizeof mn - 1;
				pvm_memcpy(mn, PVM_STR(s)->b, n);
				mn[n] = 0;
				mname = mn;
			}
		}
		int32_t ln = line_of(m, f->ip);
		char lbuf[32] = "";
		if (ln >= 0)
			amber_snprintf(lbuf, sizeof lbuf, " line %d", ln);
		amber_snprintf(line, sizeof line, "  at %s%s%s [method %d] ip %u%s%s\n", cname, *mname ? "." : "",
			     mname, m->ordinal, f->ip, lbuf, m->sys >= 0 ? " (native stub)" : "");
		bt_append(t->vm, line);
	}
}

int pvm_panic(pvm_thread *t, const char *fmt, ...)
{
	struct pvm_vm *vm = t->vm;
	char buf[sizeof vm->err];
	va_list ap;
	va_start(ap, fmt);
	amber_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pvm_memcpy(vm->err, buf, sizeof buf);
	vm->bt[0] = 0;
	pvm_backtrace_capture(t);
	return PVM_EPANIC;
}

int pvm_oom(pvm_thread *t)
{
	return pvm_panic(t, "out of memory");
}

int pvm_throw_str(pvm_thread *t, const char *msg)
{
	pvm_obj *s = pvm_new_cstring(t->vm, msg);
	if (!s)
		return pvm_oom(t);
	pvm_set(t->vm, &t->thrown, s);
	return PVM_THROWN;
}

/* Runs self.ordinal(args) to completion on a fresh thread, from native code
 * (spec §2.7). The result is the bottom frame's return value. A panic or an
 * unhandled exception in it stops the caller too, as in the original. */
int pvm_call_sync(pvm_thread *caller, pvm_obj *self, int ordinal, pvm_obj **args, int nargs, pvm_obj **res)
{
	struct pvm_vm *vm = caller->vm;
	if (vm->nesting >= 64)
		return pvm_panic(caller, "synchronous calls nested too deeply");
	pvm_thread *t = pvm_thread_new(vm);
	if (!t)
		return pvm_oom(caller);
	t->nested = 1;
	pvm_thread *saved = vm->cur;
	vm->cur = t;
	vm->nesting++;
	int r = pvm_thread_call(t, self, ordinal, args, nargs);
	while (r == 0 && t->state == PVM_T_RUNNABLE) {
		r = pvm_interp(t, SLICE);
		if (r == PVM_YIELD && t->state == PVM_T_RUNNABLE) {
			r = 0;
			if (vm->step_limit && ++vm->steps > vm->step_limit) {
				r = pvm_panic(t, "step limit reached");
				pvm_thread_stop(t);
			}
		} else if (r == PVM_YIELD) {
			r = pvm_panic(t, "a synchronous call (toString, class loader) blocked");
			pvm_thread_stop(t);
		}
	}
	vm->nesting--;
	vm->cur = saved;
	if (r == 0) {
		*res = t->result;
		t->result = NULL;
	} else {
		if (r == PVM_EUNHANDLED) {
			char msg[sizeof vm->err];
			amber_snprintf(msg, sizeof msg, "unhandled exception in a synchronous call: %s", vm->err);
			pvm_memcpy(vm->err, msg, sizeof msg);
		}
		bt_append(vm, "  -- called from native code in:\n");
		pvm_backtrace_capture(caller);
		r = PVM_EPANIC;
	}
	pvm_unref(vm, &t->h);
	return r;
}

static void out_bytes(int chan, const void *b, size_t n)
{
	pvm_port_write(chan, b, n);
}

/* The bootstrap print rule (spec §5.3 "Printing"): ints as decimal, strings
 * as bytes, anything else through its toString (ordinal 5) on a nested
 * thread. Writes into buf (truncated) and returns 0 or a panic code. */
int pvm_print_obj(pvm_thread *t, pvm_obj *o, char *buf, size_t n, size_t *outlen)
{
	struct pvm_vm *vm = t->vm;
	size_t k = 0;
	if (!o) {
		k = (size_t)amber_snprintf(buf, n, "(zero reference)");
	} else if (o->kind == PVM_K_INT) {
		k = (size_t)pvm_fmt_i64(buf, ((pvm_int *)o)->v);
	} else if (o->kind == PVM_K_STRING) {
		k = PVM_STR(o)->len < n - 1 ? PVM_STR(o)->len : n - 1;
		pvm_memcpy(buf, PVM_STR(o)->b, k);
		buf[k] = 0;
	} else {
		pvm_obj *s = NULL;
		int r = pvm_call_sync(t, o, 5, NULL, 0, &s);
		if (r)
			return r;
		if (pvm_is_string(s)) {
			k = PVM_STR(s)->len < n - 1 ? PVM_STR(s)->len : n - 1;
			pvm_memcpy(buf, PVM_STR(s)->b, k);
			buf[k] = 0;
		} else {
			k = (size_t)amber_snprintf(buf, n, "%s", s == vm->null_obj ? "(null)" : "?");
		}
		pvm_unref(vm, s);
	}
	*outlen = k < n ? k : n - 1;
	return 0;
}

/* consolePrint of one object: strings go out whole (binary-safe). */
int pvm_console_print(pvm_thread *t, pvm_obj *o, int chan)
{
	if (!o)
		return pvm_panic(t, "print of the zero reference");
	if (o->kind == PVM_K_STRING) {
		out_bytes(chan, PVM_STR(o)->b, PVM_STR(o)->len);
		return 0;
	}
	char buf[1024];
	size_t n;
	int r = pvm_print_obj(t, o, buf, sizeof buf, &n);
	if (!r)
		out_bytes(chan, buf, n);
	return r;
}

/* Runs main to its end, round-robin with every other runnable thread;
 * threads started while main runs wait until it has returned (spec §6.5).
 * The cycle collector runs between slices, where no C code holds
 * references. Returns main's status. */
int pvm_schedule(struct pvm_vm *vm, pvm_thread *main)
{
	int main_status = 1;
	for (;;) {
		int waiting = pvm_wait_poll(vm);
		pvm_array *ts = (pvm_array *)vm->threads;
		bool ran = false;
		for (uint32_t i = 0; i < ts->n; i++) {
			pvm_thread *t = (pvm_thread *)ts->v[i];
			if (t->state != PVM_T_RUNNABLE)
				continue;
			ran = true;
			vm->cur = t;
			int r;
			if (vm->step_limit && ++vm->steps > vm->step_limit) {
				r = pvm_panic(t, "step limit reached");
				pvm_thread_stop(t);
				t->status = r;
			} else {
				r = pvm_interp(t, SLICE);
			}
			vm->cur = NULL;
			if (t == main && t->state == PVM_T_DONE) {
				main_status = r == PVM_YIELD ? 0 : r;
				vm->boot_done = 1;
				if (main_status)
					return main_status;
				/* boot is over: start what it queued */
				pvm_array *p = (pvm_array *)vm->pending;
				for (uint32_t j = 0; j < p->n; j++) {
					pvm_thread *q = (pvm_thread *)p->v[j];
					q->h.rc++;
					if (pvm_array_push(vm, vm->threads, &q->h))
						return PVM_ENOMEM;
				}
				pvm_set(vm, &vm->pending, pvm_new_array(vm));
				if (!vm->pending)
					return PVM_ENOMEM;
				ts = (pvm_array *)vm->threads;
			} else if (t != main && t->state == PVM_T_DONE && r < 0) {
				pvm_port_write(PVM_CHAN_LOG, "thread stopped: ", 16);
				pvm_port_write(PVM_CHAN_LOG, vm->err, pvm_strlen(vm->err));
				pvm_port_write(PVM_CHAN_LOG, "\n", 1);
			}
		}
		/* drop finished threads */
		uint32_t w = 0;
		for (uint32_t i = 0; i < ts->n; i++) {
			pvm_thread *t = (pvm_thread *)ts->v[i];
			if (t->state == PVM_T_DONE)
				pvm_unref(vm, &t->h);
			else
				ts->v[w++] = &t->h;
		}
		ts->n = w;
		/* a small world (the guest's RAM) collects sooner: garbage cycles
		 * must not fill it before the volume trigger is reached */
		size_t gc_at = vm->mem_limit && vm->mem_limit / 4 < GC_BYTES ? vm->mem_limit / 4 : GC_BYTES;
		if (vm->alloc_since_gc > gc_at)
			pvm_collect(vm);
		if (!ran) {
			if (w == 0)
				return main_status;
			if (waiting) {   /* asleep or reading: not a deadlock */
				pvm_wait_idle(vm);
				continue;
			}
			if (main->state != PVM_T_DONE)
				return pvm_errf(vm, PVM_EDEADLOCK, "every thread is blocked");
			return main_status;   /* the rest wait forever; main is done */
		}
	}
}
