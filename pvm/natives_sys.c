/*
 * pvm/natives_sys.c — native methods of the system classes (spec §5.3):
 * boot, tty, thread, world, mutex/cond/sema, binary, bitmap, directory,
 * connection, window and closure.
 *
 * Hosted limits: a tty writes its text to PVM_CHAN_TTY; windows keep their
 * geometry but draw nothing; connections report ENOMEM on connect, as the
 * original's hosted test VM does, and block() throws "not available".
 */
#include "pvm/natives_int.h"



/* ---- boot ---- */

NATIVE(n_boot_tostring) { UNUSED; RET_STR("bootstrap"); }

/* loadClass (spec §6.3): cache, then the file; failure throws. */
NATIVE(n_boot_loadclass)
{
	UNUSED;
	pvm_string *s;
	ARG_STR(0, s);
	struct pvm_vm *vm = t->vm;
	size_t n = s->len < 1024 ? s->len : 1024;
	pvm_obj *c = (pvm_obj *)pvm_cache_lookup(vm, s->b, n);
	if (!c) {
		pvm_class *k;
		int r = pvm_boot_load(vm, s->b, n, &k);
		if (r == PVM_EPANIC)
			return r;
		if (r) {
			char msg[1100];
			pvm_log(vm, "%s\n", vm->err);
			size_t m = n < 1000 ? n : 1000;
			pvm_memcpy(msg, s->b, m);
			pvm_memcpy(msg + m, " - class load error", 20);
			return pvm_throw_str(t, msg);
		}
		if (pvm_cache_class(vm, s->b, n, k)) {
			pvm_unref(vm, &k->h);
			return pvm_oom(t);
		}
		*res = &k->h;
		return 0;
	}
	c->rc++;
	*res = c;
	return 0;
}

/* consolePrint: last argument first, nothing added (spec §9.1.5) */
NATIVE(n_boot_print)
{
	UNUSED;
	for (int i = nargs - 1; i >= 0; i--) {
		int r = pvm_console_print(t, args[i], PVM_CHAN_CONSOLE);
		if (r)
			return r;
	}
	RET_NULL();
}

NATIVE(n_boot_setloader)
{
	UNUSED;
	NEED(1);
	pvm_ref(args[0]);
	pvm_set(t->vm, &t->vm->loader, args[0]);
	RET_NULL();
}

/* startThread(obj): a thread running obj.8(boot object); during boot it
 * waits until boot returns (spec §6.5). */
NATIVE(n_boot_startthread)
{
	UNUSED;
	NEED(1);
	struct pvm_vm *vm = t->vm;
	pvm_thread *nt = pvm_thread_new(vm);
	if (!nt)
		return pvm_oom(t);
	int r = pvm_thread_call(nt, args[0], 8, &vm->boot_obj, 1);
	if (r) {
		pvm_unref(vm, &nt->h);
		return r == PVM_ENOMEM ? pvm_oom(t) : pvm_throw_str(t, "startThread: object has no method 8");
	}
	pvm_ref(args[0]);
	pvm_set(vm, &nt->start_obj, args[0]);
	if (pvm_array_push(vm, vm->boot_done ? vm->threads : vm->pending, &nt->h))
		return pvm_oom(t);
	RET_NULL();
}

NATIVE(n_boot_createbinary)
{
	UNUSED;
	int32_t n;
	ARG_INT(0, n);
	if (n < 0 || n > (1 << 28))
		return pvm_throw_str(t, "createBinary: size out of range");
	RET(pvm_new_binary(t->vm, (size_t)n));
}

NATIVE(n_boot_setbg)
{
	UNUSED;
	NEED(1);
	if (!args[0] || args[0]->kind != PVM_K_BITMAP)
		return pvm_throw_str(t, "not a bitmap");
	RET_NULL();   /* headless: no screen to paint */
}

/* sleep(ms): the thread waits for a monotonic deadline (pvm/wait.c). */
NATIVE(n_boot_sleep)
{
	UNUSED;
	int32_t ms;
	ARG_INT(0, ms);
	t->vm->null_obj->rc++;
	*res = t->vm->null_obj;
	return pvm_wait_sleep(t, ms);
}

