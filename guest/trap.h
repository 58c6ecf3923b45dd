/*
 * guest/trap.h — interrupts and exceptions: the frame vectors.S builds,
 * the IDT, and "probes": instructions expected to fault.
 *
 * A probe is an instruction wrapped in PROBE(): its address and the address
 * after it go into the .probes section. When it raises an exception (other
 * than NMI, #DF or #MC, which it cannot cause), trap() records the vector
 * and error code and resumes after it; a fault anywhere else is a kernel bug and ends in a register report and a
 * shutdown. The hostile program uses probes to see what the hypervisor
 * does with each attack.
 */
#ifndef AMBER_GUEST_TRAP_H
#define AMBER_GUEST_TRAP_H

#include <stdint.h>

#define T_DE  0
#define T_UD  6
#define T_DF  8
#define T_GP  13
#define T_PF  14

/* Pushed by the CPU, the stub and alltraps; lowest address first. */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rdx, rcx, rbx, rax;
	uint64_t vec, err;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Local labels 1 and 2 may repeat: the assembler resolves 1b/2b to the nearest. */
#define PROBE(insn) \
	"1:\t" insn "\n2:\n\t.pushsection .probes, \"a\"\n\t.quad 1b, 2b\n\t.popsection\n\t"

struct probe_result {
	int vec;              /* -1: the instruction completed */
	uint64_t err;
};

void probe_arm(void);                     /* before a PROBE() instruction */
struct probe_result probe_result(void);   /* after it */

void gdt_init(void);
void idt_init(void);
void trap(struct trapframe *tf);
const char *trap_name(uint64_t vec);

#endif
