/*
 * lib/mem.c — memcpy, memmove, memset, memcmp, strlen, strcmp, strncmp for
 * every freestanding image (hypervisor, guest kernel, the PVM and snapshot
 * objects linked into them). GCC may emit calls to the first four even with
 * -ffreestanding (GCC manual, "Standards"). Host builds use libc's instead.
 *
 * Build with -fno-tree-loop-distribute-patterns (lib/module.mk): otherwise
 * GCC turns the loops below back into calls to themselves.
 */
#include "lib/mem.h"

/* A 64-bit word at any address: word copies need no alignment on x86. */
typedef unsigned long long u64_any __attribute__((may_alias, aligned(1)));

/* rep movsq/stosq: one instruction per page for the big copies (snapshot
 * pages, guest RAM), which Bochs and real CPUs both run fast. */
void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	void *ret = d;
	size_t q = n / 8, r = n % 8;
	__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(q) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(r) : : "memory");
	return ret;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	/* overlapping with the destination above: copy from the end */
	while (n >= 8) {
		n -= 8;
		*(u64_any *)(dp + n) = *(const u64_any *)(sp + n);
	}
	while (n--)
		dp[n] = sp[n];
	return d;
}

/* A lazy restore clears a page for every zero page it maps. */
void *memset(void *d, int c, size_t n)
{
	void *ret = d;
	unsigned long long w = 0x0101010101010101ull * (unsigned char)c;
	size_t q = n / 8, r = n % 8;
	__asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(w) : "memory");
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(r) : "a"(w) : "memory");
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	for (; *a && *a == *b; a++, b++)
		;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n && *a && *a == *b; n--, a++, b++)
		;
	return n ? (unsigned char)*a - (unsigned char)*b : 0;
}
