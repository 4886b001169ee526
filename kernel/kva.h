/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel virtual area: stacks with guard pages and uncached MMIO mappings. */
#ifndef KERNEL_KVA_H
#define KERNEL_KVA_H

#include <mote/types.h>

/* Maps [pa, pa + len) uncached; returns the virtual address of pa, or NULL. */
void *ioremap(paddr_t pa, size_t len);

struct kstack {
	uint64_t base;		/* lowest usable byte; the page below is an unmapped guard */
	uint64_t top;
};

/* A kernel stack of `size` bytes (page multiple) with an unmapped guard page below it. */
int kstack_alloc(size_t size, struct kstack *out);
void kstack_free(const struct kstack *ks);

#endif
