/*
 * hv/snap_hcall.c — the snapshot-control hypercalls (vdev/ABI.md:
 * SNAP_REQUEST, SNAP_WAIT, SNAP_STATUS) over the persistence state that
 * hv/persist.c keeps.
 */
#include "hv/persist.h"

static struct vcpu *cur;

static int64_t snap_request(void)
{
	uint64_t gen = persist_request();
	return gen ? (int64_t)gen : VDEV_EAGAIN;
}

static int64_t snap_wait(uint64_t gen)
{
	struct persist_status s;
	persist_status(&s);
	if (!gen || (gen > s.captured && gen > s.promised))
		return VDEV_EINVAL;
	while (s.durable < gen) {
		/* A failed generation: the guest learns it now (SNAP_STATUS says
		 * more) rather than waiting on a disk that may stay full. */
		if (!s.active || s.degraded)
			return VDEV_EAGAIN;
		persist_work(cur);
		persist_status(&s);
	}
	return VDEV_OK;
}

static void snap_status(struct vdev_snap_status *out)
{
	struct persist_status s;
	persist_status(&s);
	out->last_captured = s.captured;
	out->last_durable = s.durable;
	out->restored_from = s.restored_from;
	out->state = s.degraded ? VDEV_SNAP_DEGRADED : VDEV_SNAP_OK;
	out->last_error = s.last_error;
	out->failures = s.failures;
	out->retry_in_ns = s.retry_in_ns;
}

void snap_hcall_attach(struct vcpu *v)
{
	cur = v;
	v->env.snap_request = snap_request;
	v->env.snap_wait = snap_wait;
	v->env.snap_status = snap_status;
}
