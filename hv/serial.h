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
#include <stdint.h>

/* A 16550 at `port`: COM1 carries this log, COM2 the control channel
 * (hv/ctl.c). Both run at 115200 8N1 with the FIFOs off (see serial.c). */
#define COM1 0x3F8
#define COM2 0x2F8
void uart_init(uint16_t port);
int uart_present(uint16_t port);   /* no UART: the status register reads 0xFF */
int uart_tx_ready(uint16_t port);  /* the holding register takes a byte */
int uart_tx_idle(uint16_t port);   /* holding and shift register both empty */
void uart_putc(uint16_t port, char c); /* after uart_tx_ready */
int uart_getc(uint16_t port);      /* the next received byte, or -1 */

void serial_init(void);
/* Queues n bytes (waits for the UART only while the ring is full). */
void serial_write(const char *s, size_t n);
/* Moves queued bytes into the UART while it takes them; never waits. */
void serial_pump(void);
/* Bytes queued and not yet handed to the UART. */
size_t serial_queued(void);
/* Waits (bounded) until every written byte has left the UART. */
void serial_flush(void);
/* The ring position after everything written so far, and whether the
 * UART has taken every byte before it (positions run free, mod 2^32). */
uint32_t serial_mark(void);
int serial_passed(uint32_t mark);

#endif
