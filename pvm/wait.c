/*
 * pvm/wait.c — threads that wait in a kernel call, and the restart epoch.
 *
 * Green threads block in four kernel calls: boot.sleep(ms) (a monotonic
 * deadline), boot.readLine() and tty.getwc() (console input), and
 * boot.waitDurable() (a generation of the machine's store to commit). Such
 * a thread is BLOCKED with t->wait saying why; the native has already pushed
 * its result (null), and the wake-up replaces it with the input read or the
 * generation, so the interpreter needs no retry path. The scheduler calls pvm_wait_poll()
 * between slices and pvm_wait_idle() when nothing can run, which hands the
 * CPU to the port (the guest kernel HLTs until the timer or console
 * interrupt) instead of reporting a deadlock.
 *
 * Restart (the Phantom rule): the machine under the world may restart at any
 * moment and restore the world's memory as it was. The world notices it
 * here, through pvm_port_epoch(), before any thread runs another slice:
 * vm->restarts counts the epochs since the world was created (PVM code reads
 * it with boot.getRestartCount, ordinal 25). A thread waiting in a kernel
 * call stays waiting: its deadline is on the monotonic clock, which the
 * machine carries across restores, and console input is re-delivered by the
 * machine from what the restored state had not consumed. The port's own
 * device state (the guest's epoch-guarded console) re-syncs in the port.
 *
 * Durability across a restore: a thread holds generation G only in states
 * captured after its request, i.e. in G or later, and a restore only starts
 * from a committed generation; so a restored waiter normally finds G durable
 * and returns it. The rule for anything else (a store that lost G yet
 * restored a state waiting for it): on a new epoch a waiter whose G is not
 * durable asks again and returns the new generation once that commits. The
 * value returned is thus always a committed generation holding the thread's
 * effects up to the call; never one that was lost.
 */
#include "pvm/pvm_int.h"

int pvm_wait_sleep(pvm_thread *t, int64_t ms)
{
	if (t->nested)
		return pvm_panic(t, "a synchronous call would block (sleep)");
	if (ms <= 0)
		return 0;
	t->wake_ns = pvm_port_time_ns() + (uint64_t)ms * 1000000u;
	t->wait = PVM_W_SLEEP;
	t->state = PVM_T_BLOCKED;
	return 0;
}

int pvm_wait_durable(pvm_thread *t, pvm_obj **res)
{
	struct pvm_vm *vm = t->vm;
	if (t->nested)
		return pvm_panic(t, "a synchronous call would block (waitDurable)");
	int64_t g = pvm_port_durable_request();
	if (g < 0)
		return pvm_throw_str(t, "waitDurable: no snapshot disk, so nothing can be made durable");
	if (g > INT32_MAX)
		return pvm_throw_str(t, "waitDurable: generation number beyond int range");
	if (!g) {   /* a port without a store (the host tools): nothing to wait for */
		*res = pvm_new_int(vm, 0);
		return *res ? 0 : pvm_oom(t);
	}
	vm->null_obj->rc++;
	*res = vm->null_obj;   /* replaced by the generation at wake-up */
	t->wake_ns = (uint64_t)g;
	t->wait = PVM_W_DURABLE;
	t->state = PVM_T_BLOCKED;
	return 0;
}

/* The next input for a reader of kind from vm->in, or NULL (allocation
 * failure); takes one char or the rest of the line. */
static pvm_obj *take_input(struct pvm_vm *vm, int kind)
{
	uint32_t n = kind == PVM_W_CHAR ? 1 : vm->in_len - vm->in_pos;
	pvm_obj *s = pvm_new_string(vm, vm->in + vm->in_pos, n);
	if (s)
		vm->in_pos += n;
	return s;
}

/* 1: vm->in holds input; 0: none yet; -1: the port has no input at all. */
static int fill_input(struct pvm_vm *vm)
{
	if (vm->in_pos < vm->in_len)
		return 1;
	int n = pvm_port_read_line(vm->in, sizeof vm->in);
	if (n <= 0)
		return n < 0 ? -1 : 0;
	vm->in_len = (uint32_t)n;
	vm->in_pos = 0;
	return 1;
}

