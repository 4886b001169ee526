/* SPDX-License-Identifier: BSD-2-Clause */
/* I/O APIC (Intel 82093AA data sheet): mapped, every pin masked until a driver routes one. */
#include "kernel/kva.h"
#include "kernel/log.h"
#include "plat/pc/pc.h"

#define IOREGSEL	0x00
#define IOWIN		0x10
#define REG_VER		0x01
#define REG_REDTBL(n)	(0x10 + 2 * (n))
#define REDIR_MASKED	(1u << 16)

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
	for (unsigned int i = 0; i < pins; i++) {
		regs[IOREGSEL / 4] = REG_REDTBL(i);
		regs[IOWIN / 4] = REDIR_MASKED;
		regs[IOREGSEL / 4] = REG_REDTBL(i) + 1;
		regs[IOWIN / 4] = 0;
	}
	pr_debug("I/O APIC %u at %lx: %u pins from GSI %u, all masked\n", io->id, io->addr,
		 pins, io->gsi_base);
}
