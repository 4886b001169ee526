/* SPDX-License-Identifier: BSD-2-Clause */
/* Intel MultiProcessor Specification 1.4 table reader, for machines booted without ACPI (microvm). */
#ifndef PLAT_PC_MPTABLE_H
#define PLAT_PC_MPTABLE_H

#include <mote/bootinfo.h>
#include <mote/types.h>

#include "plat/pc/acpi.h"	/* struct pc_ioapic, struct pc_irq_override, INTI_* */

#define MPTABLE_MAX_IOAPIC	8
#define MPTABLE_MAX_IRQ		16
#define MPTABLE_MAX_CPUS	64	/* APIC IDs kept; ncpus counts them all */

/*
 * The MP table does not number GSIs; they are assigned here the way ACPI
 * machines do: I/O APICs in table order, each taken to have this many
 * inputs (QEMU's have 24). The kernel may correct gsi_base after reading
 * each I/O APIC's version register; iso[].ioapic and .pin keep the raw route.
 */
#define MPTABLE_IOAPIC_PINS	24

struct mptable_irq {
	struct pc_irq_override route;	/* ISA IRQ → GSI, INTI_* flags */
	uint8_t ioapic;			/* index into ioapic[] */
	uint8_t pin;			/* input on that I/O APIC */
};

struct mptable_info {
	paddr_t fps;			/* the "_MP_" floating pointer structure */
	paddr_t table;			/* the "PCMP" configuration table */
	paddr_t lapic;
	struct pc_ioapic ioapic[MPTABLE_MAX_IOAPIC];
	unsigned int nioapic;
	struct mptable_irq irq[MPTABLE_MAX_IRQ];	/* every ISA IRQ the table routes */
	unsigned int nirq;
	unsigned int ncpus;		/* enabled processors */
	uint32_t cpu_apic_id[MPTABLE_MAX_CPUS];	/* the bootstrap processor first */
};

/*
 * Find the floating pointer (first KiB of the EBDA, last KiB of base memory,
 * 0xF0000-0xFFFFF; MP spec 1.4 §4) and read its configuration table. With
 * scan_rom false the 64 KiB BIOS area is left out: the cheap places only.
 * Returns 0, -ENOENT when there is no MP table, -EINVAL when it is corrupt;
 * *err names the problem.
 */
int mptable_parse(struct mptable_info *out, bootinfo_phys_fn phys, void *ctx, bool scan_rom,
		  const char **err);

#endif
