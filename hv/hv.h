/*
 * hv/hv.h — what every part of the hypervisor shares: console output,
 * error codes, fatal stop and power-off.
 *
 * Errors are negative HV_E* codes (0 is success); hv_strerror() names them.
 * hv_panic() is only for broken invariants of the hypervisor itself; bad
 * input (boot information, command line, guest requests) is an error.
 */
#ifndef AMBER_HV_HV_H
#define AMBER_HV_HV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/fmt.h"

enum hv_err {
	HV_OK = 0,
	HV_EINVAL = -1,   /* malformed input */
	HV_ERANGE = -2,   /* value out of its allowed range */
	HV_ENOENT = -3,   /* something required is absent */
	HV_ENOSPC = -4,   /* a fixed-size table is full */
	HV_ENOTSUP = -5,  /* the CPU lacks a required feature */
	HV_ENOMEM = -6,   /* not enough physical memory */
};

const char *hv_strerror(int err);

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void hv_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Turns the machine off (ACPI on QEMU, Bochs' shutdown port); never returns. */
_Noreturn void hv_poweroff(void);

#endif
