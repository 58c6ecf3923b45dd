/*
 * hv/console_hold.c — output commit and the input log for the console
 * (see console_hold.h; the store side is snapshot/inlog.c).
 *
 * Output: a ring of HOLD_SIZE bytes, `head` appended, `tail` released, and
 * a short list of marks (end offset, generation): the bytes before a mark's
 * end go out once its generation is durable. Tags only grow (last captured
 * + 1), and at most two generations are open at a time (the one being
 * written and the next), so a few marks suffice.
 *
 * Input: COM1 -> rx (a staging ring) -> the input log on disk -> the guest.
 * A byte leaves rx only once the log write that holds it was flushed, so a
 * byte the guest reads is always on disk. Without a log (no disk,
 * console=direct, a log that failed) rx feeds the guest directly.
 */
#include "hv/console_hold.h"

#include "hv/hv.h"
#include "hv/persist.h"
#include "hv/serial.h"
#include "hv/vdev_backend.h"

#define HOLD_SIZE 32768u /* power of two; above VDEV_CONSOLE_MAX */
#define MARKS     8u
#define RX_SIZE   4096u  /* power of two */
#define STAT_EVERY 8u    /* echo statistics line every so many echoes */

struct mark { uint64_t end, gen, echo_t; };

static struct {
	struct vcpu *v;
	int held;              /* output waits for durability */
	int stats;             /* stats: print echo latency */
	snap_inlog *log;       /* NULL: input is direct */
	int log_dead;          /* the log failed: new input is direct */
	int log_wanted;        /* held with a log: reopen it with the store */
	uint64_t hold_ns;
	/* output */
	char out[HOLD_SIZE];
	uint64_t head, tail;
	struct mark mark[MARKS];
	unsigned nmark;
	uint64_t captured, last_capture_ns, last_commit_ns, last_write_ns;
	/* input */
	char rx[RX_SIZE];
	uint32_t rx_head, rx_tail;
	uint64_t consumed, cap_consumed, durable_consumed;
	/* echo latency: input arrival -> release of the next output after
	 * the guest read it (guest monotonic ns) */
	uint64_t in_t, echo_armed, n_echo, sum_echo, max_echo;
} C;

static void echo_done(uint64_t t0)
{
	if (!t0)
		return;
	uint64_t d = vdev_backend_mono() - t0;
	C.n_echo++;
	C.sum_echo += d;
	if (d > C.max_echo)
		C.max_echo = d;
	if (C.stats && C.n_echo % STAT_EVERY == 0)
		kprintf("amber: console: echo n=%llu mean_us=%llu max_us=%llu held=%d\n", (unsigned long long)C.n_echo,
			(unsigned long long)(C.sum_echo / C.n_echo / 1000), (unsigned long long)(C.max_echo / 1000),
			C.held);
}

/* Sends held bytes [tail, end) to COM1. */
static void release_to(uint64_t end)
{
	while (C.tail < end) {
		uint64_t at = C.tail % HOLD_SIZE, k = end - C.tail;
		if (k > HOLD_SIZE - at)
			k = HOLD_SIZE - at;
		serial_write(C.out + at, (size_t)k);
		C.tail += k;
	}
}

static void release_durable(uint64_t durable)
{
	unsigned i = 0;
	while (i < C.nmark && C.mark[i].gen <= durable) {
		release_to(C.mark[i].end);
		echo_done(C.mark[i].echo_t);
		i++;
	}
	for (unsigned j = i; j < C.nmark; j++)
		C.mark[j - i] = C.mark[j];
	C.nmark -= i;
}

void con_out(const char *s, size_t n)
{
	uint64_t echo_t = C.echo_armed;
	C.echo_armed = 0;
	if (!C.held) {
		serial_write(s, n);
		echo_done(echo_t);
		return;
	}
	/* No room: the vCPU waits here while generations are captured and
	 * written. A capture taken now holds the guest at this VMCALL (RIP and
	 * RAX are updated after the call), so a restore repeats the write. */
	while (C.held && HOLD_SIZE - (C.head - C.tail) < n) {
		persist_request();
		persist_work(C.v);
		con_poll();
	}
	if (!C.held) {
		serial_write(s, n);
		echo_done(echo_t);
		return;
	}
	for (size_t i = 0; i < n; i++)
		C.out[(C.head + i) % HOLD_SIZE] = s[i];
	C.head += n;
	uint64_t gen = C.captured + 1;
	struct mark *last = C.nmark ? &C.mark[C.nmark - 1] : NULL;
	if (last && last->gen == gen && !echo_t) {
		last->end = C.head;
	} else if (C.nmark < MARKS) {
		C.mark[C.nmark++] = (struct mark){ C.head, gen, echo_t };
	} else {
		/* cannot happen (two open generations at most); releasing later
		 * than needed is safe */
		last->end = C.head;
		last->gen = gen;
	}
}

