/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI bus: enumeration, configuration space, BARs, capabilities and interrupts (MSI-X, MSI, INTx) for drivers. */
#ifndef DRIVERS_PCI_PCI_H
#define DRIVERS_PCI_PCI_H

#include <mote/compiler.h>
#include <mote/types.h>
#include "arch/x86_64/trap.h"
#include "kernel/device.h"

/* Configuration header offsets, PCI Local Bus 3.0 §6.1 (type 0) and PCI-to-PCI Bridge 1.2 §3.2 (type 1). */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION		0x08
#define PCI_PROG_IF		0x09
#define PCI_SUBCLASS		0x0a
#define PCI_CLASS		0x0b
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_SUBSYS_VENDOR	0x2c
#define PCI_SUBSYS_ID		0x2e
#define PCI_CAP_PTR		0x34
#define PCI_IRQ_LINE		0x3c
#define PCI_IRQ_PIN		0x3d
#define PCI_SECONDARY_BUS	0x19	/* type 1 */
#define PCI_SUBORDINATE_BUS	0x1a	/* type 1 */

#define PCI_COMMAND_IO		0x0001
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_COMMAND_MASTER	0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_CAP_LIST	0x0010

/* Capability IDs, PCI Code and ID Assignment Specification 1.11 §2. */
#define PCI_CAP_MSI		0x05
#define PCI_CAP_VENDOR		0x09
#define PCI_CAP_SUBSYS		0x0d	/* subsystem IDs of a bridge */
#define PCI_CAP_EXP		0x10
#define PCI_CAP_MSIX		0x11

#define PCI_NUM_BARS		6
#define PCI_ANY_ID		0xffff

struct pci_bar {
	uint64_t base;		/* physical address, or the first I/O port; 0: firmware assigned none */
	uint64_t size;		/* 0: no such BAR (or it was rejected) */
	bool is_io;
	bool is_64;		/* this BAR and the next slot form one 64-bit address */
	bool prefetchable;
	void *virt;		/* pci_map_bar()'s mapping, kept so that the window is mapped once */
};

struct pci_device {
	struct device dev;	/* dev.bus == BUS_PCI, dev.bus_data points back here */
	uint8_t bus, slot, func;
	uint16_t vendor, device;
	uint8_t class, subclass, prog_if, revision;
	uint16_t subsys_vendor, subsys_device;
	uint8_t header_type;	/* without the multi-function bit: 0 device, 1 PCI-to-PCI bridge, 2 CardBus */
	uint8_t irq_line;	/* what firmware wrote (the ISA IRQ on pc/q35); 0xff: none */
	uint8_t irq_pin;	/* 1..4 = INTA#..INTD#, 0: no legacy interrupt */
	struct pci_bar bar[PCI_NUM_BARS];
	/* Interrupt state, so that a second enable is refused. */
	uint8_t irq_mode;	/* enum pci_irq_mode */
	uint16_t msix_size;	/* entries in the MSI-X table */
	volatile uint32_t *msix_table;
	char desc[48];
};

enum pci_irq_mode { PCI_IRQ_NONE, PCI_IRQ_MSIX, PCI_IRQ_MSI, PCI_IRQ_INTX };

/* Matches devices in a driver's table; PCI_ANY_ID matches every value, {0, 0} ends the table. */
struct pci_id {
	uint16_t vendor, device;
};

/*
 * Finds every PCI function on bus 0 and behind PCI-to-PCI bridges, sizes
 * their BARs and adds each to the device model (BUS_PCI). Costs two port
 * accesses where there is no PCI (microvm). Runs once; later calls return.
 */
void pci_enumerate(void);
bool pci_enumerated(void);
/* "ECAM", "ports 0xcf8/0xcfc", or "none" (no host bridge). */
const char *pci_config_method(void);

/* The PCI function behind a device of the device model, or NULL when it is on another bus. */
struct pci_device *pci_from_device(struct device *dev);
/* For a driver's match(): true when dev is a PCI function listed in table. */
bool pci_match_id(struct device *dev, const struct pci_id *table);

/*
 * Configuration space: off below 0x100, or 0x1000 with ECAM, aligned to
 * the access width. A bad offset reads as all ones and writes nothing.
 */
uint8_t pci_read8(struct pci_device *dev, unsigned int off);
uint16_t pci_read16(struct pci_device *dev, unsigned int off);
uint32_t pci_read32(struct pci_device *dev, unsigned int off);
void pci_write8(struct pci_device *dev, unsigned int off, uint8_t v);
void pci_write16(struct pci_device *dev, unsigned int off, uint16_t v);
void pci_write32(struct pci_device *dev, unsigned int off, uint32_t v);

/*
 * Turns on memory and I/O decoding for the kinds of BAR the function has
 * (only where firmware assigned every BAR of that kind) and bus mastering.
 */
void pci_enable(struct pci_device *dev);

/*
 * Maps memory BAR `bar` uncached (once; later calls return the same
 * address). NULL for an I/O BAR (its ports are dev->bar[bar].base), a
 * missing BAR or one firmware left unassigned.
 */
void *pci_map_bar(struct pci_device *dev, int bar);

/*
 * Offset of the first capability with ID cap_id after the one at `start`
 * (0: from the head of the list), or 0 when there is none. Call again with
 * the result to find repeated capabilities (virtio-pci's vendor ones). A
 * list that loops or points outside 0x40..0xff is reported and ends there.
 */
int pci_find_cap(struct pci_device *dev, uint8_t cap_id, int start);

/*
 * Interrupts, each delivered to this CPU's local APIC. Each turns on bus
 * mastering (a message is a memory write by the device) and disables INTx.
 *
 * MSI-X: nvec vectors, vector i calls fn(frame, args[i]) (args NULL: arg
 * NULL for all), entry i of the device's table is vector i; the vector
 * numbers go to vectors_out (may be NULL). 0 or a negative errno:
 * -ENODEV without the capability, -EINVAL when the table is smaller than
 * nvec (at most 64) or malformed, -ENOSPC without free vectors, -EBUSY when already on.
 */
int pci_enable_msix(struct pci_device *dev, unsigned int nvec, irq_handler_fn fn, void **args,
		    int *vectors_out);
/* One MSI vector calling fn(frame, arg): the vector number, or a negative errno as for MSI-X. */
int pci_enable_msi(struct pci_device *dev, irq_handler_fn fn, void *arg);
/*
 * The legacy interrupt pin through the I/O APIC, level-triggered and
 * possibly shared: fn must make the device deassert the line (on virtio,
 * read the ISR) and may be called when its device did not interrupt.
 * Returns the vector, or a negative errno (-ENODEV: no pin or no routing).
 */
int pci_enable_intx(struct pci_device *dev, irq_handler_fn fn, void *arg);
/* Masks or unmasks one MSI-X table entry (e.g. while a driver polls that queue). */
void pci_msix_mask(struct pci_device *dev, unsigned int entry, bool masked);

#endif
