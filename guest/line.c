/* guest/line.c — line editing of console input (guest/line.h). */
#include "guest/line.h"

int line_feed(struct line *l, char c, char *out, size_t outsz)
{
	int after_cr = l->after_cr;
	l->after_cr = c == '\r';
	switch (c) {
	case '\n':
		if (after_cr)
			return -1;
		/* fall through */
	case '\r': {
		size_t n = l->len < outsz ? l->len : outsz - 1;
		for (size_t i = 0; i < n; i++)
			out[i] = l->buf[i];
		out[n] = '\0';
		l->len = 0;
		l->truncated = 0;
		return (int)n;
	}
	case '\b':
	case 0x7f:
		if (l->len)
			l->len--;
		return -1;
	case 0x15:   /* ^U */
		l->len = 0;
		l->truncated = 0;
		return -1;
	case '\t':
		c = ' ';
		break;
	default:
		if ((unsigned char)c < 0x20)
			return -1;
	}
	if (l->len < LINE_MAX - 1)
		l->buf[l->len++] = c;
	else
		l->truncated = 1;
	return -1;
}
