/*
 * hv/vdev_backend.h — the hypervisor's implementations of the vdev hooks
 * (console ring fed from COM1, clocks, timer, write protection, shutdown).
 */
#ifndef AMBER_HV_VDEV_BACKEND_H
#define AMBER_HV_VDEV_BACKEND_H

#include "hv/vcpu.h"

void vdev_backend_init(struct vcpu *v);
/* Moves waiting COM1 bytes into the console ring; 1 when new bytes came. */
int vdev_console_poll(void);

#endif
