/*
 * snapshot/ident.c — the guest's identity and the handover mark, both kept
 * in the superblock (FORMAT.md, "Guest identity"). Each change is a
 * superblock commit of the current catalog, like a pin: every later commit
 * carries the fields forward because super_write() starts from st->sb.
 */
#include "snapshot/snap_int.h"

static int writable(snap_store *st)
{
	if (st->state == ST_ERROR)
		return snap_err(st, SNAP_EFATAL, "store is in the error state "
				"after a failed write; reopen it");
	if (st->state != ST_OPEN)
		return snap_err(st, SNAP_EBUSY, "a generation is being written");
	if (st->rdonly)
		return snap_err(st, SNAP_EINVAL, "store is open read-only");
	return alloc_init(st);
}

/* Commits the current catalog with st->sb as changed by the caller; on
 * failure the in-memory superblock goes back to `old`. */
static int commit_sb(snap_store *st, const struct sb_disk *old)
{
	struct catalog *c = &st->newcat;
	*c = st->cat;
	int rc = super_write(st, c, st->sb.npages, st->sb.newest_gen, st->sb.keep);
	if (rc) /* super_write changes st->sb only once it has committed */
		st->sb = *old;
	return rc;
}

int snap_guest_id(const snap_store *st, uint8_t id[SNAP_GUEST_ID_LEN])
{
	snap_memcpy(id, st->sb.guest_id, SNAP_GUEST_ID_LEN);
	return !snap_is_zero(id, SNAP_GUEST_ID_LEN);
}

int snap_set_guest_id(snap_store *st, const uint8_t id[SNAP_GUEST_ID_LEN])
{
	int rc;
	if (snap_is_zero(id, SNAP_GUEST_ID_LEN))
		return snap_err(st, SNAP_EINVAL, "a guest identity is never all zero");
	if (!snap_is_zero(st->sb.guest_id, SNAP_GUEST_ID_LEN) &&
	    snap_memcmp(st->sb.guest_id, id, SNAP_GUEST_ID_LEN))
		return snap_err(st, SNAP_EEXIST, "the store already belongs "
				"to another guest");
	if ((rc = writable(st)))
		return rc;
	struct sb_disk old = st->sb;
	snap_memcpy(st->sb.guest_id, id, SNAP_GUEST_ID_LEN);
	return commit_sb(st, &old);
}

uint64_t snap_handed_over(const snap_store *st)
{
	return st->sb.handed_over;
}

int snap_set_handed_over(snap_store *st, uint64_t gen)
{
	int rc;
	if (gen && !cat_find(&st->cat, gen))
		return snap_err(st, SNAP_ENOENT, "generation %llu is not "
				"retained", gen);
	if ((rc = writable(st)))
		return rc;
	struct sb_disk old = st->sb;
	st->sb.handed_over = gen;
	return commit_sb(st, &old);
}
