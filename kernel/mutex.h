/* SPDX-License-Identifier: BSD-2-Clause */
/* Sleeping mutexes with owner tracking: one compare-and-swap each way when uncontended. */
#ifndef KERNEL_MUTEX_H
#define KERNEL_MUTEX_H

#include <mote/compiler.h>
#include <mote/types.h>
#include "kernel/thread.h"
#include "kernel/waitq.h"

/*
 * `owner` is the owning struct thread * with flag bits in its low bits
 * (threads are at least 8-byte aligned). Any flag makes the inline fast
 * paths' compare-and-swap fail, which sends them to the out-of-line slow
 * paths: WAITERS means someone may sleep on wq, NESTED that a recursive
 * mutex is held more than once.
 *
 * Ownership is handed over: an unlock with waiters makes the first waiter
 * the owner before waking it, so a woken waiter never loses the mutex to a
 * newcomer and waiters are served in arrival order.
 *
 * Before sched_init there is no current thread (NULL): lock and unlock
 * then leave the word at 0, which is right for the single boot flow.
 */
#define MUTEX_WAITERS		((uintptr_t)1)
#define MUTEX_NESTED		((uintptr_t)2)
#define MUTEX_FLAGS		((uintptr_t)7)

struct mutex {
	uintptr_t owner;		/* struct thread * | MUTEX_WAITERS | MUTEX_NESTED */
	unsigned int depth;		/* recursive: acquisitions beyond the first */
	bool recursive;
	struct waitq wq;		/* its lock also orders changes of WAITERS */
};

#define MUTEX_INIT(name)	{ 0, 0, false, WAITQ_INIT((name).wq) }

void mutex_init(struct mutex *m);
/* A mutex its owner may lock again; each lock needs its unlock. */
void mutex_init_recursive(struct mutex *m);

int mutex_lock_slow(struct mutex *m, uint64_t deadline_ns);
int mutex_unlock_slow(struct mutex *m);

/*
 * Returns 0 once the caller owns m. Relocking a non-recursive mutex by its
 * owner returns -EDEADLK (with a report) in CONFIG_DEBUG builds; without
 * CONFIG_DEBUG the owner sleeps on itself forever, as a default POSIX mutex
 * does. A recursive mutex relocked 2^32 times returns -EAGAIN.
 * Threads only: never from an interrupt handler.
 */
static inline int mutex_lock(struct mutex *m)
{
	uintptr_t free = 0;

	if (likely(__atomic_compare_exchange_n(&m->owner, &free, (uintptr_t)thread_current(),
					       false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)))
		return 0;
	return mutex_lock_slow(m, 0);
}

/* Like mutex_lock, but gives up at the monotonic time deadline_ns (0: never): 0 or -ETIMEDOUT. */
int mutex_lock_timeout(struct mutex *m, uint64_t deadline_ns);
/* 0, or -EBUSY when another thread owns it (or, non-recursive, the caller itself). */
int mutex_trylock(struct mutex *m);

/* 0, or -EPERM when the caller does not own m (then nothing changes). */
static inline int mutex_unlock(struct mutex *m)
{
	uintptr_t self = (uintptr_t)thread_current();

	if (likely(__atomic_compare_exchange_n(&m->owner, &self, 0, false, __ATOMIC_RELEASE,
					       __ATOMIC_RELAXED)))
		return 0;
	return mutex_unlock_slow(m);
}

/* 0, or -EBUSY when m is held or waited on (and stays usable). */
int mutex_destroy(struct mutex *m);

static inline struct thread *mutex_owner(const struct mutex *m)
{
	return (struct thread *)(__atomic_load_n(&m->owner, __ATOMIC_RELAXED) & ~MUTEX_FLAGS);
}

static inline bool mutex_is_locked(const struct mutex *m)
{
	return mutex_owner(m) != NULL;
}

#endif
