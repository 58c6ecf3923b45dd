/*
 * hv/mb2.h — parser of the multiboot2 boot information GRUB hands over
 * (Multiboot2 Specification 1.0, §3.6 "Boot information format").
 *
 * The structure comes from outside the hypervisor, so every size and offset
 * is checked before use: a malformed structure gives an error naming the
 * byte offset and the offending value, never a wild read or a hang.
 */
#ifndef AMBER_HV_MB2_H
#define AMBER_HV_MB2_H

#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36D76289u

/* Tag types, Multiboot2 spec §3.6.x */
#define MB2_TAG_END      0
#define MB2_TAG_CMDLINE  1
#define MB2_TAG_LOADER   2
#define MB2_TAG_MODULE   3
#define MB2_TAG_MEMINFO  4
#define MB2_TAG_MMAP     6

/* Memory map entry types, spec §3.6.8 */
#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_ACPI      3
#define MB2_MEM_NVS       4
#define MB2_MEM_BAD       5

#define MB2_MAX_MMAP    64
#define MB2_MAX_MODULES 8
#define MB2_MAX_STRING  256 /* cmdline and module strings, with the NUL */

struct mb2_region { uint64_t base, len; uint32_t type; };
struct mb2_module { uint32_t start, end; char name[MB2_MAX_STRING]; };

struct mb2_info {
	uint32_t total_size;
	char cmdline[MB2_MAX_STRING];
	char loader[MB2_MAX_STRING];
	unsigned n_mmap, n_modules;
	struct mb2_region mmap[MB2_MAX_MMAP];
	struct mb2_module modules[MB2_MAX_MODULES];
	/* On error: what is wrong, at which byte offset, with which value. */
	const char *err_what;
	uint32_t err_offset;
	uint64_t err_value;
};

/*
 * Parses the structure at `mbi`, reading at most `avail` bytes. Returns 0 or
 * a negative HV_E* code with err_what/err_offset/err_value set.
 */
int mb2_parse(const void *mbi, size_t avail, struct mb2_info *out);

/* Name of a memory map type, for reports. */
const char *mb2_mem_type_name(uint32_t type);

#endif
