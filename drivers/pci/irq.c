/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI interrupts: MSI-X and MSI messages to this CPU's local APIC, INTx through the I/O APIC with sharing. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "drivers/pci/pci.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "plat/plat.h"

/* MSI-X capability, PCI Local Bus 3.0 §6.8.2: control, table offset/BIR. */
#define MSIX_CTRL		2
#define MSIX_CTRL_SIZE_MASK	0x07ff		/* table size - 1 */
#define MSIX_CTRL_MASKALL	0x4000
#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_TABLE		4
#define MSIX_BIR_MASK		0x7u
/* A table entry (§6.8.2.6-9): address low, address high, data, vector control (bit 0 masks). */
#define MSIX_ENTRY_SIZE		16
#define MSIX_ENTRY_WORDS	4
#define MSIX_ENTRY_ADDR_LO	0
#define MSIX_ENTRY_ADDR_HI	1
#define MSIX_ENTRY_DATA		2
#define MSIX_ENTRY_CTRL		3
#define MSIX_ENTRY_MASKED	0x1u

/* MSI capability, PCI Local Bus 3.0 §6.8.1: control, address, (upper address,) data, (mask bits). */
#define MSI_CTRL		2
#define MSI_CTRL_ENABLE		0x0001
#define MSI_CTRL_MME_MASK	0x0070		/* multiple message enable: 0 = one vector */
#define MSI_CTRL_64BIT		0x0080
#define MSI_CTRL_MASKABLE	0x0100
#define MSI_ADDR		4

/*
 * Intel SDM vol. 3A §11.11.1-2 (§10.11 in editions before 2023): the
 * address is 0xFEE in bits 31:20 and the destination APIC ID in 19:12,
 * with RH = 0 and DM = 0 (physical); the data's vector is bits 7:0, with
 * delivery mode 000 (fixed) and trigger mode 0 (edge) around it.
 */
#define MSI_ADDRESS_BASE	0xfee00000u
#define MSI_ADDRESS_DEST_SHIFT	12

static int msi_address(uint32_t *addr)
{
	uint32_t id = lapic_id();

	/* Wider x2APIC IDs need interrupt remapping, which is not set up. */
	if (id > 0xff)
		return -EINVAL;
	*addr = MSI_ADDRESS_BASE | id << MSI_ADDRESS_DEST_SHIFT;
	return 0;
}

/* MSI and MSI-X must not both be on (PCI Local Bus 3.0 §6.8): firmware may have left the other one enabled. */
static void other_msi_off(struct pci_device *dev, uint8_t cap_id, unsigned int ctrl_off, uint16_t enable)
{
	int cap = pci_find_cap(dev, cap_id, 0);

	if (cap) {
		uint16_t ctrl = pci_read16(dev, (unsigned int)cap + ctrl_off);

		if (ctrl & enable)
			pci_write16(dev, (unsigned int)cap + ctrl_off, (uint16_t)(ctrl & ~enable));
	}
}

/* Messages are memory writes by the device, so it needs bus mastering; INTx goes off (§6.8.1). */
static void irq_command(struct pci_device *dev, uint16_t set, uint16_t clear)
{
	uint16_t cmd = pci_read16(dev, PCI_COMMAND);

	pci_write16(dev, PCI_COMMAND, (uint16_t)((cmd | set) & ~clear));
}

