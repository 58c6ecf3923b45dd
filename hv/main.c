/*
 * hv/main.c — the hypervisor's C entry: banner, boot information, command
 * line, VT-x check. Every failure here ends in a one-line error and a
 * power-off, never a hang.
 */
#include "hv/config.h"
#include "hv/cpu.h"
#include "hv/disk.h"
#include "hv/hv.h"
#include "hv/mb2.h"
#include "hv/serial.h"
#include "hv/vmxcap.h"

#define AMBER_VERSION "0.1"
/* Upper bound on the boot information we are willing to read. */
#define MB2_READ_LIMIT (1u << 20)

static struct mb2_info boot;
static struct hv_config config;

static void report_boot(void)
{
	uint64_t avail = 0;
	kprintf("amber: boot: loader '%s' cmdline '%s'\n", boot.loader, boot.cmdline);
	for (unsigned i = 0; i < boot.n_mmap; i++) {
		const struct mb2_region *r = &boot.mmap[i];
		kprintf("amber: mem %016llx-%016llx %s\n", (unsigned long long)r->base,
			(unsigned long long)(r->base + r->len), mb2_mem_type_name(r->type));
		if (r->type == MB2_MEM_AVAILABLE)
			avail += r->len;
	}
	kprintf("amber: mem total available %llu MiB in %u regions\n",
		(unsigned long long)(avail >> 20), boot.n_mmap);
	for (unsigned i = 0; i < boot.n_modules; i++) {
		const struct mb2_module *m = &boot.modules[i];
		kprintf("amber: module '%s' at %08x-%08x (%u bytes)\n", m->name, m->start, m->end,
			m->end - m->start);
	}
}

static void check_vtx(void)
{
	struct vmx_raw raw;
	struct vmx_caps caps;
	char line[256];
	vmx_raw_read(&raw);
	vmx_caps_decode(&raw, &caps);
	vmx_caps_summary(&caps, line, sizeof line);
	kprintf("amber: vt-x: %s\n", line);
	if (vmx_caps_check(&caps, line, sizeof line)) {
		kprintf("amber: error: %s\n", line);
		kprintf("amber: error: Amber needs Intel VT-x with EPT; on a machine without it, "
			"run it in Bochs (tools/amber-run --engine bochs)\n");
		hv_poweroff();
	}
}

/* Until a guest runs, echo the console so that input can be checked. */
static _Noreturn void idle_echo(void)
{
	kprintf("amber: no guest yet; echoing the console (stop the engine to end)\n");
	for (;;) {
		int c = serial_getc();
		if (c < 0) {
			cpu_pause();
			continue;
		}
		char ch = (char)c;
		serial_write(&ch, 1);
	}
}

void hv_main(uint32_t magic, uint32_t mbi)
{
	char err[160];
	serial_init();
	kprintf("\namber: Amber hypervisor " AMBER_VERSION "\n");
	if (magic != MB2_BOOTLOADER_MAGIC) {
		kprintf("amber: error: not started by a multiboot2 loader (magic %08x, want %08x)\n",
			magic, MB2_BOOTLOADER_MAGIC);
		hv_poweroff();
	}
	int e = mb2_parse((const void *)(uintptr_t)mbi, MB2_READ_LIMIT, &boot);
	if (e) {
		kprintf("amber: error: boot information at %08x: %s at offset %u (value %llu): %s\n",
			mbi, boot.err_what, boot.err_offset, (unsigned long long)boot.err_value,
			hv_strerror(e));
		hv_poweroff();
	}
	report_boot();
	if (hv_config_parse(boot.cmdline, &config, err, sizeof err)) {
		kprintf("amber: error: command line: %s\n", err);
		hv_poweroff();
	}
	kprintf("amber: config: mem=%u guest=%s snap_ms=%u dirty=%s tick_hz=%u%s\n",
		config.mem_mib, config.guest, config.snap_ms, hv_dirty_tier_name(config.dirty),
		config.tick_hz, config.format ? " format" : "");
	check_vtx();
	disk_open_store(config.format);
	kprintf("amber: ready\n");
	idle_echo();
}
