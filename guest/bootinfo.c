/* guest/bootinfo.c — boot info validation and command line (guest/bootinfo.h). */
#include "guest/bootinfo.h"
#include "guest/fmt.h"

#define PAGE 4096u
#define MIN_FREE (64u * PAGE)   /* page tables and a little room to run */

static int has_nul(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i])
			return 1;
	return 0;
}

int bootinfo_check(const struct vdev_boot_info *bi, uint64_t kernel_end, char *err, size_t errlen)
{
#define FAIL(...) do { ksnprintf(err, errlen, __VA_ARGS__); return -1; } while (0)
	if (bi->magic != VDEV_BOOT_MAGIC)
		FAIL("bad magic 0x%08x (want 0x%08x, \"ABMR\")", bi->magic, VDEV_BOOT_MAGIC);
	if (bi->abi_version != VDEV_ABI_VERSION)
		FAIL("ABI version %u, this guest speaks version %u", bi->abi_version, VDEV_ABI_VERSION);
	if (bi->ram_bytes % PAGE)
		FAIL("ram_bytes 0x%llx is not a whole number of pages", (unsigned long long)bi->ram_bytes);
	if (bi->free_start % PAGE)
		FAIL("free_start 0x%llx is not page aligned", (unsigned long long)bi->free_start);
	if (bi->free_start < kernel_end)
		FAIL("free_start 0x%llx lies inside the kernel (which ends at 0x%llx)",
		     (unsigned long long)bi->free_start, (unsigned long long)kernel_end);
	if (bi->free_start > bi->ram_bytes || bi->ram_bytes - bi->free_start < MIN_FREE)
		FAIL("free RAM [0x%llx, 0x%llx) is smaller than %u KiB",
		     (unsigned long long)bi->free_start, (unsigned long long)bi->ram_bytes,
		     MIN_FREE / 1024);
	if (bi->epoch == 0)
		FAIL("epoch 0 (a fresh start is epoch 1)");
	if (bi->tick_hz == 0 || bi->tick_hz > TICK_HZ_MAX)
		FAIL("tick_hz %u outside 1..%u", bi->tick_hz, TICK_HZ_MAX);
	if (bi->n_modules > VDEV_MAX_MODULES)
		FAIL("%u modules (at most %u)", bi->n_modules, VDEV_MAX_MODULES);
	for (uint32_t i = 0; i < bi->n_modules; i++) {
		const struct vdev_module *m = &bi->modules[i];
		if (!has_nul(m->name, sizeof m->name))
			FAIL("module %u: name is not NUL-terminated", i);
		if (m->gpa < kernel_end || m->len > bi->free_start || m->gpa > bi->free_start - m->len)
			FAIL("module %u '%s' at [0x%llx, +0x%llx) is not between the kernel end "
			     "0x%llx and free_start 0x%llx", i, m->name, (unsigned long long)m->gpa,
			     (unsigned long long)m->len, (unsigned long long)kernel_end,
			     (unsigned long long)bi->free_start);
	}
	if (!has_nul(bi->cmdline, sizeof bi->cmdline))
		FAIL("command line is not NUL-terminated within %u bytes", VDEV_CMDLINE_MAX);
	return 0;
#undef FAIL
}

int cmdline_get(const char *s, const char *key, char *val, size_t vallen)
{
	int found = 0;
	while (*s) {
		while (*s == ' ')
			s++;
		const char *w = s, *k = key;
		while (*s && *s != ' ')
			s++;
		const char *p = w;
		while (*k && p < s && *p == *k)
			p++, k++;
		if (*k || (p < s && *p != '='))
			continue;
		if (p < s)
			p++;   /* '=' */
		size_t n = 0;
		for (; p < s && n + 1 < vallen; p++)
			val[n++] = *p;
		if (vallen)
			val[n] = '\0';
		found = 1;
	}
	return found;
}

int cmdline_uint(const char *cmdline, const char *key, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char v[24];
	if (!cmdline_get(cmdline, key, v, sizeof v))
		return 0;
	uint64_t n = 0;
	if (!v[0])
		return -1;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9' || n > 0xffffffffull)
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (n < lo || n > hi)
		return -1;
	*out = (uint32_t)n;
	return 1;
}
