/*
 * hv/smp.c — brings up the second CPU and runs work on it (see smp.h).
 */
#include <string.h>

#include "hv/cpu.h"
#include "hv/desc.h"
#include "hv/hv.h"
#include "hv/serial.h"
#include "hv/smp.h"
#include "hv/time.h"

/* IA32_APIC_BASE (SDM Vol. 3A §10.4.4, Figure 10-5). */
#define MSR_APIC_BASE        0x1B
#define APIC_BASE_X2APIC     (1ull << 10)
#define APIC_BASE_ENABLE     (1ull << 11)
#define APIC_BASE_ADDR_MASK  0xFFFFFF000ull /* bits 12..35 (MAXPHYADDR 36 is the least) */

/* Local APIC registers, offsets in the xAPIC page (SDM Vol. 3A §10.4.1, Table 10-1). */
#define APIC_REG_ICR_LO 0x300
#define APIC_REG_ICR_HI 0x310

/* Interrupt Command Register, low dword (SDM Vol. 3A §10.6.1, Figure 10-12). */
#define ICR_DM_INIT           (5u << 8)  /* delivery mode 101: INIT */
#define ICR_DM_STARTUP        (6u << 8)  /* delivery mode 110: start-up */
#define ICR_DELIVERY_PENDING  (1u << 12) /* send pending: wait before the next write */
#define ICR_LEVEL_ASSERT      (1u << 14)
#define ICR_DEST_ALL_BUT_SELF (3u << 18) /* destination shorthand 11 */

/* The universal start-up algorithm's waits (SDM Vol. 3A §8.4.4.1). */
#define INIT_WAIT_NS 10000000ull /* 10 ms after INIT */
#define SIPI_WAIT_NS 200000ull   /* 200 us after each start-up IPI */
#define ICR_IDLE_NS  1000000ull  /* how long a pending IPI may take to go out */

/* Paging structure entries (SDM Vol. 3A §4.5, Tables 4-15 and 4-17). */
#define PTE_P    (1ull << 0)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4) /* with PWT: PAT entry 3, UC by default (§11.12.3) */
#define PTE_PS   (1ull << 7)
#define PTE_ADDR 0x000FFFFFFFFFF000ull
#define IDENTITY_LIMIT (4ull << 30) /* boot/entry.asm maps the low 4 GiB */

#define AP_STACK_SIZE (32 * 1024)
#define NOTES_SIZE    2048u
#define AP_IST_SIZE   8192

/* The trampoline's parameter block (hv/ap_boot.asm, ap_tramp_params). */
struct __attribute__((packed)) tramp_params {
	uint32_t cr3;
	uint16_t ticket;
	uint16_t pad;
	uint64_t stack;
	uint64_t entry;
};

extern const uint8_t ap_tramp_start[], ap_tramp_end[], ap_tramp_params[];

static uint64_t ap_gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss64 ap_tss __attribute__((aligned(16)));
static uint8_t ap_ist[AP_IST_SIZE] __attribute__((aligned(16)));
static uint8_t ap_stack[AP_STACK_SIZE] __attribute__((aligned(16)));

/* Written by the AP, read by the BSP. */
static volatile uint32_t ap_alive;
static volatile uint32_t ap_apic_id;
/* Written by the BSP, read by the AP. */
static const struct smp_work *volatile ap_work;
/* One call for the AP (smp_ap_call): set by the BSP, cleared by the AP when done. */
static void (*volatile call_fn)(void *);
static void *volatile call_arg;

static volatile uint32_t *apic_reg(uint64_t base, unsigned off)
{
	return (volatile uint32_t *)(uintptr_t)(base + off);
}

/* (time_ns_to_tsc converts a point in time, not a span.) */
static uint64_t ns_deadline(uint64_t ns) { return rdtsc() + ns * (time_tsc_hz() / 1000000) / 1000; }

static void wait_ns(uint64_t ns)
{
	uint64_t end = ns_deadline(ns);
	while (rdtsc() < end)
		cpu_pause();
}

