/*
 * hv/persist.c — live snapshots in the hypervisor (see persist.h).
 *
 * Its jobs: the engine's callbacks over EPT and guest RAM, the choice of
 * dirty-tracking tier, starting a restore, and scheduling captures, writer
 * slices and prefetch between exits. The vCPU state blob is
 * hv/state_blob.c; the snapshot hypercalls are hv/snap_hcall.c.
 */
#include "hv/persist.h"

#include <string.h>

#include "hv/boot_gen.h"
#include "hv/console_hold.h"
#include "hv/cow_shadow.h"
#include "hv/cpu.h"
#include "hv/disk.h"
#include "hv/ept.h"
#include "hv/exit.h"
#include "hv/guest_mem.h"
#include "hv/heap.h"
#include "hv/hv.h"
#include "hv/pmem.h"
#include "hv/serial.h"
#include "hv/smp.h"
#include "hv/spinlock.h"
#include "hv/state_blob.h"
#include "hv/time.h"
#include "hv/vdev_backend.h"
#include "hv/vmcs.h"
#include "hv/vmx.h"
#include "snapshot/engine.h"

#define SLICE_PAGES    32u   /* pages the writer stores per slice */
#define AP_SLICE_PAGES 1u    /* per hold of the lock on the AP: a copy-on-write
			      * fault on the BSP waits for at most this many */
#define PREFETCH_PAGES 64u
#define AP_PREFETCH_PAGES 4u /* per hold of the lock on the AP, as AP_SLICE_PAGES */
#define RETRY_MIN_MS   200u  /* first retry after a failed generation */
#define RETRY_MAX_MS   10000u   /* pages a lazy restore reads per slice */
#define SLICE_HZ       2000u /* guest run between slices while there is work */
#define PML_ENTRIES    512u  /* SDM Vol. 3C §29.3.6: one 4 KiB page of GPAs */
#define PML_INDEX_START (PML_ENTRIES - 1)
#define PROC_USE_TSC_OFFSETTING (1u << 3) /* SDM Vol. 3C §25.6.2, Table 25-6 */

static struct hv_state state __attribute__((aligned(16)));

static struct {
	snap_store *st;
	snapeng *e;
	enum snapeng_tier tier;
	int active;           /* snapshots are on (taken, or retried after a failure) */
	int degraded;         /* the last generation failed; the next try is at retry_at */
	int reopen;           /* the store failed (I/O): close and open it before the next try */
	int last_error;       /* SNAP_E* of the last failure */
	uint64_t failures;    /* generations failed since boot */
	uint64_t retry_at, retry_ms;
	int request;          /* the guest asked for a capture */
	uint64_t snap_ns, next_due;
	uint64_t captured, durable, restored_from;
	uint32_t log_mark;    /* COM1's ring after the captured line (log_out) */
	uint64_t promised;    /* highest generation number SNAP_REQUEST handed out */
	uint64_t pause_cycles;
	int prepared;            /* snap_prepare done: the first begin marks nothing */
	uint64_t pause_pml, pause_save; /* its parts outside the engine (engine: snapeng_stats) */
	uint64_t write_cycles, fault_cycles; /* spent by the writer and copy-on-write since the capture */
	int stats;               /* `stats`: the committed line names the pause's parts */
	uint64_t restore_t0;
	int restoring;           /* a lazy restore has pages left to read */
	uint64_t poll_normal, poll_slice;
	uint64_t *pml;
} P;

static struct vcpu *cur;

/* A generation is written only once its captured line (and all logged
 * before it) has left COM1: the log is queued (hv/serial.h), and a machine
 * that dies after the commit must not have lost the line that says what
 * was captured. Watchers map a restored generation to that line. */
static int log_out(void) { return serial_passed(P.log_mark); }

