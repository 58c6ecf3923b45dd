/*
 * tests/hv/guest-min/guest.c — a tiny guest that exercises the hypervisor
 * before the real guest kernel exists. It prints "guest-min: ..." markers
 * on the console that tests/integ/hv.sh checks:
 *   boot info, CPUID signature, refused MSR / port / CR / VMX instruction
 *   (each survives a #GP or #UD), hypercall errors, VDEV_HC_STATS,
 *   write-protect round trip, clocks, timer + HLT + interrupt, console
 *   input through VDEV_VEC_CONSOLE, then VDEV_HC_SHUTDOWN(7).
 * With "guest=hostile" on the hypervisor command line it instead touches
 * memory beyond guest RAM (the hypervisor must stop it and stay up). When
 * the first module's text is "guest-min-mode=triple" it triple-faults,
 * "guest-min-mode=clihlt" halts with interrupts disabled.
 */
#include <stddef.h>
#include <stdint.h>

#include "vdev/vdev.h"

static inline int64_t hc(uint64_t nr, uint64_t a0, uint64_t a1)
{
	int64_t r;
	__asm__ volatile("vmcall" : "=a"(r) : "a"(nr), "D"(a0), "S"(a1) : "memory");
	return r;
}

static size_t slen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
static void puts_(const char *s) { hc(VDEV_HC_CONSOLE_WRITE, (uintptr_t)s, slen(s)); }

static void putn(const char *label, uint64_t v)
{
	char b[64];
	size_t n = 0;
	for (const char *p = label; *p; p++)
		b[n++] = *p;
	char d[24];
	int k = 0;
	do { d[k++] = (char)('0' + v % 10); v /= 10; } while (v);
	while (k)
		b[n++] = d[--k];
	b[n++] = '\n';
	hc(VDEV_HC_CONSOLE_WRITE, (uintptr_t)b, n);
}

/* ---- descriptor tables: flat code/data, IDT with the handlers below ---- */
static uint64_t gdt[3] = { 0, 0x00AF9A000000FFFFull, 0x00CF92000000FFFFull };
struct __attribute__((packed)) dptr { uint16_t limit; uint64_t base; };
struct gate { uint16_t lo, sel; uint8_t ist, attr; uint16_t mid; uint32_t hi, zero; };
static struct gate idt[256];

volatile uint64_t skip_len;      /* bytes to skip after a #GP/#UD we provoke */
volatile uint64_t gp_count, ud_count, timer_count, console_count;

void isr_gp(void);
void isr_ud(void);
void isr_timer(void);
void isr_console(void);
__asm__(".pushsection .text\n"
	"isr_gp: lock incq gp_count(%rip)\n"
	"  pushq %rax; movq skip_len(%rip), %rax; addq %rax, 16(%rsp); popq %rax\n"
	"  addq $8, %rsp\n  iretq\n"
	"isr_ud: lock incq ud_count(%rip)\n"
	"  pushq %rax; movq skip_len(%rip), %rax; addq %rax, 8(%rsp); popq %rax\n"
	"  iretq\n"
	"isr_timer: lock incq timer_count(%rip)\n  iretq\n"
	"isr_console: lock incq console_count(%rip)\n  iretq\n.popsection\n");

static void set_gate(int v, void (*h)(void))
{
	uint64_t a = (uintptr_t)h;
	idt[v] = (struct gate){ (uint16_t)a, 0x08, 0, 0x8E, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0 };
}

static void tables(void)
{
	struct dptr g = { sizeof gdt - 1, (uintptr_t)gdt }, i = { sizeof idt - 1, (uintptr_t)idt };
	set_gate(6, isr_ud);
	set_gate(13, isr_gp);
	set_gate(VDEV_VEC_TIMER, isr_timer);
	set_gate(VDEV_VEC_CONSOLE, isr_console);
	__asm__ volatile("lgdt %0; lidt %1" ::"m"(g), "m"(i));
	__asm__ volatile("pushq $0x08; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:\n"
			 "movw $0x10, %%ax; movw %%ax, %%ds; movw %%ax, %%es; movw %%ax, %%ss" ::: "rax", "memory");
}

