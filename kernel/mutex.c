/* SPDX-License-Identifier: BSD-2-Clause */
/* Mutex slow paths: recursion, self-relock detection, sleeping, and handing the mutex to a waiter. */
#include <mote/errno.h>
#include "kernel/log.h"
#include "kernel/mutex.h"

void mutex_init(struct mutex *m)
{
	m->owner = 0;
	m->depth = 0;
	m->recursive = false;
	waitq_init(&m->wq);
}

void mutex_init_recursive(struct mutex *m)
{
	mutex_init(m);
	m->recursive = true;
}

/* The owner takes a recursive mutex once more; NESTED routes its unlocks to the slow path. */
static int mutex_relock(struct mutex *m)
{
	if (m->depth == UINT32_MAX)
		return -EAGAIN;
	m->depth++;
	/* Waiters may set WAITERS concurrently, so a read-modify-write, not a store. */
	__atomic_fetch_or(&m->owner, MUTEX_NESTED, __ATOMIC_RELAXED);
	return 0;
}

int mutex_lock_slow(struct mutex *m, uint64_t deadline_ns)
{
	struct thread *self = thread_current();
	uintptr_t me = (uintptr_t)self;

	for (;;) {
		uintptr_t v = __atomic_load_n(&m->owner, __ATOMIC_RELAXED);
		struct waiter w;
		uint64_t flags;
		int ret;

		if (v == 0) {
			if (__atomic_compare_exchange_n(&m->owner, &v, me, false,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return 0;
			continue;
		}
		if ((v & ~MUTEX_FLAGS) == me) {
			if (m->recursive)
				return mutex_relock(m);
#ifdef CONFIG_DEBUG
			pr_err("mutex %p: thread \"%s\" locks it again while owning it (deadlock)\n",
			       (void *)m, self->name);
			return -EDEADLK;
#endif
			/* Release builds: sleep on ourselves, as documented in mutex.h. */
		}

		/*
		 * WAITERS is set only under wq.lock and the unlocker reads the
		 * queue under it, so an unlock either sees us queued or fails
		 * its fast path and comes here after we are queued.
		 */
		flags = spin_lock_irqsave(&m->wq.lock);
		v = __atomic_load_n(&m->owner, __ATOMIC_RELAXED);
		if (v == 0 || (!(v & MUTEX_WAITERS) &&
			       !__atomic_compare_exchange_n(&m->owner, &v, v | MUTEX_WAITERS, false,
							    __ATOMIC_RELAXED, __ATOMIC_RELAXED))) {
			/* Released meanwhile, or the owner changed: look again. */
			spin_unlock_irqrestore(&m->wq.lock, flags);
			continue;
		}
		ret = waitq_wait_locked(&m->wq, &w, 0, &flags, deadline_ns);
		spin_unlock_irqrestore(&m->wq.lock, flags);
		/* Woken means handed over: mutex_unlock_slow made us the owner. */
		if (ret == 0)
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
		return ret;
	}
}

int mutex_lock_timeout(struct mutex *m, uint64_t deadline_ns)
{
	uintptr_t free = 0;

	if (__atomic_compare_exchange_n(&m->owner, &free, (uintptr_t)thread_current(), false,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 0;
	return mutex_lock_slow(m, deadline_ns);
}

int mutex_trylock(struct mutex *m)
{
	uintptr_t me = (uintptr_t)thread_current();
	uintptr_t v = 0;

	if (__atomic_compare_exchange_n(&m->owner, &v, me, false, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED))
		return 0;
	/* Only the owner changes `depth`, so reading it here is safe. */
	if ((v & ~MUTEX_FLAGS) == me && m->recursive)
		return mutex_relock(m);
	return -EBUSY;
}

int mutex_unlock_slow(struct mutex *m)
{
	uintptr_t me = (uintptr_t)thread_current();
	uintptr_t v = __atomic_load_n(&m->owner, __ATOMIC_RELAXED);
	struct list_node *first;
	uint64_t flags;

	if ((v & ~MUTEX_FLAGS) != me)
		return -EPERM;
	if (v & MUTEX_NESTED) {
		if (--m->depth == 0)
			__atomic_fetch_and(&m->owner, ~MUTEX_NESTED, __ATOMIC_RELAXED);
		return 0;
	}

	/* WAITERS is set: under the queue's lock nobody else changes `owner`. */
	flags = spin_lock_irqsave(&m->wq.lock);
	first = m->wq.waiters.next;
	if (first == &m->wq.waiters) {
		/* The waiters timed out and left. */
		__atomic_store_n(&m->owner, 0, __ATOMIC_RELEASE);
	} else {
		struct waiter *w = list_entry(first, struct waiter, link);
		uintptr_t more = first->next != &m->wq.waiters ? MUTEX_WAITERS : 0;

		__atomic_store_n(&m->owner, (uintptr_t)w->thread | more, __ATOMIC_RELEASE);
		waitq_wake_waiter_locked(&m->wq, w);
	}
	spin_unlock_irqrestore(&m->wq.lock, flags);
	return 0;
}

int mutex_destroy(struct mutex *m)
{
	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != 0 || waitq_has_waiters(&m->wq))
		return -EBUSY;
	return 0;
}
