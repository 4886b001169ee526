/* SPDX-License-Identifier: BSD-2-Clause */
/* Condition variables on a wait queue, with the mutex released under the queue's lock (no lost wake-ups). */
#include <mote/errno.h>
#include "kernel/condvar.h"

void cond_init(struct condvar *cv)
{
	waitq_init(&cv->wq);
}

int cond_wait_timeout(struct condvar *cv, struct mutex *m, uint64_t deadline_ns)
{
	struct waiter w;
	uint64_t flags;
	int ret;

	if (mutex_owner(m) != thread_current())
		return -EPERM;
	if (m->recursive && m->depth)
		return -EINVAL;

	/*
	 * A signaller takes cv->wq.lock, and we hold it from before the
	 * mutex is released until waitq_wait_locked has queued us: a signal
	 * sent after the release finds us on the queue.
	 */
	flags = spin_lock_irqsave(&cv->wq.lock);
	mutex_unlock(m);
	ret = waitq_wait_locked(&cv->wq, &w, 0, &flags, deadline_ns);
	spin_unlock_irqrestore(&cv->wq.lock, flags);
	/* We released it, so this cannot be a self-relock and cannot fail. */
	mutex_lock(m);
	return ret;
}

int cond_wait(struct condvar *cv, struct mutex *m)
{
	return cond_wait_timeout(cv, m, 0);
}

void cond_signal(struct condvar *cv)
{
	waitq_wake(&cv->wq, 1);
}

void cond_broadcast(struct condvar *cv)
{
	waitq_wake(&cv->wq, -1);
}

int cond_destroy(struct condvar *cv)
{
	return waitq_has_waiters(&cv->wq) ? -EBUSY : 0;
}
