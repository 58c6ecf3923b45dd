/*
 * guest/bootinfo.h — validation of struct vdev_boot_info and the command
 * line it carries. Pure: the host unit tests use it as it is.
 *
 * The boot info is the hypervisor's word on where RAM, the kernel and the
 * modules are; a guest that trusted a broken one would corrupt itself in
 * ways much harder to diagnose than a clear error at boot.
 */
#ifndef AMBER_GUEST_BOOTINFO_H
#define AMBER_GUEST_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>
#include "vdev/vdev.h"

#define TICK_HZ_MAX 1000

/*
 * Returns 0 when bi is consistent with a kernel occupying
 * [VDEV_GPA_KERNEL_MIN, kernel_end); otherwise -1 with a one-line reason in
 * err[errlen].
 */
int bootinfo_check(const struct vdev_boot_info *bi, uint64_t kernel_end, char *err, size_t errlen);

/*
 * The command line is space-separated `key=value` or bare `key` words.
 * cmdline_get copies the value of the last `key` (empty for a bare word)
 * into val[vallen] and returns 1, or returns 0 when key is absent.
 * cmdline_uint returns 1 with *out set, 0 when absent, -1 when the value is
 * not a decimal number in [lo, hi].
 */
int cmdline_get(const char *cmdline, const char *key, char *val, size_t vallen);
int cmdline_uint(const char *cmdline, const char *key, uint32_t lo, uint32_t hi, uint32_t *out);

#endif