/* ---- the second CPU (cpus=2): the writer runs there ----
 *
 * One lock covers the engine and the store (and the heap they allocate
 * from). The AP takes it only to store a page of the generation being
 * written (snapeng_step: CAPTURED -> STORED, which only grants write access
 * back and so needs no INVEPT on the guest's CPU: a stale, narrower TLB
 * entry just faults once more into persist_ept_violation), or else to read
 * a few pages of a lazy restore in, and records the outcome in L.done /
 * L.err (L.rdone / L.rerr); it never prints. The BSP takes the lock at
 * every entry of the engine or store (persist_lock, lazily: it keeps it
 * until persist_unlock, called before each VM entry and at the end of
 * persist_work, so that the hypervisor's wait loops let the writer run),
 * and there it commits (prints, releases held output) what the AP finished.
 * L.bsp_wants keeps the AP off the lock while the BSP waits for it. With
 * one CPU the lock is never contended and the BSP writes as before.
 */
static struct {
	struct spinlock lock;
	volatile int bsp_wants;
	int bsp_holds;          /* BSP only */
	int ap;                 /* the AP runs the writer */
	volatile int done, err; /* the AP's outcome, for the BSP (under the lock) */
	volatile int rdone, rerr; /* the AP's prefetch read the last page / failed */
	uint64_t ap_cycles;     /* the AP's time writing since the capture */
	uint64_t wait_cycles;   /* the BSP's time waiting for the lock since the capture */
} L;

void persist_lock(void)
{
	if (L.bsp_holds)
		return;
	if (!spin_trylock(&L.lock)) {
		uint64_t t0 = rdtsc();
		L.bsp_wants = 1;
		spin_lock(&L.lock);
		L.bsp_wants = 0;
		L.wait_cycles += rdtsc() - t0;
	}
	L.bsp_holds = 1;
}

void persist_unlock(void)
{
	if (!L.bsp_holds)
		return;
	L.bsp_holds = 0;
	spin_unlock(&L.lock);
}

/* The AP's work (hv/smp.c calls it over and over). */
static void ap_writer(void *arg)
{
	(void)arg;
	if (L.bsp_wants || !spin_trylock(&L.lock))
		return;
	if (P.e && P.active && snapeng_busy(P.e)) {
		/* a generation in flight: written (once its captured line is
		 * out), never prefetched beside */
		if (!L.done && !L.err && log_out()) {
			uint64_t w0 = rdtsc();
			int done = 0, e = snapeng_step(P.e, AP_SLICE_PAGES, &done);
			L.ap_cycles += rdtsc() - w0;
			if (e)
				L.err = e;
			else if (done)
				L.done = 1;
		}
	} else if (P.e && P.restoring && !L.rdone && !L.rerr) {
		/* A lazy restore's prefetch: it only makes absent leaves present
		 * (an EPT table it adds is filled before it is linked, hv/ept.c),
		 * which the guest's CPU needs no INVEPT for. */
		int64_t left = snapeng_restore_step(P.e, AP_PREFETCH_PAGES);
		if (left < 0)
			L.rerr = 1;
		else if (!left)
			L.rdone = 1;
	}
	spin_unlock(&L.lock);
}

static const struct smp_work ap_work = { ap_writer, NULL };

static void committed(void);
static void generation_failed(const char *what, int err);

/* Under the lock: acts on what the AP finished (and prints what it said). */
static void collect_ap(void)
{
	if (L.ap)
		smp_ap_notes_flush();
	if (L.err) {
		int e = L.err;
		L.err = 0;
		generation_failed("writing", e);
	} else if (L.done) {
		L.done = 0;
		committed();
	}
}

/* ---- the engine's view of guest memory ---- */

/* A page the guest wrote after its capture is read from its shadow
 * (hv/cow_shadow.h: only with the writer on the AP). */
static uint8_t *h_page(void *c, uint64_t gfn)
{
	uint8_t *s = cow_shadow_page(gfn);
	return s ? s : gpa_ptr(c, gfn << 12);
}
/* Built on first use after a restore (hv/main.c maps guest RAM on demand);
 * its tables were reserved at boot, so a NULL is a hypervisor bug. */
