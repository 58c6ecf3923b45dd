/*
 * guest/pvm_port.c — the PVM's port in the guest kernel (pvm/pvm_port.h).
 *
 * Memory: the world heap (guest/wheap.h) over every page the kernel does not
 * keep, so the world's size follows mem=. Output: the console device, one
 * epoch-guarded write per line (vdev/ABI.md CONSOLE_WRITE): a write refused
 * with VDEV_ESTALE means the machine restarted since this port last looked,
 * so the port re-syncs (reads the new epoch) and writes the line then;
 * since the restored state had not yet written it, it appears once. Time:
 * the hypervisor's monotonic clock, which restores carry on. Idle: HLT with
 * the one-shot timer set to the next sleeper's deadline; console input
 * interrupts wake it too. Classes: the class image (guest/classimg.h).
 *
 * Built -mgeneral-regs-only with the rest of the kernel; the PVM objects
 * that call it are built with SSE (guest/module.mk), which is safe because
 * nothing on the interrupt path touches an XMM or x87 register.
 */
#include "guest/classimg.h"
#include "guest/console.h"
#include "guest/hypercall.h"
#include "guest/line.h"
#include "guest/world.h"
#include "guest/x86.h"
#include "lib/mem.h"
#include "pvm/pvm.h"
#include "pvm/pvm_port.h"

struct world world;

void *pvm_port_alloc(size_t size)
{
	return wheap_alloc(&world.heap, size);
}

void pvm_port_free(void *p, size_t size)
{
	wheap_free(&world.heap, p, size);
}

/* One line of one channel, written whole. */
static void out_line(const char *s, size_t n)
{
	while (hc_console_write_epoch(s, n, world.epoch) == VDEV_ESTALE)
		world.epoch = hc_epoch();   /* the console's restart hook */
}

static void flush(struct world_out *o)
{
	if (o->len)
		out_line(o->buf, o->len);
	o->len = 0;
}

void pvm_port_write(int chan, const char *s, size_t len)
{
	if (chan < 0 || chan >= WORLD_CHANS)
		return;
	struct world_out *o = &world.out[chan];
	for (size_t i = 0; i < len; i++) {
		if (!o->len && chan == PVM_CHAN_LOG) {
			memcpy(o->buf, "pvm: ", 5);
			o->len = 5;
		}
		o->buf[o->len++] = s[i];
		if (s[i] == '\n' || o->len == sizeof o->buf)
			flush(o);
	}
}

/* A line left without its newline (the program ended) is ended here, so
 * that the world's own next line starts a line of its own. */
void world_flush(void)
{
	for (int c = 0; c < WORLD_CHANS; c++) {
		struct world_out *o = &world.out[c];
		if (o->len && o->len < sizeof o->buf)
			o->buf[o->len++] = '\n';
		flush(o);
	}
}

/* The few places the world speaks for itself go through the same path. */
void world_say(const char *s)
{
	pvm_port_write(PVM_CHAN_CONSOLE, s, strlen(s));
}

uint64_t pvm_port_time_ns(void)
{
	return hc_clock_mono();
}

void pvm_port_yield(void)
{
}

void pvm_port_idle(uint64_t wake_ns)
{
	/* output waiting for its newline goes out before the world sleeps */
	for (int c = 0; c < WORLD_CHANS; c++)
		flush(&world.out[c]);
	cli();
	if (wake_ns)
		hc_timer_set(wake_ns);   /* one shot; a past deadline fires at once */
	if (world.reader_waiting && console_input_pending()) {
		sti();
		return;
	}
	sti_hlt();   /* the timer or console interrupt, whichever is first */
}

int pvm_port_read_line(char *buf, size_t n)
{
	char line[LINE_MAX];
	int len = console_getline(line, sizeof line);
	if (len < 0 || n < 2) {
		world.reader_waiting = 1;
		return 0;
	}
	world.reader_waiting = 0;
	size_t k = (size_t)len < n - 1 ? (size_t)len : n - 2;
	memcpy(buf, line, k);
	buf[k] = '\n';
	return (int)k + 1;
}

/* SNAP_REQUEST once, then SNAP_STATUS between slices (vdev/ABI.md): the
 * vCPU never stops in SNAP_WAIT, so the world's other threads run while
 * one waits, and a degraded store (generations failing, retried by the
 * hypervisor) only means a longer wait, never a generation not on disk. */
int64_t pvm_port_durable_request(void)
{
	int64_t g = hc_snap_request();
	return g > 0 ? g : -1;   /* VDEV_EAGAIN: no snapshot disk */
}

uint64_t pvm_port_durable_last(void)
{
	struct vdev_snap_status st = { 0 };
	return hc_snap_status(&st) == VDEV_OK ? st.last_durable : 0;
}

uint64_t pvm_port_epoch(void)
{
	return hc_epoch();
}

int pvm_port_class_find(const char *name, size_t len, const uint8_t **data, size_t *size,
			void **handle, const char **file)
{
	static struct classimg_entry e;   /* file must outlive the call */
	if (!classimg_find(&world.classes, name, len, &e))
		return -1;
	*data = e.data;
	*size = e.size;
	*handle = NULL;
	*file = e.name;
	return 0;
}

void pvm_port_class_release(void *handle)
{
	(void)handle;
}