/* Sends one IPI; 0, or HV_ETIMEDOUT when the previous one never left. */
static int apic_send(uint64_t base, uint32_t icr_lo)
{
	uint64_t end = ns_deadline(ICR_IDLE_NS);
	while (*apic_reg(base, APIC_REG_ICR_LO) & ICR_DELIVERY_PENDING)
		if (rdtsc() > end)
			return HV_ENOTSUP; /* the APIC never took the IPI */
	*apic_reg(base, APIC_REG_ICR_HI) = 0; /* destination field unused with a shorthand */
	*apic_reg(base, APIC_REG_ICR_LO) = icr_lo;
	end = ns_deadline(ICR_IDLE_NS);
	while (*apic_reg(base, APIC_REG_ICR_LO) & ICR_DELIVERY_PENDING)
		if (rdtsc() > end)
			return HV_ENOTSUP; /* the APIC never took the IPI */
	return 0;
}

/*
 * The boot identity map is write-back everywhere; the APIC page must be
 * uncached (SDM Vol. 3A §10.4.1: "strong uncacheable"). Sets PCD|PWT on the
 * 2 MiB page holding it. Returns 0 or a reason.
 */
static const char *apic_map_uncached(uint64_t base)
{
	if (base >= IDENTITY_LIMIT)
		return "the local APIC is above the 4 GiB identity map";
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uint64_t e = pml4[0];
	if (!(e & PTE_P))
		return "no PML4 entry for the low 4 GiB";
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(e & PTE_ADDR);
	e = pdpt[(base >> 30) & 511];
	if (!(e & PTE_P) || (e & PTE_PS))
		return "the APIC's PDPT entry is not a page directory";
	uint64_t *pd = (uint64_t *)(uintptr_t)(e & PTE_ADDR);
	uint64_t *pde = &pd[(base >> 21) & 511];
	if (!(*pde & PTE_P) || !(*pde & PTE_PS))
		return "the APIC's page directory entry is not a 2 MiB page";
	*pde |= PTE_PCD | PTE_PWT;
	invlpg(base);
	return NULL;
}

/* The AP's C entry, on ap_stack (hv/ap_boot.asm calls it in long mode). */
_Noreturn void smp_ap_entry(void);
_Noreturn void smp_ap_entry(void)
{
	gdt_build(ap_gdt, &ap_tss, (uintptr_t)ap_ist + sizeof ap_ist);
	gdt_load(ap_gdt);
	struct desc_ptr idt = { IDT_VECTORS * sizeof(struct idt_gate) - 1, idt_base() }; /* the BSP's */
	lidt(&idt);
	ap_apic_id = cpuid(1, 0).ebx >> 24; /* initial APIC ID, CPUID.01H:EBX[31:24] */
	__asm__ volatile("" ::: "memory");
	ap_alive = 1;
	for (;;) {
		void (*fn)(void *) = call_fn;
		if (fn) {
			fn(call_arg);
			__asm__ volatile("" ::: "memory");
			call_fn = NULL; /* the BSP sees the call's effects before this (SDM Vol. 3A §9.2.2) */
		}
		const struct smp_work *w = ap_work;
		if (w && w->fn)
			w->fn(w->arg);
		cpu_pause();
	}
}

int smp_ap_running(void) { return ap_alive != 0; }
void smp_ap_set_work(const struct smp_work *w) { ap_work = w; }

int smp_ap_call(void (*fn)(void *), void *arg)
{
	if (!ap_alive || call_fn)
		return 0;
	call_arg = arg;
	__asm__ volatile("" ::: "memory");
	call_fn = fn;
	return 1;
}

int smp_ap_join(void)
{
	uint64_t end = ns_deadline((uint64_t)SMP_JOIN_MS * 1000000ull);
	while (call_fn) {
		if (rdtsc() > end)
			return HV_ENOTSUP;
		cpu_pause();
	}
	return 0;
}

/* ---- the AP's output, printed by the BSP ---- */

static char notes[NOTES_SIZE];
static volatile uint32_t notes_head, notes_tail; /* AP writes head, BSP tail */
static volatile uint32_t notes_lost;

int smp_on_ap(void)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	return (sp >= (uintptr_t)ap_stack && sp < (uintptr_t)ap_stack + sizeof ap_stack) ||
	       (sp >= (uintptr_t)ap_ist && sp < (uintptr_t)ap_ist + sizeof ap_ist);
}

