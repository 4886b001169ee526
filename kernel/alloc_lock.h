/* SPDX-License-Identifier: BSD-2-Clause */
/* The allocators' lock: a spinlock taken with interrupts off in the kernel, nothing in host unit tests. */
#ifndef KERNEL_ALLOC_LOCK_H
#define KERNEL_ALLOC_LOCK_H

#include <mote/types.h>

/*
 * kmalloc and page_alloc are called from threads that preempt each other
 * and from interrupt handlers (drivers completing requests), so every
 * entry point holds this with interrupts saved.
 */
#ifdef MOTE_HOST_TEST
struct alloc_lock {
	int unused;
};
#define ALLOC_LOCK_INIT { 0 }
static inline uint64_t alloc_lock(struct alloc_lock *l)
{
	(void)l;
	return 0;
}
static inline void alloc_unlock(struct alloc_lock *l, uint64_t flags)
{
	(void)l, (void)flags;
}
#else
#include "kernel/spinlock.h"
struct alloc_lock {
	struct spinlock lock;
};
#define ALLOC_LOCK_INIT { SPINLOCK_INIT }
static inline uint64_t alloc_lock(struct alloc_lock *l)
{
	return spin_lock_irqsave(&l->lock);
}
static inline void alloc_unlock(struct alloc_lock *l, uint64_t flags)
{
	spin_unlock_irqrestore(&l->lock, flags);
}
#endif

#endif
