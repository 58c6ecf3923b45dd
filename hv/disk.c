/*
 * hv/disk.c — the snapshot store on the ATA disk (see disk.h): a snap_io
 * over ata.c and heap.c.
 *
 * With bus-master DMA (ata_dma_probe) the store's writes are asynchronous
 * (snap_io.submit/complete): a submitted write joins a queue of
 * DMA_QUEUE requests, the channel carries one at a time, and every call
 * into this file (the store's next write, a poll, a read) moves the queue
 * on: the writer returns to the guest while the disk works. Reads and
 * synchronous writes (the flush's last buffer, the input log, format) wait
 * only for the DMA command on the wire (ata.c); a flush lets the queue run
 * dry first. Results wait in the queue for the store's complete().
 */
#include "hv/ata.h"
#include "hv/cpu.h"
#include "hv/disk.h"
#include "hv/heap.h"
#include "hv/hv.h"
#include "hv/pmem.h"
#include "snapshot/snap.h"

#define SECTORS_PER_BLOCK (SNAP_BLOCK_SIZE / ATA_SECTOR_SIZE)

static struct ata_disk disk;

/*
 * Fault injection (faults=SEED, for the torture): about 1 in FAULT_ONE_IN
 * writes and flushes fail; half of the failed writes first reach the disk,
 * as when a disk reports an error for a write it did complete. Reads never
 * fail: a lazy restore that cannot read a page stops the guest by design.
 */
#define FAULT_ONE_IN 48u
static uint64_t fault_state; /* xorshift64; 0: off */
static uint64_t faults_injected;

void disk_inject_faults(uint32_t seed)
{
	fault_state = seed ? 0x9E3779B97F4A7C15ull ^ seed : 0;
	if (seed)
		kprintf("amber: disk: FAULT INJECTION on (seed %u): 1 in %u snapshot writes and flushes fail\n",
			seed, FAULT_ONE_IN);
}

static uint64_t fault_next(void)
{
	fault_state ^= fault_state << 13;
	fault_state ^= fault_state >> 7;
	fault_state ^= fault_state << 17;
	return fault_state;
}

/* 0: go on; 1: fail after doing it; 2: fail without doing it. */
static int fault(void)
{
	if (!fault_state)
		return 0;
	uint64_t r = fault_next();
	if (r % FAULT_ONE_IN)
		return 0;
	faults_injected++;
	return (r >> 32) & 1 ? 1 : 2;
}

/* The store calls with whole 4 KiB blocks; ATA counts in sectors. Reads
 * and synchronous writes need no wait for the queue: ata.c lets the DMA
 * command on the wire end first, and the store never reads a block still
 * in flight nor writes one twice at once (snapshot/io.c). */
static int d_read(void *ctx, uint64_t blk, uint32_t n, void *buf)
{
	return ata_read(ctx, blk * SECTORS_PER_BLOCK, n * SECTORS_PER_BLOCK, buf) ? -1 : 0;
}

static int d_write(void *ctx, uint64_t blk, uint32_t n, const void *buf)
{
	int f = fault();
	if (f == 2)
		return -1;
	int e = ata_write(ctx, blk * SECTORS_PER_BLOCK, n * SECTORS_PER_BLOCK, buf) ? -1 : 0;
	return f ? -1 : e;
}

/* ---- asynchronous writes over bus-master DMA ---- */

#define DMA_QUEUE (2 * SNAP_IO_SLOTS) /* the store has at most SNAP_IO_SLOTS in flight */

enum { RQ_FREE, RQ_QUEUED, RQ_ACTIVE, RQ_DONE };

static struct dma_rq {
	int state;
	int fault;          /* fault(): 1 report failure after doing it */
	int result;         /* when DONE */
	uint64_t seq;       /* submission order: the channel keeps it */
	uint64_t blk;
	uint32_t n;
	const void *buf;
} rq[DMA_QUEUE];
static uint64_t rq_seq;
static struct dma_rq *rq_active;
static int pio_fallback_said;

static void rq_done(struct dma_rq *r, int e)
{
	r->state = RQ_DONE;
	r->result = e || r->fault ? -1 : 0;
	if (e)
		kprintf("amber: disk: %s\n", ata_last_error());
}

/* One look at the channel: the active request finished, or the oldest
 * queued one starts. Returns without waiting. */
