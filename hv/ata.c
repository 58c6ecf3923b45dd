/*
 * hv/ata.c — polled ATA driver: PIO, and bus-master DMA writes (see ata.h).
 */
#include "hv/ata.h"
#include "hv/cpu.h"
#include "hv/hv.h"
#include "hv/pci.h"
#include "hv/time.h"

/* Command block registers, offsets from the I/O base (ACS-2 §6). */
#define REG_DATA     0
#define REG_ERROR    1
#define REG_COUNT    2
#define REG_LBA0     3
#define REG_LBA1     4
#define REG_LBA2     5
#define REG_DEVICE   6
#define REG_STATUS   7 /* read */
#define REG_COMMAND  7 /* write */
/* Control block: device control (write) / alternate status (read). */
#define CTL_NIEN     0x02 /* no interrupts: we poll */
#define CTL_SRST     0x04 /* software reset of both devices (ACS-2 §6.2.6) */

#define ST_ERR  0x01
#define ST_DRQ  0x08
#define ST_DF   0x20
#define ST_DRDY 0x40
#define ST_BSY  0x80

#define DEV_LBA 0x40

#define CMD_READ_SECTORS_EXT  0x24
#define CMD_WRITE_SECTORS_EXT 0x34
#define CMD_READ_SECTORS      0x20
#define CMD_WRITE_SECTORS     0x30
#define CMD_FLUSH_CACHE_EXT   0xEA
#define CMD_FLUSH_CACHE       0xE7
#define CMD_IDENTIFY          0xEC
#define CMD_WRITE_DMA_EXT     0x35
#define CMD_WRITE_DMA         0xCA

/* Bus-master IDE registers of a channel (SFF-8038i §2; PIIX3 §2.7). */
#define BM_CMD        0
#define   BM_CMD_START  0x01 /* 0→1 starts at the PRD table, 1→0 stops */
#define   BM_CMD_TOMEM  0x08 /* direction: device to memory (reads) */
#define BM_STATUS     2
#define   BM_ST_ACTIVE  0x01 /* transferring; clears at the table's end */
#define   BM_ST_ERR     0x02 /* PCI error while transferring; write 1 to clear */
#define   BM_ST_IRQ     0x04 /* the device raised INTRQ; write 1 to clear */
#define   BM_ST_CAP     0x60 /* drive 0/1 DMA capable: software's bits, kept */
#define BM_PRDT       4      /* physical address of the PRD table, dword aligned */

/* A physical region descriptor: address, byte count (0 = 64 KiB) and the
 * end-of-table flag; a region must not cross a 64 KiB boundary, the table
 * not a 4 KiB one (SFF-8038i §1.2). */
#define PRD_EOT       0x80000000u
#define PRD_BOUNDARY  0x10000u

/* PCI class of an IDE controller and its programming interface (PCI Code
 * and ID Assignment Specification 1.9, §D.1). */
#define PCI_CLASS_STORAGE   0x01
#define PCI_SUBCLASS_IDE    0x01
#define IDE_PROGIF_PRI_NATIVE 0x01 /* primary channel not at 0x1F0 */
#define IDE_PROGIF_BUSMASTER  0x80

/* One command has at most two regions: the one table, 16-byte aligned so
 * it never crosses 4 KiB; in the image, below 4 GiB (identity map). */
static uint32_t prd[4] __attribute__((aligned(16)));

/* IDENTIFY DEVICE words (ACS-2 Table 45). */
#define ID_MODEL        27  /* 20 words, bytes swapped within each word */
#define ID_LBA28_SECT   60  /* 2 words */
#define ID_CMDSET2      83
#define   ID_CMDSET2_LBA48 (1u << 10)
#define ID_LBA48_SECT   100 /* 4 words */

#define MAX_PER_CMD  256u        /* sectors per command: 128 KiB */
#define POLL_LIMIT   50000000u   /* status reads before declaring a timeout */

static char last_err[128];

const char *ata_last_error(void) { return last_err; }

/* Waits until BSY clears, then until (status & mask) == want; bounded. */
static int wait_status(struct ata_disk *d, uint8_t mask, uint8_t want, const char *what)
{
	uint8_t st = 0;
	for (uint32_t i = 0; i < POLL_LIMIT; i++) {
		st = inb(d->io + REG_STATUS);
		if (st & ST_BSY)
			continue;
		if (st & (ST_ERR | ST_DF)) {
			amber_snprintf(last_err, sizeof last_err, "%s: status %02x error %02x", what, st,
				    inb(d->io + REG_ERROR));
			return HV_ERANGE;
		}
		if ((st & mask) == want)
			return 0;
	}
	amber_snprintf(last_err, sizeof last_err, "%s: timeout, status %02x", what, st);
	return HV_ERANGE;
}

