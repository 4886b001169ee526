/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI enumeration: functions on bus 0 and behind bridges, their IDs and BARs, capability lists, driver matching. */
#include <mote/errno.h>
#include "drivers/pci/config.h"
#include "drivers/pci/pci.h"
#include "kernel/heap.h"
#include "kernel/kva.h"
#include "kernel/log.h"
#include "lib/format.h"

/*
 * Bridges nest no deeper than this below bus 0. A PCIe switch costs two
 * levels, so real hierarchies stay well below it; the bus bitmap already
 * stops loops, this only bounds the recursion.
 */
#define MAX_BRIDGE_DEPTH	16

/* PCI Local Bus 3.0 §6.7: capabilities live after the 64-byte header; a list has at most 48 of them. */
#define CAP_FIRST		0x40
#define CAP_LAST		0xfc
#define CAP_MAX			((0x100 - CAP_FIRST) / 4)

/* PCI Local Bus 3.0 §6.2.5.1: BAR bit 0 selects I/O, bits 2:1 a memory BAR's type, bit 3 prefetchable. */
#define BAR_IO			0x1u
#define BAR_MEM_TYPE_MASK	0x6u
#define BAR_MEM_TYPE_32		0x0u
#define BAR_MEM_TYPE_1M		0x2u	/* "below 1 MiB", reserved since PCI 2.2 */
#define BAR_MEM_TYPE_64		0x4u
#define BAR_PREFETCH		0x8u

/* Physical addresses above what x86_64 paging can express (52 bits) are not real. */
#define PHYS_LIMIT		(1ull << 52)

static bool enumerated;
static bool present;
static uint8_t bus_seen[256 / 8];
static unsigned int nfunctions;

bool pci_enumerated(void)
{
	return enumerated;
}

const char *pci_config_method(void)
{
	return present ? pci_cfg_method() : "none";
}

struct pci_device *pci_from_device(struct device *dev)
{
	return dev && dev->bus == BUS_PCI ? dev->bus_data : NULL;
}

bool pci_match_id(struct device *dev, const struct pci_id *table)
{
	struct pci_device *p = pci_from_device(dev);

	if (!p || !table)
		return false;
	for (; table->vendor || table->device; table++) {
		if ((table->vendor == PCI_ANY_ID || table->vendor == p->vendor) &&
		    (table->device == PCI_ANY_ID || table->device == p->device))
			return true;
	}
	return false;
}

uint8_t pci_read8(struct pci_device *dev, unsigned int off)
{
	return (uint8_t)pci_cfg_read(dev->bus, dev->slot, dev->func, off, 1);
}

uint16_t pci_read16(struct pci_device *dev, unsigned int off)
{
	return (uint16_t)pci_cfg_read(dev->bus, dev->slot, dev->func, off, 2);
}

uint32_t pci_read32(struct pci_device *dev, unsigned int off)
{
	return pci_cfg_read(dev->bus, dev->slot, dev->func, off, 4);
}

void pci_write8(struct pci_device *dev, unsigned int off, uint8_t v)
{
	pci_cfg_write(dev->bus, dev->slot, dev->func, off, 1, v);
}

void pci_write16(struct pci_device *dev, unsigned int off, uint16_t v)
{
	pci_cfg_write(dev->bus, dev->slot, dev->func, off, 2, v);
}

void pci_write32(struct pci_device *dev, unsigned int off, uint32_t v)
{
	pci_cfg_write(dev->bus, dev->slot, dev->func, off, 4, v);
}