static void rq_pump(void)
{
	for (;;) {
		if (rq_active) {
			int e = ata_dma_poll(&disk, 0);
			if (e == 1)
				return;
			rq_done(rq_active, e);
			rq_active = NULL;
		}
		struct dma_rq *next = NULL;
		for (unsigned i = 0; i < DMA_QUEUE; i++)
			if (rq[i].state == RQ_QUEUED && (!next || rq[i].seq < next->seq))
				next = &rq[i];
		if (!next)
			return;
		uint64_t lba = next->blk * SECTORS_PER_BLOCK;
		uint32_t sectors = next->n * SECTORS_PER_BLOCK;
		int e = ata_dma_write_start(&disk, lba, sectors, next->buf);
		if (e == HV_ERANGE) {
			/* a buffer DMA cannot reach (above 4 GiB): PIO for it */
			if (!pio_fallback_said++)
				kprintf("amber: disk: %s; writing such buffers by PIO\n", ata_last_error());
			e = ata_write(&disk, lba, sectors, next->buf);
		} else if (!e) {
			next->state = RQ_ACTIVE;
			rq_active = next;
			continue;
		}
		rq_done(next, e);
	}
}

/* Every queued write reaches the disk (before a flush, which covers only
 * writes the disk has). */
static void rq_drain(void)
{
	for (rq_pump(); rq_active; rq_pump())
		cpu_pause();
}

static int d_submit(void *ctx, uint64_t blk, uint32_t n, const void *buf)
{
	(void)ctx;
	struct dma_rq *r = NULL;
	for (unsigned i = 0; i < DMA_QUEUE && !r; i++)
		if (rq[i].state == RQ_FREE)
			r = &rq[i];
	if (!r) {
		kprintf("amber: disk: more than %u writes in flight; refused\n", DMA_QUEUE);
		return -1;
	}
	*r = (struct dma_rq){ .state = RQ_QUEUED, .seq = ++rq_seq, .blk = blk, .n = n, .buf = buf };
	r->fault = fault();
	if (r->fault == 2)
		r->state = RQ_DONE, r->result = -1; /* failed without reaching the disk */
	rq_pump();
	return 0;
}

static int d_complete(void *ctx, const void *buf, int wait)
{
	(void)ctx;
	struct dma_rq *r = NULL;
	for (unsigned i = 0; i < DMA_QUEUE && !r; i++)
		if (rq[i].state != RQ_FREE && rq[i].buf == buf)
			r = &rq[i];
	if (!r)
		return -1;
	rq_pump();
	while (wait && r->state != RQ_DONE) {
		cpu_pause();
		rq_pump();
	}
	if (r->state != RQ_DONE)
		return 1;
	r->state = RQ_FREE;
	return r->result;
}

int disk_write_backlog(void)
{
	if (!disk.bm)
		return 0;
	rq_pump();
	int n = 0;
	for (unsigned i = 0; i < DMA_QUEUE; i++)
		n += rq[i].state == RQ_QUEUED || rq[i].state == RQ_ACTIVE;
	return n;
}

static int d_flush(void *ctx)
{
	rq_drain();
	int f = fault();
	if (f == 2)
		return -1;
	int e = ata_flush(ctx) ? -1 : 0;
	return f ? -1 : e;
}
static uint64_t d_size(void *ctx) { return ((struct ata_disk *)ctx)->sectors / SECTORS_PER_BLOCK; }
/*
 * Sizes of whole 64 KiB (the store's write buffers) come 64 KiB aligned:
 * a DMA region must not cross a 64 KiB boundary (SFF-8038i §1.2), so a
 * 128 KiB buffer is then two one-region commands instead of up to five
 * (ata.c). A table maps them back to the heap's pointers (by address, so
 * a caller's size at free does not matter); when it is full, allocations
 * are unaligned, which only costs DMA commands.
 */
#define DMA_ALIGN   0x10000u
#define ALIGNED_MAX (SNAP_IO_SLOTS + 4)
static struct { void *p, *raw; } aligned[ALIGNED_MAX];

static void *d_alloc(void *ctx, size_t n)
{
	(void)ctx;
	unsigned i = 0;
	while (i < ALIGNED_MAX && aligned[i].p)
		i++;
	if (!n || n % DMA_ALIGN || i == ALIGNED_MAX)
		return heap_alloc(n);
	void *raw = heap_alloc(n + DMA_ALIGN);
	if (!raw)
		return NULL;
	aligned[i].raw = raw;
	aligned[i].p = (void *)(((uintptr_t)raw + DMA_ALIGN - 1) & ~(uintptr_t)(DMA_ALIGN - 1));
	return aligned[i].p;
}

static void d_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	(void)n;
	for (unsigned i = 0; p && i < ALIGNED_MAX; i++)
		if (aligned[i].p == p) {
			p = aligned[i].raw;
			aligned[i].p = aligned[i].raw = NULL;
			break;
		}
	heap_free(p);
}

/* submit/complete are set when bus-master DMA is found (disk_open_store). */
static struct snap_io io = {
	.ctx = &disk, .read = d_read, .write = d_write, .flush = d_flush, .size = d_size,
	.alloc = d_alloc, .free = d_free, .now = NULL,
};

