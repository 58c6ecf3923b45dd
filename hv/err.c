/* hv/err.c — names of the HV_E* error codes (hv/hv.h). */
#include "hv/hv.h"

const char *hv_strerror(int err)
{
	switch (err) {
	case HV_OK: return "success";
	case HV_EINVAL: return "malformed input";
	case HV_ERANGE: return "value out of range";
	case HV_ENOENT: return "not found";
	case HV_ENOSPC: return "table full";
	case HV_ENOTSUP: return "not supported by this CPU";
	case HV_ENOMEM: return "out of memory";
	}
	return "unknown error";
}
