/*
 * guest/fmt.c — kvsnprintf (guest/fmt.h). Pure: no hypercalls, so the host
 * unit tests link it as it is.
 */
#include "guest/fmt.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, int n, char c)
{
	for (; n > 0; n--)
		put(o, c);
}

static void put_num(struct out *o, unsigned long long v, unsigned base, int upper, int neg,
		    int width, int zero, int left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int fill = width - n - neg;
	if (!left && !zero)
		pad(o, fill, ' ');
	if (neg)
		put(o, '-');
	if (!left && zero)
		pad(o, fill, '0');
	while (n)
		put(o, tmp[--n]);
	if (left)
		pad(o, fill, ' ');
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		int zero = 0, left = 0, width = 0, lng = 0, prec = -1;
		for (fmt++; *fmt == '0' || *fmt == '-'; fmt++) {
			if (*fmt == '0')
				zero = 1;
			else
				left = 1;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		if (*fmt == '.')
			for (prec = 0, fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++;
		if (left)
			zero = 0;
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
			unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
			put_num(&o, u, 10, 0, v < 0, width, zero, left);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			unsigned long long v = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
			put_num(&o, v, *fmt == 'u' ? 10 : 16, *fmt == 'X', 0, width, zero, left);
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (unsigned long long)(size_t)va_arg(ap, void *), 16, 0, 0, width, zero, left);
			break;
		case 'c': {
			if (!left)
				pad(&o, width - 1, ' ');
			put(&o, (char)va_arg(ap, int));
			if (left)
				pad(&o, width - 1, ' ');
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int n = 0;
			while (s[n] && (prec < 0 || n < prec))
				n++;
			if (!left)
				pad(&o, width - n, ' ');
			for (int i = 0; i < n; i++)
				put(&o, s[i]);
			if (left)
				pad(&o, width - n, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;   /* a lone '%' at the end: print nothing, stop cleanly */
			break;
		default:     /* unknown conversion: show it, it is a bug to fix */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
