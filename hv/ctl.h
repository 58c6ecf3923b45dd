/*
 * hv/ctl.h — the control channel: line-delimited JSON requests on COM2
 * (0x2F8), one reply line each. The protocol is in hv/CONTROL.md.
 *
 * Two halves:
 *   ctl_proto.c  freestanding, host-testable: assembles lines byte by byte,
 *                parses one request with jsmn, formats replies. It never
 *                allocates and bounds every buffer, so nothing a client
 *                sends can overrun it (tests/hv/check_ctl.c, fuzz_ctl.c).
 *   ctl.c        the hypervisor side: COM2 polling from the run loop and
 *                the HLT idle loop, and the verbs over the snapshot store.
 */
#ifndef AMBER_HV_CTL_H
#define AMBER_HV_CTL_H

#include <stddef.h>
#include <stdint.h>

#define CTL_VERSION   1
#define CTL_LINE_MAX  512   /* bytes of one request line, without '\n' */
#define CTL_REPLY_MAX 768   /* bytes of one reply line, with '\n' */

enum ctl_cmd {
	CTL_NONE = 0,
	CTL_STATUS,
	CTL_SNAPSHOT,  /* "wait": true waits until the generation is durable */
	CTL_PIN,       /* "gen": G */
	CTL_UNPIN,     /* "gen": G */
	CTL_GC,
	CTL_STOP,      /* final snapshot, power off; "handover": true marks it */
	CTL_WAIT,      /* "gen": G — reply once generation G is durable */
};

/* Error codes of the protocol (the "error" member of a reply). */
enum ctl_err {
	CTL_OK = 0,
	CTL_EJSON = -1,     /* "bad_json": not one JSON object */
	CTL_ELONG = -2,     /* "too_long": line longer than CTL_LINE_MAX */
	CTL_EREQ = -3,      /* "bad_request": member missing, unknown or of a wrong type */
	CTL_ECMD = -4,      /* "unknown_cmd" */
	CTL_EVERSION = -5,  /* "bad_version": "v" other than CTL_VERSION */
	CTL_ESTORE = -6,    /* "no_store": no snapshot store attached / snapshots off */
	CTL_EFAIL = -7,     /* "failed": the store refused (message says why) */
	CTL_ENOENT = -8,    /* "no_such_gen" */
};

struct ctl_req {
	enum ctl_cmd cmd;
	int has_id;
	uint64_t id;     /* echoed in the reply; 0..2^53 */
	uint64_t gen;    /* pin, unpin, wait */
	int wait;        /* snapshot */
	int handover;    /* stop */
};

/* Byte-by-byte line assembly. A line that grows past CTL_LINE_MAX is
 * dropped to its '\n' and reported once as CTL_LINE_LONG. */
struct ctl_line {
	char buf[CTL_LINE_MAX + 1];
	unsigned len;
	int overflow;
};
enum { CTL_LINE_MORE = 0, CTL_LINE_DONE = 1, CTL_LINE_LONG = 2 };
int ctl_line_feed(struct ctl_line *l, char c);
void ctl_line_reset(struct ctl_line *l);

/* Parses one line (no '\n') into req. On error writes a reason into
 * err[errlen]; req->id/has_id are still set when the id could be read. */
int ctl_parse(const char *line, size_t len, struct ctl_req *req, char *err, size_t errlen);

const char *ctl_err_name(int err);
const char *ctl_cmd_name(enum ctl_cmd c);

/* Replies, each one line ending in '\n', NUL-terminated, at most n bytes;
 * return the length. `fields` is a list of ready JSON members
 * ("\"gen\":3,\"x\":true") or NULL; `msg` is escaped. */
int ctl_reply_ok(char *out, size_t n, const struct ctl_req *req, const char *fields);
int ctl_reply_err(char *out, size_t n, const struct ctl_req *req, int err, const char *msg);
/* A guest identity (SNAP_GUEST_ID_LEN bytes) as 32 hex digits and a NUL. */
#define CTL_ID_LEN 16
void ctl_id_hex(char *out, const uint8_t *id);

/* ---- hypervisor side (hv/ctl.c) ---- */
struct vcpu;
struct hv_config;
typedef struct snap_store snap_store;

/* COM2 up; with a store, gives it a guest identity on its first start. */
void ctl_init(struct vcpu *v, snap_store *st, int restored);
/* Polled after every VM exit and in the HLT idle loop: never blocks the
 * guest except for `stop`, which ends with a power-off. */
void ctl_poll(struct vcpu *v);
/* hv/ctl_boot.c: gives a store without one a new guest identity (RDRAND,
 * else TSC and wall clock) and prints it. */
void ctl_identity(snap_store *st, int restored);
/* Boot check before anything is restored: 1 when the store was handed over
 * to another host and the command line does not say takeback (printed). */
int ctl_handed_over(snap_store *st, int takeback);
/* After a restore: says which command-line options it made moot. */
void ctl_note_restore(const char *cmdline);

#endif
