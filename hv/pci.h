/*
 * hv/pci.h — PCI configuration space, configuration mechanism #1 (ports
 * 0xCF8/0xCFC; PCI Local Bus Specification 3.0, §3.2.2.3.2), bus 0 only:
 * enough to find the IDE controller of the emulated PC (Bochs, QEMU
 * i440fx) and switch its bus mastering on.
 */
#ifndef AMBER_HV_PCI_H
#define AMBER_HV_PCI_H

#include <stdint.h>

/* Configuration header offsets (PCI 3.0 §6.1). */
#define PCI_VENDOR    0x00  /* 16 bits; 0xFFFF: no function */
#define PCI_DEVICE    0x02
#define PCI_COMMAND   0x04
#define   PCI_CMD_IO     (1u << 0)  /* respond to I/O space */
#define   PCI_CMD_MASTER (1u << 2)  /* may master the bus (DMA) */
#define PCI_CLASS_REV 0x08  /* class << 24 | subclass << 16 | prog-if << 8 | rev */
#define PCI_HEADER    0x0E  /* bit 7: multi-function device */
#define PCI_BAR(n)    (0x10 + 4 * (n))
#define   PCI_BAR_IO     1u         /* bit 0: an I/O space BAR */

struct pci_fn { uint8_t bus, dev, fn; };

uint32_t pci_read32(struct pci_fn f, uint8_t off);
void pci_write32(struct pci_fn f, uint8_t off, uint32_t v);
uint16_t pci_read16(struct pci_fn f, uint8_t off);
void pci_write16(struct pci_fn f, uint8_t off, uint16_t v);

/* The first function of bus 0 with this class and subclass: 0 and *out,
 * or HV_ENOENT. */
int pci_find_class(uint8_t cls, uint8_t sub, struct pci_fn *out);

#endif
