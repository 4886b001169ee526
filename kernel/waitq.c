/* SPDX-License-Identifier: BSD-2-Clause */
/* Wait queues on the scheduler's block/wake protocol: FIFO waiters, optional deadlines, no lost wake-ups. */
#include <mote/errno.h>
#include "kernel/thread.h"
#include "kernel/waitq.h"

void waitq_init(struct waitq *wq)
{
	spin_init(&wq->lock);
	list_init(&wq->waiters);
}

/*
 * The sleep itself. An interruptible one (intr) does not start when the
 * thread is already interrupted, and a sched_interrupt() ends it; either
 * way the waiter leaves the queue and the answer is -EINTR.
 */
static int wait_locked(struct waitq *wq, struct waiter *w, uint64_t data, uint64_t deadline_ns, bool intr)
{
	struct thread *self = thread_current();

	w->thread = self;
	w->wq = wq;
	w->data = data;
	w->woken = false;
	list_push_back(&wq->waiters, &w->link);
	/* Blocked before the lock is dropped: a waker that runs next finds us and makes us ready. */
	if (intr) {
		if (!sched_prepare_block_intr(deadline_ns)) {
			list_remove(&w->link);
			return -EINTR;
		}
	} else {
		sched_prepare_block(deadline_ns);
	}
	spin_unlock_raw(&wq->lock);
	schedule();
	sched_after_block();
	/* A requeue may have moved us to another queue: take the lock of the one we are on. */
	for (;;) {
		struct waitq *on = READ_ONCE(w->wq);

		spin_lock_raw(&on->lock);
		if (on == w->wq)
			break;
		spin_unlock_raw(&on->lock);
	}
	if (w->wq != wq) {
		/* Requeued: give the caller back the lock it expects. */
		struct waitq *on = w->wq;

		if (!w->woken)
			list_remove(&w->link);
		spin_unlock_raw(&on->lock);
		spin_lock_raw(&wq->lock);
	} else if (!w->woken) {
		list_remove(&w->link);
	}
	if (w->woken)
		return 0;
	/* Not woken: the deadline passed, or (interruptible only) an interruption came. */
	return intr && !sched_timed_out() ? -EINTR : -ETIMEDOUT;
}

int waitq_wait_locked(struct waitq *wq, struct waiter *w, uint64_t data,
		      uint64_t *irqflags, uint64_t deadline_ns)
{
	(void)irqflags;	/* interrupts stay off across the sleep; schedule() restores per thread */
	return wait_locked(wq, w, data, deadline_ns, false);
}

int waitq_wait_intr_locked(struct waitq *wq, struct waiter *w, uint64_t data,
			   uint64_t *irqflags, uint64_t deadline_ns)
{
	(void)irqflags;
	return wait_locked(wq, w, data, deadline_ns, true);
}

void waitq_wake_waiter_locked(struct waitq *wq, struct waiter *w)
{
	(void)wq;
	list_remove(&w->link);
	w->woken = true;
	sched_wake(w->thread);
}

int waitq_wake_locked(struct waitq *wq, int n)
{
	int woken = 0;

	while ((n < 0 || woken < n) && !list_empty(&wq->waiters)) {
		struct waiter *w = list_entry(wq->waiters.next, struct waiter, link);

		waitq_wake_waiter_locked(wq, w);
		woken++;
	}
	return woken;
}

int waitq_wake(struct waitq *wq, int n)
{
	uint64_t flags = spin_lock_irqsave(&wq->lock);
	int woken = waitq_wake_locked(wq, n);

	spin_unlock_irqrestore(&wq->lock, flags);
	return woken;
}

bool waitq_has_waiters(struct waitq *wq)
{
	return !list_empty(&wq->waiters);
}
