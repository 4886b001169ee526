/* SPDX-License-Identifier: BSD-2-Clause */
/* The ELF loader's view of application memory: populated mappings with their final protection (kernel/vm.c). */
#ifndef KERNEL_UVM_H
#define KERNEL_UVM_H

#include <mote/types.h>

/* Linux mmap protection bits (uapi asm-generic/mman-common.h). */
#ifndef PROT_READ
#define PROT_NONE	0x0
#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define PROT_EXEC	0x4
#endif

/*
 * Maps zero-filled pages at [va, va + len) (page-aligned) with their final
 * protection: 0, -EINVAL, -EEXIST (something is mapped there) or -ENOMEM.
 * The loader fills read-only pages between uvm_write_begin() and
 * uvm_write_end(), which lift write protection for the kernel (CR0.WP)
 * with interrupts off.
 */
int uvm_map(vaddr_t va, size_t len, int prot);
uint64_t uvm_write_begin(void);
void uvm_write_end(uint64_t flags);

#endif
