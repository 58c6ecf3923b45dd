/*
 * hv/disk.c — the snapshot store on the ATA disk (see disk.h): a snap_io
 * over ata.c and heap.c.
 */
#include "hv/ata.h"
#include "hv/disk.h"
#include "hv/heap.h"
#include "hv/hv.h"

#define SECTORS_PER_BLOCK (SNAP_BLOCK_SIZE / ATA_SECTOR_SIZE)
/* The store keeps 24 bytes per page written in a generation until it
 * commits (snap.h): the first generation of a 512 MiB guest needs 3 MiB. */
#define HEAP_BYTES (24u << 20)

static struct ata_disk disk;
static _Alignas(16) char heap_arena[HEAP_BYTES];

/* The store calls with whole 4 KiB blocks; ATA counts in sectors. */
static int d_read(void *ctx, uint64_t blk, uint32_t n, void *buf)
{
	return ata_read(ctx, blk * SECTORS_PER_BLOCK, n * SECTORS_PER_BLOCK, buf) ? -1 : 0;
}

static int d_write(void *ctx, uint64_t blk, uint32_t n, const void *buf)
{
	return ata_write(ctx, blk * SECTORS_PER_BLOCK, n * SECTORS_PER_BLOCK, buf) ? -1 : 0;
}

static int d_flush(void *ctx) { return ata_flush(ctx) ? -1 : 0; }
static uint64_t d_size(void *ctx) { return ((struct ata_disk *)ctx)->sectors / SECTORS_PER_BLOCK; }
static void *d_alloc(void *ctx, size_t n) { (void)ctx; return heap_alloc(n); }
static void d_free(void *ctx, void *p, size_t n) { (void)ctx; (void)n; heap_free(p); }

static const struct snap_io io = {
	.ctx = &disk, .read = d_read, .write = d_write, .flush = d_flush, .size = d_size,
	.alloc = d_alloc, .free = d_free, .now = NULL,
};

snap_store *disk_open_store(int format)
{
	char why[128];
	heap_init(heap_arena, sizeof heap_arena);
	if (ata_probe(&disk, why, sizeof why)) {
		kprintf("amber: disk: %s; snapshots disabled\n", why);
		return NULL;
	}
	unsigned long long mib = disk.sectors >> 11;
	kprintf("amber: disk: ata0 '%s', %llu MiB%s\n", disk.model, mib, disk.lba48 ? ", LBA48" : "");
	int e = snap_probe(&io);
	if (e == SNAP_ENOTSTORE) {
		if (!format) {
			kprintf("amber: disk: ata0 holds no Amber store; not touching it "
				"(boot with 'format' on the command line to create one)\n");
			return NULL;
		}
		struct snap_format_opts fo = { .keep = 4, .force = 0 };
		e = snap_format(&io, &fo);
		if (e) {
			kprintf("amber: disk: format failed: %s (%s)\n", snap_strerror(e), ata_last_error());
			return NULL;
		}
		kprintf("amber: disk: formatted an Amber store on ata0 (%llu MiB)\n", mib);
	} else if (e) {
		kprintf("amber: disk: ata0: %s; not touching it\n", snap_strerror(e));
		return NULL;
	}
	snap_store *st = NULL;
	e = snap_open(&io, 0, &st);
	if (e) {
		kprintf("amber: disk: cannot open the store: %s\n", st ? snap_errmsg(st) : snap_strerror(e));
		if (st)
			snap_close(st);
		return NULL;
	}
	kprintf("amber: disk: store open, newest generation %llu\n", (unsigned long long)snap_newest(st));
	return st;
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
