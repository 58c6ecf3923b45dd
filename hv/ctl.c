/*
 * hv/ctl.c — the control channel's hypervisor side (see ctl.h,
 * hv/CONTROL.md): a polled 16550 on COM2, one request at a time, and the
 * verbs over the live snapshot store.
 *
 * Never blocking the guest: input is read only when no reply is waiting to
 * go out and no request is in progress, at most one FIFO's worth per poll;
 * output goes out a FIFO's worth per poll. A request the store cannot take
 * now (pin, unpin, gc while a generation is being written; snapshot with
 * wait) stays pending and is finished by a later poll. The one exception is
 * `stop`: once its final generation is captured the guest never runs
 * again, the writer finishes, the reply goes out and the machine powers off.
 */
#include "hv/ctl.h"

#include <string.h>

#include "hv/cpu.h"
#include "hv/hv.h"
#include "hv/persist.h"
#include "hv/serial.h"
#include "hv/time.h"
#include "hv/vcpu.h"
#include "snapshot/snap.h"

#define FAST_POLL_HZ        20000 /* exits per second while a line moves */

#define IDLE_DROP_MS 2000 /* a partial line older than this is dropped */

enum pend { P_NONE, P_WAIT, P_STORE, P_STOP };

static struct {
	int up;
	struct vcpu *v;
	snap_store *st;
	struct ctl_line line;
	uint64_t last_byte_tsc;
	uint64_t poll_saved;  /* the poll interval before a transfer sped it up */
	char out[CTL_REPLY_MAX];
	unsigned out_len, out_pos;
	enum pend pend;
	struct ctl_req req;   /* the pending request */
	uint64_t gen;         /* P_WAIT / P_STOP: the generation awaited */
	struct snap_geninfo list[SNAP_MAX_RETAINED];
} C;

/* The store as persist.c has it now: it reopens one after an I/O error. */
static snap_store *store(void)
{
	snap_store *st = persist_store();
	return st ? st : C.st;
}

/* The next byte of the pending reply, when the transmitter takes one. */
static void tx_some(void)
{
	if (C.out_pos >= C.out_len || !uart_tx_ready(COM2))
		return;
	uart_putc(COM2, C.out[C.out_pos++]);
	if (C.out_pos >= C.out_len)
		C.out_len = C.out_pos = 0;
}

/* The whole pending reply, bounded: for `stop`, before the power-off. */
static void tx_all(void)
{
	for (int i = 0; i < 1000000 && C.out_len; i++) {
		tx_some();
		cpu_pause();
	}
	for (int i = 0; i < 1000000 && !uart_tx_idle(COM2); i++)
		cpu_pause();
}

static void reply_ok(const struct ctl_req *req, const char *fields)
{
	C.out_len = (unsigned)ctl_reply_ok(C.out, sizeof C.out, req, fields);
	C.out_pos = 0;
}

static void reply_err(const struct ctl_req *req, int err, const char *msg)
{
	C.out_len = (unsigned)ctl_reply_err(C.out, sizeof C.out, req, err, msg);
	C.out_pos = 0;
}

_Static_assert(CTL_ID_LEN == SNAP_GUEST_ID_LEN, "guest identity length");

/* ---- verbs ---- */

static void do_status(const struct ctl_req *req)
{
	char f[CTL_REPLY_MAX - 64], id[2 * SNAP_GUEST_ID_LEN + 1] = "";
	struct persist_status s = { 0 };
	uint8_t gid[SNAP_GUEST_ID_LEN];
	unsigned n = 0;
	persist_status(&s);
	snap_store *st = store();
	int has_id = st && snap_guest_id(st, gid);
	if (has_id)
		ctl_id_hex(id, gid);
	int len = amber_snprintf(f, sizeof f,
			      "\"state\":\"%s\",\"snapshots\":%s,\"tier\":\"%s\",\"captured\":%llu,"
			      "\"durable\":%llu,\"restored_from\":%llu,\"degraded\":%s,\"failures\":%llu,"
			      "\"mem_mib\":%llu,\"guest_id\":%s%s%s,\"handed_over\":%llu,\"pinned\":[",
			      C.v && C.v->stopped ? "stopped" : "running", s.active ? "true" : "false",
			      persist_tier(), (unsigned long long)s.captured, (unsigned long long)s.durable,
			      (unsigned long long)s.restored_from, s.degraded ? "true" : "false",
			      (unsigned long long)s.failures, C.v ? (unsigned long long)(C.v->ram_bytes >> 20) : 0ull, has_id ? "\"" : "",
			      has_id ? id : "null", has_id ? "\"" : "",
			      st ? (unsigned long long)snap_handed_over(st) : 0ull);
	if (st && !snap_list(st, C.list, SNAP_MAX_RETAINED, &n)) {
		int first = 1;
		for (unsigned i = 0; i < n && len < (int)sizeof f - 24; i++)
			if (C.list[i].pinned) {
				len += amber_snprintf(f + len, sizeof f - (size_t)len, "%s%llu", first ? "" : ",",
						   (unsigned long long)C.list[i].gen);
				first = 0;
			}
	}
	if (len < (int)sizeof f - 2)
		amber_snprintf(f + len, sizeof f - (size_t)len, "]");
	reply_ok(req, f);
}

