/*
 * hv/serial.c — 16550 UART driver (register map: National Semiconductor
 * PC16550D datasheet, Table II): the port primitives COM1 and COM2 share,
 * and COM1's log ring.
 */
#include "hv/cpu.h"
#include "hv/serial.h"

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
#define LSR_ABSENT          0xFF /* reads of a port with no UART behind it */
#define DIVISOR_115200      1    /* 1.8432 MHz / (16 * 115200) */

void uart_init(uint16_t port)
{
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DATA, DIVISOR_115200);
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_8N1);
	/* FIFOs off: an emulator then hands the UART one byte only when the
	 * last one was read, so bytes typed while the hypervisor is busy (boot,
	 * restore, a disk flush) wait on the host side instead of overrunning
	 * a 16-byte FIFO (Bochs fills an enabled FIFO regardless and drops the
	 * rest). The price in Bochs: it looks for new input only every 100 ms
	 * of emulated time while the line is idle. */
	outb(port + UART_FCR, FCR_FIFO_OFF);
	outb(port + UART_MCR, MCR_DTR_RTS_OUT2);
}

int uart_present(uint16_t port) { return inb(port + UART_LSR) != LSR_ABSENT; }
int uart_tx_ready(uint16_t port) { return (inb(port + UART_LSR) & LSR_THR_EMPTY) != 0; }
int uart_tx_idle(uint16_t port) { return (inb(port + UART_LSR) & LSR_TX_EMPTY) != 0; }
void uart_putc(uint16_t port, char c) { outb(port + UART_DATA, (uint8_t)c); }

int uart_getc(uint16_t port)
{
	if (!(inb(port + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(port + UART_DATA);
}

void serial_init(void)
{
	uart_init(COM1);
}

#define RING 16384u /* a power of two: head and tail run free */

static char ring[RING];
static volatile uint32_t head, tail; /* bytes queued: head - tail */

static void put(char c)
{
	/* Bounded wait: a missing UART must not hang the hypervisor. */
	for (int i = 0; i < 100000 && !uart_tx_ready(COM1); i++)
		cpu_pause();
	uart_putc(COM1, c);
}

void serial_pump(void)
{
	while (head != tail && uart_tx_ready(COM1))
		uart_putc(COM1, ring[tail++ % RING]);
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
uint32_t serial_mark(void) { return head; }
int serial_passed(uint32_t mark) { return (int32_t)(tail - mark) >= 0; }

void serial_flush(void)
{
	while (head != tail)
		put(ring[tail++ % RING]);
	for (int i = 0; i < 1000000 && !uart_tx_idle(COM1); i++)
		cpu_pause();
}
