/*
 * hv/elf.h — validation of the guest kernel's ELF64 image (System V ABI
 * gABI 4.1 and the x86-64 psABI 1.0). Pure: the module comes from outside
 * the hypervisor, so every offset and size is checked before use, and an
 * error names the offset and the offending value.
 */
#ifndef AMBER_HV_ELF_H
#define AMBER_HV_ELF_H

#include <stdint.h>

#define ELF_MAX_LOAD 16

struct elf_seg { uint64_t paddr, offset, filesz, memsz; uint32_t flags; };

struct elf_image {
	uint64_t entry;
	uint64_t end;      /* highest paddr + memsz of any PT_LOAD */
	unsigned n;
	struct elf_seg seg[ELF_MAX_LOAD];
	const char *err_what; /* on error */
	uint64_t err_offset, err_value;
};

/*
 * Checks `img` (size bytes): magic, ELFCLASS64, little-endian, EM_X86_64,
 * ET_EXEC, program headers inside the image, every PT_LOAD inside
 * [min_gpa, ram_bytes) with file bytes inside the image, no two PT_LOADs
 * overlapping, the entry inside an executable PT_LOAD. 0 or HV_EINVAL.
 */
int elf_check(const uint8_t *img, uint64_t size, uint64_t min_gpa, uint64_t ram_bytes, struct elf_image *out);

#endif
