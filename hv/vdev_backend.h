/*
 * hv/vdev_backend.h — the hypervisor's implementations of the vdev hooks
 * (console ring fed from COM1, clocks, timer, write protection, shutdown).
 */
#ifndef AMBER_HV_VDEV_BACKEND_H
#define AMBER_HV_VDEV_BACKEND_H

#include "hv/vcpu.h"

void vdev_backend_init(struct vcpu *v);
/* Moves waiting COM1 bytes towards the guest (hv/console_hold.c); 1 when
 * the guest has new bytes to read. */
int vdev_console_poll(void);

/* Guest monotonic ns (continues across restores), and setting it at restore. */
uint64_t vdev_backend_mono(void);
void vdev_backend_set_mono(uint64_t guest_ns);
/* TIMER_SET: arms the guest's one-shot timer at a guest monotonic deadline
 * (0: none) and cancels a fired, undelivered tick. */
void vdev_backend_timer(uint64_t deadline_ns);
/* A restore (after hv_state_apply): guest time continues at mono_ns and the
 * saved deadline is armed (a past one fires at once); a tick the saved
 * vCPU holds as pending (PEND_TIMER) stays pending and is delivered. */
void vdev_backend_restore(uint64_t mono_ns, uint64_t deadline_ns);

/*
 * The hypervisor-time (time_mono_ns) moment of a guest deadline, where
 * guest time = hypervisor time + offset (mod 2^64: the offset "wraps"
 * when the restored guest is younger than the hypervisor's uptime). 0 when
 * the deadline is not in the future of host_now, so it fires at once.
 */
static inline uint64_t vdev_deadline_host_ns(uint64_t deadline_ns, uint64_t offset, uint64_t host_now)
{
	uint64_t guest_now = host_now + offset;
	if (deadline_ns <= guest_now)
		return 0;
	return host_now + (deadline_ns - guest_now);
}

#endif