static uint64_t *h_leaf(void *c, uint64_t gfn)
{
	uint64_t *l = ept_leaf_build(&((struct vcpu *)c)->ept, gfn << 12);
	if (!l)
		hv_panic("EPT: no leaf for GPA %llx", (unsigned long long)(gfn << 12));
	return l;
}
static void h_invept(void *c) { vmx_invept(c); }
static void *h_alloc(void *c, size_t n) { (void)c; return heap_alloc(n); }
static void h_free(void *c, void *p, size_t n) { (void)c; (void)n; heap_free(p); }

static void restore_done(void);

static void generation_failed(const char *what, int err);

/* A generation the engine gave up outside its writer (a failed copy-on-write). */
static void generation_error(const char *what)
{
	int e = snapeng_take_error(P.e);
	if (e)
		generation_failed(what, e);
}

/*
 * A generation failed: snapshots never stop for it. The last committed
 * generation stays; the failed one's pages went back to the dirty set (the
 * engine), so the next try holds everything since. After an I/O error the
 * store is closed and opened again (FORMAT.md: the ERROR state is sticky);
 * after running out of blocks or heap the next try reclaims first. Tries
 * back off from RETRY_MIN_MS to RETRY_MAX_MS; COM1 and SNAP_STATUS say so.
 */
static void generation_failed(const char *what, int err)
{
	uint64_t gen = P.captured > P.durable ? P.captured : P.st ? snap_next_gen(P.st) : P.durable + 1;
	cow_shadow_release(); /* the engine gave the generation's pages back to the dirty set */
	P.captured = P.durable; /* the next try takes this number again */
	con_capture_failed(P.durable);
	P.last_error = err;
	P.failures++;
	P.retry_ms = P.degraded ? (P.retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : P.retry_ms * 2) : RETRY_MIN_MS;
	P.degraded = 1;
	P.retry_at = time_mono_ns() + P.retry_ms * 1000000ull;
	if (err == SNAP_EIO || err == SNAP_EFATAL)
		P.reopen = 1;
	kprintf("amber: snapshot gen=%llu failed (%s: %s: %s), retrying in %llu ms\n",
		(unsigned long long)gen, what, snap_strerror(err),
		P.st ? snap_errmsg(P.st) : "no store", (unsigned long long)P.retry_ms);
}

/* Before a retry: a failed store is closed and opened again (0), or the
 * failure counts as the next one. */
static int prepare_retry(void)
{
	if (P.reopen) {
		snapeng_detach_store(P.e);
		con_store_closing();
		snap_store *st = NULL;
		int e = disk_reopen_store(P.st, &st);
		P.st = st;
		con_store_opened(st);
		if (e || (e = snapeng_attach_store(P.e, st))) {
			generation_failed("reopening the store", e);
			return e;
		}
		P.reopen = 0;
		kprintf("amber: snapshot store reopened, newest generation %llu\n", (unsigned long long)snap_newest(st));
	} else if (P.last_error == SNAP_ENOSPC || P.last_error == SNAP_ENOMEM) {
		struct snap_space sp;
		int e = snap_gc(P.st, &sp);
		if (e) {
			generation_failed("reclaiming space", e);
			return e;
		}
	}
	return 0;
}

/*
 * The baseline a live snapshot is measured against: stopping the guest and
 * copying its dirty pages. One page copy, timed here on this machine, is
 * printed so that a benchmark can price a stop-and-copy of any dirty set.
 */
static void copy_baseline(void)
{
	enum { PAGES = 64 };
	uint8_t *buf = heap_alloc(2 * PAGES * 4096);
	if (!buf)
		return;
	memset(buf, 0x5A, PAGES * 4096);
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < PAGES; i++)
		memcpy(buf + (PAGES + i) * 4096, buf + i * 4096, 4096);
	uint64_t per_page = (rdtsc() - t0) / PAGES;
	heap_free(buf);
	kprintf("amber: snapshots: stop-and-copy baseline %llu cycles per page\n", (unsigned long long)per_page);
}

static enum snapeng_tier choose_tier(const struct vcpu *v, enum dirty_tier want)
{
	const struct vmx_caps *c = v->caps;
	switch (want) {
	case DIRTY_PML: return c->pml ? SNAPENG_PML : 0;
	case DIRTY_AD:  return c->ept_ad ? SNAPENG_AD : 0;
	case DIRTY_WP:  return SNAPENG_WP;
	default:        return c->pml ? SNAPENG_PML : c->ept_ad ? SNAPENG_AD : SNAPENG_WP;
	}
}

static const char *tier_name(enum snapeng_tier t)
{
	return t == SNAPENG_PML ? "pml" : t == SNAPENG_AD ? "ad" : "wp";
}

int persist_init(struct vcpu *v, snap_store *st, const struct hv_config *cfg)
{
	cur = v;
	P.st = st;
	P.snap_ns = (uint64_t)cfg->snap_ms * 1000000ull;
	P.stats = cfg->stats;
	P.tier = choose_tier(v, cfg->dirty);
	if (!P.tier || (cfg->dirty == DIRTY_AUTO && P.tier != SNAPENG_PML)) {
		/* A guest moved here from a CPU with more keeps running: all
		 * tiers give identical generations (tests/integ/tiers.sh). */
		enum snapeng_tier t = choose_tier(v, DIRTY_AUTO);
		kprintf("amber: snapshots: this CPU lacks %s; dirty tracking %s instead of %s\n",
			(P.tier ? DIRTY_PML : cfg->dirty) == DIRTY_PML ? "PML" : "EPT accessed/dirty flags",
			tier_name(t), P.tier ? "pml" : hv_dirty_tier_name(cfg->dirty));
		P.tier = t;
	}
	hv_state_limits_init(v->caps);
	uint64_t npages = v->ram_bytes >> 12, newest = 0;
	int fell_back = 0;
	uint64_t t0 = rdtsc();
	if (boot_pick_generation(st, npages, &state, &newest, &fell_back))
		return HV_EINVAL;
	uint64_t t1 = rdtsc();
	struct snapeng_host h = { v, h_page, h_leaf, h_invept, h_alloc, h_free };
	int e = snapeng_create(&h, st, npages, P.tier, &P.e);
	if (e) {
		kprintf("amber: error: snapshot engine: %s\n", snap_strerror(e));
		return HV_ENOMEM;
	}
	snapeng_set_clock(P.e, rdtsc);
	if (P.tier == SNAPENG_PML) {
		uint64_t pa;
		if (pmem_alloc_page(&pa))
			return HV_ENOMEM;
		P.pml = (uint64_t *)(uintptr_t)pa;
	}
	uint64_t t2 = rdtsc();
	P.poll_normal = v->poll_tsc;
	copy_baseline();
	P.poll_slice = time_tsc_hz() / SLICE_HZ;
	/* After a fallback snapshots go on: the store keeps what it stepped
	 * over (pinned, flagged damaged, never written; FORMAT.md) and the
	 * next generation is built on the restored one, numbered above all. */
	P.active = 1;
	kprintf("amber: snapshots: every %u ms of guest time, dirty tracking %s%s%s\n", cfg->snap_ms,
		tier_name(P.tier), fell_back ? "; the damaged generation is kept (see above)" : "",
		smp_ap_running() ? "; the second CPU writes" : "");
	if (smp_ap_running()) {
		/* Held until the guest first runs: the rest of the boot (console,
		 * control channel) uses the store without asking. */
		persist_lock();
		L.ap = 1;
		smp_ap_set_work(&ap_work);
		if (P.tier != SNAPENG_WP && cow_shadow_init(v))
			kprintf("amber: snapshots: no memory for copy-on-write shadows; the guest's CPU stores the pages it writes\n");
	}
	if (!newest)
		return 0;
	size_t len = 0;
	P.restore_t0 = rdtsc();
	e = snapeng_restore(P.e, newest, &state, sizeof state, &len);
	char why[200];
	if (e) {
		kprintf("amber: error: generation %llu: vCPU state: %s; the disk is left as it is\n",
			(unsigned long long)newest, snap_errmsg(st));
		return HV_EINVAL;
	}
	if (hv_state_check(&state, len, why, sizeof why)) { /* checked by boot_pick_generation; read again */
		kprintf("amber: error: generation %llu: %s; the disk is left as it is\n", (unsigned long long)newest, why);
		return HV_EINVAL;
	}
	P.restored_from = P.captured = P.durable = newest;
	P.restoring = 1;
	/* The restore's start part by part (issue 15: none may grow with RAM):
	 * choosing the generation, creating the engine, the copy baseline,
	 * opening the generation in the engine. */
	uint64_t us = time_tsc_hz() / 1000000 + 1;
	kprintf("amber: restore start (us): pick %llu, engine %llu, baseline %llu, restore %llu\n",
		(unsigned long long)((t1 - t0) / us), (unsigned long long)((t2 - t1) / us),
		(unsigned long long)((P.restore_t0 - t2) / us), (unsigned long long)((rdtsc() - P.restore_t0) / us));
	if (cfg->eager_restore) {
		int64_t left;
		while ((left = snapeng_restore_step(P.e, 4096)) > 0)
			;
		if (left < 0) {
			kprintf("amber: error: eager restore: %s\n", snap_errmsg(st));
			return HV_EINVAL;
		}
		restore_done();
	}
	return 1;
}

