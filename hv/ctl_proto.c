/*
 * hv/ctl_proto.c — the control protocol's pure half (see ctl.h and
 * hv/CONTROL.md): line assembly, request parsing with jsmn (strict mode, a
 * fixed token array, no allocation), reply formatting with escaping.
 * Freestanding: built into the hypervisor and into host tests and the
 * fuzzer.
 */
#include "hv/ctl.h"
#include "hv/hv.h"

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#define MAX_TOKENS 32
#define MAX_INT    (1ull << 53) /* integers a JSON peer can hold exactly */

void ctl_line_reset(struct ctl_line *l)
{
	l->len = 0;
	l->overflow = 0;
}

int ctl_line_feed(struct ctl_line *l, char c)
{
	if (c == '\n') {
		int r = l->overflow ? CTL_LINE_LONG : CTL_LINE_DONE;
		l->buf[l->len < CTL_LINE_MAX ? l->len : CTL_LINE_MAX] = 0;
		if (r == CTL_LINE_LONG)
			l->len = 0;
		l->overflow = 0;
		return r;
	}
	if (l->overflow)
		return CTL_LINE_MORE;
	if (l->len >= CTL_LINE_MAX) {
		l->overflow = 1;
		return CTL_LINE_MORE;
	}
	l->buf[l->len++] = c;
	return CTL_LINE_MORE;
}

static const char *const cmd_names[] = {
	[CTL_STATUS] = "status", [CTL_SNAPSHOT] = "snapshot", [CTL_PIN] = "pin",
	[CTL_UNPIN] = "unpin",   [CTL_GC] = "gc",             [CTL_STOP] = "stop",
	[CTL_WAIT] = "wait",
};
#define NCMDS (sizeof cmd_names / sizeof cmd_names[0])

const char *ctl_cmd_name(enum ctl_cmd c)
{
	return (unsigned)c < NCMDS && cmd_names[c] ? cmd_names[c] : "none";
}

const char *ctl_err_name(int err)
{
	switch (err) {
	case CTL_OK: return "ok";
	case CTL_EJSON: return "bad_json";
	case CTL_ELONG: return "too_long";
	case CTL_EREQ: return "bad_request";
	case CTL_ECMD: return "unknown_cmd";
	case CTL_EVERSION: return "bad_version";
	case CTL_ESTORE: return "no_store";
	case CTL_ENOENT: return "no_such_gen";
	default: return "failed";
	}
}

static int tok_eq(const char *js, const jsmntok_t *t, const char *s)
{
	int n = t->end - t->start;
	for (int i = 0; i < n; i++)
		if (!s[i] || js[t->start + i] != s[i])
			return 0;
	return s[n] == 0;
}