/* 400 ns delay after selecting a device: four alternate-status reads. */
static void settle(struct ata_disk *d)
{
	for (int i = 0; i < 4; i++)
		(void)inb(d->ctl);
}

int ata_probe(struct ata_disk *d, char *why, size_t len)
{
	*d = (struct ata_disk){ .io = 0x1F0, .ctl = 0x3F6, .slave = 0 };
	outb(d->ctl, CTL_NIEN);
	outb(d->io + REG_DEVICE, 0xA0 | (d->slave << 4));
	settle(d);
	if (inb(d->io + REG_STATUS) == 0xFF) { /* floating bus: nothing attached */
		amber_snprintf(why, len, "no device on the primary ATA channel");
		return HV_ENOENT;
	}
	outb(d->io + REG_COUNT, 0);
	outb(d->io + REG_LBA0, 0);
	outb(d->io + REG_LBA1, 0);
	outb(d->io + REG_LBA2, 0);
	outb(d->io + REG_COMMAND, CMD_IDENTIFY);
	if (inb(d->io + REG_STATUS) == 0) {
		amber_snprintf(why, len, "no device on the primary master");
		return HV_ENOENT;
	}
	for (uint32_t i = 0; i < POLL_LIMIT && (inb(d->io + REG_STATUS) & ST_BSY); i++)
		;
	uint8_t sig1 = inb(d->io + REG_LBA1), sig2 = inb(d->io + REG_LBA2);
	if (sig1 || sig2) { /* 14/EB: ATAPI (a CD), 3C/C3: SATA bridge quirks */
		amber_snprintf(why, len, "primary master is not an ATA disk (signature %02x%02x)", sig1, sig2);
		return HV_ENOENT;
	}
	if (wait_status(d, ST_DRQ, ST_DRQ, "IDENTIFY")) {
		amber_snprintf(why, len, "%s", last_err);
		return HV_EINVAL;
	}
	uint16_t id[256];
	insw(d->io + REG_DATA, id, 256);
	d->lba48 = !!(id[ID_CMDSET2] & ID_CMDSET2_LBA48);
	if (d->lba48)
		d->sectors = id[ID_LBA48_SECT] | (uint64_t)id[ID_LBA48_SECT + 1] << 16 |
			     (uint64_t)id[ID_LBA48_SECT + 2] << 32 | (uint64_t)id[ID_LBA48_SECT + 3] << 48;
	else
		d->sectors = id[ID_LBA28_SECT] | (uint64_t)id[ID_LBA28_SECT + 1] << 16;
	for (int i = 0; i < 20; i++) {
		d->model[2 * i] = (char)(id[ID_MODEL + i] >> 8);
		d->model[2 * i + 1] = (char)id[ID_MODEL + i];
	}
	d->model[40] = '\0';
	for (int i = 39; i >= 0 && d->model[i] == ' '; i--)
		d->model[i] = '\0';
	if (!d->sectors) {
		amber_snprintf(why, len, "disk '%s' reports 0 sectors", d->model);
		return HV_EINVAL;
	}
	return 0;
}

static void issue(struct ata_disk *d, uint64_t lba, uint32_t n, uint8_t cmd48, uint8_t cmd28)
{
	uint16_t count = (uint16_t)(n == 65536 ? 0 : n);
	if (d->lba48) {
		outb(d->io + REG_DEVICE, DEV_LBA | (d->slave << 4));
		outb(d->io + REG_COUNT, (uint8_t)(count >> 8));
		outb(d->io + REG_LBA0, (uint8_t)(lba >> 24));
		outb(d->io + REG_LBA1, (uint8_t)(lba >> 32));
		outb(d->io + REG_LBA2, (uint8_t)(lba >> 40));
		outb(d->io + REG_COUNT, (uint8_t)count);
		outb(d->io + REG_LBA0, (uint8_t)lba);
		outb(d->io + REG_LBA1, (uint8_t)(lba >> 8));
		outb(d->io + REG_LBA2, (uint8_t)(lba >> 16));
		outb(d->io + REG_COMMAND, cmd48);
	} else {
		outb(d->io + REG_DEVICE, 0xE0 | (d->slave << 4) | (uint8_t)((lba >> 24) & 0xF));
		outb(d->io + REG_COUNT, (uint8_t)count);
		outb(d->io + REG_LBA0, (uint8_t)lba);
		outb(d->io + REG_LBA1, (uint8_t)(lba >> 8));
		outb(d->io + REG_LBA2, (uint8_t)(lba >> 16));
		outb(d->io + REG_COMMAND, cmd28);
	}
}

