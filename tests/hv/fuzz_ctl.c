/*
 * tests/hv/fuzz_ctl.c — libFuzzer target for the control protocol: the
 * input is fed byte by byte through the line assembler, every complete line
 * is parsed and answered, as hv/ctl.c does with COM2 bytes. ASan/UBSan find
 * any overrun; the replies must always be one line that ends in "}\n".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_line l;
	char err[128], out[CTL_REPLY_MAX];
	ctl_line_reset(&l);
	for (size_t i = 0; i < size; i++) {
		int r = ctl_line_feed(&l, (char)data[i]);
		if (r == CTL_LINE_MORE)
			continue;
		struct ctl_req req;
		int n;
		if (r == CTL_LINE_LONG) {
			n = ctl_reply_err(out, sizeof out, NULL, CTL_ELONG, "too long");
		} else {
			int e = ctl_parse(l.buf, l.len, &req, err, sizeof err);
			l.len = 0;
			n = e ? ctl_reply_err(out, sizeof out, &req, e, err) : ctl_reply_ok(out, sizeof out, &req, "\"x\":1");
			if (!e && (req.cmd < CTL_STATUS || req.cmd > CTL_WAIT))
				abort();
		}
		if (n <= 2 || (size_t)n >= sizeof out || out[n - 1] != '\n' || out[n - 2] != '}' ||
		    memchr(out, '\n', (size_t)n - 1))
			abort();
	}
	return 0;
}
