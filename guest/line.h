/*
 * guest/line.h — line editing of console input, one byte at a time.
 *
 * A line ends at CR or LF (CR LF counts once). Backspace and DEL erase one
 * byte, ^U the whole line; a tab becomes a space and other control bytes
 * are dropped. Bytes beyond LINE_MAX - 1 are dropped and the line is marked
 * truncated. Pure: the host unit tests use it as it is.
 */
#ifndef AMBER_GUEST_LINE_H
#define AMBER_GUEST_LINE_H

#include <stddef.h>

#define LINE_MAX 256

struct line {
	char buf[LINE_MAX];
	size_t len;
	int truncated;        /* bytes were dropped from the line being edited */
	int after_cr;         /* the last byte was CR: a following LF is not a second line */
};

/*
 * Feeds one byte. When it completes a line, copies the line (NUL-terminated)
 * to out[outsz] and returns its length; otherwise returns -1.
 */
int line_feed(struct line *l, char c, char *out, size_t outsz);

#endif
