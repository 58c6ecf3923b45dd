/*
 * tests/hv/check_ctl.c — the control protocol's parser, line assembly and
 * replies (hv/ctl_proto.c): every verb, and the bad inputs a client can
 * send (malformed JSON, unknown verbs and members, wrong types, oversized
 * lines, text after the object, NUL bytes).
 */
#include <string.h>

#include "hv/ctl.h"
#include "tests/unit.h"

static int parse(const char *s, struct ctl_req *r)
{
	char err[128];
	return ctl_parse(s, strlen(s), r, err, sizeof err);
}

START_TEST(verbs)
{
	struct ctl_req r;
	ck_assert_int_eq(parse("{\"v\":1,\"id\":7,\"cmd\":\"status\"}", &r), CTL_OK);
	ck_assert_int_eq(r.cmd, CTL_STATUS);
	ck_assert(r.has_id && r.id == 7);
	ck_assert_int_eq(parse("{\"cmd\":\"snapshot\",\"wait\":true}", &r), CTL_OK);
	ck_assert(r.cmd == CTL_SNAPSHOT && r.wait && !r.has_id);
	ck_assert_int_eq(parse(" { \"cmd\" : \"pin\" , \"gen\" : 12 }\r", &r), CTL_OK);
	ck_assert(r.cmd == CTL_PIN && r.gen == 12);
	ck_assert_int_eq(parse("{\"cmd\":\"unpin\",\"gen\":3}", &r), CTL_OK);
	ck_assert(r.cmd == CTL_UNPIN && r.gen == 3);
	ck_assert_int_eq(parse("{\"cmd\":\"gc\"}", &r), CTL_OK);
	ck_assert_int_eq(r.cmd, CTL_GC);
	ck_assert_int_eq(parse("{\"cmd\":\"stop\",\"handover\":true,\"id\":9007199254740992}", &r), CTL_OK);
	ck_assert(r.cmd == CTL_STOP && r.handover && r.id == (1ull << 53));
	ck_assert_int_eq(parse("{\"cmd\":\"wait\",\"gen\":4}", &r), CTL_OK);
	ck_assert(r.cmd == CTL_WAIT && r.gen == 4);
}
END_TEST

START_TEST(bad_requests)
{
	struct ctl_req r;
	ck_assert_int_eq(parse("", &r), CTL_EJSON);
	ck_assert_int_eq(parse("status", &r), CTL_EJSON);
	ck_assert_int_eq(parse("[\"status\"]", &r), CTL_EJSON);
	ck_assert_int_eq(parse("{\"cmd\":\"status\"", &r), CTL_EJSON);
	ck_assert_int_eq(parse("{\"cmd\":\"status\"}}", &r), CTL_EJSON);
	ck_assert_int_eq(parse("{\"cmd\":\"status\"} {}", &r), CTL_EJSON);
	ck_assert_int_eq(parse("{\"cmd\" \"status\"}", &r), CTL_EJSON);
	ck_assert_int_eq(parse("{\"cmd\":status}", &r), CTL_EJSON);
	ck_assert_int_eq(parse("{\"cmd\":\"reboot\",\"id\":4}", &r), CTL_ECMD);
	ck_assert(r.has_id && r.id == 4); /* the error reply still names it */
	ck_assert_int_eq(parse("{\"cmd\":\"STATUS\"}", &r), CTL_ECMD);
	ck_assert_int_eq(parse("{\"cmd\":\"stat\"}", &r), CTL_ECMD);
	ck_assert_int_eq(parse("{\"cmd\":\"statuss\"}", &r), CTL_ECMD);
	ck_assert_int_eq(parse("{}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"id\":1}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"status\",\"x\":1}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"status\",\"cmd\":\"gc\"}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":1}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"pin\"}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"pin\",\"gen\":0}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"pin\",\"gen\":-1}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"pin\",\"gen\":1.5}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"pin\",\"gen\":\"3\"}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"pin\",\"gen\":99999999999999999}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"gc\",\"gen\":3}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"wait\"}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"status\",\"wait\":true}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"snapshot\",\"wait\":1}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"snapshot\",\"wait\":{}}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"cmd\":\"stop\",\"handover\":null}", &r), CTL_EREQ);
	ck_assert_int_eq(parse("{\"v\":2,\"cmd\":\"status\"}", &r), CTL_EVERSION);
	ck_assert_int_eq(parse("{\"v\":\"1\",\"cmd\":\"status\"}", &r), CTL_EREQ);
	const char nul[] = "{\"cmd\":\"status\"}\0x";
	char err[128];
	ck_assert_int_eq(ctl_parse(nul, sizeof nul - 1, &r, err, sizeof err), CTL_EJSON);
	/* more tokens than the parser's array holds */
	char big[CTL_LINE_MAX];
	int n = snprintf(big, sizeof big, "{\"cmd\":\"status\",\"id\":[");
	for (int i = 0; i < 40; i++)
		n += snprintf(big + n, sizeof big - n, "%d,", i);
	snprintf(big + n - 1, sizeof big - n + 1, "]}");
	ck_assert_int_eq(parse(big, &r), CTL_EJSON);
}
END_TEST

