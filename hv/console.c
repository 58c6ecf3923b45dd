/*
 * hv/console.c — kprintf, panic and power-off on top of the serial port.
 */
#include "hv/cpu.h"
#include "hv/hv.h"
#include "hv/serial.h"
#include "hv/smp.h"

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = amber_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	size_t len = n < (int)sizeof buf ? (size_t)n : sizeof buf - 1;
	if (smp_on_ap())
		smp_ap_note(buf, len); /* the BSP prints it (hv/smp.h) */
	else
		serial_write(buf, len);
}

_Noreturn void hv_panic(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	amber_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	kprintf("amber: PANIC: %s\n", buf);
	hv_poweroff();
}

/* Ports that switch an emulator off; harmless where nothing listens. */
#define BOCHS_SHUTDOWN_PORT 0x8900 /* Bochs: the string "Shutdown" */
#define QEMU_ACPI_PM1A_CNT  0x604  /* QEMU i440fx/q35 PM1a control */
#define OLD_ACPI_PM1A_CNT   0xB004 /* older QEMU and Bochs PIIX4 PM */
#define ACPI_SLP_EN         0x2000 /* PM1_CNT.SLP_EN, with SLP_TYP 0 = S5 there */

_Noreturn void hv_poweroff(void)
{
	kprintf("amber: power off\n");
	if (smp_on_ap()) /* a panic on the AP: its report goes out directly */
		smp_ap_notes_flush();
	serial_flush(); /* the engine stops at once: let the last line out */
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
	outw(QEMU_ACPI_PM1A_CNT, ACPI_SLP_EN);
	outw(OLD_ACPI_PM1A_CNT, ACPI_SLP_EN);
	/* QEMU acts on the port write a little later: give it time. */
	for (volatile uint32_t i = 0; i < 50000000; i++)
		cpu_pause();
	/* Real hardware needs the FADT's SLP_TYP; until then, stop here. */
	kprintf("amber: power-off failed; halted (safe to switch off)\n");
	cpu_halt_forever();
}
