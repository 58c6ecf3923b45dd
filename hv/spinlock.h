/*
 * hv/spinlock.h — a test-and-set spinlock for the hypervisor's two CPUs
 * (hv/smp.c). Host interrupts are always off in the hypervisor, so a holder
 * is never preempted on its own CPU; holders keep their sections short.
 *
 * XCHG with a memory operand is locked without a LOCK prefix and is a full
 * barrier (SDM Vol. 3A §9.1.2.1, §9.2.2); x86 stores are not reordered with
 * older loads or stores (§9.2.2), so a plain store releases. PAUSE in the
 * wait loop tells the CPU it spins (SDM Vol. 2B, PAUSE).
 */
#ifndef AMBER_HV_SPINLOCK_H
#define AMBER_HV_SPINLOCK_H

#include <stdint.h>

struct spinlock {
	volatile uint32_t held; /* 0 free, 1 held */
};

#define SPINLOCK_INIT { 0 }

static inline uint32_t spin_xchg(volatile uint32_t *p, uint32_t v)
{
	__asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

/* 1 when taken, 0 when another CPU holds it. */
static inline int spin_trylock(struct spinlock *l)
{
	return spin_xchg(&l->held, 1) == 0;
}

static inline void spin_lock(struct spinlock *l)
{
	while (spin_xchg(&l->held, 1)) {
		/* Spin on a plain read: the line stays shared until it frees. */
		while (l->held)
			__asm__ volatile("pause" ::: "memory");
	}
}

static inline void spin_unlock(struct spinlock *l)
{
	__asm__ volatile("" ::: "memory"); /* no compiler reordering past the release */
	l->held = 0;
}

#endif