/* pin, unpin, gc: only between generations. 1 when done, 0 to retry. */
static int do_store(const struct ctl_req *req)
{
	char f[160];
	if (persist_busy())
		return 0;
	int e;
	if (req->cmd == CTL_GC) {
		struct snap_space sp;
		e = snap_gc(store(), &sp);
		if (!e) {
			amber_snprintf(f, sizeof f, "\"dev_blocks\":%llu,\"used_blocks\":%llu,\"free_blocks\":%llu",
				    (unsigned long long)sp.dev_blocks, (unsigned long long)sp.used_blocks,
				    (unsigned long long)sp.free_blocks);
			reply_ok(req, f);
			return 1;
		}
	} else {
		e = snap_pin(store(), req->gen, req->cmd == CTL_PIN);
		if (!e) {
			amber_snprintf(f, sizeof f, "\"gen\":%llu,\"pinned\":%s", (unsigned long long)req->gen,
				    req->cmd == CTL_PIN ? "true" : "false");
			reply_ok(req, f);
			kprintf("amber: control: %s gen=%llu\n", ctl_cmd_name(req->cmd),
				(unsigned long long)req->gen);
			return 1;
		}
	}
	reply_err(req, e == SNAP_ENOENT ? CTL_ENOENT : CTL_EFAIL, snap_errmsg(store()));
	return 1;
}

static void handle(const struct ctl_req *req)
{
	char f[96];
	if (req->cmd == CTL_STATUS) {
		do_status(req);
		return;
	}
	if (!store() || !persist_active()) {
		if (req->cmd == CTL_STOP) { /* nothing to keep: just power off */
			reply_ok(req, "\"gen\":0");
			kprintf("amber: control: stop without snapshots; powering off\n");
			tx_all();
			serial_flush();
			hv_poweroff();
		}
		reply_err(req, CTL_ESTORE, store() ? "snapshots are stopped (see the console)"
					      : "no snapshot store: boot with a disk");
		return;
	}
	C.req = *req;
	if (C.v && C.v->stopped && (req->cmd == CTL_SNAPSHOT || req->cmd == CTL_STOP)) {
		/* No guest runs: nothing new to capture; stop writes out what is
		 * being written and powers off. */
		if (req->cmd == CTL_SNAPSHOT) {
			reply_err(req, CTL_EFAIL, "the guest is stopped (see the console): nothing to capture");
			return;
		}
		struct persist_status s;
		persist_flush(C.v);
		persist_status(&s);
		amber_snprintf(f, sizeof f, "\"gen\":%llu,\"handed_over\":false", (unsigned long long)s.durable);
		reply_ok(req, f);
		kprintf("amber: stopped at gen=%llu by the control channel; powering off\n",
			(unsigned long long)s.durable);
		tx_all();
		serial_flush();
		hv_poweroff();
	}
	switch (req->cmd) {
	case CTL_SNAPSHOT:
		C.gen = persist_request();
		if (!req->wait) {
			amber_snprintf(f, sizeof f, "\"gen\":%llu,\"durable\":false", (unsigned long long)C.gen);
			reply_ok(req, f);
			return;
		}
		C.pend = P_WAIT;
		return;
	case CTL_WAIT: {
		struct persist_status s;
		persist_status(&s);
		if (req->gen > s.captured + (s.requested ? 1 : 0)) {
			amber_snprintf(f, sizeof f, "generation %llu is not captured yet (newest %llu); ask for a snapshot",
				    (unsigned long long)req->gen, (unsigned long long)s.captured);
			reply_err(req, CTL_ENOENT, f);
			return;
		}
		C.gen = req->gen;
		C.pend = P_WAIT;
		return;
	}
	case CTL_STOP:
		C.gen = persist_request();
		C.pend = P_STOP;
		kprintf("amber: control: stop%s requested; final generation %llu\n",
			req->handover ? " with handover" : "", (unsigned long long)C.gen);
		return;
	default:
		if (!do_store(req))
			C.pend = P_STORE;
		return;
	}
}

/* The final generation is captured: the guest does not run again unless
 * writing it fails. */