static int check_range(struct ata_disk *d, uint64_t lba, uint32_t n, const char *what)
{
	uint64_t lim = d->lba48 ? d->sectors : (d->sectors < (1u << 28) ? d->sectors : (1u << 28));
	if (n == 0 || lba > lim || n > lim - lba) {
		amber_snprintf(last_err, sizeof last_err, "%s of %u sectors at %llu: beyond the disk (%llu sectors)",
			    what, n, (unsigned long long)lba, (unsigned long long)lim);
		return HV_EINVAL;
	}
	return 0;
}

static void dma_settle(struct ata_disk *d);

/* PIO data-in or data-out, MAX_PER_CMD sectors per command (ACS-2 §7.23, §7.62). */
static int transfer(struct ata_disk *d, uint64_t lba, uint32_t n, uint8_t *p, int write)
{
	const char *what = write ? "write" : "read";
	dma_settle(d);
	int e = check_range(d, lba, n, what);
	while (!e && n) {
		uint32_t c = n < MAX_PER_CMD ? n : MAX_PER_CMD;
		if (write)
			issue(d, lba, c, CMD_WRITE_SECTORS_EXT, CMD_WRITE_SECTORS);
		else
			issue(d, lba, c, CMD_READ_SECTORS_EXT, CMD_READ_SECTORS);
		for (uint32_t s = 0; !e && s < c; s++, p += ATA_SECTOR_SIZE) {
			e = wait_status(d, ST_DRQ, ST_DRQ, what);
			if (e)
				break;
			if (write)
				outsw(d->io + REG_DATA, p, ATA_SECTOR_SIZE / 2);
			else
				insw(d->io + REG_DATA, p, ATA_SECTOR_SIZE / 2);
		}
		if (!e && write)
			e = wait_status(d, ST_BSY, 0, "write completion");
		lba += c;
		n -= c;
	}
	return e;
}

int ata_read(struct ata_disk *d, uint64_t lba, uint32_t n, void *buf)
{
	return transfer(d, lba, n, buf, 0);
}

int ata_write(struct ata_disk *d, uint64_t lba, uint32_t n, const void *buf)
{
	/* The buffer is only read (outsw): the cast keeps one transfer loop. */
	return transfer(d, lba, n, (uint8_t *)(uintptr_t)buf, 1);
}

int ata_flush(struct ata_disk *d)
{
	dma_settle(d);
	outb(d->io + REG_DEVICE, (d->lba48 ? DEV_LBA : 0xE0) | (d->slave << 4));
	outb(d->io + REG_COMMAND, d->lba48 ? CMD_FLUSH_CACHE_EXT : CMD_FLUSH_CACHE);
	return wait_status(d, ST_BSY, 0, "flush");
}

/* ---- bus-master DMA writes ---- */

