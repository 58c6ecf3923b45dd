/*
 * vdev/vdev_hv.h — the hypervisor side of the ABI in vdev.h: hypercall
 * dispatch and the argument validator. Freestanding and free of VMX, so
 * the host unit tests drive it with a fake guest RAM and fake backends.
 *
 * The hypervisor fills a struct vdev_env once (the size of guest RAM, the
 * two functions that copy into and out of it, backend hooks) and calls
 * vdev_hypercall() on every VMCALL. The dispatcher never holds a pointer
 * into guest RAM: every byte goes through copy_in/copy_out, which in the
 * hypervisor (hv/guest_mem.c) are the one door that lets the snapshot
 * engine fault pages in, copy them before a write and mark them dirty.
 */
#ifndef AMBER_VDEV_VDEV_HV_H
#define AMBER_VDEV_VDEV_HV_H

#include <stddef.h>
#include <stdint.h>

#include "vdev/vdev.h"

struct vdev_env {
	uint64_t ram_bytes;      /* guest RAM is [0, ram_bytes) */
	/* Copies between a hypervisor buffer and [gpa, gpa + len), a range
	 * vdev_check_range() accepted. 0, or VDEV_EFAULT when the memory cannot
	 * be reached (then nothing was copied into guest RAM). */
	int (*copy_in)(void *dst, uint64_t gpa, uint64_t len);
	int (*copy_out)(uint64_t gpa, const void *src, uint64_t len);
	uint64_t epoch;          /* restart epoch (1: fresh start) */
	struct vdev_stats stats; /* refusals, reported by VDEV_HC_STATS */
	/* Backends (hv/vdev_backend.c in the hypervisor). */
	void (*console_out)(const char *s, size_t n);
	size_t (*console_in)(char *buf, size_t n);  /* never blocks */
	uint64_t (*mono_ns)(void);
	uint64_t (*wall_ns)(void);
	void (*timer_set)(uint64_t deadline_ns);     /* 0 cancels */
	int (*write_protect)(uint64_t gpa);          /* page-aligned gpa inside RAM */
	void (*shutdown)(uint64_t code);             /* may return (tests) */
	/* Snapshot control; NULL when there is no snapshot disk (EAGAIN). */
	int64_t (*snap_request)(void);               /* generation that will hold this moment */
	int64_t (*snap_wait)(uint64_t gen);          /* 0 once durable; EINVAL for a gen never asked */
	void (*snap_status)(struct vdev_snap_status *out);
};

/*
 * The one validator every call uses: [gpa, gpa + len) must lie inside
 * guest RAM, without overflow. len 0 is valid for any gpa <= ram_bytes.
 * Returns 0 or VDEV_EFAULT. Guest RAM is a block of host frames of its
 * own, so a range inside it can never reach the hypervisor.
 */
int vdev_check_range(const struct vdev_env *env, uint64_t gpa, uint64_t len);

#define VDEV_RUN  0 /* resume the guest with the result in *ret */
#define VDEV_STOP 1 /* the guest asked to stop (shutdown) */

/*
 * Executes hypercall `nr` with arguments a[0..4] (RDI, RSI, RDX, R10, R8).
 * Every refusal is counted in env->stats.bad_hypercalls.
 */
int vdev_hypercall(struct vdev_env *env, uint64_t nr, const uint64_t a[5], int64_t *ret);

/* Name of a hypercall number, for traces ("console_write", "?"). */
const char *vdev_hc_name(uint64_t nr);

#endif
