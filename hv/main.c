/*
 * hv/main.c — the hypervisor's C entry: banner, boot information, command
 * line, VT-x check, host descriptor tables, memory, then the guest. Every
 * failure before the guest runs ends in a one-line error and a power-off,
 * never a hang; once the guest is stopped the hypervisor stays up.
 */
#include <string.h>

#include "hv/config.h"
#include "hv/cpu.h"
#include "hv/disk.h"
#include "hv/cpuid.h"
#include "hv/ctl.h"
#include "hv/desc.h"
#include "hv/exit.h"
#include "hv/guest_load.h"
#include "hv/guest_mem.h"
#include "hv/hv.h"
#include "hv/mb2.h"
#include "hv/persist.h"
#include "hv/pmem.h"
#include "hv/serial.h"
#include "hv/smp.h"
#include "hv/time.h"
#include "hv/vcpu.h"
#include "hv/console_hold.h"
#include "hv/vdev_backend.h"
#include "hv/vmx.h"
#include "hv/vmxcap.h"

#define AMBER_VERSION "0.1"
/* Upper bound on the boot information we are willing to read. */
#define MB2_READ_LIMIT (1u << 20)
#define GUEST_RAM_ALIGN (2ull << 20)
#define POLL_HZ 1000 /* COM1 polling while the guest runs */
#define PIC1_DATA 0x21
#define PIC2_DATA 0xA1

static struct mb2_info boot;
static uint64_t hv_start_tsc;
static struct hv_config config;
static struct vmx_caps caps;
struct vcpu vcpu0;

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

/* Warns when this CPU lacks a feature the guest's fixed CPUID promises. */
static void check_cpuid_policy(void)
{
	static const struct { uint32_t leaf; int reg; } regs[] = { { 1, 2 }, { 1, 3 }, { 7, 1 }, { 0x80000001, 2 }, { 0x80000001, 3 } };
	for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++) {
		uint32_t miss = cpuid_policy_missing(regs[i].leaf, regs[i].reg, cpuid(regs[i].leaf, 0));
		if (miss)
			kprintf("amber: warning: this CPU lacks CPUID leaf %x register %d bits %08x the guest is promised\n",
				regs[i].leaf, regs[i].reg, miss);
	}
}

/* Idle once the guest is gone: echo the console so that input can be checked. */
static _Noreturn void idle_echo(void)
{
	kprintf("amber: ready\n");
	kprintf("amber: no guest running; the hypervisor stays up and echoes the console (stop the engine to end)\n");
	for (;;) {
		/* Log lines wait in a ring (hv/serial.h) that only this loop
		 * drains now: without it only the UART's FIFO left, and a
		 * refusal (handed over, a broken store) was never seen. */
		serial_pump();
		ctl_poll(&vcpu0); /* status still answers; stop powers off */
		int c = uart_getc(COM1);
		if (c < 0) {
			cpu_pause();
			continue;
		}
		char ch = (char)c;
		serial_write(&ch, 1);
	}
}

static void fatal(const char *what, int e)
{
	kprintf("amber: error: %s: %s\n", what, hv_strerror(e));
	hv_poweroff();
}

/* The EPT's tables come from a pool reserved at boot, unzeroed (O(1)), and
 * are zeroed one by one as they are built: built on demand after a restore,
 * they can then never run out once the guest runs. */
static struct { uint64_t next, end; } ept_pool;

static int ept_alloc(void *ctx, uint64_t *pa)
{
	(void)ctx;
	if (ept_pool.next == ept_pool.end)
		return pmem_alloc_page(pa);
	*pa = ept_pool.next;
	ept_pool.next += PAGE_SIZE;
	memset((void *)(uintptr_t)*pa, 0, PAGE_SIZE);
	return 0;
}
static void *ept_p2v(void *ctx, uint64_t pa) { (void)ctx; return (void *)(uintptr_t)pa; }

/*
 * Reserves guest RAM and its EPT's tables; maps the RAM on demand
 * (ept_map_lazy), so that nothing here grows with it (issue 15): a restore
 * builds the tables as the guest touches pages and the prefetch reads them
 * (snapeng h.leaf); a fresh start maps everything (map_fresh_guest). RAM is
 * not zeroed here: a restore overwrites every page it reads, and a fresh
 * start clears it.
 */
static void setup_guest_memory(struct vcpu *v)
{
	v->ram_bytes = (uint64_t)config.mem_mib << 20;
	int e = pmem_alloc_range(&hv_pmem, v->ram_bytes / PAGE_SIZE, GUEST_RAM_ALIGN, &v->ram_hpa);
	if (e) {
		kprintf("amber: error: cannot reserve %u MiB of guest RAM (%llu MiB free); lower mem=\n",
			config.mem_mib, (unsigned long long)((hv_pmem.total - hv_pmem.used) >> 20));
		hv_poweroff();
	}
	uint64_t tables = ept_lazy_tables(0, v->ram_bytes);
	e = pmem_alloc_range(&hv_pmem, tables, PAGE_SIZE, &ept_pool.next);
	if (e)
		fatal("reserving the EPT", e);
	ept_pool.end = ept_pool.next + tables * PAGE_SIZE;
	struct ept_ops ops = { NULL, ept_alloc, ept_p2v };
	e = ept_init(&v->ept, &ops, caps.ept_ad);
	if (!e)
		e = ept_map_lazy(&v->ept, 0, v->ram_hpa, v->ram_bytes);
	if (e)
		fatal("building the EPT", e);
	v->eptp = ept_eptp(&v->ept);
	kprintf("amber: guest RAM %u MiB at host %llx; EPT built on demand (%llu table pages reserved), A/D %s\n",
		config.mem_mib, (unsigned long long)v->ram_hpa, (unsigned long long)tables, caps.ept_ad ? "on" : "off");
}

