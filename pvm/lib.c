/*
 * pvm/lib.c — the few libc routines the PVM needs, so that it builds
 * freestanding: memory helpers, number formatting and the PJW hash of spec
 * §5.2. Formatting is lib/fmt.h's, the formatter of every Amber image.
 */
#include "pvm/pvm_int.h"
#include "lib/fmt.h"

/* The compiler's builtins: inline code for small sizes, else calls to
 * memcpy/memmove/memset/memcmp, which GCC requires every freestanding
 * environment to provide anyway (the guest kernel does; see pvm_port.h). */
void *pvm_memcpy(void *d, const void *s, size_t n)
{
	return __builtin_memcpy(d, s, n);
}

void *pvm_memmove(void *d, const void *s, size_t n)
{
	return __builtin_memmove(d, s, n);
}

void *pvm_memset(void *d, int c, size_t n)
{
	return __builtin_memset(d, c, n);
}

int pvm_memcmp(const void *a, const void *b, size_t n)
{
	return __builtin_memcmp(a, b, n);
}

size_t pvm_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int pvm_tolower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* PJW hash of spec §5.2, continuing from h: bytes taken as signed chars,
 * as on the x86 reference host. */
uint32_t pvm_hash_bytes(uint32_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h = (h << 4) + (uint32_t)(int32_t)(int8_t)b[i];
		uint32_t g = h & 0xF0000000u;
		if (g)
			h = (h ^ (g >> 24)) & 0x0FFFFFFFu;
	}
	return h;
}

static int fmt_u64(char *buf, uint64_t v, unsigned base)
{
	char tmp[24];
	int n = 0;
	do {
		unsigned d = (unsigned)(v % base);
		tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return n;
}

int pvm_fmt_i64(char *buf, int64_t v)
{
	if (v < 0) {
		buf[0] = '-';
		return 1 + fmt_u64(buf + 1, (uint64_t)0 - (uint64_t)v, 10);
	}
	return fmt_u64(buf, (uint64_t)v, 10);
}

/* C "%f": 6 decimals, rounded. Exact for |v| < 2^63 / 1e6; beyond that the
 * integer part is printed by repeated division, which may differ from glibc
 * in the last digits of huge numbers. */
int pvm_fmt_double(char *buf, size_t n, double v)
{
	char tmp[400];
	int k = 0;
	if (v != v)
		return amber_snprintf(buf, n, "%s", "nan");
	if (v < 0 || (v == 0 && 1 / v < 0)) {
		tmp[k++] = '-';
		v = -v;
	}
	if (v > 1.7976931348623157e308)
		return amber_snprintf(buf, n, "%sinf", k ? "-" : "");
	if (v < 9.0e12) {
		uint64_t scaled = (uint64_t)(v * 1e6 + 0.5);
		uint64_t ip = scaled / 1000000, fp = scaled % 1000000;
		k += fmt_u64(tmp + k, ip, 10);
		tmp[k++] = '.';
		for (int d = 100000; d; d /= 10) {
			tmp[k++] = (char)('0' + fp / (uint64_t)d);
			fp %= (uint64_t)d;
		}
	} else {
		char digits[330];
		int nd = 0;
		double ip = v;
		while (ip >= 1 && nd < 320) {
			/* doubles >= 2^52 are integers already: no floor needed */
			double q = ip / 10 >= 4.5e15 ? ip / 10 : (double)(uint64_t)(ip / 10);
			double dd = ip - q * 10;   /* rounding can push it out of 0..9 */
			int d = dd < 0 ? 0 : dd > 9 ? 9 : (int)dd;
			digits[nd++] = (char)('0' + d);
			ip = q;
		}
		while (nd)
			tmp[k++] = digits[--nd];
		for (int i = 0; i < 7; i++)
			tmp[k++] = i ? '0' : '.';
	}
	tmp[k] = 0;
	return amber_snprintf(buf, n, "%s", tmp);
}
