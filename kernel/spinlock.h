/* SPDX-License-Identifier: BSD-2-Clause */
/* Spinlocks on real atomics (SMP-ready); holding one disables preemption, the irqsave form also interrupts. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <mote/compiler.h>
#include <mote/types.h>
#include "arch/x86_64/cpu.h"

struct spinlock {
	uint32_t locked;
};

#define SPINLOCK_INIT { 0 }

void preempt_disable(void);
void preempt_enable(void);

static inline void spin_init(struct spinlock *l)
{
	l->locked = 0;
}

/* Raw: no preemption change; for code that already runs with interrupts off. */
static __force_inline void spin_lock_raw(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
}

static inline bool spin_trylock_raw(struct spinlock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static __force_inline void spin_unlock_raw(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline void spin_lock(struct spinlock *l)
{
	preempt_disable();
	spin_lock_raw(l);
}

static inline void spin_unlock(struct spinlock *l)
{
	spin_unlock_raw(l);
	preempt_enable();
}

/* Interrupt-saving variant: for locks also taken in interrupt handlers. */
static __force_inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
	uint64_t flags = irq_save();

	spin_lock_raw(l);
	return flags;
}

static __force_inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
	spin_unlock_raw(l);
	irq_restore(flags);
}

static inline bool spin_is_locked(const struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif
