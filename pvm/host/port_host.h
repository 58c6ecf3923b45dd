/*
 * pvm/host/port_host.h — configuration of the Linux host port.
 */
#ifndef PVM_PORT_HOST_H
#define PVM_PORT_HOST_H

#include <stdio.h>

/* Directories searched (in order) for "<name>.pc", case-insensitively. */
void pvm_host_add_classdir(const char *dir);
void pvm_host_clear_classdirs(void);
/* Where a channel's output goes; NULL drops it. Defaults: console to
 * stdout, tty and log dropped. */
void pvm_host_set_chan(int chan, FILE *f);
/* Bytes the VM holds from pvm_port_alloc now (leak check). */
size_t pvm_host_outstanding(void);
/* Only in the test libraries (built -DPVM_TEST): mode 1, boot.waitDurable
 * gets generations 1, 2, ... which commit whenever the VM idles (all
 * threads wait); 2, the same but the first idle is a restore that loses
 * what was not committed (the epoch goes up, nothing commits); -1, a
 * machine without a snapshot disk (the call throws); 0 (the default), the
 * host keeps no store and it returns 0 at once. Resets the counters. */
void pvm_host_sim_store(int mode);

#endif