/* Amber's additions to the boot object (ordinals after the original 24):
 * 25 getRestartCount() -> int, restores of the machine seen by this world;
 * 26 readLine() -> string, a console line with its newline (waits for one);
 * 27 waitDurable() -> int, the committed generation that holds this thread's
 *    effects up to the call (waits for the commit; pvm/wait.c, pvm/README.md). */
NATIVE(n_boot_restarts) { UNUSED; RET_INT((int32_t)t->vm->restarts); }
NATIVE(n_boot_readline) { UNUSED; return pvm_wait_input(t, PVM_W_LINE, res); }
NATIVE(n_boot_durable) { UNUSED; return pvm_wait_durable(t, res); }

NATIVE(n_boot_setos)
{
	UNUSED;
	NEED(1);
	pvm_ref(args[0]);
	pvm_set(t->vm, &t->vm->os_iface, args[0]);
	RET_NULL();
}

NATIVE(n_boot_getenv) { UNUSED; t->vm->env->rc++; *res = t->vm->env; return 0; }
NATIVE(n_boot_reboot) { UNUSED; return pvm_panic(t, "reboot requested"); }

/* ---- tty (text window; headless: its text goes to PVM_CHAN_TTY) ---- */

NATIVE(n_tty_tostring) { UNUSED; RET_STR("tty window"); }
NATIVE(n_tty_getwc) { UNUSED; return pvm_wait_input(t, PVM_W_CHAR, res); }

NATIVE(n_tty_putws)
{
	UNUSED;
	pvm_string *s;
	ARG_STR(0, s);
	uint32_t n = 0;
	while (n < s->len && n < 1024 && s->b[n])
		n++;
	pvm_port_write(PVM_CHAN_TTY, (const char *)s->b, n);
	((pvm_tty *)self)->x = (int32_t)((uint32_t)((pvm_tty *)self)->x + n * 8);   /* wraps, no UB */
	RET_NULL();
}

NATIVE(n_tty_debug)
{
	UNUSED;
	NEED(1);
	int r = pvm_console_print(t, args[0], PVM_CHAN_LOG);
	if (r)
		return r;
	RET_NULL();
}

NATIVE(n_tty_gotoxy)
{
	UNUSED;
	int32_t c, r;
	ARG_INT(0, c);
	ARG_INT(1, r);
	((pvm_tty *)self)->x = (int32_t)((uint32_t)c * 8);   /* any int: wraps, no UB */
	((pvm_tty *)self)->y = (int32_t)((uint32_t)r * 16);
	RET_NULL();
}

NATIVE(n_tty_clear) { UNUSED; ((pvm_tty *)self)->x = ((pvm_tty *)self)->y = 0; RET_NULL(); }
NATIVE(n_ok_null) { UNUSED; RET_NULL(); }
NATIVE(n_not_impl) { UNUSED; return pvm_throw_str(t, "not implemented"); }

NATIVE(n_tty_settitle)
{
	UNUSED;
	pvm_string *s;
	ARG_STR(0, s);
	RET_NULL();
}

/* ---- thread, world ---- */

NATIVE(n_thr_tostring) { UNUSED; RET_STR("thread"); }

NATIVE(n_thr_pause)
{
	UNUSED;
	if (self != &t->h)
		return pvm_throw_str(t, "Thread can pause itself only");
	return pvm_throw_str(t, "Not this way");
}

NATIVE(n_not_this_way) { UNUSED; return pvm_throw_str(t, "Not this way"); }

NATIVE(n_thr_getenv)
{
	UNUSED;
	pvm_thread *th = (pvm_thread *)self;
	if (!th->env) {
		pvm_class *c;
		int r = pvm_lookup_class(t->vm, t, ".phantom.environment", 20, &c);
		if (r == PVM_EPANIC)
			return r;
		if (r)
			return pvm_throw_str(t, "thread.getEnvironment: class .phantom.environment not found");
		th->env = pvm_new_instance(t->vm, c);
		pvm_unref(t->vm, &c->h);
		if (!th->env)
			return pvm_oom(t);
	}
	th->env->rc++;
	*res = th->env;
	return 0;
}

NATIVE(n_thr_getuser) { UNUSED; pvm_ref(((pvm_thread *)self)->owner); *res = ((pvm_thread *)self)->owner; return 0; }
NATIVE(n_thr_getos) { UNUSED; pvm_ref(t->vm->os_iface); *res = t->vm->os_iface; return 0; }
NATIVE(n_world_tostring) { UNUSED; RET_STR("(world)"); }
/* The original returns garbage here (spec §9.2); we return the current thread. */
NATIVE(n_world_mythread) { UNUSED; t->h.rc++; *res = &t->h; return 0; }

/* ---- mutex, cond, sema (green threads: blocking = state BLOCKED) ---- */

#define SYNC(o) ((pvm_sync *)(o))

static int block_on(pvm_thread *t, pvm_obj *q)
{
	struct pvm_vm *vm = t->vm;
	if (t->nested)
		return pvm_panic(t, "a synchronous call would block");
	if (!SYNC(q)->waiters && !(SYNC(q)->waiters = pvm_new_array(vm)))
		return pvm_oom(t);
	t->h.rc++;
	if (pvm_array_push(vm, SYNC(q)->waiters, &t->h))
		return pvm_oom(t);
	t->state = PVM_T_BLOCKED;
	return 0;
}

/* Gives the mutex to the most recent waiter (LIFO, as the original) or frees it. */
static void mutex_release(struct pvm_vm *vm, pvm_obj *m)
{
	pvm_array *w = (pvm_array *)SYNC(m)->waiters;
	if (w && w->n) {
		pvm_obj *next = w->v[--w->n];   /* the waiters' reference moves to owner */
		((pvm_thread *)next)->state = PVM_T_RUNNABLE;
		pvm_set(vm, &SYNC(m)->owner, next);
	} else {
		pvm_set(vm, &SYNC(m)->owner, NULL);
	}
}

NATIVE(n_mutex_tostring) { UNUSED; RET_STR("mutex"); }

/* Recursive locking by the owner blocks forever, as in the original. */
NATIVE(n_mutex_lock)
{
	UNUSED;
	if (!SYNC(self)->owner) {
		t->h.rc++;
		SYNC(self)->owner = &t->h;
	} else {
		int r = block_on(t, self);
		if (r)
			return r;
	}
	RET_NULL();
}

NATIVE(n_mutex_unlock)
{
	UNUSED;
	if (SYNC(self)->owner != &t->h)
		return pvm_throw_str(t, "mutex unlock - not owner");
	mutex_release(t->vm, self);
	RET_NULL();
}

NATIVE(n_mutex_trylock) { UNUSED; return pvm_throw_str(t, "mutex si_mutex_10_trylock - not impl"); }
NATIVE(n_cond_tostring) { UNUSED; RET_STR(".internal.cond"); }

NATIVE(n_cond_wait)
{
	UNUSED;
	NEED(1);
	pvm_obj *m = args[0];
	if (!m || m->kind != PVM_K_MUTEX || SYNC(m)->owner != &t->h)
		return pvm_throw_str(t, "cond.wait: mutex not locked by this thread");
	pvm_ref(m);
	pvm_set(t->vm, &SYNC(self)->mutex, m);
	mutex_release(t->vm, m);
	int r = block_on(t, self);
	if (r)
		return r;
	RET_NULL();
}

/* A woken waiter must own the mutex again before it runs. */
static void cond_wake(struct pvm_vm *vm, pvm_obj *c, pvm_obj *th)
{
	pvm_obj *m = SYNC(c)->mutex;
	if (m && SYNC(m)->owner) {
		if (!SYNC(m)->waiters && !(SYNC(m)->waiters = pvm_new_array(vm)))
			return;   /* out of memory: the waiter stays asleep */
		pvm_array_push(vm, SYNC(m)->waiters, th);
		return;
	}
	if (m)
		pvm_set(vm, &SYNC(m)->owner, (th->rc++, th));
	((pvm_thread *)th)->state = PVM_T_RUNNABLE;
	pvm_unref(vm, th);
}