int pci_find_cap(struct pci_device *dev, uint8_t cap_id, int start)
{
	uint64_t seen = 0;	/* one bit per 4-byte slot from CAP_FIRST: a revisit is a loop */
	unsigned int off;

	if (dev->header_type > 2 || !(pci_read16(dev, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	if (start == 0) {
		/* CardBus bridges keep the pointer elsewhere (PCI Local Bus 3.0 §6.7 note). */
		off = pci_read8(dev, dev->header_type == 2 ? 0x14 : PCI_CAP_PTR);
	} else {
		if (start < CAP_FIRST || start > CAP_LAST || (start & 3)) {
			pr_warn("%s: capability search from bad offset %#x\n", dev->dev.name, start);
			return 0;
		}
		off = pci_read8(dev, (unsigned int)start + 1);
	}
	for (unsigned int n = 0; n <= CAP_MAX; n++) {
		/* §6.7: the two low bits of a pointer are reserved and must be masked. */
		off &= 0xfc;
		if (off == 0)
			return 0;
		if (off < CAP_FIRST) {
			pr_warn("%s: capability pointer %#x points into the header; list ignored from there\n",
				dev->dev.name, off);
			return 0;
		}
		if (seen & (1ull << ((off - CAP_FIRST) / 4))) {
			pr_warn("%s: capability list loops at %#x\n", dev->dev.name, off);
			return 0;
		}
		seen |= 1ull << ((off - CAP_FIRST) / 4);
		if (pci_read8(dev, off) == cap_id)
			return (int)off;
		off = pci_read8(dev, off + 1);
	}
	return 0;	/* not reached: 48 slots, each seen once */
}

static bool bar_kind_assigned(struct pci_device *dev, bool io, bool *any)
{
	bool ok = true;

	*any = false;
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		if (!dev->bar[i].size || dev->bar[i].is_io != io)
			continue;
		*any = true;
		if (!dev->bar[i].base)
			ok = false;
	}
	return ok;
}

void pci_enable(struct pci_device *dev)
{
	uint16_t cmd = pci_read16(dev, PCI_COMMAND);
	bool any_mem, any_io;

	/* A BAR firmware left at 0 would decode over RAM or legacy ports: keep that kind off. */
	if (bar_kind_assigned(dev, false, &any_mem) && any_mem)
		cmd |= PCI_COMMAND_MEMORY;
	else if (any_mem)
		pr_warn("%s: memory BARs not assigned by firmware; memory decoding left off\n", dev->dev.name);
	if (bar_kind_assigned(dev, true, &any_io) && any_io)
		cmd |= PCI_COMMAND_IO;
	else if (any_io)
		pr_warn("%s: I/O BARs not assigned by firmware; I/O decoding left off\n", dev->dev.name);
	pci_write16(dev, PCI_COMMAND, cmd | PCI_COMMAND_MASTER);
}

void *pci_map_bar(struct pci_device *dev, int bar)
{
	struct pci_bar *b;

	if (bar < 0 || bar >= PCI_NUM_BARS)
		return NULL;
	b = &dev->bar[bar];
	if (!b->size || b->is_io || !b->base)
		return NULL;
	if (!b->virt) {
		b->virt = ioremap(b->base, b->size);
		if (!b->virt)
			pr_warn("%s: cannot map BAR%d (%#lx, %#lx bytes)\n", dev->dev.name, bar, b->base,
				b->size);
	}
	return b->virt;
}

/*
 * Reads BAR i's address and size (PCI Local Bus 3.0 §6.2.5.1): write all
 * ones, read back which address bits stick, restore. Returns the number of
 * BAR slots used (2 for a 64-bit BAR). A BAR that makes no sense is
 * reported and left at size 0, so nothing maps it.
 */
static int bar_probe(struct pci_device *dev, int i, int nbars)
{
	unsigned int off = PCI_BAR0 + 4 * (unsigned int)i;
	struct pci_bar *b = &dev->bar[i];
	uint32_t lo = pci_read32(dev, off), hi = 0, mlo, mhi = 0;
	uint64_t base, writable, size, limit;
	int used = 1;

	if (lo & BAR_IO) {
		pci_write32(dev, off, 0xffffffffu);
		mlo = pci_read32(dev, off);
		pci_write32(dev, off, lo);
		writable = mlo & ~3u;
		base = lo & ~3u;
		b->is_io = true;
	} else {
		uint32_t type = lo & BAR_MEM_TYPE_MASK;

		if (type == BAR_MEM_TYPE_64) {
			if (i + 1 >= nbars) {
				pr_warn("%s: BAR%d is 64-bit but has no upper half; ignored\n", dev->dev.name, i);
				return 1;
			}
			hi = pci_read32(dev, off + 4);
			pci_write32(dev, off + 4, 0xffffffffu);
			mhi = pci_read32(dev, off + 4);
			pci_write32(dev, off + 4, hi);
			b->is_64 = true;
			used = 2;
		} else if (type != BAR_MEM_TYPE_32 && type != BAR_MEM_TYPE_1M) {
			pr_warn("%s: BAR%d has reserved memory type %u; ignored\n", dev->dev.name, i, type >> 1);
			return 1;
		}
		pci_write32(dev, off, 0xffffffffu);
		mlo = pci_read32(dev, off);
		pci_write32(dev, off, lo);
		writable = (uint64_t)mhi << 32 | (mlo & ~0xfu);
		base = (uint64_t)hi << 32 | (lo & ~0xfu);
		b->prefetchable = lo & BAR_PREFETCH;
	}
	if (!writable && !b->is_64) {
		b->is_io = b->prefetchable = false;
		return 1;		/* not implemented: no address bit sticks */
	}
	/*
	 * The lowest address bit that sticks is the size; bits above it may be
	 * hardwired to 0 (an I/O BAR's upper 16, a 64-bit BAR's top ones), as
	 * Linux also allows. The base must be aligned to the size and fit.
	 */
	size = writable & -writable;
	limit = b->is_io ? 0x10000 : PHYS_LIMIT;
	if (size == 0 || (base & (size - 1)) || base >= limit || size > limit - base) {
		pr_warn("%s: BAR%d reads back base %#lx mask %#lx, which is not a valid BAR; ignored\n",
			dev->dev.name, i, base, writable);
		b->is_io = b->is_64 = b->prefetchable = false;
		return used;
	}
	b->base = base;
	b->size = size;
	return used;
}

static void bars_probe(struct pci_device *dev)
{
	int nbars = dev->header_type == 0 ? 6 : dev->header_type == 1 ? 2 : 0;
	uint16_t cmd;
	bool host_bridge = dev->class == 0x06 && dev->subclass == 0x00;

	if (!nbars)
		return;
	/*
	 * While a BAR holds all ones the function would decode a bogus
	 * window, so decoding is off during sizing (§6.2.5.1). Host bridges
	 * keep theirs: on some the bit gates all memory behind them.
	 */
	cmd = pci_read16(dev, PCI_COMMAND);
	if (!host_bridge)
		pci_write16(dev, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (int i = 0; i < nbars;)
		i += bar_probe(dev, i, nbars);
	if (!host_bridge)
		pci_write16(dev, PCI_COMMAND, cmd);
}

static void scan_bus(unsigned int bus, unsigned int depth);

static void bridge_scan(struct pci_device *dev, unsigned int depth)
{
	unsigned int secondary = pci_read8(dev, PCI_SECONDARY_BUS);
	unsigned int subordinate = pci_read8(dev, PCI_SUBORDINATE_BUS);

	/* We assign no bus numbers: firmware (SeaBIOS, qboot) does, a PVH boot without it leaves 0. */
	if (secondary == 0) {
		pr_warn("%s: bridge has no bus number (not set up by firmware); devices behind it are not used\n",
			dev->dev.name);
		return;
	}
	if (secondary <= dev->bus || subordinate < secondary) {
		pr_warn("%s: bridge bus numbers %u-%u make no sense below bus %u; not scanned\n",
			dev->dev.name, secondary, subordinate, dev->bus);
		return;
	}
	if (depth + 1 > MAX_BRIDGE_DEPTH) {
		pr_warn("%s: bridges nested deeper than %d; bus %u not scanned\n", dev->dev.name,
			MAX_BRIDGE_DEPTH, secondary);
		return;
	}
	scan_bus(secondary, depth + 1);
}

static void function_add(unsigned int bus, unsigned int slot, unsigned int func, unsigned int depth)
{
	struct pci_device *dev = kcalloc(1, sizeof(*dev));
	uint8_t hdr;

	if (!dev) {
		pr_warn("pci %02x:%02x.%x: out of memory; function not used\n", bus, slot, func);
		return;
	}
	dev->bus = (uint8_t)bus;
	dev->slot = (uint8_t)slot;
	dev->func = (uint8_t)func;
	fmt_snprintf(dev->dev.name, sizeof(dev->dev.name), "pci 0000:%02x:%02x.%x", bus, slot, func);
	dev->vendor = pci_read16(dev, PCI_VENDOR_ID);
	dev->device = pci_read16(dev, PCI_DEVICE_ID);
	dev->revision = pci_read8(dev, PCI_REVISION);
	dev->prog_if = pci_read8(dev, PCI_PROG_IF);
	dev->subclass = pci_read8(dev, PCI_SUBCLASS);
	dev->class = pci_read8(dev, PCI_CLASS);
	hdr = pci_read8(dev, PCI_HEADER_TYPE);
	dev->header_type = hdr & 0x7f;
	if (dev->header_type > 2)
		pr_warn("%s: unknown header type %u; only its IDs are used\n", dev->dev.name, dev->header_type);
	if (dev->header_type == 0) {
		dev->subsys_vendor = pci_read16(dev, PCI_SUBSYS_VENDOR);
		dev->subsys_device = pci_read16(dev, PCI_SUBSYS_ID);
	} else if (dev->header_type == 1) {
		/* Bridges that have subsystem IDs give them in a capability (PCI-to-PCI Bridge 1.2 §3.2.5.13). */
		int cap = pci_find_cap(dev, PCI_CAP_SUBSYS, 0);

		if (cap) {
			dev->subsys_vendor = pci_read16(dev, (unsigned int)cap + 4);
			dev->subsys_device = pci_read16(dev, (unsigned int)cap + 6);
		}
	}
	dev->irq_line = 0xff;
	if (dev->header_type <= 2) {
		dev->irq_pin = pci_read8(dev, PCI_IRQ_PIN);
		dev->irq_line = pci_read8(dev, PCI_IRQ_LINE);
		if (dev->irq_pin > 4) {
			pr_warn("%s: interrupt pin %u does not exist; INTx not used\n", dev->dev.name,
				dev->irq_pin);
			dev->irq_pin = 0;
		}
	}
	bars_probe(dev);
	fmt_snprintf(dev->desc, sizeof(dev->desc), "vendor %04x device %04x class %02x.%02x", dev->vendor,
		     dev->device, dev->class, dev->subclass);
	dev->dev.bus = BUS_PCI;
	dev->dev.bus_data = dev;
	dev->dev.desc = dev->desc;
	device_add(&dev->dev);
	nfunctions++;
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *b = &dev->bar[i];

		if (b->size)
			pr_debug("%s: BAR%d %s %#lx size %#lx%s%s\n", dev->dev.name, i, b->is_io ? "io" : "mem",
				 b->base, b->size, b->is_64 ? " 64-bit" : "", b->prefetchable ? " prefetchable" : "");
	}
	if (dev->header_type == 1)
		bridge_scan(dev, depth);
}

static void scan_bus(unsigned int bus, unsigned int depth)
{
	if (bus_seen[bus / 8] & (1u << (bus % 8))) {
		pr_warn("pci: bus %u reached twice (overlapping bridges); scanned once\n", bus);
		return;
	}
	bus_seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
	for (unsigned int slot = 0; slot < 32; slot++) {
		uint16_t vendor = (uint16_t)pci_cfg_read(bus, slot, 0, PCI_VENDOR_ID, 2);
		unsigned int nfunc;

		/* All ones: nothing answers; 0 is no vendor either (PCI Code and ID Assignment 1.11 §1). */
		if (vendor == 0xffff || vendor == 0)
			continue;
		nfunc = pci_cfg_read(bus, slot, 0, PCI_HEADER_TYPE, 1) & 0x80 ? 8 : 1;
		for (unsigned int func = 0; func < nfunc; func++) {
			if (func) {
				vendor = (uint16_t)pci_cfg_read(bus, slot, func, PCI_VENDOR_ID, 2);
				if (vendor == 0xffff || vendor == 0)
					continue;
			}
			function_add(bus, slot, func, depth);
		}
	}
}

void pci_enumerate(void)
{
	uint16_t vendor;

	if (enumerated)
		return;
	enumerated = true;
	pci_cfg_init();
	/* Without a host bridge at 00:00.0 there is no PCI (microvm): stop after one read. */
	vendor = (uint16_t)pci_cfg_read(0, 0, 0, PCI_VENDOR_ID, 2);
	if (vendor == 0xffff || vendor == 0) {
		pr_debug("pci: no host bridge\n");
		return;
	}
	present = true;
	scan_bus(0, 0);
	pr_debug("pci: %u functions, configuration through %s\n", nfunctions, pci_cfg_method());
}
