/*
 * hv/guest_load.h — starting the guest fresh from the GRUB modules: the
 * kernel ELF (module "guest"), the other modules, struct vdev_boot_info,
 * the identity page tables (layout in vdev/vdev.h).
 */
#ifndef AMBER_HV_GUEST_LOAD_H
#define AMBER_HV_GUEST_LOAD_H

#include <stdint.h>

#include "hv/config.h"
#include "hv/mb2.h"
#include "hv/vcpu.h"

#define GUEST_MODULE_NAME "guest"

struct guest_start { uint64_t entry, rsp, rdi, cr3; };

/* Fills guest RAM; 0, HV_ENOENT (no or empty guest module: said so) or
 * another error (printed, naming the module, offset and value). */
int guest_load(struct vcpu *v, const struct mb2_info *mb, const struct hv_config *cfg, struct guest_start *out);

/* Identity page tables for [0, ram_bytes) with 2 MiB pages at `pt_gpa`
 * in guest RAM `ram`; returns the CR3 value. Pure. */
uint64_t guest_build_page_tables(uint8_t *ram, uint64_t ram_bytes, uint64_t pt_gpa);

#endif