START_TEST(lines)
{
	struct ctl_line l;
	ctl_line_reset(&l);
	const char *s = "{\"cmd\":\"gc\"}\n";
	int r = CTL_LINE_MORE;
	for (const char *p = s; *p; p++)
		r = ctl_line_feed(&l, *p);
	ck_assert_int_eq(r, CTL_LINE_DONE);
	ck_assert_str_eq(l.buf, "{\"cmd\":\"gc\"}");
	/* an oversized line is dropped to its newline, reported once */
	ctl_line_reset(&l);
	for (int i = 0; i < 5000; i++)
		ck_assert_int_eq(ctl_line_feed(&l, 'x'), CTL_LINE_MORE);
	ck_assert_int_eq(ctl_line_feed(&l, '\n'), CTL_LINE_LONG);
	for (const char *p = s; *p; p++)
		r = ctl_line_feed(&l, *p);
	ck_assert_int_eq(r, CTL_LINE_DONE); /* the next line is whole again */
	ck_assert_str_eq(l.buf, "{\"cmd\":\"gc\"}");
	/* exactly CTL_LINE_MAX bytes still fit */
	ctl_line_reset(&l);
	for (int i = 0; i < CTL_LINE_MAX; i++)
		ctl_line_feed(&l, 'y');
	ck_assert_int_eq(ctl_line_feed(&l, '\n'), CTL_LINE_DONE);
	ck_assert_int_eq(l.len, CTL_LINE_MAX);
}
END_TEST

START_TEST(replies)
{
	char out[CTL_REPLY_MAX];
	struct ctl_req r = { .cmd = CTL_STATUS, .has_id = 1, .id = 5 };
	int n = ctl_reply_ok(out, sizeof out, &r, "\"gen\":3");
	ck_assert_str_eq(out, "{\"v\":1,\"id\":5,\"ok\":true,\"gen\":3}\n");
	ck_assert_int_eq(n, (int)strlen(out));
	ctl_reply_err(out, sizeof out, NULL, CTL_ECMD, "bad \"x\"\\\x01");
	ck_assert_str_eq(out, "{\"v\":1,\"ok\":false,\"error\":\"unknown_cmd\",\"message\":\"bad \\\"x\\\"\\\\?\"}\n");
	/* a long message is cut, the line still ends in "}\n" */
	char msg[2000];
	memset(msg, 'm', sizeof msg - 1);
	msg[sizeof msg - 1] = 0;
	n = ctl_reply_err(out, sizeof out, &r, CTL_EFAIL, msg);
	ck_assert_int_lt(n, (int)sizeof out);
	ck_assert_str_eq(out + n - 3, "\"}\n");
	char tiny[16];
	n = ctl_reply_err(tiny, sizeof tiny, &r, CTL_EFAIL, msg);
	ck_assert_int_lt(n, (int)sizeof tiny);
	ck_assert_int_eq(tiny[n - 1], '\n');
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *t = tcase_create("proto");
	tcase_add_test(t, verbs);
	tcase_add_test(t, bad_requests);
	tcase_add_test(t, lines);
	tcase_add_test(t, replies);
	suite_add_tcase(s, t);
	return s;
}

int main(void) { return unit_main(suite(), NULL); }