/* A fresh guest: zeroed RAM, every frame present and writable (what
 * snapeng_create expects; its first capture sets the tracking bits). */
static void map_fresh_guest(struct vcpu *v)
{
	memset(gpa_ptr(v, 0), 0, v->ram_bytes);
	int e = ept_map_range(&v->ept, 0, v->ram_hpa, v->ram_bytes, EPT_RWX);
	if (e)
		fatal("building the EPT", e);
}

void hv_main(uint32_t magic, uint32_t mbi)
{
	char err[160];
	hv_start_tsc = rdtsc();
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
	gdt_init();
	idt_init();
	/* The hypervisor polls; no device interrupt may be pending at the PIC
	 * (an unacknowledged one would make every VM entry exit at once). */
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
	time_init();
	kprintf("amber: tsc %llu Hz (calibrated against the PIT), wall clock %llu s since 1970\n",
		(unsigned long long)time_tsc_hz(), (unsigned long long)(time_wall_ns() / 1000000000ull));
	check_cpuid_policy();
	e = pmem_init(&boot, mbi);
	if (e)
		fatal("memory map", e);
	kprintf("amber: pmem: %llu MiB free in %u ranges\n", (unsigned long long)(hv_pmem.total >> 20), hv_pmem.n);
	smp_start(config.cpus, pmem_trampoline_ok);
	snap_store *st = NULL;
	int store_damaged = 0;
	uint64_t t_mount = rdtsc();
	if (disk_open_store(config.format, (uint64_t)config.mem_mib << 8, &st, &store_damaged))
		idle_echo();
	disk_inject_faults(config.faults); /* after format and open: they must work */
	if (st && ctl_handed_over(st, config.takeback))
		idle_echo();

	struct vcpu *v = &vcpu0;
	v->caps = &caps;
	v->vpid = 1;
	v->poll_tsc = time_tsc_hz() / POLL_HZ;
	uint64_t t_ram = rdtsc();
	setup_guest_memory(v);
	uint64_t t_vmxon = rdtsc();
	e = vmx_enable(&caps);
	if (e)
		fatal("VMXON", e);
	/* With generations on the disk the guest comes back from the newest;
	 * otherwise it starts fresh from its modules. */
	uint64_t t_persist = rdtsc();
	int restored = st ? persist_init(v, st, &config) : 0;
	if (restored < 0)
		idle_echo();
	uint64_t t_load = rdtsc();
	struct guest_start gs = { 0 };
	if (!restored)
		map_fresh_guest(v);
	if (!restored && guest_load(v, &boot, &config, &gs))
		idle_echo();
	e = vmx_setup_guest(v, gs.entry, gs.rsp, gs.rdi, gs.cr3);
	if (e)
		fatal("VMCS setup", e);
	vdev_backend_init(v);
	con_init(v, st, &config);
	if (st) {
		persist_apply(v);
		persist_attach_vdev(v);
	} else {
		kprintf("amber: fresh start (no snapshot disk: nothing will persist)\n");
	}
	ctl_init(v, st, restored);
	if (restored)
		ctl_note_restore(boot.cmdline);
	kprintf("amber: ready\n");
	if (!restored)
		kprintf("amber: launching the guest at %llx\n", (unsigned long long)gs.entry);
	uint64_t t_enter = rdtsc(), us = time_tsc_hz() / 1000000 + 1;
	/* Where the time to the first guest instruction goes (issue 15: none of
	 * it may grow with guest RAM on a lazy restore). */
	kprintf("amber: boot parts (us): start %llu, disk %llu, ram+ept %llu, vmxon %llu, persist %llu, load+setup %llu\n",
		(unsigned long long)((t_mount - hv_start_tsc) / us), (unsigned long long)((t_ram - t_mount) / us),
		(unsigned long long)((t_vmxon - t_ram) / us), (unsigned long long)((t_persist - t_vmxon) / us),
		(unsigned long long)((t_load - t_persist) / us), (unsigned long long)((t_enter - t_load) / us));
	kprintf("amber: entering the guest %llu ms after the hypervisor started\n",
		(unsigned long long)((t_enter - hv_start_tsc) * 1000 / time_tsc_hz()));
	vmx_run(v);
	kprintf("amber: the hypervisor is still running; the guest is stopped\n");
	idle_echo();
}
