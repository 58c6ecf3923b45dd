/*
 * hv/guest_load.c — loads the guest kernel and modules (see guest_load.h).
 */
#include "hv/guest_load.h"
#include "hv/elf.h"
#include "hv/hv.h"
#include "hv/time.h"
#include "vdev/vdev.h"

#include <string.h>

#define PTE_P  (1ull << 0)
#define PTE_W  (1ull << 1)
#define PTE_PS (1ull << 7)
#define PAGE   4096ull
#define MIB2   (2ull << 20)
#define GIB    (1ull << 30)

static uint64_t up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

uint64_t guest_build_page_tables(uint8_t *ram, uint64_t ram_bytes, uint64_t pt_gpa)
{
	uint64_t *pml4 = (uint64_t *)(ram + pt_gpa), *pdpt = pml4 + 512;
	uint64_t npd = up(ram_bytes, GIB) / GIB;
	memset(pml4, 0, (2 + npd) * PAGE);
	pml4[0] = (pt_gpa + PAGE) | PTE_P | PTE_W;
	for (uint64_t i = 0; i < npd; i++) {
		uint64_t pd_gpa = pt_gpa + (2 + i) * PAGE;
		pdpt[i] = pd_gpa | PTE_P | PTE_W;
		uint64_t *pd = (uint64_t *)(ram + pd_gpa);
		for (uint64_t j = 0; j < 512; j++) {
			uint64_t a = (i * 512 + j) * MIB2;
			if (a < ram_bytes)
				pd[j] = a | PTE_P | PTE_W | PTE_PS;
		}
	}
	return pt_gpa;
}

static const struct mb2_module *find(const struct mb2_info *mb, const char *name)
{
	for (unsigned i = 0; i < mb->n_modules; i++)
		if (!strcmp(mb->modules[i].name, name))
			return &mb->modules[i];
	return NULL;
}

/*
 * The guest sees the command line without the hypervisor's own options
 * (snapshot period, dirty tracking, format): they say how the guest is
 * kept, not what it is, and must not make its memory differ.
 */
static void guest_cmdline(char *out, size_t size, const char *in)
{
	static const char *const hv_only[] = { "snap_ms", "dirty", "format", "restore" };
	size_t n = 0;
	while (*in) {
		while (*in == ' ' || *in == '\t')
			in++;
		const char *tok = in;
		while (*in && *in != ' ' && *in != '\t')
			in++;
		size_t len = (size_t)(in - tok), key = 0;
		while (key < len && tok[key] != '=')
			key++;
		int skip = len == 0;
		for (unsigned i = 0; !skip && i < sizeof hv_only / sizeof hv_only[0]; i++) {
			size_t k = 0;
			while (k < key && hv_only[i][k] == tok[k])
				k++;
			skip = k == key && hv_only[i][k] == '\0';
		}
		if (skip || n + len + 2 > size)
			continue;
		if (n)
			out[n++] = ' ';
		memcpy(out + n, tok, len);
		n += len;
	}
	out[n] = '\0';
}

int guest_load(struct vcpu *v, const struct mb2_info *mb, const struct hv_config *cfg, struct guest_start *out)
{
	uint8_t *ram = (uint8_t *)(uintptr_t)v->ram_hpa;
	const struct mb2_module *k = find(mb, GUEST_MODULE_NAME);
	if (!k || k->end == k->start) {
		kprintf("amber: no guest: the GRUB module '%s' is %s\n", GUEST_MODULE_NAME, k ? "empty" : "absent");
		return HV_ENOENT;
	}
	const uint8_t *img = (const uint8_t *)(uintptr_t)k->start;
	struct elf_image elf;
	if (elf_check(img, k->end - k->start, VDEV_GPA_KERNEL_MIN, v->ram_bytes, &elf)) {
		kprintf("amber: error: module '%s': %s at offset %llu (value %llx)\n", k->name, elf.err_what,
			(unsigned long long)elf.err_offset, (unsigned long long)elf.err_value);
		return HV_EINVAL;
	}
	for (unsigned i = 0; i < elf.n; i++) /* RAM is zeroed: .bss needs nothing */
		memcpy(ram + elf.seg[i].paddr, img + elf.seg[i].offset, elf.seg[i].filesz);

	struct vdev_boot_info *bi = (struct vdev_boot_info *)(ram + VDEV_GPA_BOOT_INFO);
	_Static_assert(sizeof *bi <= VDEV_GPA_PAGE_TABLES - VDEV_GPA_BOOT_INFO, "boot info fits its page");
	*bi = (struct vdev_boot_info){ .magic = VDEV_BOOT_MAGIC, .abi_version = VDEV_ABI_VERSION,
				       .ram_bytes = v->ram_bytes, .epoch = 1, .tsc_hz = time_tsc_hz(), .tick_hz = cfg->tick_hz };
	uint64_t next = up(elf.end, PAGE);
	for (unsigned i = 0; i < mb->n_modules; i++) {
		const struct mb2_module *m = &mb->modules[i];
		if (m == k)
			continue;
		uint64_t len = m->end - m->start;
		if (bi->n_modules == VDEV_MAX_MODULES) {
			kprintf("amber: error: module '%s': more than %d modules besides the kernel\n", m->name, VDEV_MAX_MODULES);
			return HV_ENOSPC;
		}
		if (next > v->ram_bytes || len > v->ram_bytes - next) {
			kprintf("amber: error: module '%s' (%llu bytes) does not fit in guest RAM after %llx (mem=%u MiB)\n",
				m->name, (unsigned long long)len, (unsigned long long)next, cfg->mem_mib);
			return HV_ENOMEM;
		}
		memcpy(ram + next, (const void *)(uintptr_t)m->start, len);
		struct vdev_module *d = &bi->modules[bi->n_modules++];
		d->gpa = next;
		d->len = len;
		amber_snprintf(d->name, sizeof d->name, "%s", m->name);
		kprintf("amber: guest module '%s' at gpa %llx (%llu bytes)\n", d->name, (unsigned long long)next,
			(unsigned long long)len);
		next = up(next + len, PAGE);
	}
	bi->free_start = next;
	guest_cmdline(bi->cmdline, sizeof bi->cmdline, mb->cmdline);
	out->cr3 = guest_build_page_tables(ram, v->ram_bytes, VDEV_GPA_PAGE_TABLES);
	out->entry = elf.entry;
	out->rsp = VDEV_GPA_BOOT_STACK_TOP;
	out->rdi = VDEV_GPA_BOOT_INFO;
	kprintf("amber: guest kernel '%s': %u segments, entry %llx, end %llx, free from %llx\n", k->name, elf.n,
		(unsigned long long)elf.entry, (unsigned long long)elf.end, (unsigned long long)next);
	return 0;
}