static void setup_controls(struct vcpu *v)
{
	/* Guest TSC continues across restores: TSC offsetting when offered. */
	if (v->caps->proc.may1 & PROC_USE_TSC_OFFSETTING) {
		v->proc |= PROC_USE_TSC_OFFSETTING;
		vmcs_write32(VMCS_CTRL_PROC, v->proc);
	}
	if (P.tier == SNAPENG_PML) {
		vmcs_write64(VMCS_CTRL_PML_ADDRESS, (uint64_t)(uintptr_t)P.pml);
		vmcs_write16(VMCS_GUEST_PML_INDEX, PML_INDEX_START);
		vmcs_write32(VMCS_CTRL_PROC2, vmcs_read32(VMCS_CTRL_PROC2) | PROC2_ENABLE_PML);
	}
}

int persist_apply(struct vcpu *v)
{
	setup_controls(v);
	if (!P.restored_from) {
		kprintf("amber: fresh start\n");
		return 0;
	}
	hv_state_apply(v, &state);
	kprintf("amber: restored gen=%llu\n", (unsigned long long)P.restored_from);
	return 0;
}

/* ---- capture ---- */

/* Hands every GPA the PML log holds to the engine; the log fills downward. */
static void drain_pml(void)
{
	uint16_t idx = vmcs_read16(VMCS_GUEST_PML_INDEX);
	unsigned first = idx >= PML_ENTRIES ? 0 : idx + 1u; /* 0xFFFF: full */
	snapeng_pml_log(P.e, P.pml + first, PML_ENTRIES - first);
	vmcs_write16(VMCS_GUEST_PML_INDEX, PML_INDEX_START);
}