NATIVE(n_cond_timedwait) { UNUSED; return pvm_throw_str(t, "timed wait not impl"); }

NATIVE(n_cond_broadcast)
{
	UNUSED;
	pvm_array *w = (pvm_array *)SYNC(self)->waiters;
	while (w && w->n)
		cond_wake(t->vm, self, w->v[--w->n]);
	RET_NULL();
}

NATIVE(n_cond_signal)
{
	UNUSED;
	pvm_array *w = (pvm_array *)SYNC(self)->waiters;
	if (w && w->n) {
		pvm_obj *th = w->v[0];
		pvm_memmove(w->v, w->v + 1, (w->n - 1) * sizeof(pvm_obj *));
		w->n--;
		cond_wake(t->vm, self, th);
	}
	RET_NULL();
}

NATIVE(n_sema_tostring) { UNUSED; RET_STR(".internal.sema"); }
NATIVE(n_sema_timed) { UNUSED; return pvm_throw_str(t, "timed acquire not impl"); }
NATIVE(n_sema_zero) { UNUSED; if (SYNC(self)->count > 0) SYNC(self)->count = 0; RET_NULL(); }

/* ---- binary ---- */

#define BIN(o) ((pvm_binary *)(o))

NATIVE(n_bin_tostring)
{
	UNUSED;
	char hex[3 * 16 + 2];
	for (uint32_t i = 0; i < BIN(self)->n; i += 16) {
		int k = 0;
		for (uint32_t j = i; j < BIN(self)->n && j < i + 16; j++)
			k += amber_snprintf(hex + k, sizeof hex - (size_t)k, "%x%x ", BIN(self)->b[j] >> 4, BIN(self)->b[j] & 15);
		pvm_log(t->vm, "%s\n", hex);
	}
	RET_STR("(binary)");
}

NATIVE(n_bin_getbyte)
{
	UNUSED;
	int32_t i;
	ARG_INT(0, i);
	if ((uint32_t)i >= BIN(self)->n)
		return pvm_throw_str(t, "binary index out of bounds");
	RET_INT(BIN(self)->b[i]);
}

NATIVE(n_bin_setbyte)
{
	UNUSED;
	int32_t i, v;
	ARG_INT(0, i);
	ARG_INT(1, v);
	if ((uint32_t)i >= BIN(self)->n)
		return pvm_throw_str(t, "binary index out of bounds");
	BIN(self)->b[i] = (uint8_t)v;
	RET_NULL();
}

/* setRange(src, toPos, fromPos, len), unsigned arithmetic as the original */
NATIVE(n_bin_setrange)
{
	UNUSED;
	int32_t to, from, len;
	NEED(4);
	ARG_INT(1, to);
	ARG_INT(2, from);
	ARG_INT(3, len);
	pvm_obj *src = args[0];
	if (!src || src->kind != PVM_K_BINARY)
		return pvm_throw_str(t, "binary copy: source is not a binary");
	if ((uint64_t)(uint32_t)to + (uint32_t)len > BIN(self)->n)
		return pvm_throw_str(t, "binary copy dest index/len out of bounds");
	if ((uint64_t)(uint32_t)from + (uint32_t)len > BIN(src)->n)
		return pvm_throw_str(t, "binary copy src index/len out of bounds");
	pvm_memmove(BIN(self)->b + (uint32_t)to, BIN(src)->b + (uint32_t)from, (uint32_t)len);
	RET_NULL();
}

/* ---- bitmap: binary PPM "P6" (spec §5.3) ---- */

NATIVE(n_bmp_tostring) { UNUSED; RET_STR("(bitmap)"); }

