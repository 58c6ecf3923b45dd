/*
 * hv/serial.c — 16550 UART driver for COM1 (register map: National
 * Semiconductor PC16550D datasheet, Table II).
 */
#include "hv/cpu.h"
#include "hv/serial.h"

#define COM1      0x3F8
#define UART_DATA 0 /* RBR/THR; DLL when LCR.DLAB = 1 */
#define UART_IER  1 /* DLM when LCR.DLAB = 1 */
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define LCR_8N1   0x03
#define LCR_DLAB  0x80
#define FCR_FIFO_OFF        0x00 /* 16450 mode: one receive byte at a time */
#define MCR_DTR_RTS_OUT2    0x0B
#define LSR_DATA_READY      0x01
#define LSR_THR_EMPTY       0x20
#define LSR_TX_EMPTY        0x40 /* THR and shift register both empty */
#define DIVISOR_115200      1    /* 1.8432 MHz / (16 * 115200) */

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DATA, DIVISOR_115200);
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	/* FIFOs off: an emulator then hands the UART one byte only when the
	 * last one was read, so bytes typed while the hypervisor is busy (boot,
	 * restore, a disk flush) wait on the host side instead of overrunning
	 * a 16-byte FIFO (Bochs fills an enabled FIFO regardless and drops the
	 * rest). Output loses nothing: put() waits for THR empty per byte. */
	outb(COM1 + UART_FCR, FCR_FIFO_OFF);
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
}

#define RING 16384u /* a power of two: head and tail run free */

static char ring[RING];
static uint32_t head, tail; /* bytes queued: head - tail */

static void put(char c)
{
	/* Bounded wait: a missing UART must not hang the hypervisor. */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
		cpu_pause();
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_pump(void)
{
	while (head != tail && (inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
		outb(COM1 + UART_DATA, (uint8_t)ring[tail++ % RING]);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (head - tail == RING)
			put(ring[tail++ % RING]);
		ring[head++ % RING] = s[i];
	}
	serial_pump();
}

size_t serial_queued(void) { return head - tail; }

int serial_getc(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + UART_DATA);
}

void serial_flush(void)
{
	while (head != tail)
		put(ring[tail++ % RING]);
	for (int i = 0; i < 1000000 && !(inb(COM1 + UART_LSR) & LSR_TX_EMPTY); i++)
		cpu_pause();
}