static void capture(struct vcpu *v)
{
	cow_shadow_release(); /* none outlives its generation (normally none left here) */
	uint64_t t0 = rdtsc(), gen = 0;
	if (P.tier == SNAPENG_PML)
		drain_pml();
	uint64_t t1 = rdtsc();
	hv_state_save(v, &state);
	state.con_consumed = con_consumed();
	uint64_t t2 = rdtsc();
	int e = snapeng_capture(P.e, &state, sizeof state, time_wall_ns(), &gen);
	P.pause_cycles = rdtsc() - t0;
	P.pause_pml = t1 - t0;
	P.pause_save = t2 - t1;
	if (e) {
		generation_failed("capture", e);
		return;
	}
	P.captured = gen;
	P.request = 0;
	con_captured(gen, vdev_backend_mono());
	kprintf("amber: snapshot gen=%llu captured\n", (unsigned long long)gen);
	P.log_mark = serial_mark();
}


static void committed(void)
{
	struct snap_geninfo gi = { 0 };
	unsigned n = 0;
	snap_list(P.st, &gi, 1, &n);
	P.durable = P.captured;
	cow_shadow_release();
	uint64_t sh_pages = cow_shadow_take_count();
	/* Released before the line below: a watcher that saw "committed" has
	 * seen the output that generation made durable. */
	con_committed(P.captured, vdev_backend_mono());
	/* Every line costs the guest: COM1 sends a byte per 87 us, each byte
	 * an exit (hv/serial.h). So the parts of the pause (guest TSC: PML
	 * drain, vCPU state save, the store's begin, state blob copy, dirty
	 * set move and write-protect, INVEPT) and copy-on-write come with
	 * `stats` only; the writer's cycles since the capture always do. */
	char parts[200] = "";
	if (P.stats) {
		struct snapeng_stats s;
		snapeng_stats(P.e, &s);
		amber_snprintf(parts, sizeof parts, " p_pml=%llu p_save=%llu p_begin=%llu p_blob=%llu p_dirty=%llu "
			    "p_invept=%llu dirty_list=%llu cow_cycles=%llu",
			    (unsigned long long)P.pause_pml, (unsigned long long)P.pause_save,
			    (unsigned long long)s.t_begin, (unsigned long long)s.t_state,
			    (unsigned long long)s.t_dirty, (unsigned long long)s.t_invept,
			    (unsigned long long)s.dirty_list, (unsigned long long)P.fault_cycles);
	}
	/* With the writer on the AP: its cycles (the BSP's write_cycles are
	 * then 0); with `stats` also the pages shadowed for it (copy-on-write
	 * by copy) and the BSP's waits for the lock. */
	char ap[112] = "";
	if (L.ap && P.stats)
		amber_snprintf(ap, sizeof ap, " ap_write_cycles=%llu shadowed=%llu lock_wait=%llu",
			    (unsigned long long)L.ap_cycles, (unsigned long long)sh_pages,
			    (unsigned long long)L.wait_cycles);
	else if (L.ap)
		amber_snprintf(ap, sizeof ap, " ap_write_cycles=%llu", (unsigned long long)L.ap_cycles);
	kprintf("amber: snapshot gen=%llu committed pages=%llu bytes=%llu pause_cycles=%llu write_cycles=%llu%s%s\n",
		(unsigned long long)P.captured, (unsigned long long)gi.dirty_pages,
		(unsigned long long)gi.bytes_written, (unsigned long long)P.pause_cycles,
		(unsigned long long)P.write_cycles, ap, parts);
	P.write_cycles = P.fault_cycles = L.ap_cycles = L.wait_cycles = 0;
	if (P.degraded) {
		P.degraded = 0;
		kprintf("amber: snapshots resumed: gen=%llu committed (%llu failed tries since boot)\n",
			(unsigned long long)P.captured, (unsigned long long)P.failures);
	}
}

static void restore_done(void)
{
	uint64_t cycles = rdtsc() - P.restore_t0;
	P.restoring = 0;
	kprintf("amber: restore complete: %llu pages read in %llu ms\n", (unsigned long long)(cur->ram_bytes >> 12),
		(unsigned long long)(cycles * 1000 / time_tsc_hz()));
}

/* Whether persist_work has anything to do on the BSP while the AP writes:
 * a capture waits until the generation in flight is committed (or fails),
 * so while one is, only the AP's outcome matters. */
