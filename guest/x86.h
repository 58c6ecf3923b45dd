/*
 * guest/x86.h — the privileged x86 instructions the guest kernel uses, each
 * a tiny inline function, and the control-register bits it touches
 * (Intel SDM Vol. 3A §2.5, order no. 325462-080, June 2023).
 */
#ifndef AMBER_GUEST_X86_H
#define AMBER_GUEST_X86_H

#include <stdint.h>

#define CR0_MP   (1ull << 1)   /* monitor coprocessor: WAIT honours TS */
#define CR0_EM   (1ull << 2)   /* emulation: x87/SSE raise #UD when set */
#define CR0_TS   (1ull << 3)   /* task switched: lazy FPU, we do not use it */
#define CR0_PG   (1ull << 31)
#define CR4_PAE  (1ull << 5)
#define CR4_OSFXSR     (1ull << 9)  /* OS supports FXSAVE/FXRSTOR: SSE on */
#define CR4_OSXMMEXCPT (1ull << 10) /* SIMD FP exceptions raise #XM, not #UD */
#define CR4_VMXE (1ull << 13)

#define FL_IF    (1ull << 9)   /* RFLAGS.IF: maskable interrupts enabled */

static inline uint64_t rcr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t rcr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t rcr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t rcr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void lcr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
static inline void lcr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline void lcr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	/* lfence: the read is not hoisted above the code being timed. */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }

/*
 * Enables interrupts and halts in one step: STI delays interrupt recognition
 * by one instruction, so an interrupt that is already pending wakes the HLT
 * instead of slipping in between and leaving us asleep.
 */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

#endif
