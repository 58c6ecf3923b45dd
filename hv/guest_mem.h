/*
 * hv/guest_mem.h — the hypervisor's one door into guest memory (as xv6's
 * copyin/copyout). Every read or write of guest RAM by the hypervisor on
 * the guest's behalf (hypercall buffers and results) goes through
 * guest_copy_in/guest_copy_out, which ask the snapshot engine first
 * (persist_guest_access): a page a lazy restore has not read back is read,
 * a page the generation being written still needs is stored before it
 * changes, and a written page is recorded dirty (a host write sets no EPT
 * D bit and takes no fault).
 *
 * gpa_ptr() is for the engine's own page callback (hv/persist.c) and for
 * loading a fresh guest before its first VM entry, when every frame belongs
 * to the first generation anyway; nothing else may use it.
 */
#ifndef AMBER_HV_GUEST_MEM_H
#define AMBER_HV_GUEST_MEM_H

#include <stdint.h>

#include "hv/vcpu.h"

/* Guest-physical → host pointer; caller has checked the range. */
static inline void *gpa_ptr(struct vcpu *v, uint64_t gpa) { return (void *)(uintptr_t)(v->ram_hpa + gpa); }

/*
 * Copy between a hypervisor buffer and guest RAM [gpa, gpa + len). 0, or
 * HV_ERANGE beyond RAM, HV_EINVAL when the snapshot engine cannot make the
 * pages ready (a restored page unreadable: printed, and the guest is
 * stopped); nothing is copied into guest RAM then.
 */
int guest_copy_in(struct vcpu *v, void *dst, uint64_t gpa, uint64_t len);
int guest_copy_out(struct vcpu *v, uint64_t gpa, const void *src, uint64_t len);

/* Hooks the two copies into v->env for the hypercall dispatcher. */
void guest_mem_attach(struct vcpu *v);

#endif
