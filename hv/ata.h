/*
 * hv/ata.h — ATA disk driver of the hypervisor: PIO, LBA48, polled.
 *
 * The snapshot disk is the master of the primary ATA channel (0x1F0),
 * where tools/amber-run attaches --disk on both Bochs and QEMU. Polled PIO
 * keeps the driver free of interrupt plumbing in VMX root; Bochs moves
 * ~40 MiB/s this way (../shared/notes/bochs.md).
 * Reference: ATA/ATAPI-8 ACS (T13/1699-D rev 6a), §7 commands, §6.2 status.
 */
#ifndef AMBER_HV_ATA_H
#define AMBER_HV_ATA_H

#include <stddef.h>
#include <stdint.h>

#define ATA_SECTOR_SIZE 512u

struct ata_disk {
	uint16_t io, ctl;       /* command block and control block base ports */
	int slave;
	uint64_t sectors;       /* capacity in 512-byte sectors */
	int lba48;
	char model[41];
};

/*
 * Finds a disk on the primary master. Returns 0, HV_ENOENT when there is
 * none (no device, or an ATAPI/CD device), HV_EINVAL when it answers
 * strangely; `why` then names what was seen.
 */
int ata_probe(struct ata_disk *d, char *why, size_t len);

/* Transfer `n` sectors at `lba`; 0 or HV_EINVAL (range), HV_ERANGE (device
 * error: status and error register in the message of ata_last_error()). */
int ata_read(struct ata_disk *d, uint64_t lba, uint32_t n, void *buf);
int ata_write(struct ata_disk *d, uint64_t lba, uint32_t n, const void *buf);
/* FLUSH CACHE (EXT): returns only when written sectors are on the medium. */
int ata_flush(struct ata_disk *d);

const char *ata_last_error(void);

#endif
