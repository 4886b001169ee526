/* SPDX-License-Identifier: BSD-2-Clause */
/* The kernel's embedded symbol table, for symbolized backtraces. */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <mote/types.h>

/* Name of the function containing addr, or NULL; *offset is addr - start. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);
/* "name+0xoff" or "?" into buf. */
void ksyms_format(char *buf, size_t size, uint64_t addr);

#endif
