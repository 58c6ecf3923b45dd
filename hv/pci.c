/*
 * hv/pci.c — PCI configuration mechanism #1 (see pci.h).
 */
#include "hv/pci.h"
#include "hv/cpu.h"
#include "hv/hv.h"

#define CFG_ADDR   0xCF8
#define CFG_DATA   0xCFC
#define CFG_ENABLE (1u << 31)

static uint32_t addr(struct pci_fn f, uint8_t off)
{
	return CFG_ENABLE | (uint32_t)f.bus << 16 | (uint32_t)(f.dev & 31) << 11 |
	       (uint32_t)(f.fn & 7) << 8 | (off & 0xFC);
}

uint32_t pci_read32(struct pci_fn f, uint8_t off)
{
	outl(CFG_ADDR, addr(f, off));
	return inl(CFG_DATA);
}

void pci_write32(struct pci_fn f, uint8_t off, uint32_t v)
{
	outl(CFG_ADDR, addr(f, off));
	outl(CFG_DATA, v);
}

/* 16-bit fields through their dword: the other half is written back as read
 * (the command register's neighbour, status, is write-1-to-clear: 0 keeps it). */
uint16_t pci_read16(struct pci_fn f, uint8_t off)
{
	return (uint16_t)(pci_read32(f, off) >> ((off & 2) * 8));
}

void pci_write16(struct pci_fn f, uint8_t off, uint16_t v)
{
	uint32_t d = pci_read32(f, off), sh = (off & 2) * 8;
	uint32_t keep = off == PCI_COMMAND ? 0 : d & ~(0xFFFFu << sh); /* status: W1C */
	pci_write32(f, off, keep | (uint32_t)v << sh);
}

int pci_find_class(uint8_t cls, uint8_t sub, struct pci_fn *out)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		for (uint8_t fn = 0; fn < 8; fn++) {
			struct pci_fn f = { 0, dev, fn };
			if (pci_read16(f, PCI_VENDOR) == 0xFFFF) {
				if (fn == 0)
					break; /* no device: no other functions either */
				continue;
			}
			uint32_t cr = pci_read32(f, PCI_CLASS_REV);
			if ((cr >> 24) == cls && ((cr >> 16) & 0xFF) == sub) {
				*out = f;
				return 0;
			}
			if (fn == 0 && !(pci_read32(f, PCI_HEADER & 0xFC) >> 16 & 0x80))
				break; /* single-function device */
		}
	}
	return HV_ENOENT;
}
