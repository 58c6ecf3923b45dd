/*
 * hv/mb2.c — multiboot2 boot information parser (see mb2.h).
 *
 * Layout (spec §3.6): u32 total_size, u32 reserved, then tags, each 8-byte
 * aligned: u32 type, u32 size (size counts the 8-byte tag header but not the
 * padding), ending with an end tag {0, 8}.
 */
#include "hv/mb2.h"
#include "hv/hv.h"

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static int fail(struct mb2_info *out, int err, const char *what, uint32_t off, uint64_t value)
{
	out->err_what = what;
	out->err_offset = off;
	out->err_value = value;
	return err;
}

/* Copies a NUL-terminated string that must end inside [p, p+len). */
static int copy_string(char *dst, const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		if (i == MB2_MAX_STRING - 1 && p[i] != '\0')
			return HV_ERANGE;
		dst[i] = (char)p[i];
		if (p[i] == '\0')
			return 0;
	}
	return HV_EINVAL;
}

static int parse_mmap(const uint8_t *t, uint32_t off, uint32_t size, struct mb2_info *out)
{
	if (size < 16)
		return fail(out, HV_EINVAL, "memory map tag too short", off, size);
	uint32_t esize = rd32(t + 8);
	if (esize < 24 || esize % 8)
		return fail(out, HV_EINVAL, "memory map entry_size", off + 8, esize);
	for (uint32_t e = 16; e + esize <= size; e += esize) {
		if (out->n_mmap == MB2_MAX_MMAP)
			return fail(out, HV_ENOSPC, "too many memory map entries", off + e, out->n_mmap + 1);
		struct mb2_region *r = &out->mmap[out->n_mmap++];
		r->base = rd64(t + e);
		r->len = rd64(t + e + 8);
		r->type = rd32(t + e + 16);
		if (r->base + r->len < r->base)
			return fail(out, HV_ERANGE, "memory map region wraps around", off + e, r->base);
	}
	return 0;
}

static int parse_module(const uint8_t *t, uint32_t off, uint32_t size, struct mb2_info *out)
{
	if (size < 17)
		return fail(out, HV_EINVAL, "module tag too short", off, size);
	if (out->n_modules == MB2_MAX_MODULES)
		return fail(out, HV_ENOSPC, "too many modules", off, out->n_modules + 1);
	struct mb2_module *m = &out->modules[out->n_modules];
	m->start = rd32(t + 8);
	m->end = rd32(t + 12);
	if (m->end < m->start)
		return fail(out, HV_EINVAL, "module ends before it starts", off + 12, m->end);
	int err = copy_string(m->name, t + 16, size - 16);
	if (err)
		return fail(out, err, "module string not terminated or too long", off + 16, size - 16);
	out->n_modules++;
	return 0;
}

int mb2_parse(const void *mbi, size_t avail, struct mb2_info *out)
{
	const uint8_t *b = mbi;
	*out = (struct mb2_info){ 0 };
	if (avail < 16)
		return fail(out, HV_EINVAL, "boot information shorter than 16 bytes", 0, avail);
	uint32_t total = rd32(b);
	out->total_size = total;
	if (total < 16 || total > avail)
		return fail(out, HV_EINVAL, "total_size", 0, total);

	for (uint32_t off = 8;;) {
		if (off + 8 > total)
			return fail(out, HV_EINVAL, "no end tag before total_size", off, total);
		const uint8_t *t = b + off;
		uint32_t type = rd32(t), size = rd32(t + 4);
		if (size < 8 || size > total - off)
			return fail(out, HV_EINVAL, "tag size", off + 4, size);
		int err = 0;
		switch (type) {
		case MB2_TAG_END:
			if (size != 8)
				return fail(out, HV_EINVAL, "end tag size", off + 4, size);
			return 0;
		case MB2_TAG_CMDLINE:
		case MB2_TAG_LOADER:
			err = copy_string(type == MB2_TAG_CMDLINE ? out->cmdline : out->loader, t + 8, size - 8);
			if (err)
				return fail(out, err, "string not terminated or too long", off + 8, size - 8);
			break;
		case MB2_TAG_MODULE:
			err = parse_module(t, off, size, out);
			break;
		case MB2_TAG_MMAP:
			err = parse_mmap(t, off, size, out);
			break;
		default: /* tags we do not use are skipped, as the spec asks */
			break;
		}
		if (err)
			return err;
		off += (size + 7) & ~7u;
	}
}

const char *mb2_mem_type_name(uint32_t type)
{
	switch (type) {
	case MB2_MEM_AVAILABLE: return "available";
	case MB2_MEM_ACPI: return "acpi";
	case MB2_MEM_NVS: return "nvs";
	case MB2_MEM_BAD: return "bad";
	}
	return "reserved";
}
