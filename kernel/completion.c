/* SPDX-License-Identifier: BSD-2-Clause */
/* Completions on a wait queue: an event goes straight to the first waiter, or is counted for a later one. */
#include <mote/errno.h>
#include "kernel/completion.h"

void completion_init(struct completion *c)
{
	waitq_init(&c->wq);
	c->done = 0;
}

void complete(struct completion *c)
{
	uint64_t flags = spin_lock_irqsave(&c->wq.lock);

	if (c->done != COMPLETION_ALL) {
		/* Handed to a waiter, the event is consumed by that wake-up. */
		if (waitq_wake_locked(&c->wq, 1) == 0 && c->done < COMPLETION_ALL - 1)
			c->done++;
	}
	spin_unlock_irqrestore(&c->wq.lock, flags);
}

void complete_all(struct completion *c)
{
	uint64_t flags = spin_lock_irqsave(&c->wq.lock);

	c->done = COMPLETION_ALL;
	waitq_wake_locked(&c->wq, -1);
	spin_unlock_irqrestore(&c->wq.lock, flags);
}

int wait_for_completion_timeout(struct completion *c, uint64_t deadline_ns)
{
	uint64_t flags = spin_lock_irqsave(&c->wq.lock);
	struct waiter w;
	int ret = 0;

	if (c->done == 0)
		ret = waitq_wait_locked(&c->wq, &w, 0, &flags, deadline_ns);
	else if (c->done != COMPLETION_ALL)
		c->done--;
	spin_unlock_irqrestore(&c->wq.lock, flags);
	return ret;
}

int wait_for_completion(struct completion *c)
{
	return wait_for_completion_timeout(c, 0);
}

int try_wait_for_completion(struct completion *c)
{
	uint64_t flags = spin_lock_irqsave(&c->wq.lock);
	int ret = 0;

	if (c->done == 0)
		ret = -EAGAIN;
	else if (c->done != COMPLETION_ALL)
		c->done--;
	spin_unlock_irqrestore(&c->wq.lock, flags);
	return ret;
}

void completion_reinit(struct completion *c)
{
	uint64_t flags = spin_lock_irqsave(&c->wq.lock);

	c->done = 0;
	spin_unlock_irqrestore(&c->wq.lock, flags);
}

bool completion_done(struct completion *c)
{
	return __atomic_load_n(&c->done, __ATOMIC_RELAXED) != 0;
}
