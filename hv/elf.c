/*
 * hv/elf.c — ELF64 validation (see elf.h). Field offsets: gABI Figure 4-3
 * (ELF header) and Figure 5-1 (program header), 64-bit layout.
 */
#include "hv/elf.h"
#include "hv/hv.h"

#define EH_SIZE 64
#define EI_CLASS 4
#define EI_DATA 5
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define E_TYPE 16
#define ET_EXEC 2
#define E_MACHINE 18
#define EM_X86_64 62
#define E_ENTRY 24
#define E_PHOFF 32
#define E_PHENTSIZE 54
#define E_PHNUM 56
#define PH_SIZE 56
#define PT_LOAD 1
#define PF_X 1

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static int fail(struct elf_image *o, const char *what, uint64_t off, uint64_t val)
{
	o->err_what = what;
	o->err_offset = off;
	o->err_value = val;
	return HV_EINVAL;
}

int elf_check(const uint8_t *img, uint64_t size, uint64_t min_gpa, uint64_t ram_bytes, struct elf_image *o)
{
	*o = (struct elf_image){ 0 };
	if (size < EH_SIZE)
		return fail(o, "image shorter than an ELF64 header", 0, size);
	if (rd32(img) != 0x464C457Fu)
		return fail(o, "bad ELF magic", 0, rd32(img));
	if (img[EI_CLASS] != ELFCLASS64)
		return fail(o, "not ELFCLASS64", EI_CLASS, img[EI_CLASS]);
	if (img[EI_DATA] != ELFDATA2LSB)
		return fail(o, "not little-endian", EI_DATA, img[EI_DATA]);
	if (rd16(img + E_TYPE) != ET_EXEC)
		return fail(o, "not an executable (e_type)", E_TYPE, rd16(img + E_TYPE));
	if (rd16(img + E_MACHINE) != EM_X86_64)
		return fail(o, "not x86-64 (e_machine)", E_MACHINE, rd16(img + E_MACHINE));
	uint64_t phoff = rd64(img + E_PHOFF);
	uint16_t phentsize = rd16(img + E_PHENTSIZE), phnum = rd16(img + E_PHNUM);
	if (phentsize < PH_SIZE)
		return fail(o, "e_phentsize too small", E_PHENTSIZE, phentsize);
	if (phoff > size || (uint64_t)phnum * phentsize > size - phoff)
		return fail(o, "program headers outside the image", E_PHOFF, phoff);
	o->entry = rd64(img + E_ENTRY);
	int entry_ok = 0;
	for (unsigned i = 0; i < phnum; i++) {
		uint64_t at = phoff + (uint64_t)i * phentsize;
		const uint8_t *ph = img + at;
		if (rd32(ph) != PT_LOAD)
			continue;
		struct elf_seg s = { .flags = rd32(ph + 4), .offset = rd64(ph + 8), .paddr = rd64(ph + 24),
				     .filesz = rd64(ph + 32), .memsz = rd64(ph + 40) };
		if (s.memsz == 0)
			continue;
		if (o->n == ELF_MAX_LOAD)
			return fail(o, "too many PT_LOAD segments", at, o->n + 1);
		if (s.filesz > s.memsz)
			return fail(o, "p_filesz above p_memsz", at + 32, s.filesz);
		if (s.offset > size || s.filesz > size - s.offset)
			return fail(o, "segment file bytes outside the image (p_offset)", at + 8, s.offset);
		if (s.paddr < min_gpa)
			return fail(o, "segment below the lowest kernel address (p_paddr)", at + 24, s.paddr);
		if (s.paddr > ram_bytes || s.memsz > ram_bytes - s.paddr)
			return fail(o, "segment beyond guest RAM (p_paddr + p_memsz)", at + 24, s.paddr);
		for (unsigned j = 0; j < o->n; j++)
			if (s.paddr < o->seg[j].paddr + o->seg[j].memsz && o->seg[j].paddr < s.paddr + s.memsz)
				return fail(o, "segment overlaps an earlier one (p_paddr)", at + 24, s.paddr);
		if ((s.flags & PF_X) && o->entry >= s.paddr && o->entry < s.paddr + s.memsz)
			entry_ok = 1;
		if (s.paddr + s.memsz > o->end)
			o->end = s.paddr + s.memsz;
		o->seg[o->n++] = s;
	}
	if (o->n == 0)
		return fail(o, "no PT_LOAD segment", E_PHOFF, phnum);
	if (!entry_ok)
		return fail(o, "entry point outside every executable segment (e_entry)", E_ENTRY, o->entry);
	return 0;
}
