/*
 * hv/fmt.c — a small vsnprintf for the freestanding hypervisor. Also built
 * on the host for unit tests, hence the hv_ prefix (no clash with libc).
 */
#include "hv/hv.h"

struct out { char *buf; size_t size, len; };

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, unsigned long long v, unsigned base, int upper,
		    int neg, int width, int zero, int left)
{
	char tmp[24];
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int len = n + neg;
	if (neg && zero)
		put(o, '-');
	if (!left)
		for (; len < width; width--)
			put(o, zero ? '0' : ' ');
	if (neg && !zero)
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
	if (left)
		for (; len < width; width--)
			put(o, ' ');
}

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		int zero = 0, left = 0, width = 0, lng = 0;
		for (fmt++;; fmt++) {
			if (*fmt == '0') zero = 1;
			else if (*fmt == '-') left = 1;
			else break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd': case 'i': {
			long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
			unsigned long long u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
			put_num(&o, u, 10, 0, v < 0, width, zero, left);
			break;
		}
		case 'u': case 'x': case 'X': {
			unsigned long long v = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
			put_num(&o, v, *fmt == 'u' ? 10 : 16, *fmt == 'X', 0, width, zero, left);
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (unsigned long long)(uintptr_t)va_arg(ap, void *), 16, 0, 0, width, zero, left);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int n = 0;
			while (s[n])
				n++;
			if (!left)
				for (; n < width; width--)
					put(&o, ' ');
			for (int i = 0; s[i]; i++)
				put(&o, s[i]);
			if (left)
				for (; n < width; width--)
					put(&o, ' ');
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
		}
	}
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
	return (int)o.len;
}

int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

const char *hv_strerror(int err)
{
	switch (err) {
	case HV_OK: return "success";
	case HV_EINVAL: return "malformed input";
	case HV_ERANGE: return "value out of range";
	case HV_ENOENT: return "not found";
	case HV_ENOSPC: return "table full";
	case HV_ENOTSUP: return "not supported by this CPU";
	case HV_ENOMEM: return "out of memory";
	}
	return "unknown error";
}