/* Bytes the guest has not read yet, in the log or the direct ring. */
static uint64_t unread(void)
{
	persist_lock(); /* the input log is in the store (cpus=2: hv/persist.c) */
	uint64_t n = C.rx_head - C.rx_tail;
	if (C.log) {
		uint64_t s, e;
		snap_inlog_span(C.log, &s, &e);
		if (e > C.consumed)
			n += e - C.consumed;
	}
	return n;
}

size_t con_in(char *buf, size_t n)
{
	persist_lock(); /* the input log is in the store (cpus=2: hv/persist.c) */
	con_poll();
	size_t k = 0;
	if (C.log) {
		k = snap_inlog_read(C.log, C.consumed, buf, n);
		C.consumed += k;
	}
	if (!C.log || C.log_dead)
		while (k < n && C.rx_tail != C.rx_head)
			buf[k++] = C.rx[C.rx_tail++ % RX_SIZE];
	if (k && C.in_t) {
		C.echo_armed = C.in_t;
		C.in_t = 0;
	}
	return k;
}

int con_poll(void)
{
	int got = 0;
	for (int c; C.rx_head - C.rx_tail < RX_SIZE && (c = uart_getc(COM1)) >= 0;) {
		C.rx[C.rx_head++ % RX_SIZE] = (char)c;
		got = 1; /* a full ring leaves the byte in the UART */
	}
	if (got && !C.in_t && !C.echo_armed)
		C.in_t = vdev_backend_mono();
	if (!C.log || C.log_dead || C.rx_head == C.rx_tail)
		return got;
	persist_lock(); /* the input log is in the store (cpus=2: hv/persist.c) */
	/* Into the log, in at most two pieces (the ring wraps). */
	got = 0;
	while (C.rx_head != C.rx_tail) {
		uint32_t at = C.rx_tail % RX_SIZE, k = C.rx_head - C.rx_tail;
		if (k > RX_SIZE - at)
			k = RX_SIZE - at;
		size_t taken = 0;
		int e = snap_inlog_append(C.log, C.rx + at, k, &taken);
		C.rx_tail += (uint32_t)taken;
		got |= taken > 0;
		if (e) {
			kprintf("amber: console: input log failed: %s; input is now direct (not kept across a crash)\n",
				snap_errmsg(persist_store()));
			C.log_dead = 1;
			return 1;
		}
		if (taken < k)
			break; /* the log is full of bytes no durable generation has read */
	}
	return got;
}

int con_wants_capture(uint64_t now_ns)
{
	if (!C.held || !C.nmark || C.mark[C.nmark - 1].gen <= C.captured)
		return 0;
	/* a nearly full buffer does not wait: the writer would block */
	if (C.head - C.tail > HOLD_SIZE / 2)
		return 1;
	/* The rule: held output brings the next capture to hold_ms after the
	 * last commit, but never sooner than the last generation took to
	 * write. A guest that prints all the time then runs at least half
	 * the time (captures back to back would starve it: the writer's own
	 * time counts as guest time), and a line after a quiet spell leaves
	 * after one capture and one write. */
	uint64_t gap = C.hold_ns > C.last_write_ns ? C.hold_ns : C.last_write_ns;
	return now_ns - C.last_commit_ns >= gap;
}

uint64_t con_consumed(void) { return C.consumed; }

void con_captured(uint64_t gen, uint64_t now_ns)
{
	C.captured = gen;
	C.last_capture_ns = now_ns;
	C.cap_consumed = C.consumed;
}

void con_committed(uint64_t gen, uint64_t now_ns)
{
	persist_lock(); /* the input log is in the store (cpus=2: hv/persist.c) */
	C.last_commit_ns = now_ns;
	C.last_write_ns = now_ns - C.last_capture_ns;
	release_durable(gen);
	C.durable_consumed = C.cap_consumed;
	if (C.log && !C.log_dead)
		snap_inlog_release(C.log, C.cap_consumed);
}

