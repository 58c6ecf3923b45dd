/*
 * hv/boot_gen.c — the generation a boot restores (boot_gen.h).
 *
 * The newest generation is checked cheaply (record, state blob and its
 * validation: a full read would cost what an eager restore costs); its
 * pages are checked as the lazy restore reads them. When it fails, the
 * store's own fallback (snap_gen_open with SNAP_OPEN_FALLBACK, FORMAT.md
 * "Boot with damage") verifies it in full and steps down to the newest
 * generation that verifies, keeping the damaged one (pinned, flagged,
 * never written); its message goes to COM1. A generation the store finds
 * sound but whose vCPU state this hypervisor refuses is pinned here, so
 * that it too is kept for inspection, and the next older one is tried.
 */
#include "hv/boot_gen.h"

#include "hv/hv.h"

static uint64_t list[SNAP_MAX_RETAINED];

/* Why generation `gen` cannot be restored, in why[]; 0 when it can. A
 * different guest size is no damage: HV_ERANGE, and no fallback. */
static int try_gen(snap_store *st, uint64_t gen, uint64_t npages, int verify, struct hv_state *state, char *why,
		   size_t cap)
{
	snap_gen *g;
	struct snap_geninfo gi;
	int e = snap_gen_open(st, gen, 0, &g);
	if (e) {
		amber_snprintf(why, cap, "%s", snap_errmsg(st));
		return HV_EINVAL;
	}
	snap_gen_info(g, &gi);
	if (gi.npages != npages) {
		amber_snprintf(why, cap, "the stored guest has %llu MiB of RAM, mem= asks for %llu MiB; boot with mem=%llu",
			    (unsigned long long)(gi.npages >> 8), (unsigned long long)(npages >> 8),
			    (unsigned long long)(gi.npages >> 8));
		snap_gen_close(g);
		return HV_ERANGE;
	}
	if (gi.state_len != sizeof *state) {
		amber_snprintf(why, cap, "its vCPU state is %llu bytes, this hypervisor's is %llu",
			    (unsigned long long)gi.state_len, (unsigned long long)sizeof *state);
		snap_gen_close(g);
		return HV_EINVAL;
	}
	if ((verify && (e = snap_verify(g))) || (e = snap_read_state(g, state, sizeof *state))) {
		amber_snprintf(why, cap, "%s", snap_errmsg(st));
		snap_gen_close(g);
		return HV_EINVAL;
	}
	snap_gen_close(g);
	return hv_state_check(state, sizeof *state, why, cap);
}

/* Keeps a generation refused for its vCPU state (the store sees no damage
 * in it, so retention would drop it some day). */
static void keep(snap_store *st, uint64_t gen)
{
	int e = snap_pin(st, gen, 1);
	kprintf("amber: disk: generation %llu is pinned so that it is kept for inspection (snapctl): %s\n",
		(unsigned long long)gen, e ? snap_errmsg(st) : "done");
}

int boot_pick_generation(snap_store *st, uint64_t npages, struct hv_state *state, uint64_t *gen, int *fell_back)
{
	char why[200];
	*gen = 0;
	*fell_back = 0;
	/* From the catalog alone: a damaged record must not hide the others. */
	unsigned n = snap_catalog(st, list, SNAP_MAX_RETAINED);
	if (!n)
		return 0;
	int e = try_gen(st, list[0], npages, 0, state, why, sizeof why);
	if (!e) {
		*gen = list[0];
		return 0;
	}
	kprintf("amber: error: generation %llu cannot be restored: %s\n", (unsigned long long)list[0], why);
	if (e == HV_ERANGE)
		return HV_EINVAL; /* the wrong mem=, not damage: every generation has this size */
	*fell_back = 1;
	unsigned i = 1;
	snap_gen *g;
	if (!snap_gen_open(st, list[0], SNAP_OPEN_FALLBACK, &g)) {
		struct snap_geninfo gi;
		struct snap_fallback fb;
		snap_gen_info(g, &gi);
		snap_gen_close(g);
		snap_fallback_info(st, &fb);
		if (fb.why != SNAP_FB_NONE)
			kprintf("amber: disk: FALLBACK: %s\n", fb.msg);
		else
			keep(st, list[0]); /* sound for the store: refused for its vCPU state */
		while (i < n && list[i] > gi.gen)
			i++;
	}
	for (; i < n; i++) {
		e = try_gen(st, list[i], npages, 1, state, why, sizeof why);
		if (!e) {
			kprintf("amber: FALLBACK: restoring generation %llu, the newest that verifies; "
				"generation %llu cannot be restored. The damaged one stays on the disk, kept "
				"(snapctl ls/verify/drop)\n", (unsigned long long)list[i], (unsigned long long)list[0]);
			*gen = list[i];
			return 0;
		}
		kprintf("amber: error: generation %llu cannot be restored: %s\n", (unsigned long long)list[i], why);
		if (e == HV_ERANGE)
			return HV_EINVAL;
		keep(st, list[i]);
	}
	kprintf("amber: error: no retained generation can be restored; the disk is left as it is "
		"(inspect it with snapctl verify)\n");
	return HV_EINVAL;
}
