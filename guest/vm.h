/*
 * guest/vm.h — the guest's own identity page tables.
 *
 * They replace the hypervisor's boot tables for two reasons: page 0 stays
 * unmapped, so a null pointer faults instead of reading the boot info
 * page; and the hostile program can map a page beyond RAM to show that the
 * hypervisor, not the guest's page tables, is what keeps it out.
 */
#ifndef AMBER_GUEST_VM_H
#define AMBER_GUEST_VM_H

#include <stdint.h>

void vm_init(uint64_t ram_bytes);   /* identity map [4 KiB, ram_bytes), load CR3 */
void vm_map_page(uint64_t pa);      /* identity map one 4 KiB page anywhere */
void vm_user_page(uint64_t va);     /* make one mapped 4 KiB page usable at CPL 3 */

#endif