void con_restored(uint64_t gen, uint64_t consumed)
{
	persist_lock(); /* the input log is in the store (cpus=2: hv/persist.c) */
	C.captured = gen;
	C.consumed = consumed;
	if (!C.log)
		return;
	uint64_t s, e;
	snap_inlog_span(C.log, &s, &e);
	if (consumed > e) {
		/* this log never held what the generation read (a store that
		 * received it, or a log that lost its newest records) */
		kprintf("amber: console: input log ends at byte %llu, the restored guest had read %llu; "
			"continuing after that\n", (unsigned long long)e, (unsigned long long)consumed);
		snap_inlog_skip_to(C.log, consumed);
	} else if (consumed < s) {
		kprintf("amber: console: input bytes %llu..%llu are no longer in the log (the restored generation is "
			"older than the log's memory); delivering from %llu\n", (unsigned long long)consumed,
			(unsigned long long)s, (unsigned long long)s);
		C.consumed = s;
	}
	C.durable_consumed = C.consumed;
	snap_inlog_release(C.log, C.consumed);
	if (e > C.consumed) {
		kprintf("amber: console: input log: %llu bytes the restored guest had not read\n",
			(unsigned long long)(e - C.consumed));
		C.v->pending |= PEND_CONSOLE;
	}
}

void con_shutdown(void)
{
	/* The guest asked to stop: make its last words durable, then say them
	 * (a generation captured now holds it at the SHUTDOWN call, so a
	 * restore of this disk stops again rather than living on). */
	if (!C.held || !C.nmark)
		return;
	uint64_t want = C.mark[C.nmark - 1].gen;
	persist_request();
	while (C.held && C.nmark && C.mark[C.nmark - 1].gen <= want)
		persist_work(C.v);
}

void con_capture_failed(uint64_t durable)
{
	/* the retry takes the failed generation's number again: output
	 * written since is tagged with it */
	C.captured = durable;
}

void con_store_closing(void)
{
	persist_lock(); /* the input log is in the store (cpus=2: hv/persist.c) */
	snap_inlog_close(C.log);
	C.log = NULL;
}

void con_store_opened(snap_store *st)
{
	persist_lock(); /* the input log is in the store (cpus=2: hv/persist.c) */
	if (!C.log_wanted || !st || C.log)
		return;
	int e = snap_inlog_open(st, &C.log);
	if (e) {
		kprintf("amber: console: input log not reopened: %s; input stays direct\n", snap_errmsg(st));
		C.log = NULL;
		C.log_dead = 1;
		return;
	}
	/* what the disk holds is the truth again; bytes still in rx follow */
	uint64_t s, end;
	snap_inlog_span(C.log, &s, &end);
	if (C.consumed > end)
		snap_inlog_skip_to(C.log, C.consumed);
	snap_inlog_release(C.log, C.durable_consumed);
	C.log_dead = 0;
}

void con_init(struct vcpu *v, snap_store *st, const struct hv_config *cfg)
{
	persist_lock(); /* the input log is in the store (cpus=2: hv/persist.c) */
	C.v = v;
	C.stats = cfg->stats;
	C.hold_ns = (uint64_t)cfg->hold_ms * 1000000ull;
	if (!st || !persist_active()) {
		kprintf("amber: console: direct (no snapshot disk)\n");
		return;
	}
	if (cfg->console_direct) {
		kprintf("amber: console: direct (console=direct: output may be repeated or taken back by a restore, "
			"input typed before a crash may be lost)\n");
		return;
	}
	C.held = 1;
	C.log_wanted = 1;
	int e = snap_inlog_open(st, &C.log);
	if (e) {
		kprintf("amber: console: held output; input direct: %s\n", snap_errmsg(st));
		C.log = NULL;
	} else {
		uint64_t s, end;
		snap_inlog_span(C.log, &s, &end);
		C.consumed = C.durable_consumed = s; /* a fresh start reads all the log holds */
		kprintf("amber: console: held (output leaves once durable, hold_ms=%u); input log holds bytes %llu..%llu\n",
			cfg->hold_ms, (unsigned long long)s, (unsigned long long)end);
	}
	if (unread())
		v->pending |= PEND_CONSOLE;
}
