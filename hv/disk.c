/*
 * hv/disk.c — the snapshot store on the ATA disk (see disk.h): a snap_io
 * over ata.c and heap.c.
 */
#include "hv/ata.h"
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

/* The store calls with whole 4 KiB blocks; ATA counts in sectors. */
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

static int d_flush(void *ctx)
{
	int f = fault();
	if (f == 2)
		return -1;
	int e = ata_flush(ctx) ? -1 : 0;
	return f ? -1 : e;
}
static uint64_t d_size(void *ctx) { return ((struct ata_disk *)ctx)->sectors / SECTORS_PER_BLOCK; }
static void *d_alloc(void *ctx, size_t n) { (void)ctx; return heap_alloc(n); }
static void d_free(void *ctx, void *p, size_t n) { (void)ctx; (void)n; heap_free(p); }

static const struct snap_io io = {
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
