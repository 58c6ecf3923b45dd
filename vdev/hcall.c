/*
 * vdev/hcall.c — hypercall dispatch and the argument validator (see
 * vdev_hv.h and vdev/ABI.md). Each call checks its arguments here, before
 * a backend runs, so the backends only ever see valid requests.
 */
#include "vdev/vdev_hv.h"

int vdev_check_range(const struct vdev_env *env, uint64_t gpa, uint64_t len)
{
	if (gpa > env->ram_bytes || len > env->ram_bytes - gpa)
		return VDEV_EFAULT; /* beyond RAM; the form also rules out overflow */
	return VDEV_OK;
}

static const char *const names[VDEV_HC_COUNT] = {
	[VDEV_HC_CONSOLE_WRITE] = "console_write", [VDEV_HC_CONSOLE_READ] = "console_read",
	[VDEV_HC_CLOCK_MONO] = "clock_mono",       [VDEV_HC_CLOCK_WALL] = "clock_wall",
	[VDEV_HC_TIMER_SET] = "timer_set",         [VDEV_HC_EPOCH] = "epoch",
	[VDEV_HC_SHUTDOWN] = "shutdown",           [VDEV_HC_SNAP_REQUEST] = "snap_request",
	[VDEV_HC_SNAP_WAIT] = "snap_wait",         [VDEV_HC_SNAP_STATUS] = "snap_status",
	[VDEV_HC_STATS] = "stats",                 [VDEV_HC_WRITE_PROTECT] = "write_protect",
};

const char *vdev_hc_name(uint64_t nr)
{
	return nr < VDEV_HC_COUNT && names[nr] ? names[nr] : "?";
}

/* The console's bounce buffer: the dispatcher runs on one vCPU at a time. */
static char conbuf[VDEV_CONSOLE_MAX];

static int64_t console_write(struct vdev_env *env, uint64_t gpa, uint64_t len, uint64_t epoch)
{
	if (len > VDEV_CONSOLE_MAX)
		return VDEV_E2BIG;
	if (vdev_check_range(env, gpa, len))
		return VDEV_EFAULT;
	if (epoch && epoch != env->epoch)
		return VDEV_ESTALE;
	if (env->copy_in(conbuf, gpa, len))
		return VDEV_EFAULT;
	env->console_out(conbuf, len);
	return (int64_t)len;
}

static int64_t console_read(struct vdev_env *env, uint64_t gpa, uint64_t len)
{
	if (len > VDEV_CONSOLE_MAX)
		return VDEV_E2BIG;
	if (vdev_check_range(env, gpa, len))
		return VDEV_EFAULT;
	size_t n = env->console_in(conbuf, len);
	if (n > len)
		n = len; /* a backend never gives more than asked; be sure */
	if (env->copy_out(gpa, conbuf, n))
		return VDEV_EFAULT;
	return (int64_t)n;
}

static int64_t copy_out(struct vdev_env *env, uint64_t gpa, const void *src, uint64_t len)
{
	if (vdev_check_range(env, gpa, len) || env->copy_out(gpa, src, len))
		return VDEV_EFAULT;
	return VDEV_OK;
}

static int64_t write_protect(struct vdev_env *env, uint64_t gpa)
{
	if (gpa & 0xFFF)
		return VDEV_EINVAL;
	if (vdev_check_range(env, gpa, 4096))
		return VDEV_EFAULT;
	return env->write_protect(gpa) ? VDEV_EINVAL : VDEV_OK;
}

int vdev_hypercall(struct vdev_env *env, uint64_t nr, const uint64_t a[5], int64_t *ret)
{
	int64_t r;
	switch (nr) {
	case VDEV_HC_CONSOLE_WRITE: r = console_write(env, a[0], a[1], a[2]); break;
	case VDEV_HC_CONSOLE_READ:  r = console_read(env, a[0], a[1]); break;
	case VDEV_HC_CLOCK_MONO:    r = (int64_t)env->mono_ns(); break;
	case VDEV_HC_CLOCK_WALL:    r = (int64_t)env->wall_ns(); break;
	case VDEV_HC_TIMER_SET:
		/* Deadlines are mono ns; a negative one as int64 is nonsense. */
		if ((int64_t)a[0] < 0) {
			r = VDEV_EINVAL;
			break;
		}
		env->timer_set(a[0]);
		r = VDEV_OK;
		break;
	case VDEV_HC_EPOCH:         r = (int64_t)env->epoch; break;
	case VDEV_HC_SHUTDOWN:
		env->shutdown(a[0]);
		*ret = VDEV_OK;
		return VDEV_STOP;
	case VDEV_HC_SNAP_REQUEST:
		r = env->snap_request ? env->snap_request() : VDEV_EAGAIN;
		break;
	case VDEV_HC_SNAP_WAIT:
		r = env->snap_wait ? env->snap_wait(a[0]) : VDEV_EAGAIN;
		break;
	case VDEV_HC_SNAP_STATUS: {
		uint64_t size = a[1] ? a[1] : VDEV_SNAP_STATUS_V1_SIZE;
		if (size != VDEV_SNAP_STATUS_V1_SIZE && size != sizeof(struct vdev_snap_status)) {
			r = VDEV_EINVAL;
			break;
		}
		if (vdev_check_range(env, a[0], size)) {
			r = VDEV_EFAULT;
			break;
		}
		if (!env->snap_status) {
			r = VDEV_EAGAIN;
			break;
		}
		struct vdev_snap_status st = { 0 };
		env->snap_status(&st);
		r = copy_out(env, a[0], &st, size);
		break;
	}
	case VDEV_HC_STATS: {
		if (vdev_check_range(env, a[0], sizeof(struct vdev_stats))) {
			r = VDEV_EFAULT;
			break;
		}
		struct vdev_stats s = env->stats;
		r = copy_out(env, a[0], &s, sizeof s);
		break;
	}
	case VDEV_HC_WRITE_PROTECT: r = write_protect(env, a[0]); break;
	default:                    r = VDEV_ENOSYS; break;
	}
	/* EAGAIN and ESTALE are "not now", not bad calls; every other error is a refusal. */
	if (r < 0 && r != VDEV_EAGAIN && r != VDEV_ESTALE)
		env->stats.bad_hypercalls++;
	*ret = r;
	return VDEV_RUN;
}

/* The ABI's layouts are frozen (vdev.h): any change here breaks old guests. */
_Static_assert(sizeof(struct vdev_module) == 32, "vdev_module layout");
_Static_assert(sizeof(struct vdev_boot_info) == 432, "vdev_boot_info layout");
_Static_assert(sizeof(struct vdev_snap_status) == 48, "vdev_snap_status layout");
_Static_assert(__builtin_offsetof(struct vdev_snap_status, state) == VDEV_SNAP_STATUS_V1_SIZE,
	       "vdev_snap_status: version 1 guests read the first 24 bytes");
_Static_assert(sizeof(struct vdev_stats) == 48, "vdev_stats layout");
