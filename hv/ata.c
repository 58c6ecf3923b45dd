/*
 * hv/ata.c — polled PIO ATA driver (see ata.h).
 */
#include "hv/ata.h"
#include "hv/cpu.h"
#include "hv/hv.h"

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
			hv_snprintf(last_err, sizeof last_err, "%s: status %02x error %02x", what, st,
				    inb(d->io + REG_ERROR));
			return HV_ERANGE;
		}
		if ((st & mask) == want)
			return 0;
	}
	hv_snprintf(last_err, sizeof last_err, "%s: timeout, status %02x", what, st);
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
		hv_snprintf(why, len, "no device on the primary ATA channel");
		return HV_ENOENT;
	}
	outb(d->io + REG_COUNT, 0);
	outb(d->io + REG_LBA0, 0);
	outb(d->io + REG_LBA1, 0);
	outb(d->io + REG_LBA2, 0);
	outb(d->io + REG_COMMAND, CMD_IDENTIFY);
	if (inb(d->io + REG_STATUS) == 0) {
		hv_snprintf(why, len, "no device on the primary master");
		return HV_ENOENT;
	}
	for (uint32_t i = 0; i < POLL_LIMIT && (inb(d->io + REG_STATUS) & ST_BSY); i++)
		;
	uint8_t sig1 = inb(d->io + REG_LBA1), sig2 = inb(d->io + REG_LBA2);
	if (sig1 || sig2) { /* 14/EB: ATAPI (a CD), 3C/C3: SATA bridge quirks */
		hv_snprintf(why, len, "primary master is not an ATA disk (signature %02x%02x)", sig1, sig2);
		return HV_ENOENT;
	}
	if (wait_status(d, ST_DRQ, ST_DRQ, "IDENTIFY")) {
		hv_snprintf(why, len, "%s", last_err);
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
		hv_snprintf(why, len, "disk '%s' reports 0 sectors", d->model);
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
		hv_snprintf(last_err, sizeof last_err, "%s of %u sectors at %llu: beyond the disk (%llu sectors)",
			    what, n, (unsigned long long)lba, (unsigned long long)lim);
		return HV_EINVAL;
	}
	return 0;
}

/* PIO data-in or data-out, MAX_PER_CMD sectors per command (ACS-2 §7.23, §7.62). */
static int transfer(struct ata_disk *d, uint64_t lba, uint32_t n, uint8_t *p, int write)
{
	const char *what = write ? "write" : "read";
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
	outb(d->io + REG_DEVICE, (d->lba48 ? DEV_LBA : 0xE0) | (d->slave << 4));
	outb(d->io + REG_COMMAND, d->lba48 ? CMD_FLUSH_CACHE_EXT : CMD_FLUSH_CACHE);
	return wait_status(d, ST_BSY, 0, "flush");
}
