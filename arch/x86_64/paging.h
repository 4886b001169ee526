/* SPDX-License-Identifier: BSD-2-Clause */
/* Page-table API: map, unmap, protect and look up 4 KiB, 2 MiB and 1 GiB pages in the one address space. */
#ifndef ARCH_X86_64_PAGING_H
#define ARCH_X86_64_PAGING_H

#include <mote/types.h>

/* Mapping attributes, independent of the PTE encoding. */
#define PG_WRITE	(1u << 0)
#define PG_EXEC		(1u << 1)
#define PG_UNCACHED	(1u << 2)	/* MMIO: PCD | PWT */
#define PG_GLOBAL	(1u << 3)
/*
 * Keeps the page mapped in the table but not accessible (PROT_NONE): the
 * entry is not present, so any access faults, and it keeps its address so
 * that a later protection change brings the same page back.
 */
#define PG_NOACCESS	(1u << 4)

#define PAGE_4K		(1ul << 12)
#define PAGE_2M		(1ul << 21)
#define PAGE_1G		(1ul << 30)

/* Allocates one zeroed page for a page table; PADDR_NONE when out of memory. */
typedef paddr_t (*pt_alloc_fn)(void);
typedef void (*pt_free_fn)(paddr_t table);
#define PADDR_NONE (~(paddr_t)0)

/* Starts a new, empty top-level table; paging_activate() loads it into CR3. */
int paging_init(pt_alloc_fn alloc, pt_free_fn free);
void paging_activate(void);
paddr_t paging_root(void);

/* Maps [va, va + len) to [pa, pa + len) with the largest pages alignment allows (1 GiB only when the CPU has them). */
int pt_map_range(vaddr_t va, paddr_t pa, uint64_t len, unsigned int flags);
/* Maps one page of the given size; -EEXIST if something is mapped there. */
int pt_map(vaddr_t va, paddr_t pa, uint64_t page_size, unsigned int flags);
/* Unmaps [va, va + len), splitting large pages at the edges; calls release for each 4K-or-larger page removed (may be NULL). */
int pt_unmap(vaddr_t va, uint64_t len, void (*release)(paddr_t pa, uint64_t size));
/* Changes attributes of the mapped pages in [va, va + len), splitting large pages at the edges. */
int pt_protect(vaddr_t va, uint64_t len, unsigned int flags);
/* Translates va; returns false when not mapped (a PG_NOACCESS page counts as mapped). */
bool pt_lookup(vaddr_t va, paddr_t *pa, unsigned int *flags, uint64_t *page_size);
/* Frees lower-half page tables left empty in [va, va + len) (after unmaps). */
void pt_prune(vaddr_t va, uint64_t len);
/* How many 4 KiB pages from the start of va's 2 MiB block are mapped in a row (0 for a large page). */
unsigned int pt_block_prefix(vaddr_t va);
/* Whether no page at all is mapped in the 2 MiB block containing va. */
bool pt_block_empty(vaddr_t va);

#endif
