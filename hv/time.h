/*
 * hv/time.h — the hypervisor's clocks: the TSC calibrated against the PIT
 * at boot (monotonic), the CMOS RTC read once at boot (wall).
 */
#ifndef AMBER_HV_TIME_H
#define AMBER_HV_TIME_H

#include <stdint.h>

void time_init(void);
uint64_t time_tsc_hz(void);
/* Nanoseconds since time_init (never goes back). */
uint64_t time_mono_ns(void);
/* Nanoseconds since 1970-01-01 UTC: the RTC at boot plus mono time. */
uint64_t time_wall_ns(void);
/* TSC value at which mono time reaches ns. */
uint64_t time_ns_to_tsc(uint64_t ns);
/* Days since 1970-01-01 of a Gregorian date (pure). */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