static int has(const char *s, const char *w)
{
	for (; *s; s++) {
		size_t i = 0;
		while (w[i] && s[i] == w[i])
			i++;
		if (!w[i])
			return 1;
	}
	return 0;
}

static void check(const char *what, int ok)
{
	puts_("guest-min: ");
	puts_(what);
	puts_(ok ? ": ok\n" : ": FAIL\n");
}

static void refusals(void)
{
	uint64_t gp0 = gp_count;
	skip_len = 2;
	__asm__ volatile("rdmsr" ::"c"(0x1234u) : "rax", "rdx");                 /* not allowed */
	__asm__ volatile("wrmsr" ::"c"(0x10u), "a"(0), "d"(0));                  /* TSC write refused */
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xC0000080u));      /* EFER allowed */
	check("rdmsr efer has LME|LMA", (lo & 0x500) == 0x500);
	skip_len = 2;
	__asm__ volatile("outb %%al, $0x80" ::"a"(0));                          /* E6 80 */                          /* port I/O refused */
	skip_len = 3;
	uint64_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	check("cr4 hides VMXE", !(cr4 & (1u << 13)));
	__asm__ volatile("mov %0, %%cr4" ::"a"(cr4 | (1u << 13)));  /* 0F 22 E0 */                /* set VMXE: refused */
	__asm__ volatile("mov %0, %%cr4" ::"a"(cr4 | (1u << 7)));                 /* PGE: allowed, no exit */
	check("4 refusals became #GP", gp_count - gp0 == 4);
	uint64_t cr3, cr3b;
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3; mov %%cr3, %1" : "=&r"(cr3), "=r"(cr3b) :: "memory");
	check("cr3 reload", cr3 == VDEV_GPA_PAGE_TABLES && cr3b == cr3);
	uint64_t ud0 = ud_count;
	skip_len = 3;
	__asm__ volatile("vmxoff");                                               /* VMX instruction: #UD */
	check("vmxoff became #UD", ud_count - ud0 == 1);
	check("unknown hypercall is ENOSYS", hc(99, 0, 0) == VDEV_ENOSYS);
	check("console write beyond RAM is EFAULT", hc(VDEV_HC_CONSOLE_WRITE, ~0ull - 2, 16) == VDEV_EFAULT);
	check("console write too long is E2BIG", hc(VDEV_HC_CONSOLE_WRITE, 0x100000, VDEV_CONSOLE_MAX + 1) == VDEV_E2BIG);
	check("snapshot request is EAGAIN", hc(VDEV_HC_SNAP_REQUEST, 0, 0) == VDEV_EAGAIN);
	check("epoch is 1", hc(VDEV_HC_EPOCH, 0, 0) == 1);
	static struct vdev_stats st;
	check("stats call", hc(VDEV_HC_STATS, (uintptr_t)&st, 0) == 0);
	putn("guest-min: stats msr_refused=", st.msr_refused);
	putn("guest-min: stats io_refused=", st.io_refused);
	putn("guest-min: stats cr_refused=", st.cr_refused);
	putn("guest-min: stats priv_refused=", st.priv_refused);
	putn("guest-min: stats bad_hypercalls=", st.bad_hypercalls);
}

static uint8_t wp_page[4096] __attribute__((aligned(4096)));

static void write_protect(void)
{
	wp_page[0] = 1;
	check("write-protect call", hc(VDEV_HC_WRITE_PROTECT, (uintptr_t)wp_page, 0) == 0);
	check("write-protect unaligned is EINVAL", hc(VDEV_HC_WRITE_PROTECT, (uintptr_t)wp_page + 1, 0) == VDEV_EINVAL);
	wp_page[8] = 42; /* one EPT violation round trip, then it proceeds */
	check("write after write-protect landed", wp_page[8] == 42 && wp_page[0] == 1);
}