static void finish_stop(void)
{
	char f[128];
	uint64_t t0 = rdtsc();
	int e = persist_flush(C.v);
	uint64_t ms = (rdtsc() - t0) * 1000 / time_tsc_hz();
	struct persist_status s;
	persist_status(&s);
	if (e || s.durable < C.gen) {
		/* Nothing is lost by running on: the failed generation's pages
		 * are written by the next one (persist.c retries). */
		reply_err(&C.req, CTL_EFAIL, "the final generation could not be written (see the console); "
			  "not stopped, the guest runs on");
		kprintf("amber: control: stop failed: the final generation could not be written; the guest runs on\n");
		C.pend = P_NONE;
		return;
	}
	/* The generation just committed holds the guest's last instruction
	 * (its number is C.gen unless numbering skipped: snap_next_gen). */
	uint64_t final = s.durable;
	if (C.req.handover && (e = snap_set_handed_over(store(), final))) {
		reply_err(&C.req, CTL_EFAIL, snap_errmsg(store()));
	} else {
		amber_snprintf(f, sizeof f, "\"gen\":%llu,\"handed_over\":%s,\"write_ms\":%llu", (unsigned long long)final,
			    C.req.handover ? "true" : "false", (unsigned long long)ms);
		reply_ok(&C.req, f);
	}
	if (C.req.handover && !e)
		kprintf("amber: handed over at gen=%llu: this copy stops and will not resume "
			"(boot with takeback to resume it instead)\n", (unsigned long long)final);
	else
		kprintf("amber: stopped at gen=%llu by the control channel; powering off\n", (unsigned long long)final);
	tx_all();
	serial_flush();
	hv_poweroff();
}

static void finish_pending(void)
{
	struct persist_status s;
	char f[96];
	persist_status(&s);
	switch (C.pend) {
	case P_WAIT:
		if (s.durable >= C.gen) {
			amber_snprintf(f, sizeof f, "\"gen\":%llu,\"durable\":true", (unsigned long long)C.gen);
			reply_ok(&C.req, f);
		} else if (!s.active) {
			reply_err(&C.req, CTL_EFAIL, "snapshots stopped before the generation was durable");
		} else {
			return;
		}
		break;
	case P_STORE:
		if (!do_store(&C.req))
			return;
		break;
	case P_STOP:
		if (!s.active || s.captured >= C.gen)
			finish_stop();
		return;
	default:
		break;
	}
	C.pend = P_NONE;
}

void ctl_poll(struct vcpu *v)
{
	char err[128];
	if (!C.up)
		return;
	C.v = v;
	if (C.pend)
		finish_pending();
	tx_some();
	/* While a line comes in or goes out, exit often enough to keep up
	 * with the line (one byte per poll); persist_work sets it back. */
	uint64_t fast = time_tsc_hz() / FAST_POLL_HZ;
	if ((C.line.len || C.out_len) && v->poll_tsc > fast) {
		C.poll_saved = v->poll_tsc;
		v->poll_tsc = fast;
	} else if (!C.line.len && !C.out_len && C.poll_saved && v->poll_tsc == fast) {
		v->poll_tsc = C.poll_saved;
		C.poll_saved = 0;
	}
	if (C.pend || C.out_len)
		return;
	uint64_t now = rdtsc();
	if (C.line.len && now - C.last_byte_tsc > time_tsc_hz() / 1000 * IDLE_DROP_MS)
		ctl_line_reset(&C.line); /* a client gave up mid-request */
	for (int i = 0, c; i < 4 && (c = uart_getc(COM2)) >= 0; i++) {
		int r = ctl_line_feed(&C.line, (char)c);
		C.last_byte_tsc = now;
		if (r == CTL_LINE_LONG) {
			reply_err(NULL, CTL_ELONG, "request line longer than 512 bytes; dropped");
			return;
		}
		if (r != CTL_LINE_DONE)
			continue;
		unsigned len = C.line.len;
		C.line.len = 0;
		if (!len || (len == 1 && C.line.buf[0] == '\r'))
			continue; /* empty lines resynchronise a client; no reply */
		struct ctl_req req;
		int e = ctl_parse(C.line.buf, len, &req, err, sizeof err);
		if (e)
			reply_err(&req, e, err);
		else
			handle(&req);
		return;
	}
}

/* ---- boot ---- */

void ctl_init(struct vcpu *v, snap_store *st, int restored)
{
	C.v = v;
	C.st = st;
	ctl_line_reset(&C.line);
	if (!uart_present(COM2)) {
		kprintf("amber: control: no UART at COM2; no control channel\n");
	} else {
		uart_init(COM2);
		C.up = 1;
		kprintf("amber: control: JSON lines on COM2, protocol version %d (hv/CONTROL.md)\n", CTL_VERSION);
	}
	if (st)
		ctl_identity(st, restored);
}
