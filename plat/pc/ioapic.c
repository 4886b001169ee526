/* SPDX-License-Identifier: BSD-2-Clause */
/* I/O APIC (Intel 82093AA data sheet): mapped, every pin masked until a driver routes one. */
#include <mote/errno.h>
#include "kernel/kva.h"
#include "kernel/log.h"
#include "plat/pc/pc.h"

#define IOREGSEL	0x00
#define IOWIN		0x10
#define REG_VER		0x01
#define REG_REDTBL(n)	(0x10 + 2 * (n))
#define REDIR_MASKED	(1u << 16)

static struct {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	unsigned int pins;
} ioapics[ACPI_MAX_IOAPIC];
static unsigned int nioapics;

static void write_reg(volatile uint32_t *regs, uint32_t reg, uint32_t v)
{
	regs[IOREGSEL / 4] = reg;
	regs[IOWIN / 4] = v;
}

void ioapic_init(const struct pc_ioapic *io)
{
	volatile uint32_t *regs = ioremap(io->addr, 0x20);
	unsigned int pins;

	if (!regs) {
		pr_err("cannot map the I/O APIC at %lx\n", io->addr);
		return;
	}
	regs[IOREGSEL / 4] = REG_VER;
	pins = ((regs[IOWIN / 4] >> 16) & 0xff) + 1;
	/* Masked at reset (82093AA §3.0); firmware may have routed some: mask only those. */
	for (unsigned int i = 0; i < pins; i++) {
		regs[IOREGSEL / 4] = REG_REDTBL(i);
		if (!(regs[IOWIN / 4] & REDIR_MASKED))
			regs[IOWIN / 4] = REDIR_MASKED;
	}
	if (nioapics < ACPI_MAX_IOAPIC)
		ioapics[nioapics++] = (typeof(ioapics[0])){ regs, io->gsi_base, pins };
	pr_debug("I/O APIC %u at %lx: %u pins from GSI %u, all masked\n", io->id, io->addr,
		 pins, io->gsi_base);
}

/* 82093AA §3.2.4, redirection entry: vector, fixed delivery, physical destination. */
int ioapic_route(uint32_t gsi, uint8_t vector, uint16_t flags, uint8_t dest_apic)
{
	for (unsigned int i = 0; i < nioapics; i++) {
		uint32_t pin = gsi - ioapics[i].gsi_base;
		uint32_t low = vector;

		if (gsi < ioapics[i].gsi_base || pin >= ioapics[i].pins)
			continue;
		if ((flags & INTI_POLARITY_MASK) == INTI_POLARITY_LOW)
			low |= 1u << 13;
		if ((flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL)
			low |= 1u << 15;
		write_reg(ioapics[i].regs, REG_REDTBL(pin) + 1, (uint32_t)dest_apic << 24);
		write_reg(ioapics[i].regs, REG_REDTBL(pin), low);
		return 0;
	}
	return -ENODEV;
}