int ata_dma_probe(struct ata_disk *d, char *why, size_t len)
{
	struct pci_fn f;
	d->bm = 0;
	if (pci_find_class(PCI_CLASS_STORAGE, PCI_SUBCLASS_IDE, &f)) {
		amber_snprintf(why, len, "no IDE controller on PCI bus 0");
		return HV_ENOENT;
	}
	uint16_t ven = pci_read16(f, PCI_VENDOR), dev = pci_read16(f, PCI_DEVICE);
	uint8_t progif = (uint8_t)(pci_read32(f, PCI_CLASS_REV) >> 8);
	uint32_t bar = pci_read32(f, PCI_BAR(4));
	int n = amber_snprintf(why, len, "IDE %04x:%04x at PCI %02x:%02x.%x", ven, dev, f.bus, f.dev, f.fn);
	size_t o = n > 0 && (size_t)n < len ? (size_t)n : 0;
	if (!(progif & IDE_PROGIF_BUSMASTER)) {
		amber_snprintf(why + o, len - o, " cannot master the bus (prog-if %02x)", progif);
		return HV_ENOTSUP;
	}
	if (progif & IDE_PROGIF_PRI_NATIVE) {
		amber_snprintf(why + o, len - o, " runs its primary channel in native mode, not at 0x1F0");
		return HV_ENOTSUP;
	}
	if (!(bar & PCI_BAR_IO) || !(bar & 0xFFFC) || (bar >> 16)) {
		amber_snprintf(why + o, len - o, " has no I/O range assigned for bus mastering (BAR4 %08x)", bar);
		return HV_ENOTSUP;
	}
	if ((uintptr_t)prd + sizeof prd > (1ull << 32)) {
		amber_snprintf(why + o, len - o, ": the PRD table is above 4 GiB (%p)", (void *)prd);
		return HV_ENOTSUP;
	}
	pci_write16(f, PCI_COMMAND, pci_read16(f, PCI_COMMAND) | PCI_CMD_IO | PCI_CMD_MASTER);
	uint16_t cmd = pci_read16(f, PCI_COMMAND);
	uint16_t bm = (uint16_t)(bar & 0xFFFC);
	if ((cmd & (PCI_CMD_IO | PCI_CMD_MASTER)) != (PCI_CMD_IO | PCI_CMD_MASTER)) {
		amber_snprintf(why + o, len - o, " refuses bus mastering (command register %04x)", cmd);
		return HV_ENOTSUP;
	}
	outb(bm + BM_CMD, 0);
	if (inb(bm + BM_STATUS) == 0xFF) {
		amber_snprintf(why + o, len - o, ": nothing answers at I/O %#x", bm);
		return HV_ENOTSUP;
	}
	d->bm = bm;
	d->dma.state = ATA_DMA_IDLE;
	return 0;
}

/* The next command of the write in flight: as many sectors as fit before
 * the next 64 KiB boundary (one region), or the one sector that straddles
 * it (two regions). Bochs 2.7 (iodev/pci_ide.cc) moves a command's first
 * region 1 ms of emulated time after the start bit and each further one
 * (bytes / 16) µs after the previous: one region per command is fastest. */
static void dma_cmd_start(struct ata_disk *d)
{
	uint64_t a = (uintptr_t)d->dma.p;
	uint32_t to_edge = PRD_BOUNDARY - (uint32_t)(a & (PRD_BOUNDARY - 1));
	uint32_t n = 1;
	if (to_edge >= ATA_SECTOR_SIZE) {
		n = to_edge / ATA_SECTOR_SIZE;
		if (n > d->dma.left)
			n = d->dma.left;
	}
	uint32_t bytes = n * ATA_SECTOR_SIZE, first = bytes < to_edge ? bytes : to_edge;
	prd[0] = (uint32_t)a;
	if (first == bytes) {
		prd[1] = PRD_EOT | (bytes & 0xFFFF); /* 0: 64 KiB */
	} else {
		prd[1] = first;
		prd[2] = (uint32_t)(a + first);
		prd[3] = PRD_EOT | (bytes - first);
	}
	d->dma.cmd_n = n;
	/* the table and the data are in memory before the device looks */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	outb(d->bm + BM_CMD, 0); /* stopped; direction: memory to device */
	outl(d->bm + BM_PRDT, (uint32_t)(uintptr_t)prd);
	outb(d->bm + BM_STATUS, (inb(d->bm + BM_STATUS) & BM_ST_CAP) | BM_ST_ERR | BM_ST_IRQ);
	issue(d, d->dma.lba, n, CMD_WRITE_DMA_EXT, CMD_WRITE_DMA);
	outb(d->bm + BM_CMD, BM_CMD_START);
	d->dma.t0 = rdtsc();
	d->dma.on_wire = 1;
}

/* Ends the write in flight with an error: the engine stopped, the command
 * aborted by a software reset of the channel, so PIO works again. */