static int bsp_work_due(uint64_t now)
{
	if (L.done || L.err || L.rdone || L.rerr || !P.prepared)
		return 1;
	if (P.degraded)
		return time_mono_ns() >= P.retry_at;
	int in_flight = P.captured > P.durable;
	return !in_flight && (P.request || now >= P.next_due || con_wants_capture(now));
}

void persist_work(struct vcpu *v)
{
	if (!P.e)
		return;
	/* The writer waits for the log (log_out), and the hypervisor's wait
	 * loops (snap_wait, the console's) call only this, over and over
	 * (every exit pumps it too: only while the writer waits) */
	if (!log_out())
		serial_pump();
	/* With the writer on the AP, most calls (every VM exit) find nothing
	 * to do: they leave the lock to the writer. */
	if (L.ap && !L.bsp_holds && !bsp_work_due(vdev_backend_mono()))
		return;
	persist_lock();
	collect_ap();
	struct snapeng_stats s;
	snapeng_stats(P.e, &s);
	if (!s.absent && P.restoring && !L.ap)
		P.restoring = 0; /* also when faults read the last pages */
	if (L.rdone || L.rerr) { /* the AP's prefetch */
		int failed = L.rerr;
		L.rdone = L.rerr = 0;
		P.restoring = 0;
		if (failed) {
			kprintf("amber: error: lazy restore: %s\n", P.st ? snap_errmsg(P.st) : "the store could not be reopened");
			exit_stop_guest(v, "a page of the restored generation cannot be read");
			persist_unlock();
			return;
		}
		restore_done();
	}
	if (s.absent && !L.ap) {
		int64_t left = snapeng_restore_step(P.e, PREFETCH_PAGES);
		if (left < 0) {
			kprintf("amber: error: lazy restore: %s\n", P.st ? snap_errmsg(P.st) : "the store could not be reopened");
			exit_stop_guest(v, "a page of the restored generation cannot be read");
			persist_unlock();
			return;
		}
		if (left == 0)
			restore_done();
	}
	if (P.active && !P.prepared && P.st) {
		/* The first begin would mark the store's free space inside its
		 * pause (266k guest cycles at 512 MiB after a restore): do it now.
		 * A failure shows again, and is handled, at the capture. */
		P.prepared = 1;
		snap_prepare(P.st);
	}
	if (P.active) {
		if (snapeng_busy(P.e) && !L.ap && log_out()) {
			uint64_t w0 = rdtsc();
			int done = 0, e = snapeng_step(P.e, SLICE_PAGES, &done);
			P.write_cycles += rdtsc() - w0;
			if (e)
				generation_failed("writing", e);
			else if (done)
				committed();
		}
		uint64_t now = vdev_backend_mono();
		int due = P.request || now >= P.next_due || con_wants_capture(now);
		if (P.degraded) /* the next try waits for its moment, whatever was asked */
			due = time_mono_ns() >= P.retry_at && !prepare_retry();
		if (!snapeng_busy(P.e) && due) {
			capture(v);
			P.next_due = now + P.snap_ns;
		}
	}
	snapeng_stats(P.e, &s);
	/* Short guest runs give the BSP's writer and prefetch their slices;
	 * the AP's need none. */
	v->poll_tsc = ((s.absent || snapeng_busy(P.e)) && !L.ap) ? P.poll_slice : P.poll_normal;
	persist_unlock();
}

int persist_ept_violation(struct vcpu *v, uint64_t gpa, int write)
{
	(void)v;
	if (!P.e)
		return 0;
	persist_lock();
	uint64_t f0 = rdtsc();
	if (write && cow_shadow_on() && snapeng_busy(P.e) && cow_shadow_fault(gpa >> 12)) {
		P.fault_cycles += rdtsc() - f0;
		return 1;
	}
	int handled = 0, e = snapeng_fault(P.e, gpa >> 12, write, &handled);
	P.fault_cycles += rdtsc() - f0;
	if (e) { /* a page of the restored generation is unreadable */
		kprintf("amber: error: snapshot fault at GPA %llx: %s\n", (unsigned long long)gpa,
			P.st ? snap_errmsg(P.st) : "the store could not be reopened");
		return -1;
	}
	generation_error("copy-on-write");
	return handled;
}