static void timer(void)
{
	uint64_t t0 = (uint64_t)hc(VDEV_HC_CLOCK_MONO, 0, 0);
	uint64_t wall = (uint64_t)hc(VDEV_HC_CLOCK_WALL, 0, 0);
	check("wall clock after 2020", wall / 1000000000ull > 1577836800ull);
	for (int i = 1; i <= 3; i++) {
		uint64_t before = timer_count;
		uint64_t now = (uint64_t)hc(VDEV_HC_CLOCK_MONO, 0, 0);
		hc(VDEV_HC_TIMER_SET, now + 10000000ull, 0); /* 10 ms */
		while (timer_count == before)
			__asm__ volatile("sti; hlt; cli");
		putn("guest-min: tick ", (uint64_t)i);
	}
	uint64_t t1 = (uint64_t)hc(VDEV_HC_CLOCK_MONO, 0, 0);
	check("30 ms of mono time passed", t1 - t0 >= 30000000ull);
}

static void console(void)
{
	static char line[128];
	size_t n = 0;
	uint64_t seen = console_count;
	puts_("guest-min: type a line\n");
	while ((n == 0 || line[n - 1] != '\n') && n < sizeof line - 1) {
		int64_t r = hc(VDEV_HC_CONSOLE_READ, (uintptr_t)line + n, sizeof line - 1 - n);
		if (r > 0) {
			n += (size_t)r;
			continue;
		}
		/* Nothing waiting: sleep until VDEV_VEC_CONSOLE (STI's shadow covers HLT). */
		if (console_count == seen)
			__asm__ volatile("sti; hlt; cli");
		seen = console_count;
	}
	line[n] = 0;
	puts_("guest-min: got ");
	puts_(line);
}

static void hostile(void)
{
	/* Map VA 1 GiB - 2 MiB to the same GPA (beyond RAM) in the boot PD and touch it. */
	uint64_t *pd0 = (uint64_t *)(VDEV_GPA_PAGE_TABLES + 2 * 4096);
	uint64_t va = 0x3FE00000ull;
	pd0[511] = va | 0x83;
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
	puts_("guest-min: hostile: writing beyond guest RAM\n");
	*(volatile uint64_t *)va = 0xBAD;
	puts_("guest-min: hostile: FAIL, still running\n");
	hc(VDEV_HC_SHUTDOWN, 99, 0);
}

void guest_main(const struct vdev_boot_info *bi)
{
	tables();
	puts_("guest-min: hello\n");
	check("boot info magic", bi->magic == VDEV_BOOT_MAGIC && bi->abi_version == VDEV_ABI_VERSION);
	putn("guest-min: ram_bytes=", bi->ram_bytes);
	putn("guest-min: modules=", bi->n_modules);
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000000u), "c"(0));
	char sig[13];
	for (int i = 0; i < 4; i++)
		sig[i] = (char)(b >> (8 * i)), sig[4 + i] = (char)(c >> (8 * i)), sig[8 + i] = (char)(d >> (8 * i));
	sig[12] = 0;
	check("cpuid signature AmberAmberAm", has(sig, "AmberAmberAm"));
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1u), "c"(0));
	check("cpuid hides VMX, shows SSE2 and hypervisor", !(c & (1u << 5)) && (d & (1u << 26)) && (c & (1u << 31)));
	if (has(bi->cmdline, "guest=hostile"))
		hostile();
	if (bi->n_modules && has((const char *)bi->modules[0].gpa, "guest-min-mode=triple")) {
		puts_("guest-min: triple fault next\n");
		struct dptr none = { 0, 0 };
		__asm__ volatile("lidt %0; ud2" ::"m"(none)); /* #UD, no IDT: #GP, #DF, shutdown */
	}
	if (bi->n_modules && has((const char *)bi->modules[0].gpa, "guest-min-mode=clihlt")) {
		puts_("guest-min: cli; hlt next\n");
		__asm__ volatile("cli; hlt");
		puts_("guest-min: clihlt: FAIL, woke up\n");
	}
	refusals();
	write_protect();
	timer();
	console();
	puts_("guest-min: done\n");
	hc(VDEV_HC_SHUTDOWN, 7, 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}

__asm__(".pushsection .text.entry, \"ax\"\n.globl _start\n_start:\n"
	"  andq $-16, %rsp\n  call guest_main\n1: hlt\n  jmp 1b\n.popsection\n");
