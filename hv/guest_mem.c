/*
 * hv/guest_mem.c — copy_in/copy_out, the one door into guest memory (see
 * guest_mem.h).
 */
#include "hv/guest_mem.h"

#include <string.h>

#include "hv/hv.h"
#include "hv/persist.h"

static struct vcpu *cur;

static int in_ram(const struct vcpu *v, uint64_t gpa, uint64_t len)
{
	return gpa <= v->ram_bytes && len <= v->ram_bytes - gpa;
}

int guest_copy_in(struct vcpu *v, void *dst, uint64_t gpa, uint64_t len)
{
	if (!in_ram(v, gpa, len))
		return HV_ERANGE;
	if (persist_guest_access(v, gpa, len, 0))
		return HV_EINVAL;
	memcpy(dst, gpa_ptr(v, gpa), len);
	return 0;
}

int guest_copy_out(struct vcpu *v, uint64_t gpa, const void *src, uint64_t len)
{
	if (!in_ram(v, gpa, len))
		return HV_ERANGE;
	if (persist_guest_access(v, gpa, len, 1))
		return HV_EINVAL;
	memcpy(gpa_ptr(v, gpa), src, len);
	return 0;
}

static int env_copy_in(void *dst, uint64_t gpa, uint64_t len)
{
	return guest_copy_in(cur, dst, gpa, len) ? VDEV_EFAULT : VDEV_OK;
}

static int env_copy_out(uint64_t gpa, const void *src, uint64_t len)
{
	return guest_copy_out(cur, gpa, src, len) ? VDEV_EFAULT : VDEV_OK;
}

void guest_mem_attach(struct vcpu *v)
{
	cur = v;
	v->env.copy_in = env_copy_in;
	v->env.copy_out = env_copy_out;
}
