/*
 * hv/vdev_backend.c — backends of the paravirtual devices (vdev/ABI.md):
 *   console  COM1 output; input polled into a ring, VDEV_VEC_CONSOLE on arrival
 *   clock    monotonic from the calibrated TSC, wall from the RTC at boot
 *   timer    one deadline, checked on every exit and bounded by the
 *            preemption timer; VDEV_VEC_TIMER when reached
 *   write-protect  clears W in the EPT leaf; hv/exit.c restores it on the
 *            write's EPT violation
 */
#include "hv/exit.h"
#include "hv/guest_mem.h"
#include "hv/hv.h"
#include "hv/persist.h"
#include "hv/serial.h"
#include "hv/time.h"
#include "hv/vdev_backend.h"
#include "hv/vmx.h"

#define RING_SIZE 4096 /* power of two */

static struct { char buf[RING_SIZE]; uint32_t head, tail; } rx; /* head: write, tail: read */
static struct vcpu *cur;

int vdev_console_poll(void)
{
	int got = 0;
	for (int c; (c = serial_getc()) >= 0;) {
		if (rx.head - rx.tail == RING_SIZE)
			break; /* full: the byte stays in the UART FIFO (or is lost there) */
		rx.buf[rx.head++ % RING_SIZE] = (char)c;
		got = 1;
	}
	return got;
}

static void console_out(const char *s, size_t n) { serial_write(s, n); }

static size_t console_in(char *buf, size_t n)
{
	vdev_console_poll();
	size_t k = 0;
	while (k < n && rx.tail != rx.head)
		buf[k++] = rx.buf[rx.tail++ % RING_SIZE];
	return k;
}

/* Guest monotonic time = the hypervisor's + an offset that makes it
 * continue across restores (the guest's clock never goes back). */
static uint64_t mono_offset;

uint64_t vdev_backend_mono(void) { return time_mono_ns() + mono_offset; }

void vdev_backend_set_mono(uint64_t guest_ns) { mono_offset = guest_ns - time_mono_ns(); }

void vdev_backend_timer(uint64_t deadline_ns)
{
	cur->pending &= ~PEND_TIMER;
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
	kprintf("amber: guest shutdown code=%llu\n", (unsigned long long)code);
}

void vdev_backend_init(struct vcpu *v)
{
	cur = v;
	guest_mem_attach(v);
	v->env.ram_bytes = v->ram_bytes;
	v->env.epoch = 1; /* no snapshot store yet: every start is fresh */
	v->env.console_out = console_out;
	v->env.console_in = console_in;
	v->env.mono_ns = vdev_backend_mono;
	v->env.wall_ns = time_wall_ns;
	v->env.timer_set = vdev_backend_timer;
	v->env.write_protect = write_protect;
	v->env.shutdown = shutdown;
}
