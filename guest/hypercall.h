/*
 * guest/hypercall.h — the hypercalls of vdev/vdev.h as inline functions.
 *
 * VMCALL with RAX = number and arguments in RDI, RSI, RDX, R10, R8; the
 * result comes back in RAX (negative = VDEV_E*), every other register is
 * preserved. The guest runs identity mapped, so a pointer is its own
 * guest-physical address.
 */
#ifndef AMBER_GUEST_HYPERCALL_H
#define AMBER_GUEST_HYPERCALL_H

#include <stdint.h>
#include "vdev/vdev.h"

/*
 * "memory" clobber: the hypervisor reads and writes guest buffers, so the
 * compiler must not keep them in registers across the call.
 */
static inline int64_t hc_raw(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
			     uint64_t a4, uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a4;
	register uint64_t r8 __asm__("r8") = a5;
	int64_t ret;
	__asm__ volatile("vmcall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
			 : "memory");
	return ret;
}

#define GPA(p) ((uint64_t)(uintptr_t)(p))

static inline int64_t hc_console_write(const void *buf, uint64_t len)
{
	return hc_raw(VDEV_HC_CONSOLE_WRITE, GPA(buf), len, 0, 0, 0);
}

/* Writes only while `epoch` is current; VDEV_ESTALE after a restore. */
static inline int64_t hc_console_write_epoch(const void *buf, uint64_t len, uint64_t epoch)
{
	return hc_raw(VDEV_HC_CONSOLE_WRITE, GPA(buf), len, epoch, 0, 0);
}

static inline int64_t hc_console_read(void *buf, uint64_t len)
{
	return hc_raw(VDEV_HC_CONSOLE_READ, GPA(buf), len, 0, 0, 0);
}

static inline uint64_t hc_clock_mono(void) { return hc_raw(VDEV_HC_CLOCK_MONO, 0, 0, 0, 0, 0); }
static inline uint64_t hc_clock_wall(void) { return hc_raw(VDEV_HC_CLOCK_WALL, 0, 0, 0, 0, 0); }
static inline uint64_t hc_epoch(void) { return hc_raw(VDEV_HC_EPOCH, 0, 0, 0, 0, 0); }

/* One-shot: VDEV_VEC_TIMER once the monotonic clock reaches `deadline` ns; 0 cancels. */
static inline int64_t hc_timer_set(uint64_t deadline)
{
	return hc_raw(VDEV_HC_TIMER_SET, deadline, 0, 0, 0, 0);
}

static inline _Noreturn void hc_shutdown(uint64_t code)
{
	hc_raw(VDEV_HC_SHUTDOWN, code, 0, 0, 0, 0);
	for (;;)   /* the contract says it does not return; if it does, stay put */
		__asm__ volatile("cli; hlt");
}

static inline int64_t hc_snap_request(void) { return hc_raw(VDEV_HC_SNAP_REQUEST, 0, 0, 0, 0, 0); }
static inline int64_t hc_snap_wait(uint64_t gen) { return hc_raw(VDEV_HC_SNAP_WAIT, gen, 0, 0, 0, 0); }

static inline int64_t hc_snap_status(struct vdev_snap_status *st)
{
	return hc_raw(VDEV_HC_SNAP_STATUS, GPA(st), 0, 0, 0, 0);
}

static inline int64_t hc_stats(struct vdev_stats *st)
{
	return hc_raw(VDEV_HC_STATS, GPA(st), 0, 0, 0, 0);
}

static inline int64_t hc_write_protect(const void *page)
{
	return hc_raw(VDEV_HC_WRITE_PROTECT, GPA(page), 0, 0, 0, 0);
}

#endif
