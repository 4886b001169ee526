/* SPDX-License-Identifier: BSD-2-Clause */
/* What plat/pc learned from the firmware, shared by its files. */
#ifndef PLAT_PC_PC_H
#define PLAT_PC_PC_H

#include "plat/pc/acpi.h"

struct pc_platform {
	bool acpi;			/* ACPI tables parsed */
	bool mptable;			/* else the MP table */
	struct acpi_info acpi_info;
	paddr_t lapic;
	struct pc_ioapic ioapic[ACPI_MAX_IOAPIC];
	unsigned int nioapic;
	unsigned int ncpus;
	struct pc_irq_override isa_irq[16];	/* ISA IRQ -> GSI and polarity/trigger */
};

extern struct pc_platform pc;

void pic_disable(void);
void ioapic_init(const struct pc_ioapic *io);
int ioapic_route(uint32_t gsi, uint8_t vector, uint16_t flags, uint8_t dest_apic);
void pit_start_free(void);
uint64_t pit_read(void);

#endif
