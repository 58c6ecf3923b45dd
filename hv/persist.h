/*
 * hv/persist.h — live snapshots in the hypervisor: the glue between the
 * VMX world (VMCS, EPT, PML, exits) and the snapshot engine
 * (snapshot/engine.h) over the store on the ATA disk.
 *
 * Serial protocol (one line each; tests rely on it):
 *   amber: fresh start
 *   amber: restored gen=G
 *   amber: snapshot gen=G captured
 *   amber: snapshot gen=G committed pages=P bytes=B pause_cycles=C
 *   amber: snapshot gen=G failed (WHAT: ERROR: DETAIL), retrying in N ms
 *   amber: snapshot store reopened, newest generation G
 *   amber: snapshots resumed: gen=G committed after N failed tries
 *
 * A failed generation never turns snapshots off: the last committed one
 * stays, the failed one's pages go to the next, and tries go on with
 * backoff (reopening the store after I/O errors, reclaiming space after
 * ENOSPC/ENOMEM) until one commits.
 *
 * When it runs:
 *   after every handled VM exit (and in the HLT idle loop): a capture when
 *   snap_ms of guest time have passed or the guest asked; a slice of the
 *   writer while a generation is being stored; a slice of prefetch while a
 *   lazy restore is incomplete. While there is such work, the
 *   VMX-preemption timer cuts the guest's runs short to give it slices.
 *   With cpus=2 (hv/smp.h) the writer and the prefetch run on the second
 *   CPU instead, while the guest runs; a guest write to a page not yet
 *   stored copies it aside (hv/cow_shadow.h) rather than storing it on the
 *   guest's CPU.
 */
#ifndef AMBER_HV_PERSIST_H
#define AMBER_HV_PERSIST_H

#include "hv/config.h"
#include "hv/vcpu.h"
#include "snapshot/snap.h"

/*
 * Sets up snapshots on guest RAM (after the EPT exists). With generations
 * in the store, starts a lazy restore of the newest one that can be
 * restored (hv/boot_gen.c: a damaged newer one is passed over, loudly):
 * returns 1, and the guest's vCPU state is applied by persist_apply() once
 * its VMCS exists. Returns 0 for a fresh start, negative when the store
 * cannot be used for this guest (message printed; the disk is left as it
 * is). After a fallback snapshots go on, built on the restored
 * generation; the store keeps the damaged one.
 */
int persist_init(struct vcpu *v, snap_store *st, const struct hv_config *cfg);
/* Loads the restored vCPU and device state into the current VMCS. */
int persist_apply(struct vcpu *v);
/* Hooks the snapshot hypercalls into the vdev environment. */
void persist_attach_vdev(struct vcpu *v);

/* A slice of snapshot work between exits (capture, writer, prefetch). */
void persist_work(struct vcpu *v);
/*
 * An EPT violation inside guest RAM. 1: handled (retry the access),
 * 0: not the snapshot engine's, -1: the guest must stop (printed).
 */
int persist_ept_violation(struct vcpu *v, uint64_t gpa, int write);
/*
 * Makes guest RAM [gpa, gpa + len) ready for an access by the hypervisor
 * (hv/guest_mem.c): restored pages read back; for a write, pages stored
 * first if the generation being written needs them, and recorded dirty.
 * 0, or -1 when a restored page cannot be read (printed; the guest is
 * stopped).
 */
int persist_guest_access(struct vcpu *v, uint64_t gpa, uint64_t len, int write);
/* PML log full (exit reason 62): drain it. */
void persist_pml_full(struct vcpu *v);
/* Whether snapshots are on (a store is attached and working). */
int persist_active(void);

/* What the snapshot hypercalls and the control channel report. */
struct persist_status {
	int active;              /* snapshots are on (taken, or retried after a failure) */
	int degraded;            /* the last generation failed; retrying */
	int requested;           /* a capture was asked for and not taken yet */
	int last_error;          /* SNAP_E* of the last failure, 0 if none */
	uint64_t failures;       /* generations failed since boot */
	uint64_t retry_in_ns;    /* when degraded: time to the next try */
	uint64_t captured;       /* newest generation captured (maybe not durable) */
	uint64_t promised;       /* highest number persist_request() handed out */
	uint64_t durable;        /* newest generation committed */
	uint64_t restored_from;  /* generation restored at boot, 0 = fresh */
};
void persist_status(struct persist_status *out);
/* Asks for a capture soon: the generation that will hold this moment, or 0
 * when snapshots are off. */
uint64_t persist_request(void);

/* For the control channel (hv/ctl.c): the store, whether a generation is
 * being written (the store takes pins and gc only between generations),
 * the dirty-tracking tier in use, and a writer that finishes the generation
 * being written without starting another (the guest is not run meanwhile):
 * 0 once it is committed, negative when it failed (it is retried later,
 * like any failed generation). */
snap_store *persist_store(void);
int persist_busy(void);
const char *persist_tier(void);
int persist_flush(struct vcpu *v);

/*
 * The engine and store lock (cpus=2: the writer runs on the second CPU,
 * hv/smp.h). persist_lock() takes it for the BSP unless it holds it already;
 * every function here does, and so must any other BSP code before it calls
 * the store (hv/console_hold.c, hv/ctl.c through persist_store()). The BSP
 * keeps it until persist_unlock(): before each VM entry, in idle loops, and
 * at the end of persist_work() (wait loops that call it let the writer on).
 */
void persist_lock(void);
void persist_unlock(void);

/* hv/snap_hcall.c: hooks the snapshot hypercalls into v->env. */
void snap_hcall_attach(struct vcpu *v);

#endif
