/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel heap: size-class slabs and whole-page runs over the page allocator. */
#ifndef KERNEL_HEAP_H
#define KERNEL_HEAP_H

#include <mote/types.h>

/* Largest request served from slabs; larger ones get whole pages. */
#define HEAP_SMALL_MAX		2016
/* Every kmalloc() result is aligned to this. */
#define HEAP_MIN_ALIGN		16

/*
 * Must run after page_alloc_init(). The heap sees pages through
 * phys_to_virt and needs virt_to_phys back to free them; virt_to_phys must
 * return PADDR_INVALID (or any address the page allocator does not manage)
 * for pointers outside the direct map, so that debug checks can reject them
 * without touching memory. The mapping must keep alignment up to the largest
 * alignment asked of kmalloc_aligned() (the direct map keeps 1 GiB).
 */
void heap_init(void *(*phys_to_virt)(paddr_t), paddr_t (*virt_to_phys)(const void *));

/* NULL when out of memory. kmalloc(0) returns a unique minimal block. */
void *kmalloc(size_t size);
/* Zeroed n * size bytes; NULL when the product overflows. */
void *kcalloc(size_t n, size_t size);
/*
 * Resizes in place when the block's class still fits, else moves it. NULL p
 * acts as kmalloc(); size 0 frees p and returns NULL. On failure p is left
 * as it was. The result has only HEAP_MIN_ALIGN, whatever p had.
 */
void *krealloc(void *p, size_t size);
/* NULL is ignored. With CONFIG_DEBUG bad frees and overruns panic. */
void kfree(void *p);
/*
 * align must be a power of two (else NULL), up to 1 GiB. Up to 64 bytes
 * comes from slabs; beyond that from whole pages. Freed with kfree().
 */
void *kmalloc_aligned(size_t size, size_t align);

/* Bytes held by live allocations, counting each at its slot or run size. */
size_t heap_used_bytes(void);
/* Pages the heap holds from the page allocator: slabs, including cached empty ones, and runs. */
size_t heap_page_count(void);

#endif
