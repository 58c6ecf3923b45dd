/*
 * pvm/pvm_port.h — everything the PVM needs from its host. Each side (the
 * host tools in pvm/host/port_host.c, the guest kernel later) implements
 * these few functions; pvm/ itself uses nothing else outside the compiler's
 * freestanding headers.
 */
#ifndef PVM_PORT_H
#define PVM_PORT_H

#include <stddef.h>
#include <stdint.h>

/* Besides these, the PVM calls memcpy, memmove, memset and memcmp, which
 * GCC expects any freestanding environment to provide. */

/* Memory. pvm_port_alloc returns NULL on failure, never aborts; the size is
 * handed back to pvm_port_free so the port needs no size header. */
void *pvm_port_alloc(size_t size);
void pvm_port_free(void *p, size_t size);

/* Output to one of enum pvm_chan (pvm.h). */
void pvm_port_write(int chan, const char *s, size_t len);

/* Monotonic nanoseconds; and a hint that the VM is idle (all threads wait). */
uint64_t pvm_port_time_ns(void);
void pvm_port_yield(void);

/* Every thread waits (pvm/wait.c): return when monotonic time reaches
 * wake_ns (0: no deadline) or earlier when something happened (console
 * input, an interrupt). Returning early is always allowed. */
void pvm_port_idle(uint64_t wake_ns);

/* Console input for tty.getwc and boot.readLine. Copies a complete line
 * (with its '\n') into buf[n] and returns its length; 0 when no line is
 * complete yet (the reading thread waits); -1 when this port has no input
 * at all (the reader gets an empty string at once, as on a headless host). */
int pvm_port_read_line(char *buf, size_t n);

/* Durability, for boot.waitDurable (pvm/wait.c). pvm_port_durable_request
 * asks the machine to capture the world as it is now and returns the
 * generation G > 0 that will hold it; 0 when the port keeps no store at all
 * (the host tools: nothing is ever persisted, so there is nothing to wait
 * for); -1 when the machine has no snapshot disk. pvm_port_durable_last
 * returns the newest generation committed to disk (0: none). Neither blocks:
 * the waiting thread is BLOCKED, the others run, and the scheduler polls
 * between slices (and at most every PVM_DURABLE_POLL_NS while all wait). */
int64_t pvm_port_durable_request(void);
uint64_t pvm_port_durable_last(void);

/* The restart epoch of the world (1 on a fresh start, +1 at every restore
 * of the machine under it). The scheduler compares it between slices: a new
 * value runs the restart hooks before any thread continues (pvm/wait.c). */
uint64_t pvm_port_epoch(void);

/* Class bytes for a class name without the leading dot, compared
 * case-insensitively (spec §6.2). On success sets *data, *size and an opaque
 * *handle for pvm_port_class_release and returns 0; returns -1 if absent. */
int pvm_port_class_find(const char *name, size_t len, const uint8_t **data,
			size_t *size, void **handle, const char **file);
void pvm_port_class_release(void *handle);

#endif
