/* SPDX-License-Identifier: BSD-2-Clause */
/* Counting semaphores on a wait queue; a unit goes straight to the first sleeper, so none is stolen. */
#include <mote/errno.h>
#include "kernel/semaphore.h"

void sem_init(struct semaphore *s, unsigned int count)
{
	waitq_init(&s->wq);
	s->count = count;
}

int sem_down_timeout(struct semaphore *s, uint64_t deadline_ns)
{
	uint64_t flags = spin_lock_irqsave(&s->wq.lock);
	struct waiter w;
	int ret = 0;

	if (s->count > 0)
		s->count--;
	else
		/* 0 means sem_up handed us its unit without counting it. */
		ret = waitq_wait_locked(&s->wq, &w, 0, &flags, deadline_ns);
	spin_unlock_irqrestore(&s->wq.lock, flags);
	return ret;
}

int sem_down(struct semaphore *s)
{
	return sem_down_timeout(s, 0);
}

int sem_trydown(struct semaphore *s)
{
	uint64_t flags = spin_lock_irqsave(&s->wq.lock);
	int ret = -EAGAIN;

	if (s->count > 0) {
		s->count--;
		ret = 0;
	}
	spin_unlock_irqrestore(&s->wq.lock, flags);
	return ret;
}

int sem_up(struct semaphore *s)
{
	uint64_t flags = spin_lock_irqsave(&s->wq.lock);
	int ret = 0;

	if (!list_empty(&s->wq.waiters))
		waitq_wake_locked(&s->wq, 1);
	else if (s->count == UINT32_MAX)
		ret = -EOVERFLOW;
	else
		s->count++;
	spin_unlock_irqrestore(&s->wq.lock, flags);
	return ret;
}

unsigned int sem_count(struct semaphore *s)
{
	return __atomic_load_n(&s->count, __ATOMIC_RELAXED);
}