void smp_ap_note(const char *s, size_t n)
{
	uint32_t head = notes_head;
	if (n > NOTES_SIZE - (head - notes_tail)) {
		notes_lost = notes_lost + 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		notes[(head + i) % NOTES_SIZE] = s[i];
	__asm__ volatile("" ::: "memory");
	notes_head = head + (uint32_t)n; /* the bytes before the index (SDM Vol. 3A §9.2.2) */
}

void smp_ap_notes_flush(void)
{
	uint32_t head = notes_head, tail = notes_tail;
	__asm__ volatile("" ::: "memory");
	while (tail != head) {
		uint32_t at = tail % NOTES_SIZE, k = head - tail;
		if (k > NOTES_SIZE - at)
			k = NOTES_SIZE - at;
		serial_write(notes + at, k);
		tail += k;
	}
	notes_tail = tail;
	if (notes_lost && !smp_on_ap()) {
		uint32_t lost = notes_lost;
		notes_lost = 0;
		kprintf("amber: cpus: %u lines of the second CPU did not fit its buffer\n", lost);
	}
}

static unsigned one_cpu(const char *why)
{
	kprintf("amber: cpus: 1 (cpus=2 asked, but %s; continuing with one CPU)\n", why);
	return 1;
}

unsigned smp_start(unsigned cpus, int tramp_ok)
{
	if (cpus < 2) {
		kprintf("amber: cpus: 1\n");
		return 1;
	}
	if (!tramp_ok)
		return one_cpu("the trampoline page at 0x8000 is not free RAM");
	uint64_t ab = rdmsr(MSR_APIC_BASE);
	if (!(ab & APIC_BASE_ENABLE))
		return one_cpu("the local APIC is disabled (IA32_APIC_BASE bit 11)");
	if (ab & APIC_BASE_X2APIC)
		return one_cpu("the local APIC is in x2APIC mode (only xAPIC MMIO is supported)");
	uint64_t base = ab & APIC_BASE_ADDR_MASK;
	const char *why = apic_map_uncached(base);
	if (why)
		return one_cpu(why);

	uint64_t cr3 = read_cr3() & PTE_ADDR;
	if (cr3 >= IDENTITY_LIMIT) /* the trampoline loads CR3 in 32-bit mode */
		return one_cpu("the page tables are above 4 GiB");
	size_t len = (size_t)(ap_tramp_end - ap_tramp_start);
	uint8_t *tramp = (uint8_t *)(uintptr_t)SMP_TRAMPOLINE_PA;
	memcpy(tramp, ap_tramp_start, len);
	struct tramp_params *p = (struct tramp_params *)(tramp + (ap_tramp_params - ap_tramp_start));
	p->cr3 = (uint32_t)cr3;
	p->ticket = 0;
	p->stack = (uintptr_t)ap_stack + sizeof ap_stack;
	p->entry = (uintptr_t)smp_ap_entry;
	__asm__ volatile("" ::: "memory");

	uint32_t vector = (uint32_t)(SMP_TRAMPOLINE_PA >> 12); /* start-up vector: the page number */
	uint64_t t0 = rdtsc();
	int e = apic_send(base, ICR_DEST_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_DM_INIT);
	if (!e) {
		wait_ns(INIT_WAIT_NS);
		for (int i = 0; i < 2 && !e && !ap_alive; i++) { /* the second SIPI only if needed */
			e = apic_send(base, ICR_DEST_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_DM_STARTUP | vector);
			wait_ns(SIPI_WAIT_NS);
		}
	}
	if (e)
		return one_cpu("the local APIC did not send the start-up IPIs");
	uint64_t end = ns_deadline((uint64_t)SMP_ANSWER_MS * 1000000ull);
	while (!ap_alive && rdtsc() < end)
		cpu_pause();
	if (!ap_alive) {
		char msg[96];
		amber_snprintf(msg, sizeof msg, "the second CPU did not answer within %u ms", SMP_ANSWER_MS);
		return one_cpu(msg);
	}
	uint64_t us = (rdtsc() - t0) * 1000000ull / time_tsc_hz();
	kprintf("amber: cpus: 2 (the second CPU is up: APIC id %u, %llu us after INIT; it runs hypervisor code only)\n",
		ap_apic_id, (unsigned long long)us);
	return 2;
}
