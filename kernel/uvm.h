/* SPDX-License-Identifier: BSD-2-Clause */
/* Application (lower-half) memory: map zero-filled pages, protect, unmap. The VMA tree comes later. */
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
 * Maps zero-filled pages at [va, va + len) (page-aligned). They are writable
 * until uvm_protect() gives them their final protection, so the loader can
 * fill them. Returns 0, -EINVAL (not page-aligned, outside the lower half),
 * -EEXIST (already mapped) or -ENOMEM.
 */
int uvm_map(vaddr_t va, size_t len, int prot);
int uvm_protect(vaddr_t va, size_t len, int prot);
/* Unmaps and frees whatever is mapped in [va, va + len). */
int uvm_unmap(vaddr_t va, size_t len);
/*
 * Lazily populated ranges (stack, brk, anonymous mmap): pages appear
 * zero-filled on first touch through uvm_fault(). A stand-in for the VMA
 * tree of the virtual-memory work.
 */
int uvm_reserve(vaddr_t va, size_t len, int prot);
/* Forgets reservations in [va, va + len) and frees their pages. */
int uvm_release(vaddr_t va, size_t len);
/* Resolves a not-present fault at addr inside a reservation; false when addr is not reserved or memory ran out. */
bool uvm_fault(vaddr_t addr, bool write);
/* Whether [va, va + len) overlaps a reservation. */
bool uvm_reserved(vaddr_t va, size_t len);

/* Bytes of application memory mapped now. */
uint64_t uvm_mapped_bytes(void);

#endif
