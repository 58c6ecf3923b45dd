/*
 * hv/serial.h — the hypervisor's COM1 driver (16550 UART at 0x3F8,
 * 115200 8N1). Output is polled: the hypervisor's console must work in
 * every state, including from a fatal error path.
 */
#ifndef AMBER_HV_SERIAL_H
#define AMBER_HV_SERIAL_H

#include <stddef.h>

void serial_init(void);
void serial_write(const char *s, size_t n);
/* Waits (bounded) until every written byte has left the UART. */
void serial_flush(void);
/* Returns the next received byte, or -1 when none is waiting. */
int serial_getc(void);

#endif
