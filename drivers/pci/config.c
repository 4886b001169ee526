/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI configuration space access: ECAM mapped one bus at a time on first use, else configuration mechanism #1. */
#include <mote/compiler.h>
#include "arch/x86_64/cpu.h"
#include "drivers/pci/config.h"
#include "kernel/kva.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "plat/plat.h"

/* PCI Local Bus 3.0 §3.2.2.3.2: CONFIG_ADDRESS and CONFIG_DATA of configuration mechanism #1. */
#define CONFIG_ADDRESS		0xcf8
#define CONFIG_DATA		0xcfc
#define CONFIG_ENABLE		0x80000000u

/* PCI Express Base 4.0 §7.2.2: 4 KiB per function, 32 KiB per device, 1 MiB per bus. */
#define ECAM_BUS_SHIFT		20
#define ECAM_BUS_SIZE		(1u << ECAM_BUS_SHIFT)
/* Physical addresses above the 52 bits x86_64 paging can express are not real. */
#define PHYS_LIMIT		(1ull << 52)

enum cfg_method { CFG_UNSET, CFG_PORTS, CFG_ECAM };

static enum cfg_method method;
static uint64_t ecam_base;
static unsigned int ecam_bus_start, ecam_bus_end;
/*
 * A bus is mapped when first touched: enumeration touches only buses that
 * exist, so an MCFG covering 256 buses costs 1 MiB of address space per
 * bus in use, not 256 MiB. NULL after a failed mapping is retried.
 */
static volatile uint8_t *ecam_bus[256];
static struct spinlock cfg_lock = SPINLOCK_INIT;

void pci_cfg_init(void)
{
	unsigned int start = 0, end = 0;
	uint64_t base;

	if (method != CFG_UNSET)
		return;
	method = CFG_PORTS;
	base = plat_ecam_base(&start, &end);
	if (!base)
		return;
	/*
	 * The MCFG base is that of bus 0 even when the range starts higher
	 * (PCI Firmware 3.2 §4.1.2), so it is at least 1 MiB aligned.
	 */
	if (!IS_ALIGNED(base, ECAM_BUS_SIZE) || start > end || end > 255 ||
	    base + ((uint64_t)(end + 1) << ECAM_BUS_SHIFT) > PHYS_LIMIT) {
		pr_warn("pci: ignoring MCFG's ECAM at %#lx for buses %u-%u (misaligned or out of range); using ports\n",
			base, start, end);
		return;
	}
	ecam_base = base;
	ecam_bus_start = start;
	ecam_bus_end = end;
	method = CFG_ECAM;
}

const char *pci_cfg_method(void)
{
	switch (method) {
	case CFG_ECAM:
		return "ECAM";
	case CFG_PORTS:
		return "ports 0xcf8/0xcfc";
	default:
		return "none";
	}
}

static bool bus_has_ecam(unsigned int bus)
{
	return method == CFG_ECAM && bus >= ecam_bus_start && bus <= ecam_bus_end;
}

unsigned int pci_cfg_size(unsigned int bus)
{
	return bus_has_ecam(bus) ? 0x1000 : 0x100;
}

/* The bus's ECAM window, mapped on first use; NULL when mapping failed (ports serve it). */
static volatile uint8_t *ecam_window(unsigned int bus)
{
	volatile uint8_t *w = READ_ONCE(ecam_bus[bus]);
	uint64_t flags;

	if (likely(w))
		return w;
	flags = spin_lock_irqsave(&cfg_lock);
	w = ecam_bus[bus];
	if (!w) {
		w = ioremap(ecam_base + ((uint64_t)bus << ECAM_BUS_SHIFT), ECAM_BUS_SIZE);
		if (w)
			WRITE_ONCE(ecam_bus[bus], w);
		else
			pr_warn("pci: cannot map ECAM for bus %u; using ports\n", bus);
	}
	spin_unlock_irqrestore(&cfg_lock, flags);
	return w;
}

static bool cfg_args_ok(unsigned int bus, unsigned int slot, unsigned int func, unsigned int off,
			unsigned int width)
{
	if (bus < 256 && slot < 32 && func < 8 && (width == 1 || width == 2 || width == 4) &&
	    (off & (width - 1)) == 0 && off + width <= pci_cfg_size(bus))
		return true;
	pr_warn("pci: bad configuration access %02x:%02x.%x offset %#x width %u\n", bus, slot, func,
		off, width);
	return false;
}

static uint32_t port_address(unsigned int bus, unsigned int slot, unsigned int func, unsigned int off)
{
	return CONFIG_ENABLE | bus << 16 | slot << 11 | func << 8 | (off & 0xfc);
}

uint32_t pci_cfg_read(unsigned int bus, unsigned int slot, unsigned int func, unsigned int off,
		      unsigned int width)
{
	uint32_t v;
	uint64_t flags;

	if (method == CFG_UNSET)
		pci_cfg_init();
	if (!cfg_args_ok(bus, slot, func, off, width))
		return 0xffffffffu;
	if (bus_has_ecam(bus)) {
		volatile uint8_t *w = ecam_window(bus);

		if (w) {
			/* One access of the asked width: a wider one could touch registers with side effects. */
			volatile void *p = w + (slot << 15 | func << 12 | off);

			switch (width) {
			case 1:
				return *(volatile uint8_t *)p;
			case 2:
				return *(volatile uint16_t *)p;
			default:
				return *(volatile uint32_t *)p;
			}
		}
		if (off >= 0x100)
			return 0xffffffffu;
	}
	flags = spin_lock_irqsave(&cfg_lock);
	outl(CONFIG_ADDRESS, port_address(bus, slot, func, off));
	switch (width) {
	case 1:
		v = inb((uint16_t)(CONFIG_DATA + (off & 3)));
		break;
	case 2:
		v = inw((uint16_t)(CONFIG_DATA + (off & 2)));
		break;
	default:
		v = inl(CONFIG_DATA);
		break;
	}
	spin_unlock_irqrestore(&cfg_lock, flags);
	return v;
}

void pci_cfg_write(unsigned int bus, unsigned int slot, unsigned int func, unsigned int off,
		   unsigned int width, uint32_t v)
{
	uint64_t flags;

	if (method == CFG_UNSET)
		pci_cfg_init();
	if (!cfg_args_ok(bus, slot, func, off, width))
		return;
	if (bus_has_ecam(bus)) {
		volatile uint8_t *w = ecam_window(bus);

		if (w) {
			volatile void *p = w + (slot << 15 | func << 12 | off);

			switch (width) {
			case 1:
				*(volatile uint8_t *)p = (uint8_t)v;
				break;
			case 2:
				*(volatile uint16_t *)p = (uint16_t)v;
				break;
			default:
				*(volatile uint32_t *)p = v;
				break;
			}
			return;
		}
		if (off >= 0x100)
			return;
	}
	flags = spin_lock_irqsave(&cfg_lock);
	outl(CONFIG_ADDRESS, port_address(bus, slot, func, off));
	switch (width) {
	case 1:
		outb((uint16_t)(CONFIG_DATA + (off & 3)), (uint8_t)v);
		break;
	case 2:
		outw((uint16_t)(CONFIG_DATA + (off & 2)), (uint16_t)v);
		break;
	default:
		outl(CONFIG_DATA, v);
		break;
	}
	spin_unlock_irqrestore(&cfg_lock, flags);
}