/* A non-negative integer of at most 2^53, digits only. */
static int tok_uint(const char *js, const jsmntok_t *t, uint64_t *out)
{
	int n = t->end - t->start;
	uint64_t v = 0;
	if (t->type != JSMN_PRIMITIVE || n < 1 || n > 16)
		return -1;
	for (int i = 0; i < n; i++) {
		char c = js[t->start + i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (uint64_t)(c - '0');
	}
	if (v > MAX_INT)
		return -1;
	*out = v;
	return 0;
}

static int tok_bool(const char *js, const jsmntok_t *t, int *out)
{
	if (t->type != JSMN_PRIMITIVE)
		return -1;
	if (tok_eq(js, t, "true"))
		return *out = 1, 0;
	if (tok_eq(js, t, "false"))
		return *out = 0, 0;
	return -1;
}

/* Copies a token into err as printable ASCII (it goes back to the client). */
static void tok_show(char *dst, size_t n, const char *js, const jsmntok_t *t)
{
	size_t j = 0;
	for (int i = t->start; i < t->end && j + 1 < n && j < 24; i++) {
		char c = js[i];
		dst[j++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	if (n)
		dst[j] = 0;
}

enum { M_V = 1, M_ID = 2, M_CMD = 4, M_GEN = 8, M_WAIT = 16, M_HANDOVER = 32 };

int ctl_parse(const char *line, size_t len, struct ctl_req *req, char *err, size_t errlen)
{
	jsmn_parser p;
	jsmntok_t tok[MAX_TOKENS];
	char what[32];
	unsigned seen = 0;
	*req = (struct ctl_req){ 0 };
	if (errlen)
		err[0] = 0;
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	jsmn_init(&p);
	int n = jsmn_parse(&p, line, len, tok, MAX_TOKENS);
	if (n == JSMN_ERROR_NOMEM) {
		amber_snprintf(err, errlen, "request has more than %d JSON tokens", MAX_TOKENS);
		return CTL_EJSON;
	}
	if (n < 1 || tok[0].type != JSMN_OBJECT) {
		amber_snprintf(err, errlen, "a request is one JSON object on one line");
		return CTL_EJSON;
	}
	if ((size_t)tok[0].end != len) {
		amber_snprintf(err, errlen, "text after the JSON object at byte %d", tok[0].end);
		return CTL_EJSON;
	}
	/* id first, so that even a bad request's error names it. */
	for (int i = 1; i + 1 < n; i += 2)
		if (tok[i].type == JSMN_STRING && tok[i].size == 1 && tok_eq(line, &tok[i], "id") &&
		    !tok_uint(line, &tok[i + 1], &req->id))
			req->has_id = 1;
	int i = 1;
	for (int k = 0; k < tok[0].size; k++, i += 2) {
		if (i + 1 >= n || tok[i].type != JSMN_STRING || tok[i].size != 1) {
			amber_snprintf(err, errlen, "malformed member %d", k);
			return CTL_EJSON;
		}
		const jsmntok_t *key = &tok[i], *val = &tok[i + 1];
		unsigned m = tok_eq(line, key, "v") ? M_V : tok_eq(line, key, "id") ? M_ID :
			     tok_eq(line, key, "cmd") ? M_CMD : tok_eq(line, key, "gen") ? M_GEN :
			     tok_eq(line, key, "wait") ? M_WAIT : tok_eq(line, key, "handover") ? M_HANDOVER : 0;
		tok_show(what, sizeof what, line, key);
		if (!m) {
			amber_snprintf(err, errlen, "unknown member \"%s\"", what);
			return CTL_EREQ;
		}
		if (seen & m) {
			amber_snprintf(err, errlen, "member \"%s\" given twice", what);
			return CTL_EREQ;
		}
		seen |= m;
		uint64_t u = 0;
		int bad = 0;
		switch (m) {
		case M_V:
			if (tok_uint(line, val, &u))
				bad = 1;
			else if (u != CTL_VERSION) {
				amber_snprintf(err, errlen, "protocol version %llu; this hypervisor speaks %d",
					    (unsigned long long)u, CTL_VERSION);
				return CTL_EVERSION;
			}
			break;
		case M_ID: bad = tok_uint(line, val, &req->id); break;
		case M_GEN: bad = tok_uint(line, val, &req->gen) || !req->gen; break;
		case M_WAIT: bad = tok_bool(line, val, &req->wait); break;
		case M_HANDOVER: bad = tok_bool(line, val, &req->handover); break;
		case M_CMD:
			if (val->type != JSMN_STRING) {
				bad = 1;
				break;
			}
			for (unsigned c = 1; c < NCMDS; c++)
				if (tok_eq(line, val, cmd_names[c]))
					req->cmd = (enum ctl_cmd)c;
			if (!req->cmd) {
				tok_show(what, sizeof what, line, val);
				amber_snprintf(err, errlen, "unknown command \"%s\" (status, snapshot, wait, pin, unpin, gc, stop)",
					    what);
				return CTL_ECMD;
			}
			break;
		}
		if (bad) {
			amber_snprintf(err, errlen, "member \"%s\" has a bad value (%s)", what,
				    m == M_GEN ? "a generation number >= 1" : m == M_CMD ? "a string" :
				    (m & (M_WAIT | M_HANDOVER)) ? "true or false" : "an integer 0..2^53");
			return CTL_EREQ;
		}
	}
	if (!(seen & M_CMD)) {
		amber_snprintf(err, errlen, "member \"cmd\" is missing");
		return CTL_EREQ;
	}
	unsigned allowed = M_V | M_ID | M_CMD |
			   (req->cmd == CTL_PIN || req->cmd == CTL_UNPIN || req->cmd == CTL_WAIT ? M_GEN : 0) |
			   (req->cmd == CTL_SNAPSHOT ? M_WAIT : 0) | (req->cmd == CTL_STOP ? M_HANDOVER : 0);
	if (seen & ~allowed) {
		amber_snprintf(err, errlen, "a member does not belong to \"%s\"", ctl_cmd_name(req->cmd));
		return CTL_EREQ;
	}
	if ((req->cmd == CTL_PIN || req->cmd == CTL_UNPIN || req->cmd == CTL_WAIT) && !(seen & M_GEN)) {
		amber_snprintf(err, errlen, "\"%s\" needs \"gen\"", ctl_cmd_name(req->cmd));
		return CTL_EREQ;
	}
	return CTL_OK;
}

/* ---- replies ---- */

static int head(char *out, size_t n, const struct ctl_req *req, int ok)
{
	if (req && req->has_id)
		return amber_snprintf(out, n, "{\"v\":%d,\"id\":%llu,\"ok\":%s", CTL_VERSION,
				   (unsigned long long)req->id, ok ? "true" : "false");
	return amber_snprintf(out, n, "{\"v\":%d,\"ok\":%s", CTL_VERSION, ok ? "true" : "false");
}

/* Ends the reply with "}\n", cutting the body so that the line always fits. */
static int tail(char *out, size_t n, int len)
{
	if (len < 0)
		len = 0;
	if ((size_t)len + 3 > n)
		len = (int)n - 3;
	out[len++] = '}';
	out[len++] = '\n';
	out[len] = 0;
	return len;
}

int ctl_reply_ok(char *out, size_t n, const struct ctl_req *req, const char *fields)
{
	int len = head(out, n, req, 1);
	if (fields && fields[0] && (size_t)len < n)
		len += amber_snprintf(out + len, n - (size_t)len, ",%s", fields);
	return tail(out, n, len);
}

int ctl_reply_err(char *out, size_t n, const struct ctl_req *req, int err, const char *msg)
{
	int len = head(out, n, req, 0);
	if ((size_t)len < n)
		len += amber_snprintf(out + len, n - (size_t)len, ",\"error\":\"%s\",\"message\":\"", ctl_err_name(err));
	for (const char *s = msg ? msg : ""; *s && (size_t)len + 8 < n; s++) {
		char c = *s;
		if (c == '"' || c == '\\') {
			out[len++] = '\\';
			out[len++] = c;
		} else {
			out[len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
		}
	}
	if ((size_t)len + 4 <= n)
		out[len++] = '"';
	else
		len = (int)n - 4, out[len++] = '"';
	return tail(out, n, len);
}

void ctl_id_hex(char *out, const uint8_t *id)
{
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < CTL_ID_LEN; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[2 * CTL_ID_LEN] = 0;
}
