/*
 * guest/hostile_int.h — what the two halves of the hostile program share
 * (guest/hostile.c: hypercall attacks and the verdicts; guest/hostile_insn.c:
 * instruction attacks).
 */
#ifndef AMBER_GUEST_HOSTILE_INT_H
#define AMBER_GUEST_HOSTILE_INT_H

#include <stdint.h>

extern int hostile_deviations;          /* refused, but not as vdev.h says */
extern uint8_t hostile_page[4096];      /* page-aligned scratch: VMXON region, buffers */
extern const char hostile_msg[];        /* shows up only if a refused call ran anyway */

/* Counts one attack and prints "hostile: <attack>: refused (<how>)" or NOT REFUSED. */
void hostile_verdict(const char *attack, int refused, const char *how);

void hostile_insn_attacks(void);
void hostile_user_attack(void);

#endif
