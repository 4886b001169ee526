/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel virtual area allocator: address ranges handed out upwards from KVA_BASE, pages from the buddy allocator. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "kernel/kva.h"
#include "kernel/page_alloc.h"
#include "kernel/spinlock.h"

/*
 * Stacks and MMIO windows are few and long-lived, so a bump pointer is
 * enough; freed stacks go on a list of their own size and are reused.
 * Threads create threads concurrently, and the scheduler frees a dead
 * thread's stack with interrupts off: `lock` (interrupts saved) covers the
 * bump pointer, the free list and the page-table updates of this area.
 */
static struct spinlock lock = SPINLOCK_INIT;
static uint64_t next = KVA_BASE;

struct free_stack {
	struct free_stack *next;
	struct kstack ks;
};
static struct free_stack *free_stacks;

static uint64_t kva_reserve(uint64_t size)
{
	uint64_t va = next;

	if (size > KVA_BASE + KVA_SIZE - next)
		return 0;
	next += size;
	return va;
}

void *ioremap(paddr_t pa, size_t len)
{
	uint64_t off = pa & (PAGE_SIZE - 1);
	uint64_t size = ALIGN_UP(off + len, PAGE_SIZE);
	uint64_t flags = spin_lock_irqsave(&lock);
	uint64_t va = kva_reserve(size);
	bool ok = va && !pt_map_range(va, pa - off, size, PG_WRITE | PG_UNCACHED | PG_GLOBAL);

	spin_unlock_irqrestore(&lock, flags);
	return ok ? (void *)(va + off) : NULL;
}

static void release_page(paddr_t pa, uint64_t size)
{
	(void)size;
	page_free(pa, 0);
}

static int kstack_alloc_locked(size_t size, struct kstack *out)
{
	uint64_t va;

	for (struct free_stack **p = &free_stacks; *p; p = &(*p)->next) {
		if ((*p)->ks.top - (*p)->ks.base == size) {
			struct free_stack *f = *p;
			*p = f->next;
			*out = f->ks;
			return 0;
		}
	}
	va = kva_reserve(size + PAGE_SIZE);
	if (!va)
		return -ENOMEM;
	va += PAGE_SIZE;		/* the guard page stays unmapped */
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		paddr_t pa = page_alloc(0);

		if (pa == PADDR_INVALID || pt_map(va + off, pa, PAGE_SIZE, PG_WRITE | PG_GLOBAL)) {
			if (pa != PADDR_INVALID)
				page_free(pa, 0);
			pt_unmap(va, off, release_page);
			return -ENOMEM;
		}
	}
	out->base = va;
	out->top = va + size;
	return 0;
}

int kstack_alloc(size_t size, struct kstack *out)
{
	uint64_t flags = spin_lock_irqsave(&lock);
	int r = kstack_alloc_locked(ALIGN_UP(size, PAGE_SIZE), out);

	spin_unlock_irqrestore(&lock, flags);
	return r;
}

void kstack_free(const struct kstack *ks)
{
	/* The list node lives at the bottom of the freed stack itself. */
	struct free_stack *f = (struct free_stack *)ks->base;
	uint64_t flags = spin_lock_irqsave(&lock);

	f->ks = *ks;
	f->next = free_stacks;
	free_stacks = f;
	spin_unlock_irqrestore(&lock, flags);
}