static int ppm_num(const uint8_t *b, uint32_t n, uint32_t *p, int32_t *v)
{
	for (;;) {
		while (*p < n && (b[*p] == ' ' || b[*p] == '\t' || b[*p] == '\r' || b[*p] == '\n'))
			(*p)++;
		if (*p < n && b[*p] == '#') {
			while (*p < n && b[*p] != '\n')
				(*p)++;
			continue;
		}
		break;
	}
	if (*p >= n || b[*p] < '0' || b[*p] > '9')
		return -1;
	int64_t x = 0;
	while (*p < n && b[*p] >= '0' && b[*p] <= '9' && x < 100000000)
		x = x * 10 + (b[(*p)++] - '0');
	*v = (int32_t)x;
	return 0;
}

NATIVE(n_bmp_load)
{
	UNUSED;
	pvm_string *s;
	ARG_STR(0, s);
	uint32_t p = 2;
	int32_t w, h, maxv;
	if (s->len < 2 || s->b[0] != 'P' || s->b[1] != '6' || ppm_num(s->b, s->len, &p, &w) ||
	    ppm_num(s->b, s->len, &p, &h) || ppm_num(s->b, s->len, &p, &maxv) || p >= s->len ||
	    w <= 0 || h <= 0 || maxv <= 0 || maxv > 65535 || (int64_t)w * h > (1 << 24))
		return pvm_throw_str(t, "can not parse graphics data");
	p++;   /* one whitespace byte */
	uint32_t bpc = maxv > 255 ? 2 : 1;
	if ((uint64_t)w * (uint64_t)h * 3 * bpc > s->len - p)
		return pvm_throw_str(t, "can not parse graphics data");
	pvm_obj *img = pvm_new_binary(t->vm, (size_t)w * (size_t)h * 4);
	if (!img)
		return pvm_oom(t);
	for (int32_t y = 0; y < h; y++)
		for (int32_t x = 0; x < w; x++) {
			const uint8_t *px = s->b + p + ((size_t)y * (size_t)w + (size_t)x) * 3 * bpc;
			uint8_t *d = BIN(img)->b + ((size_t)(h - 1 - y) * (size_t)w + (size_t)x) * 4;
			d[0] = px[0];
			d[1] = px[bpc];
			d[2] = px[2 * bpc];
			d[3] = 255;
		}
	pvm_set(t->vm, &((pvm_bitmap *)self)->image, img);
	((pvm_bitmap *)self)->xsize = w;
	((pvm_bitmap *)self)->ysize = h;
	RET_NULL();
}

/* ---- directory ---- */

NATIVE(n_dir_equals) { UNUSED; return pvm_throw_str(t, "dir.equals: not implemented"); }
NATIVE(n_dir_tostring) { UNUSED; RET_STR("(directory)"); }

NATIVE(n_dir_put)
{
	UNUSED;
	pvm_string *k;
	ARG_STR(0, k);
	NEED(2);
	int r = pvm_dir_put(t->vm, self, &k->h, args[1]);
	if (r < 0)
		return pvm_oom(t);
	RET_INT(r);
}

NATIVE(n_dir_get)
{
	UNUSED;
	pvm_string *k;
	ARG_STR(0, k);
	pvm_obj *v = pvm_dir_get(self, k->b, k->len);
	if (!v)
		RET_NULL();
	v->rc++;
	*res = v;
	return 0;
}

NATIVE(n_dir_remove)
{
	UNUSED;
	pvm_string *k;
	ARG_STR(0, k);
	RET_INT(pvm_dir_remove(t->vm, self, k->b, k->len));
}

NATIVE(n_dir_size) { UNUSED; RET_INT((int32_t)((pvm_dir *)self)->n); }
NATIVE(n_dir_iterate) { UNUSED; return pvm_throw_str(t, "dir.iterate: not implemented"); }

/* ---- connection (no kernel services when hosted) ---- */

NATIVE(n_conn_tostring) { UNUSED; RET_STR("(connection)"); }

NATIVE(n_conn_connect)
{
	UNUSED;
	NEED(1);
	if (!pvm_is_string(args[0]))
		return pvm_throw_str(t, "connection.connect: not a string arg");
	if (PVM_STR(args[0])->len >= 1024)
		return pvm_throw_str(t, "string arg too long");
	RET_INT(12);   /* ENOMEM, as the hosted test VM */
}