int pvm_wait_input(pvm_thread *t, int kind, pvm_obj **res)
{
	struct pvm_vm *vm = t->vm;
	int have = fill_input(vm);
	if (have < 0) {   /* headless: an empty string at once */
		*res = pvm_new_string(vm, "", 0);
		return *res ? 0 : pvm_oom(t);
	}
	if (have) {
		*res = take_input(vm, kind);
		return *res ? 0 : pvm_oom(t);
	}
	if (t->nested)
		return pvm_panic(t, "a synchronous call would block (console input)");
	vm->null_obj->rc++;
	*res = vm->null_obj;   /* replaced by the input at wake-up */
	t->wait = (uint8_t)kind;
	t->state = PVM_T_BLOCKED;
	return 0;
}

static void wake(pvm_thread *t)
{
	t->wait = PVM_W_NONE;
	t->state = PVM_T_RUNNABLE;
}

/* Restart hooks: run once per new epoch, before any thread continues. */
static void restarted(struct pvm_vm *vm, uint64_t epoch)
{
	vm->restarts += epoch > vm->epoch ? epoch - vm->epoch : 1;
	vm->epoch = epoch;
	/* durability waiters whose generation was lost ask again (header) */
	pvm_array *ts = (pvm_array *)vm->threads;
	uint64_t durable = pvm_port_durable_last();
	for (uint32_t i = 0; i < ts->n; i++) {
		pvm_thread *t = (pvm_thread *)ts->v[i];
		if (t->state != PVM_T_BLOCKED || t->wait != PVM_W_DURABLE || t->wake_ns <= durable)
			continue;
		int64_t g = pvm_port_durable_request();
		if (g > 0 && g <= INT32_MAX)
			t->wake_ns = (uint64_t)g;
	}
}

int pvm_wait_poll(struct pvm_vm *vm)
{
	uint64_t e = pvm_port_epoch();
	if (!vm->epoch)
		vm->epoch = e;   /* the world's first epoch */
	else if (e != vm->epoch)
		restarted(vm, e);

	pvm_array *ts = (pvm_array *)vm->threads;
	int waiting = 0, input = 1;
	uint64_t now = 0, durable = 0;
	int durable_read = 0;
	for (uint32_t i = 0; i < ts->n; i++) {
		pvm_thread *t = (pvm_thread *)ts->v[i];
		if (t->state != PVM_T_BLOCKED || t->wait == PVM_W_NONE)
			continue;
		if (t->wait == PVM_W_SLEEP) {
			if (!now)
				now = pvm_port_time_ns();
			if (now >= t->wake_ns)
				wake(t);
			else
				waiting = 1;
			continue;
		}
		if (t->wait == PVM_W_DURABLE) {
			if (!durable_read) {   /* one status call per poll */
				durable = pvm_port_durable_last();
				durable_read = 1;
			}
			pvm_obj *g;
			if (durable >= t->wake_ns && t->osp &&
			    (g = pvm_new_int(vm, (int32_t)t->wake_ns)) != NULL) {
				pvm_set(vm, &t->os[t->osp - 1], g);
				wake(t);
			} else {
				waiting = 1;   /* not yet on disk (or out of memory): next poll */
			}
			continue;
		}
		/* a reader: the first one gets the next input (FIFO by start) */
		if (input && (input = fill_input(vm)) > 0 && t->osp) {
			pvm_obj *s = take_input(vm, t->wait);
			if (s) {
				pvm_set(vm, &t->os[t->osp - 1], s);
				wake(t);
				continue;
			}
		}
		waiting = 1;
	}
	return waiting;
}

void pvm_wait_idle(struct pvm_vm *vm)
{
	pvm_array *ts = (pvm_array *)vm->threads;
	uint64_t next = 0;
	for (uint32_t i = 0; i < ts->n; i++) {
		pvm_thread *t = (pvm_thread *)ts->v[i];
		if (t->state != PVM_T_BLOCKED)
			continue;
		uint64_t when = t->wait == PVM_W_SLEEP ? t->wake_ns
			: t->wait == PVM_W_DURABLE ? pvm_port_time_ns() + PVM_DURABLE_POLL_NS : 0;
		if (when && (!next || when < next))
			next = when;
	}
	pvm_port_idle(next);
}
