/*
 * guest/console.c — console output, kprintf, panic and line input.
 *
 * kprintf formats into a buffer on the caller's stack and hands the whole
 * line to the hypervisor in one hypercall, so lines from interrupt context
 * (panic reports) never interleave inside a line.
 */
#include "guest/console.h"
#include "guest/fmt.h"
#include "guest/hypercall.h"
#include "guest/line.h"
#include "guest/x86.h"

static volatile int input_pending;
static struct line line;
/* Bytes read from the hypervisor but not yet fed to the line editor. */
static char inbuf[128];
static size_t in_pos, in_len;

void console_write(const char *s, size_t n)
{
	while (n) {
		size_t chunk = n < VDEV_CONSOLE_MAX ? n : VDEV_CONSOLE_MAX;
		if (hc_console_write(s, chunk) < 0)
			return;   /* nowhere else to complain */
		s += chunk;
		n -= chunk;
	}
}

static int vkprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = kvsnprintf(buf, sizeof buf, fmt, ap);
	size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
	console_write(buf, len);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;
	cli();
	kprintf("guest: panic: ");
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
	kprintf("\nguest: shutting down (code %d)\n", EXIT_PANIC);
	hc_shutdown(EXIT_PANIC);
}

void console_intr(void)
{
	input_pending = 1;
}

int console_input_pending(void)
{
	return input_pending;
}

int console_getline(char *buf, size_t n)
{
	for (;;) {
		while (in_pos < in_len) {
			int len = line_feed(&line, inbuf[in_pos++], buf, n);
			if (len >= 0)
				return len;
		}
		/*
		 * Clear the flag before reading: input that arrives after the
		 * read raises the interrupt again and sets it anew.
		 */
		input_pending = 0;
		int64_t got = hc_console_read(inbuf, sizeof inbuf);
		if (got <= 0)
			return -1;
		in_pos = 0;
		in_len = (size_t)got < sizeof inbuf ? (size_t)got : sizeof inbuf;
	}
}
