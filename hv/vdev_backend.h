/*
 * hv/vdev_backend.h — the hypervisor's implementations of the vdev hooks
 * (console ring fed from COM1, clocks, timer, write protection, shutdown).
 */
#ifndef AMBER_HV_VDEV_BACKEND_H
#define AMBER_HV_VDEV_BACKEND_H

#include "hv/vcpu.h"

void vdev_backend_init(struct vcpu *v);
/* Moves waiting COM1 bytes into the console ring; 1 when new bytes came. */
int vdev_console_poll(void);

/* Guest monotonic ns (continues across restores), and setting it at restore. */
uint64_t vdev_backend_mono(void);
void vdev_backend_set_mono(uint64_t guest_ns);
/* Arms the guest's one-shot timer at a guest monotonic deadline (0: none). */
void vdev_backend_timer(uint64_t deadline_ns);

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
