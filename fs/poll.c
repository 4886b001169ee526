/* SPDX-License-Identifier: BSD-2-Clause */
/* Pollheads: the lists of waiters a readiness source notifies, safe from interrupt handlers. */
#include "fs/poll.h"

void pollhead_init(struct pollhead *h)
{
	spin_init(&h->lock);
	list_init(&h->entries);
}

void pollhead_notify(struct pollhead *h, unsigned int events)
{
	struct list_node *pos, *tmp;
	uint64_t flags;

	/*
	 * Sources without waiters notify on every change: keep that path short.
	 * The fence orders the caller's state change before the look at the
	 * list; poll_entry_add() fences the other way, so either the
	 * subscriber sees the new state or we see its entry.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (list_empty(&h->entries))
		return;
	flags = spin_lock_irqsave(&h->lock);
	/* The safe walk lets a callback unlink its own entry. */
	list_for_each_safe(pos, tmp, &h->entries) {
		struct poll_entry *e = list_entry(pos, struct poll_entry, link);

		e->notify(e, events);
	}
	spin_unlock_irqrestore(&h->lock, flags);
}

void poll_entry_add(struct pollhead *h, struct poll_entry *e)
{
	uint64_t flags = spin_lock_irqsave(&h->lock);

	e->head = h;
	list_push_back(&h->entries, &e->link);
	spin_unlock_irqrestore(&h->lock, flags);
	/* The caller reads the source's state next (see pollhead_notify). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void poll_entry_remove(struct poll_entry *e)
{
	struct pollhead *h = READ_ONCE(e->head);
	uint64_t flags;

	/* Only the subscriber adds and removes its entry, so head cannot change under us. */
	if (!h)
		return;
	flags = spin_lock_irqsave(&h->lock);
	list_remove(&e->link);
	e->head = NULL;
	spin_unlock_irqrestore(&h->lock, flags);
}
