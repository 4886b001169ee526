/* SPDX-License-Identifier: BSD-2-Clause */
/* Reader-writer locks: state under the wait queue's lock, the lock handed to waiters in queue order. */
#include <mote/errno.h>
#include "kernel/rwlock.h"
#include "kernel/thread.h"

enum { RW_WAIT_READ, RW_WAIT_WRITE, RW_WAIT_UPGRADE };

void rw_init(struct rwlock *rw)
{
	waitq_init(&rw->wq);
	rw->readers = 0;
	rw->writer = NULL;
	rw->upgrader = NULL;
}

/* Whether a newcomer must queue: anything held or waited for beyond plain reading. */
static bool rw_contended_locked(const struct rwlock *rw)
{
	return rw->writer || rw->upgrader || !list_empty(&rw->wq.waiters);
}

/* With the lock held, after any release: hands the lock to whoever is next. */
static void rw_grant_locked(struct rwlock *rw)
{
	struct list_node *pos, *tmp;

	if (rw->writer)
		return;
	if (rw->upgrader) {
		/* Its own read lock is the last one: it becomes the writer. */
		if (rw->readers == 1) {
			struct waiter *w = rw->upgrader;

			rw->upgrader = NULL;
			rw->readers = 0;
			rw->writer = w->thread;
			waitq_wake_waiter_locked(&rw->wq, w);
		}
		return;
	}
	list_for_each_safe(pos, tmp, &rw->wq.waiters) {
		struct waiter *w = list_entry(pos, struct waiter, link);

		if (w->data == RW_WAIT_WRITE) {
			if (rw->readers == 0) {
				rw->writer = w->thread;
				waitq_wake_waiter_locked(&rw->wq, w);
			}
			return;
		}
		rw->readers++;
		waitq_wake_waiter_locked(&rw->wq, w);
	}
}

/* Sleeps until rw_grant_locked has given us what we asked for. */
static void rw_wait_locked(struct rwlock *rw, uint64_t mode, uint64_t *flags)
{
	struct waiter w;

	if (mode == RW_WAIT_UPGRADE)
		rw->upgrader = &w;
	/* No deadline: the only way out is being woken, which means granted. */
	waitq_wait_locked(&rw->wq, &w, mode, flags, 0);
}

int rw_read_lock(struct rwlock *rw)
{
	uint64_t flags = spin_lock_irqsave(&rw->wq.lock);
	int ret = 0;

	if (rw->writer == thread_current())
		ret = -EDEADLK;
	else if (rw_contended_locked(rw))
		rw_wait_locked(rw, RW_WAIT_READ, &flags);
	else
		rw->readers++;
	spin_unlock_irqrestore(&rw->wq.lock, flags);
	return ret;
}

int rw_try_read_lock(struct rwlock *rw)
{
	uint64_t flags = spin_lock_irqsave(&rw->wq.lock);
	int ret = -EBUSY;

	if (!rw_contended_locked(rw)) {
		rw->readers++;
		ret = 0;
	}
	spin_unlock_irqrestore(&rw->wq.lock, flags);
	return ret;
}

int rw_read_unlock(struct rwlock *rw)
{
	uint64_t flags = spin_lock_irqsave(&rw->wq.lock);
	int ret = -EPERM;

	/* A waiting upgrader is blocked, so readers == 1 then is its own lock: not ours to drop. */
	if (rw->readers > (rw->upgrader ? 1u : 0u)) {
		rw->readers--;
		rw_grant_locked(rw);
		ret = 0;
	}
	spin_unlock_irqrestore(&rw->wq.lock, flags);
	return ret;
}

int rw_write_lock(struct rwlock *rw)
{
	uint64_t flags = spin_lock_irqsave(&rw->wq.lock);
	struct thread *self = thread_current();
	int ret = 0;

	if (rw->writer == self)
		ret = -EDEADLK;
	else if (rw->readers || rw_contended_locked(rw))
		rw_wait_locked(rw, RW_WAIT_WRITE, &flags);
	else
		rw->writer = self;
	spin_unlock_irqrestore(&rw->wq.lock, flags);
	return ret;
}

int rw_try_write_lock(struct rwlock *rw)
{
	uint64_t flags = spin_lock_irqsave(&rw->wq.lock);
	int ret = -EBUSY;

	if (!rw->readers && !rw_contended_locked(rw)) {
		rw->writer = thread_current();
		ret = 0;
	}
	spin_unlock_irqrestore(&rw->wq.lock, flags);
	return ret;
}

int rw_write_unlock(struct rwlock *rw)
{
	uint64_t flags = spin_lock_irqsave(&rw->wq.lock);
	int ret = -EPERM;

	if (rw->writer == thread_current()) {
		rw->writer = NULL;
		rw_grant_locked(rw);
		ret = 0;
	}
	spin_unlock_irqrestore(&rw->wq.lock, flags);
	return ret;
}

/* Upgrade checks shared by both forms; 1 when the caller may wait. */
static int rw_upgrade_locked(struct rwlock *rw, bool wait, uint64_t *flags)
{
	if (rw->writer == thread_current())
		return -EDEADLK;
	if (rw->readers == 0 || rw->writer)
		return -EPERM;
	if (rw->upgrader)
		return -EDEADLK;
	if (rw->readers == 1) {
		rw->readers = 0;
		rw->writer = thread_current();
		return 0;
	}
	if (!wait)
		return -EBUSY;
	rw_wait_locked(rw, RW_WAIT_UPGRADE, flags);
	return 0;
}

int rw_upgrade(struct rwlock *rw)
{
	uint64_t flags = spin_lock_irqsave(&rw->wq.lock);
	int ret = rw_upgrade_locked(rw, true, &flags);

	spin_unlock_irqrestore(&rw->wq.lock, flags);
	return ret;
}

int rw_try_upgrade(struct rwlock *rw)
{
	uint64_t flags = spin_lock_irqsave(&rw->wq.lock);
	int ret = rw_upgrade_locked(rw, false, &flags);

	spin_unlock_irqrestore(&rw->wq.lock, flags);
	return ret;
}

int rw_downgrade(struct rwlock *rw)
{
	uint64_t flags = spin_lock_irqsave(&rw->wq.lock);
	int ret = -EPERM;

	if (rw->writer == thread_current()) {
		rw->writer = NULL;
		rw->readers = 1;
		/* Readers at the head get in; a writer at the head still waits for us. */
		rw_grant_locked(rw);
		ret = 0;
	}
	spin_unlock_irqrestore(&rw->wq.lock, flags);
	return ret;
}

int rw_destroy(struct rwlock *rw)
{
	uint64_t flags = spin_lock_irqsave(&rw->wq.lock);
	int ret = rw->readers || rw_contended_locked(rw) ? -EBUSY : 0;

	spin_unlock_irqrestore(&rw->wq.lock, flags);
	return ret;
}
