/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI configuration space by address (bus, slot, function): ECAM where ACPI's MCFG gives it, else ports 0xCF8/0xCFC. */
#ifndef DRIVERS_PCI_CONFIG_H
#define DRIVERS_PCI_CONFIG_H

#include <mote/types.h>

/* Chooses the access method; the first call does the work. */
void pci_cfg_init(void);
/* Bytes of configuration space per function: 0x1000 with ECAM, 0x100 through ports. */
unsigned int pci_cfg_size(unsigned int bus);
/*
 * width 1, 2 or 4; off aligned to it and inside pci_cfg_size(). Out of
 * range (a caller's bug, reported) reads all ones and writes nothing.
 */
uint32_t pci_cfg_read(unsigned int bus, unsigned int slot, unsigned int func, unsigned int off,
		      unsigned int width);
void pci_cfg_write(unsigned int bus, unsigned int slot, unsigned int func, unsigned int off,
		   unsigned int width, uint32_t v);
const char *pci_cfg_method(void);

#endif