NATIVE(n_conn_disconnect) { UNUSED; RET_INT(0); }
NATIVE(n_conn_enxio) { UNUSED; RET_INT(6); }

NATIVE(n_conn_setcb)
{
	UNUSED;
	int32_t ord;
	NEED(2);
	ARG_INT(1, ord);
	pvm_conn *c = (pvm_conn *)self;
	int had = c->cb != NULL;
	pvm_ref(args[0]);
	pvm_set(t->vm, &c->cb, args[0]);
	c->cb_ord = ord;
	RET_INT(had);
}

NATIVE(n_conn_block) { UNUSED; return pvm_throw_str(t, "connection.block: kernel services are not available"); }

/* ---- window (headless: geometry only) ---- */

NATIVE(n_win_tostring) { UNUSED; RET_STR("(window)"); }
NATIVE(n_win_xsize) { UNUSED; RET_INT(400); }
NATIVE(n_win_ysize) { UNUSED; RET_INT(300); }
NATIVE(n_win_zero) { UNUSED; RET_INT(0); }

NATIVE(n_win_setsize)
{
	UNUSED;
	int32_t x, y;
	ARG_INT(0, x);
	ARG_INT(1, y);
	if ((int64_t)x * y > 1048576)
		return pvm_throw_str(t, "new win size > PVM_MAX_WIN_PIXELS");
	RET_NULL();
}

/* ---- closure ---- */

/* The original's closure toString is the binary one (copy-paste); we keep
 * the text and skip the hex dump, which would read a closure as bytes. */
NATIVE(n_clo_tostring) { UNUSED; RET_STR("(binary)"); }

NATIVE(n_clo_getord) { UNUSED; RET_INT(((pvm_closure *)self)->ord); }

NATIVE(n_clo_setord)
{
	UNUSED;
	int32_t v;
	ARG_INT(0, v);
	((pvm_closure *)self)->ord = v;
	RET_NULL();
}

NATIVE(n_clo_setobj)
{
	UNUSED;
	NEED(1);
	pvm_ref(args[0]);
	pvm_set(t->vm, &((pvm_closure *)self)->obj, args[0]);
	RET_NULL();
}

