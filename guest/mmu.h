/*
 * guest/mmu.h — x86-64 segment descriptors, gates, the TSS and page-table
 * entries, as the guest kernel uses them (Intel SDM Vol. 3A §3.4.5, §6.14,
 * §7.7, §4.5; order no. 325462-080).
 *
 * Segments are flat in 64-bit mode; the GDT exists for CS/SS and for the
 * TSS, which gives the double-fault handler an IST stack and interrupts
 * from CPL 3 a kernel stack. The guest runs nothing at CPL 3 except the
 * hostile program's probe of VMCALL from user mode (guest/usermode.S).
 */
#ifndef AMBER_GUEST_MMU_H
#define AMBER_GUEST_MMU_H

#include <stdint.h>

#define SEG_KCODE 0x08   /* 64-bit code, DPL 0 */
#define SEG_KDATA 0x10   /* data, DPL 0 */
#define SEG_TSS   0x18   /* 16-byte TSS descriptor, slots 3 and 4 */
#define SEG_UDATA 0x2b   /* data, DPL 3 (slot 5, RPL 3) */
#define SEG_UCODE 0x33   /* 64-bit code, DPL 3 (slot 6, RPL 3) */

/* Descriptors as raw quadwords: no reliance on C bitfield layout. */
#define GDT_KCODE 0x00af9a000000ffffull /* P, DPL0, code exec/read, L=1 */
#define GDT_KDATA 0x00cf92000000ffffull /* P, DPL0, data read/write */
#define GDT_UDATA 0x00cff2000000ffffull /* P, DPL3, data read/write */
#define GDT_UCODE 0x00affa000000ffffull /* P, DPL3, code exec/read, L=1 */

struct tss {                  /* SDM Vol. 3A Figure 8-11 */
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];      /* ist[0] is IST1 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");

struct gate {                 /* SDM Vol. 3A Figure 6-8 */
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;          /* bits 2:0 */
	uint8_t type;         /* P | DPL | 0 | type */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct gate) == 16, "64-bit IDT gate is 16 bytes");

#define GATE_INTR 0x8e        /* present, DPL 0, 64-bit interrupt gate (IF cleared) */

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/*
 * A 4-level page-table walk splits a virtual address as
 *
 *   63    48 47   39 38   30 29   21 20   12 11        0
 *  +--------+-------+-------+-------+-------+-----------+
 *  | sign   | PML4  | PDPT  |  PD   |  PT   | offset    |
 *  +--------+-------+-------+-------+-------+-----------+
 *
 * A PD entry with PTE_PS maps a 2 MiB page directly.
 */
#define PGSIZE     4096ull
#define HUGE_SIZE  (2ull << 20)
#define PX(level, va) (((uint64_t)(va) >> (12 + 9 * (level))) & 511)

#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_U   (1ull << 2)
#define PTE_PS  (1ull << 7)
#define PTE_ADDR(pte) ((pte) & 0x000ffffffffff000ull)

#endif
