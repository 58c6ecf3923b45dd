/*
 * hv/vdev_backend.c — backends of the paravirtual devices (vdev/ABI.md):
 *   console  hv/console_hold.c: output held until durable, input logged
 *            on disk; VDEV_VEC_CONSOLE on arrival
 *   clock    monotonic from the calibrated TSC, wall from the RTC at boot
 *   timer    one deadline, checked on every exit and bounded by the
 *            preemption timer; VDEV_VEC_TIMER when reached
 *   write-protect  clears W in the EPT leaf; hv/exit.c restores it on the
 *            write's EPT violation
 */
#include "hv/console_hold.h"
#include "hv/exit.h"
#include "hv/guest_mem.h"
#include "hv/hv.h"
#include "hv/persist.h"
#include "hv/serial.h"
#include "hv/time.h"
#include "hv/vdev_backend.h"
#include "hv/vmx.h"

static struct vcpu *cur;

/* The console lives in hv/console_hold.c (output commit, input log). */
int vdev_console_poll(void) { return con_poll(); }

/* Guest monotonic time = the hypervisor's + an offset that makes it
 * continue across restores (the guest's clock never goes back). */
static uint64_t mono_offset;

uint64_t vdev_backend_mono(void) { return time_mono_ns() + mono_offset; }

void vdev_backend_set_mono(uint64_t guest_ns) { mono_offset = guest_ns - time_mono_ns(); }

/* The deadline alone: a tick that fired but is not delivered yet stays in
 * cur->pending. */
static void arm(uint64_t deadline_ns)
{
	cur->timer_deadline_ns = deadline_ns;
	/* A deadline in the past fires at the next entry; TSC 0 means "none".
	 * Compared in guest time: the offset may have wrapped. */
	uint64_t host_ns = deadline_ns ? vdev_deadline_host_ns(deadline_ns, mono_offset, time_mono_ns()) : 0;
	if (!deadline_ns)
		cur->timer_deadline_tsc = 0;
	else if (!host_ns)
		cur->timer_deadline_tsc = 1;
	else
		cur->timer_deadline_tsc = time_ns_to_tsc(host_ns) | 1;
}

/* TIMER_SET (vdev/ABI.md): replaces the deadline and cancels a tick that
 * fired but is not delivered yet. */
void vdev_backend_timer(uint64_t deadline_ns)
{
	cur->pending &= ~PEND_TIMER;
	arm(deadline_ns);
}

/* Not TIMER_SET: the generation may have been captured between the tick
 * firing (event_poll: deadline 0, PEND_TIMER) and its injection, e.g. in
 * the HLT idle loop. Cancelling that tick, as TIMER_SET does, left a
 * halted guest with no deadline and nothing pending: it never woke again. */
void vdev_backend_restore(uint64_t mono_ns, uint64_t deadline_ns)
{
	vdev_backend_set_mono(mono_ns);
	arm(deadline_ns);
}

static int write_protect(uint64_t gpa)
{
	/* A page a lazy restore has not read back is not present: read it
	 * first, or the new permissions would expose what RAM held before. */
	if (persist_guest_access(cur, gpa, 4096, 0))
		return HV_EINVAL;
	int e = ept_set_perms(&cur->ept, gpa, EPT_R | EPT_X);
	if (!e)
		vmx_invept(cur);
	return e;
}

static void shutdown(uint64_t code)
{
	con_shutdown();
	kprintf("amber: guest shutdown code=%llu\n", (unsigned long long)code);
}

void vdev_backend_init(struct vcpu *v)
{
	cur = v;
	guest_mem_attach(v);
	v->env.ram_bytes = v->ram_bytes;
	v->env.epoch = 1; /* no snapshot store yet: every start is fresh */
	v->env.console_out = con_out;
	v->env.console_in = con_in;
	v->env.mono_ns = vdev_backend_mono;
	v->env.wall_ns = time_wall_ns;
	v->env.timer_set = vdev_backend_timer;
	v->env.write_protect = write_protect;
	v->env.shutdown = shutdown;
}