/* The heap comes from the frame allocator, sized for this guest and disk. */
static int heap_setup(uint64_t guest_frames)
{
	uint64_t bytes = disk_heap_bytes(guest_frames, disk.sectors / SECTORS_PER_BLOCK), pa;
	uint64_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	if (pmem_alloc_contig(pages, PAGE_SIZE, &pa)) {
		kprintf("amber: error: disk: snapshots of a %llu MiB guest need %llu MiB of hypervisor heap "
			"(8 MiB and a byte per guest page), and the machine has not "
			"that much free; lower mem= or give the machine more memory\n",
			(unsigned long long)(guest_frames >> 8), (unsigned long long)(bytes >> 20));
		return HV_ENOMEM;
	}
	heap_init((void *)(uintptr_t)pa, pages * PAGE_SIZE);
	return 0;
}

int disk_open_store(int format, uint64_t guest_frames, snap_store **out, int *damaged)
{
	char why[128];
	*out = NULL;
	*damaged = 0;
	if (ata_probe(&disk, why, sizeof why)) {
		kprintf("amber: disk: %s; snapshots disabled\n", why);
		return 0;
	}
	unsigned long long mib = disk.sectors >> 11;
	kprintf("amber: disk: ata0 '%s', %llu MiB%s\n", disk.model, mib, disk.lba48 ? ", LBA48" : "");
	if (!ata_dma_probe(&disk, why, sizeof why)) {
		io.submit = d_submit;
		io.complete = d_complete;
		kprintf("amber: disk: bus-master DMA at I/O %#x (%s): snapshot writes run while the guest does\n",
			disk.bm, why);
	} else {
		kprintf("amber: disk: PIO (no bus-master IDE: %s)\n", why);
	}
	if (heap_setup(guest_frames))
		return HV_ENOMEM;
	int e = snap_probe(&io);
	if (e == SNAP_ENOTSTORE) {
		if (!format) {
			kprintf("amber: disk: ata0 holds no Amber store; not touching it "
				"(boot with 'format' on the command line to create one)\n");
			return 0;
		}
		struct snap_format_opts fo = { .keep = 4, .force = 0 };
		e = snap_format(&io, &fo);
		if (e) {
			kprintf("amber: disk: format failed: %s (%s)\n", snap_strerror(e), ata_last_error());
			return 0;
		}
		kprintf("amber: disk: formatted an Amber store on ata0 (%llu MiB)\n", mib);
	} else if (e) {
		/* A store's magic with damage: the guest's world is on this disk,
		 * so no fresh start over it either. */
		kprintf("amber: error: disk: ata0 holds an Amber store that cannot be read: %s; "
			"the disk is left as it is (inspect it with snapctl)\n", snap_strerror(e));
		return HV_EINVAL;
	}
	snap_store *st = NULL;
	e = snap_open(&io, 0, &st);
	if (e == SNAP_ECORRUPT) {
		/* The newest superblock or its catalog is damaged: the previous
		 * commit (the other slot) is intact by the store's invariant 3. */
		kprintf("amber: disk: DAMAGE: the newest commit of the store cannot be read: %s\n",
			st ? snap_errmsg(st) : snap_strerror(e));
		if (st)
			snap_close(st);
		st = NULL;
		e = snap_open(&io, SNAP_OPEN_FALLBACK, &st);
		if (!e) {
			struct snap_fallback fb;
			snap_fallback_info(st, &fb);
			*damaged = 1;
			kprintf("amber: disk: FALLBACK: opened the previous commit (txid %llu, newest generation %llu): "
				"%s\n", (unsigned long long)snap_txid(st), (unsigned long long)snap_newest(st), fb.msg);
		}
	}
	if (e) {
		kprintf("amber: error: disk: cannot open the store: %s; the disk is left as it is "
			"(inspect it with snapctl)\n", st ? snap_errmsg(st) : snap_strerror(e));
		if (st)
			snap_close(st);
		return HV_EINVAL;
	}
	kprintf("amber: disk: store open, newest generation %llu\n", (unsigned long long)snap_newest(st));
	*out = st;
	return 0;
}

int disk_reopen_store(snap_store *old, snap_store **out)
{
	*out = NULL;
	if (old)
		snap_close(old);
	/* The closed store waited for its writes (snapshot/io.c); results it
	 * never asked for would only fill the queue. */
	rq_drain();
	for (unsigned i = 0; i < DMA_QUEUE; i++)
		rq[i].state = RQ_FREE;
	snap_store *st = NULL;
	int e = snap_open(&io, 0, &st);
	if (e) {
		kprintf("amber: disk: cannot reopen the store: %s\n", st ? snap_errmsg(st) : snap_strerror(e));
		if (st)
			snap_close(st);
		return e;
	}
	*out = st;
	return 0;
}
