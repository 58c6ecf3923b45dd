/*
 * hv/time.c — TSC calibration and the RTC (see time.h).
 *
 * Calibration: PIT channel 2 (gate through port 0x61) counts down from a
 * known value at 1.193182 MHz in mode 0; the TSC ticks counted meanwhile
 * give its rate (Intel 8254 datasheet; the classic PC method). In Bochs
 * both clocks follow the emulated instruction count (ips=), so the result
 * is consistent there too.
 */
#include "hv/time.h"
#include "hv/cpu.h"
#include "hv/hv.h"

#define PIT_HZ        1193182ull
#define PIT_CH2       0x42
#define PIT_CMD       0x43
#define PIT_GATE_PORT 0x61   /* bit 0: channel 2 gate, bit 1: speaker, bit 5: OUT2 */
#define PIT_CH2_MODE0 0xB0   /* channel 2, lobyte/hibyte, mode 0, binary */
#define CALIB_MS      10
#define CALIB_COUNT   (PIT_HZ * CALIB_MS / 1000)

#define CMOS_INDEX    0x70
#define CMOS_DATA     0x71
#define CMOS_NMI_OFF  0x80   /* keep NMIs disabled while selecting a register */
#define RTC_SEC 0x00
#define RTC_MIN 0x02
#define RTC_HOUR 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0A    /* bit 7: update in progress */
#define RTC_STATUS_B 0x0B    /* bit 2: binary (not BCD), bit 1: 24-hour */

static uint64_t tsc_hz, tsc0, wall0_ns;

static uint64_t calibrate(void)
{
	uint8_t gate = inb(PIT_GATE_PORT);
	outb(PIT_GATE_PORT, (uint8_t)((gate & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, (uint8_t)CALIB_COUNT);
	outb(PIT_CH2, (uint8_t)(CALIB_COUNT >> 8));
	uint64_t start = rdtsc(), end = start;
	/* OUT2 goes high when the count reaches 0; bounded so a missing PIT cannot hang. */
	for (uint64_t i = 0; i < 100000000 && !(inb(PIT_GATE_PORT) & 0x20); i++)
		end = rdtsc();
	outb(PIT_GATE_PORT, gate);
	uint64_t hz = (end - start) * (1000 / CALIB_MS);
	return hz ? hz : 1000000000ull;
}

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_INDEX, CMOS_NMI_OFF | reg);
	return inb(CMOS_DATA);
}

int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's days_from_civil: proleptic Gregorian calendar. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned bcd(uint8_t v, int binary) { return binary ? v : (v & 0x0F) + (v >> 4) * 10; }

static uint64_t rtc_read_ns(void)
{
	for (int i = 0; i < 1000000 && (cmos(RTC_STATUS_A) & 0x80); i++)
		cpu_pause();
	uint8_t b = cmos(RTC_STATUS_B);
	int binary = !!(b & 0x04);
	unsigned sec = bcd(cmos(RTC_SEC), binary), min = bcd(cmos(RTC_MIN), binary);
	uint8_t hraw = cmos(RTC_HOUR);
	unsigned hour = bcd(hraw & 0x7F, binary);
	if (!(b & 0x02) && (hraw & 0x80))
		hour = (hour % 12) + 12; /* 12-hour mode, PM */
	unsigned day = bcd(cmos(RTC_DAY), binary), mon = bcd(cmos(RTC_MONTH), binary);
	unsigned year = 2000 + bcd(cmos(RTC_YEAR), binary);
	if (mon < 1 || mon > 12 || day < 1 || day > 31)
		return 0;
	int64_t days = time_days_from_civil(year, mon, day);
	return ((uint64_t)days * 86400 + hour * 3600 + min * 60 + sec) * 1000000000ull;
}

void time_init(void)
{
	/* The PIT measurement jitters by a few kHz from boot to boot; rounded to
	 * 100 kHz (far below its error) it is the same every time, so that a
	 * guest that stores it in memory stores the same bytes. */
	tsc_hz = (calibrate() + 50000) / 100000 * 100000;
	wall0_ns = rtc_read_ns();
	tsc0 = rdtsc();
}

uint64_t time_tsc_hz(void) { return tsc_hz; }

uint64_t time_mono_ns(void)
{
	uint64_t d = rdtsc() - tsc0;
	/* Split so that nothing overflows for TSC rates below 18 GHz. */
	return d / tsc_hz * 1000000000ull + d % tsc_hz * 1000000000ull / tsc_hz;
}

uint64_t time_wall_ns(void) { return wall0_ns + time_mono_ns(); }

uint64_t time_ns_to_tsc(uint64_t ns)
{
	return tsc0 + ns / 1000000000ull * tsc_hz + ns % 1000000000ull * tsc_hz / 1000000000ull;
}
