/*
 * hv/ata.h — ATA disk driver of the hypervisor: LBA48, polled, PIO and
 * bus-master DMA writes.
 *
 * The snapshot disk is the master of the primary ATA channel (0x1F0),
 * where tools/amber-run attaches --disk on both Bochs and QEMU. Polling
 * keeps the driver free of interrupt plumbing in VMX root (nIEN is set).
 * PIO costs the CPU a port access per 16-bit word (`rep outsw`): the
 * guest's time, since the writer runs between its exits. Where the PCI
 * bus has a bus-master IDE controller (PIIX3 on Bochs and QEMU i440fx),
 * writes go by DMA instead: ata_dma_write_start() programs the transfer
 * and returns; ata_dma_poll() notices its end later, at the next look.
 * Reads, IDENTIFY and FLUSH stay PIO; they first wait for the DMA command
 * on the wire (one command at a time on a channel; a write runs as
 * commands of up to 64 KiB), and its write goes on at the next poll.
 * References: ATA/ATAPI-8 ACS (T13/1699-D rev 6a), §7 commands, §6.2
 * status; SFF-8038i rev 1.0 (Bus Master Programming Interface for IDE
 * ATA Controllers) §1-2; Intel PIIX3 datasheet (290550) §2.7 bus master
 * IDE registers.
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
	uint16_t bm;            /* bus-master registers of this channel; 0: no DMA */
	struct ata_dma {        /* the DMA write in flight */
		int state;      /* ATA_DMA_IDLE, _ACTIVE, _DONE */
		int result;     /* when DONE: 0 or HV_ERANGE */
		const uint8_t *p; /* next sector to send */
		uint64_t lba;
		uint32_t left;  /* sectors not yet in a finished command */
		uint32_t cmd_n; /* sectors of the command on the wire */
		uint64_t t0;    /* TSC at its start, for the timeout */
		int on_wire;    /* a command of it is running (else: the next one
		                 * starts at the next poll, after a PIO command) */
	} dma;
};

enum { ATA_DMA_IDLE, ATA_DMA_ACTIVE, ATA_DMA_DONE };

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

/*
 * Finds the bus-master IDE controller on PCI bus 0 and turns its I/O
 * decoding and bus mastering on. 0 (d->bm set), or HV_ENOENT / HV_ENOTSUP
 * with `why` naming what is missing: DMA is then not used.
 */
int ata_dma_probe(struct ata_disk *d, char *why, size_t len);
/*
 * Starts a DMA write of n sectors at lba from buf and returns at once
 * (the transfer runs as commands of up to 64 KiB, each started by the
 * next poll of the previous one's end). buf must stay unchanged, and no
 * other DMA write may start, until ata_dma_poll() returned its result.
 * HV_EINVAL: range, no DMA, or a write already in flight; HV_ERANGE: buf
 * lies above 4 GiB (PRD addresses are 32 bits): write it by PIO instead.
 */
int ata_dma_write_start(struct ata_disk *d, uint64_t lba, uint32_t n, const void *buf);
/*
 * The write started: 1 while in flight (wait = 0), else its result once:
 * 0, or HV_ERANGE (device or bus-master error, or no end within
 * ATA_DMA_TIMEOUT_S: ata_last_error() says which; the channel is reset).
 * HV_ENOENT when no write was started.
 */
int ata_dma_poll(struct ata_disk *d, int wait);
#define ATA_DMA_TIMEOUT_S 10u

#endif