int persist_guest_access(struct vcpu *v, uint64_t gpa, uint64_t len, int write)
{
	if (!P.e || !len)
		return 0;
	/* With no page left to read back a read needs nothing of the engine:
	 * with the writer on the AP, hypercall arguments do not wait for it. */
	if (L.ap && !write && !P.restoring)
		return 0;
	persist_lock();
	for (uint64_t gfn = gpa >> 12, last = (gpa + len - 1) >> 12; gfn <= last; gfn++) {
		int e = write ? snapeng_guest_write(P.e, gfn) : snapeng_guest_read(P.e, gfn);
		if (e) {
			kprintf("amber: error: a page of the restored generation cannot be read (GPA %llx): %s\n",
				(unsigned long long)(gfn << 12), P.st ? snap_errmsg(P.st) : "the store could not be reopened");
			exit_stop_guest(v, "a page of the restored generation cannot be read");
			return -1;
		}
	}
	generation_error("copy-before-write");
	return 0;
}

void persist_pml_full(struct vcpu *v)
{
	(void)v;
	if (P.e && P.tier == SNAPENG_PML) {
		persist_lock();
		drain_pml();
	}
}

int persist_active(void) { return P.active; }

/* Every caller goes on to use the store: the lock first. */
snap_store *persist_store(void)
{
	persist_lock();
	return P.st;
}

int persist_busy(void)
{
	persist_lock();
	collect_ap();
	return P.e && snapeng_busy(P.e);
}
const char *persist_tier(void) { return P.e ? tier_name(P.tier) : "none"; }

int persist_flush(struct vcpu *v)
{
	(void)v;
	persist_lock();
	collect_ap(); /* the writer's result; the rest is written here */
	serial_flush(); /* log_out */
	while (P.e && snapeng_busy(P.e)) {
		int done = 0, e = snapeng_step(P.e, SLICE_PAGES, &done);
		if (e) {
			generation_failed("writing", e);
			return HV_EINVAL;
		}
		if (done)
			committed();
	}
	return 0;
}

uint64_t persist_request(void)
{
	if (!P.active)
		return 0;
	persist_lock();
	collect_ap();
	P.request = 1;
	/* The next capture holds this moment (after the one being written, if
	 * any). It takes the store's next number, which is above every
	 * generation ever committed (also dropped or damaged ones). */
	uint64_t gen = snapeng_busy(P.e) ? P.captured + 1 : P.st ? snap_next_gen(P.st) : P.durable + 1;
	if (gen > P.promised)
		P.promised = gen;
	return gen;
}

void persist_status(struct persist_status *out)
{
	if (P.e) {
		persist_lock();
		collect_ap();
	}
	out->active = P.active;
	out->degraded = P.degraded;
	out->last_error = P.last_error;
	out->failures = P.failures;
	uint64_t now = time_mono_ns();
	out->retry_in_ns = P.degraded && P.retry_at > now ? P.retry_at - now : 0;
	out->requested = P.request;
	out->promised = P.promised;
	out->captured = P.captured;
	out->durable = P.durable;
	out->restored_from = P.restored_from;
}

void persist_attach_vdev(struct vcpu *v)
{
	if (P.restored_from) {
		v->env.epoch = state.epoch + 1;
		vdev_backend_restore(state.mono_ns, state.timer_deadline_ns);
		con_restored(P.restored_from, state.con_consumed);
	}
	P.next_due = vdev_backend_mono() + P.snap_ns;
	if (!P.e)
		return;
	snap_hcall_attach(v);
}