int pci_enable_msix(struct pci_device *dev, unsigned int nvec, irq_handler_fn fn, void **args,
		    int *vectors_out)
{
	int cap = pci_find_cap(dev, PCI_CAP_MSIX, 0), vectors[64], r;
	uint16_t ctrl;
	uint32_t tbl, bir, table_off, addr, size;
	volatile uint32_t *table;
	uint8_t *bar;

	if (!cap)
		return -ENODEV;
	if (dev->irq_mode != PCI_IRQ_NONE)
		return -EBUSY;
	if (nvec == 0 || nvec > ARRAY_SIZE(vectors) || !fn)
		return -EINVAL;
	r = msi_address(&addr);
	if (r)
		return r;
	ctrl = pci_read16(dev, (unsigned int)cap + MSIX_CTRL);
	size = (ctrl & MSIX_CTRL_SIZE_MASK) + 1u;
	if (nvec > size) {
		pr_warn("%s: MSI-X table has %u entries, %u wanted\n", dev->dev.name, size, nvec);
		return -EINVAL;
	}
	tbl = pci_read32(dev, (unsigned int)cap + MSIX_TABLE);
	bir = tbl & MSIX_BIR_MASK;
	table_off = tbl & ~MSIX_BIR_MASK;
	/* The table must lie inside an assigned memory BAR (§6.8.2.4). */
	if (bir >= PCI_NUM_BARS || !dev->bar[bir].size || dev->bar[bir].is_io ||
	    (uint64_t)table_off + (uint64_t)size * MSIX_ENTRY_SIZE > dev->bar[bir].size) {
		pr_warn("%s: MSI-X table at BAR%u offset %#x (%u entries) is outside any memory BAR\n",
			dev->dev.name, bir, table_off, size);
		return -EINVAL;
	}
	bar = pci_map_bar(dev, (int)bir);
	if (!bar)
		return -ENOMEM;
	table = (volatile uint32_t *)(bar + table_off);
	for (unsigned int i = 0; i < nvec; i++) {
		vectors[i] = trap_alloc_vector(fn, args ? args[i] : NULL);
		if (vectors[i] < 0) {
			while (i-- > 0)
				trap_set_handler((unsigned int)vectors[i], NULL, NULL);
			return -ENOSPC;
		}
	}
	/*
	 * Enable with the whole function masked, so that no entry fires while
	 * it is half written (§6.8.2.3); the table is reachable only with
	 * memory decoding on.
	 */
	other_msi_off(dev, PCI_CAP_MSI, MSI_CTRL, MSI_CTRL_ENABLE);
	irq_command(dev, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0);
	pci_write16(dev, (unsigned int)cap + MSIX_CTRL,
		    (uint16_t)(ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL));
	for (unsigned int i = 0; i < size; i++) {
		volatile uint32_t *e = table + i * MSIX_ENTRY_WORDS;

		if (i >= nvec) {
			/* Entries after reset are masked (§6.8.2.9), but firmware may have used some. */
			e[MSIX_ENTRY_CTRL] = e[MSIX_ENTRY_CTRL] | MSIX_ENTRY_MASKED;
			continue;
		}
		e[MSIX_ENTRY_CTRL] = e[MSIX_ENTRY_CTRL] | MSIX_ENTRY_MASKED;
		e[MSIX_ENTRY_ADDR_LO] = addr;
		e[MSIX_ENTRY_ADDR_HI] = 0;
		e[MSIX_ENTRY_DATA] = (uint32_t)vectors[i];
		e[MSIX_ENTRY_CTRL] = e[MSIX_ENTRY_CTRL] & ~MSIX_ENTRY_MASKED;
		if (vectors_out)
			vectors_out[i] = vectors[i];
	}
	dev->msix_table = table;
	dev->msix_size = (uint16_t)size;
	dev->irq_mode = PCI_IRQ_MSIX;
	irq_command(dev, PCI_COMMAND_INTX_DISABLE, 0);
	pci_write16(dev, (unsigned int)cap + MSIX_CTRL,
		    (uint16_t)((ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL));
	pr_debug("%s: MSI-X, %u of %u vectors from %d\n", dev->dev.name, nvec, size, vectors[0]);
	return 0;
}

void pci_msix_mask(struct pci_device *dev, unsigned int entry, bool masked)
{
	volatile uint32_t *e;

	if (dev->irq_mode != PCI_IRQ_MSIX || entry >= dev->msix_size) {
		pr_warn("%s: no MSI-X entry %u to mask\n", dev->dev.name, entry);
		return;
	}
	e = dev->msix_table + entry * MSIX_ENTRY_WORDS;
	if (masked)
		e[MSIX_ENTRY_CTRL] = e[MSIX_ENTRY_CTRL] | MSIX_ENTRY_MASKED;
	else
		e[MSIX_ENTRY_CTRL] = e[MSIX_ENTRY_CTRL] & ~MSIX_ENTRY_MASKED;
}

int pci_enable_msi(struct pci_device *dev, irq_handler_fn fn, void *arg)
{
	int cap = pci_find_cap(dev, PCI_CAP_MSI, 0), vector, r;
	unsigned int c;
	uint16_t ctrl;
	uint32_t addr;

	if (!cap)
		return -ENODEV;
	if (dev->irq_mode != PCI_IRQ_NONE)
		return -EBUSY;
	if (!fn)
		return -EINVAL;
	r = msi_address(&addr);
	if (r)
		return r;
	c = (unsigned int)cap;
	vector = trap_alloc_vector(fn, arg);
	if (vector < 0)
		return -ENOSPC;
	other_msi_off(dev, PCI_CAP_MSIX, MSIX_CTRL, MSIX_CTRL_ENABLE);
	ctrl = pci_read16(dev, c + MSI_CTRL);
	/* Program while disabled; one message (MME = 0), §6.8.1.3. */
	pci_write16(dev, c + MSI_CTRL, (uint16_t)(ctrl & ~(MSI_CTRL_ENABLE | MSI_CTRL_MME_MASK)));
	pci_write32(dev, c + MSI_ADDR, addr);
	if (ctrl & MSI_CTRL_64BIT) {
		pci_write32(dev, c + MSI_ADDR + 4, 0);
		pci_write16(dev, c + MSI_ADDR + 8, (uint16_t)vector);
		if (ctrl & MSI_CTRL_MASKABLE)
			pci_write32(dev, c + MSI_ADDR + 12, 0);
	} else {
		pci_write16(dev, c + MSI_ADDR + 4, (uint16_t)vector);
		if (ctrl & MSI_CTRL_MASKABLE)
			pci_write32(dev, c + MSI_ADDR + 8, 0);
	}
	dev->irq_mode = PCI_IRQ_MSI;
	irq_command(dev, PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE, 0);
	pci_write16(dev, c + MSI_CTRL, (uint16_t)((ctrl & ~MSI_CTRL_MME_MASK) | MSI_CTRL_ENABLE));
	pr_debug("%s: MSI at vector %d\n", dev->dev.name, vector);
	return vector;
}

/*
 * INTx lines are shared (several functions, one I/O APIC input), so a
 * line has one vector and a chain of handlers, each asked in turn.
 */
struct intx_handler {
	irq_handler_fn fn;
	void *arg;
	struct intx_handler *next;
};

struct intx_line {
	int vector;
	struct intx_handler *handlers;
};

static struct intx_line *intx_lines[256];

static void intx_dispatch(struct trap_frame *tf, void *arg)
{
	struct intx_line *line = arg;

	for (struct intx_handler *h = line->handlers; h; h = h->next)
		h->fn(tf, h->arg);
}

/*
 * What this relies on: firmware (SeaBIOS on pc and q35) routed the pin
 * and wrote the ISA IRQ it chose into the interrupt line register (PCI
 * Local Bus 3.0 §6.2.4; 0xff: none), and that IRQ is the I/O APIC input
 * of the same number, level-triggered and active high. QEMU's MADT says
 * exactly that for IRQs 5, 9, 10 and 11 (identity overrides, flags level
 * and high) and QEMU's PIIX3 and ICH9 drive those inputs; without ACPI's
 * _PRT (AML, not read here) nothing better is known. On q35 the pins also
 * reach I/O APIC inputs 16-23, which stay masked.
 */
int pci_enable_intx(struct pci_device *dev, irq_handler_fn fn, void *arg)
{
	struct intx_handler *h;
	struct intx_line *line;
	unsigned int gsi = dev->irq_line;
	uint64_t flags;

	if (!dev->irq_pin)
		return -ENODEV;
	if (dev->irq_mode != PCI_IRQ_NONE)
		return -EBUSY;
	if (!fn)
		return -EINVAL;
	/* 0 is the timer's line and never a PCI routing; 0xff means not connected. */
	if (gsi == 0 || gsi == 0xff) {
		pr_warn("%s: INTx%c not routed by firmware (line %u)\n", dev->dev.name,
			'A' + dev->irq_pin - 1, gsi);
		return -ENODEV;
	}
	h = kmalloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fn = fn;
	h->arg = arg;
	line = intx_lines[gsi];
	if (!line) {
		int r;

		line = kcalloc(1, sizeof(*line));
		if (!line) {
			kfree(h);
			return -ENOMEM;
		}
		line->vector = trap_alloc_vector(intx_dispatch, line);
		if (line->vector < 0) {
			kfree(line);
			kfree(h);
			return -ENOSPC;
		}
		r = plat_route_gsi(gsi, (unsigned int)line->vector, true, false);
		if (r) {
			pr_warn("%s: cannot route GSI %u (%d)\n", dev->dev.name, gsi, r);
			trap_set_handler((unsigned int)line->vector, NULL, NULL);
			kfree(line);
			kfree(h);
			return r;
		}
		intx_lines[gsi] = line;
	}
	/* The line may already fire for another function: publish with interrupts off. */
	flags = irq_save();
	h->next = line->handlers;
	line->handlers = h;
	irq_restore(flags);
	dev->irq_mode = PCI_IRQ_INTX;
	irq_command(dev, PCI_COMMAND_MASTER, PCI_COMMAND_INTX_DISABLE);
	pr_debug("%s: INTx%c on GSI %u, vector %d\n", dev->dev.name, 'A' + dev->irq_pin - 1, gsi,
		 line->vector);
	return line->vector;
}
