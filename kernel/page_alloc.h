/* SPDX-License-Identifier: BSD-2-Clause */
/* Buddy allocator of physical pages: interface. */
#ifndef KERNEL_PAGE_ALLOC_H
#define KERNEL_PAGE_ALLOC_H

#include <mote/types.h>

/*
 * Blocks have orders 0 .. PAGE_ALLOC_MAX_ORDER - 1 (exclusive bound); a block
 * of order k is 2^k pages, naturally aligned in physical memory, so order 9
 * is a 2 MiB large page and order 18 a 1 GiB page.
 */
#define PAGE_ALLOC_MAX_ORDER	19
#define PAGE_ORDER_2M		9
#define PAGE_ORDER_1G		18

#ifndef PADDR_INVALID
#define PADDR_INVALID		(~(paddr_t)0)
#endif

/*
 * Bytes of metadata (one per page) for the pages that [lo, hi) touches.
 * A 1.25 MiB guest needs 320 bytes; 4 GiB needs 1 MiB.
 */
size_t page_alloc_meta_size(paddr_t lo, paddr_t hi);

/*
 * Starts the allocator over [lo, hi) with every page reserved. meta must hold
 * page_alloc_meta_size(lo, hi) bytes and stay valid for good. phys_to_virt is
 * the only way the allocator reaches memory: free blocks carry their list
 * links in their first 16 bytes. Calling it again forgets all earlier state.
 */
void page_alloc_init(paddr_t lo, paddr_t hi, void *meta,
		     void *(*phys_to_virt)(paddr_t));

/*
 * Frees the whole pages inside [start, end) (clipped to [lo, hi); page 0 is
 * never handed out) as the largest naturally aligned blocks, coalescing with
 * free neighbours. Cost is per block, not per page.
 */
void page_alloc_add_free(paddr_t start, paddr_t end);

/* Turns an allocated block of 2^order pages into 2^order blocks of one page (a 2 MiB page split by a partial unmap). */
void page_alloc_split(paddr_t addr, unsigned int order);

/* A block of 2^order pages, or PADDR_INVALID. Never physical page 0. */
paddr_t page_alloc(unsigned int order);

/*
 * Returns a block from page_alloc() with the same order. With CONFIG_DEBUG a
 * double free, misaligned or out-of-range address or wrong order panics.
 */
void page_free(paddr_t addr, unsigned int order);

/*
 * Exactly npages contiguous pages, aligned to 2^align_order pages and to the
 * next power of two above npages; the unused tail of the underlying buddy
 * block goes straight back, so 5 pages cost 5 pages, not 8. PADDR_INVALID
 * when none. Free with page_free_pages(); page_alloc_run_pages() recovers
 * npages from the address, so callers need not store it.
 */
paddr_t page_alloc_pages(size_t npages, unsigned int align_order);
void page_free_pages(paddr_t addr, size_t npages);

/* npages of the live page_alloc_pages() run starting at addr, else 0. */
size_t page_alloc_run_pages(paddr_t addr);

/* Order of the live page_alloc() block starting at addr, else -EINVAL. */
int page_alloc_block_order(paddr_t addr);

/* Whether the page holding addr lies in a free block. O(PAGE_ALLOC_MAX_ORDER). */
bool page_alloc_is_free(paddr_t addr);

uint64_t page_alloc_free_bytes(void);
/* Bytes ever given by page_alloc_add_free(): the allocator's capacity. */
uint64_t page_alloc_total_bytes(void);
/* Number of free blocks of each order. */
void page_alloc_free_counts(uint64_t counts[PAGE_ALLOC_MAX_ORDER]);

#endif
