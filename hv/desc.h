/*
 * hv/desc.h — the hypervisor's own GDT (with a 64-bit TSS, which VMX host
 * state requires: SDM Vol. 3C §27.2.3, host TR must not be 0) and IDT.
 *
 * Exceptions in VMX root are hypervisor bugs: they print a decoded report
 * (vector name, error code, RIP, CR2, registers) and stop (hv_panic).
 * NMIs just return (another CPU may send one only to force a VM exit).
 */
#ifndef AMBER_HV_DESC_H
#define AMBER_HV_DESC_H

#include <stdint.h>

#define HV_SEL_CODE 0x08
#define HV_SEL_DATA 0x10
#define HV_SEL_TSS  0x18

/* 64-bit TSS (SDM Vol. 3A §8.7, Figure 8-11). */
struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");

/* 64-bit interrupt gate (SDM Vol. 3A §7.14.1, Figure 7-8). */
struct __attribute__((packed)) idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type_attr;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");

#define IDT_VECTORS 32 /* exceptions only: host interrupts stay off */
#define GDT_ENTRIES 5 /* null, code, data, TSS (two entries) */

void gdt_init(void);
/* A GDT with its own TSS (IST1 at ist1_top), for a second CPU (hv/smp.c):
 * a TSS is busy once loaded, so each CPU needs its own. */
void gdt_build(uint64_t g[GDT_ENTRIES], struct tss64 *t, uint64_t ist1_top);
/* LGDT, reload CS/DS/ES/SS, LTR. */
void gdt_load(const uint64_t g[GDT_ENTRIES]);
void idt_init(void);
uint64_t gdt_base(void);
uint64_t idt_base(void);
uint64_t tss_base(void);

/* Registers pushed by hv/isr.asm, in push order reversed (r15 at the lowest address). */
struct isr_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

#endif
