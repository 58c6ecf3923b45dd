/*
 * hv/idt.c — the hypervisor's IDT: vectors 0-31 report and stop, NMI
 * returns. Host interrupts stay disabled (RFLAGS.IF = 0) for the whole
 * life of the hypervisor, so no other vector is ever delivered.
 */
#include "hv/cpu.h"
#include "hv/desc.h"
#include "hv/hv.h"

#define GATE_INTR64 0x8E /* P=1, DPL 0, type 0xE: 64-bit interrupt gate */
#define IST_ALT 1        /* TSS.IST1 (hv/gdt.c) */
#define VEC_NMI 2
#define VEC_DF  8
#define VEC_MC  18

extern const uint64_t isr_table[32];
extern char isr_nmi[];

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

uint64_t idt_base(void) { return (uintptr_t)idt; }

static void set_gate(unsigned v, uint64_t handler, uint8_t ist)
{
	idt[v] = (struct idt_gate){
		.off_lo = (uint16_t)handler, .sel = HV_SEL_CODE, .ist = ist, .type_attr = GATE_INTR64,
		.off_mid = (uint16_t)(handler >> 16), .off_hi = (uint32_t)(handler >> 32),
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < IDT_VECTORS; v++)
		set_gate(v, isr_table[v], v == VEC_DF || v == VEC_MC ? IST_ALT : 0);
	set_gate(VEC_NMI, (uintptr_t)isr_nmi, IST_ALT);
	struct desc_ptr p = { sizeof idt - 1, (uintptr_t)idt };
	lidt(&p);
}

/* SDM Vol. 3A §7.3, Table 7-1. */
static const char *const names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD exception",
	"#VE virtualization exception", "#CP control protection",
};

void idt_exception(struct isr_frame *f)
{
	const char *name = f->vector < 32 && names[f->vector] ? names[f->vector] : "reserved";
	kprintf("amber: hypervisor exception %llu (%s) error %llx at rip %016llx\n",
		(unsigned long long)f->vector, name, (unsigned long long)f->error, (unsigned long long)f->rip);
	if (f->vector == 14)
		kprintf("amber:   cr2 %016llx (page fault: %s %s %s)\n", (unsigned long long)read_cr2(),
			f->error & 1 ? "protection" : "not-present", f->error & 2 ? "write" : "read",
			f->error & 16 ? "fetch" : "");
	kprintf("amber:   rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)f->rax,
		(unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	kprintf("amber:   rsi %016llx rdi %016llx rbp %016llx rsp %016llx\n", (unsigned long long)f->rsi,
		(unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->rsp);
	kprintf("amber:   r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n", (unsigned long long)f->r8,
		(unsigned long long)f->r9, (unsigned long long)f->r10, (unsigned long long)f->r11);
	kprintf("amber:   cs %llx rflags %llx cr0 %llx cr3 %llx cr4 %llx\n", (unsigned long long)f->cs,
		(unsigned long long)f->rflags, (unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
		(unsigned long long)read_cr4());
	hv_panic("exception in VMX root: %s", name);
}
