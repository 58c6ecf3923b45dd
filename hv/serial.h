/*
 * hv/serial.h — the hypervisor's COM1 driver (16550 UART at 0x3F8,
 * 115200 8N1). Output is queued in a ring and leaves the UART a byte at a
 * time from serial_pump(), which every exit and the idle loop call: the
 * guest runs while the line transmits (a busy-waiting driver spent ~4,300
 * guest cycles per byte at 115200 baud in Bochs, a quarter of the guest's
 * time with one log line per generation every 100 ms). Nothing is ever
 * dropped: a full ring makes the writer wait, and every path that stops
 * the machine calls serial_flush().
 */
#ifndef AMBER_HV_SERIAL_H
#define AMBER_HV_SERIAL_H

#include <stddef.h>

void serial_init(void);
/* Queues n bytes (waits for the UART only while the ring is full). */
void serial_write(const char *s, size_t n);
/* Moves queued bytes into the UART while it takes them; never waits. */
void serial_pump(void);
/* Bytes queued and not yet handed to the UART. */
size_t serial_queued(void);
/* Waits (bounded) until every written byte has left the UART. */
void serial_flush(void);
/* Returns the next received byte, or -1 when none is waiting. */
int serial_getc(void);

#endif