int pvm_natives_sys_init(struct pvm_vm *vm)
{
	int r;
	TABLE(PVM_K_BOOT, 28, { 5, n_boot_tostring, "toString" }, { 8, n_boot_loadclass, "loadClass" },
	      { 16, n_boot_print, "consolePrint" }, { 17, n_boot_setloader, "setClassLoader" },
	      { 18, n_boot_startthread, "startThread" }, { 19, n_boot_createbinary, "createBinary" },
	      { 20, n_boot_setbg, "setScreenBackground" }, { 21, n_boot_sleep, "sleep" },
	      { 22, n_boot_setos, "setOsInterface" }, { 23, n_boot_getenv, "getKernelEnvironment" },
	      { 24, n_boot_reboot, "reboot" }, { 25, n_boot_restarts, "getRestartCount" },
	      { 26, n_boot_readline, "readLine" }, { 27, n_boot_durable, "waitDurable" });
	TABLE(PVM_K_TTY, 32, { 5, n_tty_tostring, "toString" }, { 16, n_tty_getwc, "getwc" },
	      { 17, n_tty_putws, "putws" }, { 18, n_tty_debug, "debug" }, { 19, n_tty_gotoxy, "gotoxy" },
	      { 20, n_tty_clear, "clear" }, { 21, n_ok_null, "setcolor" }, { 22, n_not_impl, "fill" },
	      { 23, n_not_impl, "putblock" }, { 24, n_ok_null, "moveWindow" },
	      { 25, n_tty_settitle, "setTitle" }, { 26, n_ok_null, "setbgcolor" });
	TABLE(PVM_K_THREAD, 16, { 5, n_thr_tostring, "toString" }, { 10, n_thr_pause, "pause" },
	      { 11, n_not_this_way, "unpause" }, { 12, n_thr_getenv, "getEnvironment" },
	      { 13, n_thr_getuser, "getUser" }, { 14, n_thr_getos, "getOsInterface" });
	TABLE(PVM_K_WORLD, 16, { 5, n_world_tostring, "toString" }, { 8, n_world_mythread, "getMyThread" });
	TABLE(PVM_K_MUTEX, 16, { 5, n_mutex_tostring, "toString" }, { 8, n_mutex_lock, "lock" },
	      { 9, n_mutex_unlock, "unlock" }, { 10, n_mutex_trylock, "trylock" });
	TABLE(PVM_K_COND, 16, { 5, n_cond_tostring, "toString" }, { 8, n_cond_wait, "wait" },
	      { 9, n_cond_timedwait, "timedWait" }, { 10, n_cond_broadcast, "broadcast" },
	      { 11, n_cond_signal, "signal" });
	TABLE(PVM_K_SEMA, 16, { 5, n_sema_tostring, "toString" }, { 8, n_not_this_way, "acquire" },
	      { 9, n_sema_timed, "timedAcquire" }, { 10, n_sema_zero, "zero" },
	      { 11, n_not_this_way, "release" });
	TABLE(PVM_K_BINARY, 16, { 5, n_bin_tostring, "toString" }, { 8, n_bin_getbyte, "getByte" },
	      { 9, n_bin_setbyte, "setByte" }, { 10, n_bin_setrange, "setRange" });
	TABLE(PVM_K_BITMAP, 16, { 5, n_bmp_tostring, "toString" }, { 8, n_bmp_load, "loadFromString" },
	      { 9, n_ok_null, "paintTo" });
	TABLE(PVM_K_DIRECTORY, 16, { 4, n_dir_equals, "equals" }, { 5, n_dir_tostring, "toString" },
	      { 8, n_dir_put, "put" }, { 9, n_dir_get, "get" }, { 10, n_dir_remove, "remove" },
	      { 11, n_dir_size, "size" }, { 12, n_dir_iterate, "iterate" });
	TABLE(PVM_K_CONNECTION, 16, { 5, n_conn_tostring, "toString" }, { 8, n_conn_connect, "connect" },
	      { 9, n_conn_disconnect, "disconnect" }, { 10, n_conn_enxio, "check" },
	      { 11, n_conn_enxio, "invoke" }, { 12, n_conn_setcb, "setCallback" },
	      { 13, n_conn_block, "block" });
	TABLE(PVM_K_WINDOW, 40, { 5, n_win_tostring, "toString" }, { 16, n_win_xsize, "getXSize" },
	      { 17, n_win_ysize, "getYSize" }, { 18, n_win_zero, "getX" }, { 19, n_win_zero, "getY" },
	      { 20, n_ok_null, "clear" }, { 21, n_ok_null, "fill" }, { 22, n_ok_null, "setFg" },
	      { 23, n_ok_null, "setBg" }, { 24, n_ok_null, "drawString" }, { 25, n_ok_null, "drawImage" },
	      { 26, n_win_setsize, "setWinSize" }, { 27, n_ok_null, "setWinPosition" },
	      { 28, n_ok_null, "drawLine" }, { 29, n_ok_null, "drawBox" }, { 30, n_ok_null, "fillBox" },
	      { 31, n_ok_null, "fillEllipse" }, { 32, n_ok_null, "setEventHandler" },
	      { 33, n_ok_null, "setTitle" }, { 34, n_ok_null, "update" }, { 35, n_win_zero, "scrollHor" },
	      { 36, n_ok_null, "drawImagePart" }, { 37, n_ok_null, "setAutoUpdate" });
	TABLE(PVM_K_CLOSURE, 16, { 5, n_clo_tostring, "toString" }, { 9, n_clo_getord, "getOrdinal" },
	      { 10, n_clo_setord, "setOrdinal" }, { 11, n_clo_setobj, "setObject" });
	return 0;
}