static void dma_fail(struct ata_disk *d, uint8_t bs, uint8_t st, const char *what)
{
	amber_snprintf(last_err, sizeof last_err, "DMA write of %u sectors at %llu: %s (bus master %02x, "
		    "status %02x, error %02x)", d->dma.cmd_n, (unsigned long long)d->dma.lba, what, bs, st,
		    inb(d->io + REG_ERROR));
	outb(d->bm + BM_CMD, 0);
	outb(d->bm + BM_STATUS, (bs & BM_ST_CAP) | BM_ST_ERR | BM_ST_IRQ);
	outb(d->ctl, CTL_SRST | CTL_NIEN);
	settle(d);
	outb(d->ctl, CTL_NIEN);
	for (uint32_t i = 0; i < POLL_LIMIT && (inb(d->ctl) & ST_BSY); i++)
		;
	d->dma.state = ATA_DMA_DONE;
	d->dma.result = HV_ERANGE;
	d->dma.on_wire = 0;
}

/* One look at the command on the wire: still running, failed, or done
 * (then, if `chain`, the next one starts, or the write is DONE). */
static void dma_step(struct ata_disk *d, int chain)
{
	uint8_t bs = inb(d->bm + BM_STATUS), as = inb(d->ctl);
	if ((bs & BM_ST_ACTIVE) || (as & ST_BSY)) {
		if (!(as & ST_BSY) && (as & (ST_ERR | ST_DF)))
			dma_fail(d, bs, as, "the device reports an error");
		else if (rdtsc() - d->dma.t0 > time_tsc_hz() * ATA_DMA_TIMEOUT_S)
			dma_fail(d, bs, as, "no end within the timeout");
		return;
	}
	outb(d->bm + BM_CMD, 0);
	d->dma.on_wire = 0;
	uint8_t st = inb(d->io + REG_STATUS); /* also acknowledges INTRQ */
	outb(d->bm + BM_STATUS, (bs & BM_ST_CAP) | BM_ST_ERR | BM_ST_IRQ);
	if (bs & BM_ST_ERR) {
		dma_fail(d, bs, st, "bus-master error");
		return;
	}
	if (st & (ST_ERR | ST_DF)) {
		dma_fail(d, bs, st, "the device reports an error");
		return;
	}
	if (st & ST_DRQ) {
		dma_fail(d, bs, st, "the transfer ended before the device had every sector");
		return;
	}
	d->dma.p += (size_t)d->dma.cmd_n * ATA_SECTOR_SIZE;
	d->dma.lba += d->dma.cmd_n;
	d->dma.left -= d->dma.cmd_n;
	if (d->dma.left) {
		if (chain)
			dma_cmd_start(d);
	} else {
		d->dma.state = ATA_DMA_DONE;
		d->dma.result = 0;
	}
}

/* Before any PIO command: the DMA command on the wire ends first (the
 * channel does one command at a time); the rest of its write goes on at
 * the next ata_dma_poll(), which also reports a failure seen here. */
static void dma_settle(struct ata_disk *d)
{
	while (d->dma.state == ATA_DMA_ACTIVE && d->dma.on_wire) {
		dma_step(d, 0);
		cpu_pause();
	}
}

int ata_dma_write_start(struct ata_disk *d, uint64_t lba, uint32_t n, const void *buf)
{
	if (!d->bm || d->dma.state != ATA_DMA_IDLE) {
		amber_snprintf(last_err, sizeof last_err, "DMA write at %llu: %s", (unsigned long long)lba,
			    d->bm ? "another DMA write is in flight" : "no bus-master DMA");
		return HV_EINVAL;
	}
	int e = check_range(d, lba, n, "DMA write");
	if (e)
		return e;
	uint64_t a = (uintptr_t)buf;
	if ((a & 1) || a + (uint64_t)n * ATA_SECTOR_SIZE > (1ull << 32)) {
		amber_snprintf(last_err, sizeof last_err, "DMA write at %llu: buffer %p is odd or above 4 GiB",
			    (unsigned long long)lba, buf);
		return HV_ERANGE;
	}
	d->dma = (struct ata_dma){ .state = ATA_DMA_ACTIVE, .p = buf, .lba = lba, .left = n };
	dma_cmd_start(d);
	return 0;
}

int ata_dma_poll(struct ata_disk *d, int wait)
{
	for (;;) {
		if (d->dma.state == ATA_DMA_IDLE)
			return HV_ENOENT;
		if (d->dma.state == ATA_DMA_DONE) {
			d->dma.state = ATA_DMA_IDLE;
			return d->dma.result;
		}
		if (d->dma.on_wire)
			dma_step(d, 1);
		else
			dma_cmd_start(d);
		if (d->dma.state == ATA_DMA_ACTIVE) {
			if (!wait)
				return 1;
			cpu_pause();
		}
	}
}
