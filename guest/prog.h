/*
 * guest/prog.h — the programs the guest kernel can run, chosen by the
 * hypervisor's `guest=` option, and what main() hands them.
 */
#ifndef AMBER_GUEST_PROG_H
#define AMBER_GUEST_PROG_H

#include <stdint.h>
#include "vdev/vdev.h"

/* A validated copy of the hypervisor's boot info (guest/main.c). */
extern struct vdev_boot_info boot_info;

_Noreturn void prog_default(uint32_t tick_hz);   /* greeting, ticks, echo */
_Noreturn void prog_hostile(void);               /* attacks the hypervisor */
_Noreturn void prog_bench(void);                 /* hypercall and EPT costs */
_Noreturn void prog_counter(uint32_t tick_hz);   /* persistence torture target */
_Noreturn void prog_workload(void);              /* deterministic, for the dirty tiers */
_Noreturn void prog_spin(uint32_t tick_hz);      /* CPU-bound, for snapshot overhead */
_Noreturn void prog_pvm(void);                   /* the persistent world (guest/world.c) */

#endif
