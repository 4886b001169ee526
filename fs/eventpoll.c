/* SPDX-License-Identifier: BSD-2-Clause */
/* epoll (epoll(7)): interest lists, a ready list filled from any context, level and edge triggering, nesting. */
#include <mote/errno.h>
#include "fs/eventpoll.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "kernel/mutex.h"
#include "kernel/time.h"
#include "kernel/waitq.h"

/* Flags that change how an item behaves; the other bits are events. */
#define EP_FLAG_BITS	(EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET)
/* epoll_ctl(2): what may accompany EPOLLEXCLUSIVE. */
#define EP_EXCLUSIVE_OK	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

#define EP_HASH		64	/* an instance's buckets of items, by fd */
#define EP_FILE_HASH	256	/* every item, by watched file, for the release hook */

/*
 * Locks, outermost first: ep_global (the set of items of every instance:
 * add, delete, the release hook, the loop check), an instance's mtx (its
 * items' settings; collecting events), its wq.lock (the ready list, each
 * item's place on it and its events mask; taken from notifications, so
 * with interrupts off). An instance's mtx may be held while an inner
 * instance's is taken (polling a nested epoll file): the loop check
 * keeps that order acyclic.
 */
struct eventpoll {
	struct mutex mtx;
	struct waitq wq;			/* epoll_wait sleepers */
	struct list_node ready;			/* struct epitem, by rdlink */
	struct list_node items[EP_HASH];	/* struct epitem, by link */
	struct pollhead ph;			/* pollers of the epoll file itself */
	struct file *file;
};

struct epitem;

/* One subscription of an item to one pollhead of its file. */
struct ep_hook {
	struct poll_entry pe;
	struct epitem *epi;
	struct ep_hook *next;
};

struct epitem {
	struct list_node link;		/* ep->items[] */
	struct list_node flink;		/* ep_files[] */
	struct list_node rdlink;	/* ep->ready or a collection in progress; unlinked otherwise */
	struct eventpoll *ep;
	struct file *file;		/* no reference: the release hook removes the item first */
	int fd;
	uint32_t events;		/* asked | EPOLLERR | EPOLLHUP | flags; a fired one-shot: flags only */
	uint64_t data;
	struct ep_hook *hooks;
	bool hook_failed;		/* a subscription could not be allocated */
};

static struct mutex ep_global = MUTEX_INIT(ep_global);
static struct list_node ep_files[EP_FILE_HASH];
static bool ep_files_ready;
static unsigned long ep_item_count;	/* lets the release hook skip files when nothing is watched */

static const struct file_ops epoll_ops;

bool file_is_epoll(const struct file *f)
{
	return f && f->ops == &epoll_ops;
}

static struct list_node *ep_file_bucket(const struct file *f)
{
	uintptr_t h = (uintptr_t)f;

	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ull;
	return &ep_files[h >> (64 - 8)];
}

static struct epitem *ep_find(struct eventpoll *ep, int fd, struct file *f)
{
	struct list_node *head = &ep->items[(unsigned int)fd % EP_HASH], *pos;

	for (pos = head->next; pos != head; pos = pos->next) {
		struct epitem *epi = list_entry(pos, struct epitem, link);

		if (epi->fd == fd && epi->file == f)
			return epi;
	}
	return NULL;
}

/*
 * A watched file changed (any context, the pollhead's lock held, interrupts
 * off). events says what changed, or 0 when the source does not say.
 */
static void ep_notify(struct poll_entry *pe, unsigned int events)
{
	struct epitem *epi = container_of(pe, struct ep_hook, pe)->epi;
	struct eventpoll *ep = epi->ep;
	bool queued = false;

	spin_lock_raw(&ep->wq.lock);
	/* A fired one-shot keeps only flags until EPOLL_CTL_MOD re-arms it. */
	if ((epi->events & ~EP_FLAG_BITS) && (!events || (events & epi->events))) {
		if (!list_linked(&epi->rdlink))
			list_push_back(&ep->ready, &epi->rdlink);
		waitq_wake_locked(&ep->wq, -1);
		queued = true;
	}
	spin_unlock_raw(&ep->wq.lock);
	/* Whoever polls this instance (poll, select, an outer epoll) hears of it. */
	if (queued)
		pollhead_notify(&ep->ph, POLLIN | POLLRDNORM);
}

struct ep_ptable {
	struct poll_table pt;
	struct epitem *epi;
};

static void ep_subscribe(struct poll_table *pt, struct pollhead *h)
{
	struct epitem *epi = container_of(pt, struct ep_ptable, pt)->epi;
	struct ep_hook *hook = kmalloc(sizeof(*hook));

	if (!hook) {
		epi->hook_failed = true;
		return;
	}
	hook->pe.head = NULL;
	hook->pe.notify = ep_notify;
	hook->epi = epi;
	hook->next = epi->hooks;
	epi->hooks = hook;
	poll_entry_add(h, &hook->pe);
}

/* Puts epi on the ready list (if not there) and wakes the instance's waiters and pollers. */
static void ep_queue(struct eventpoll *ep, struct epitem *epi)
{
	uint64_t flags = spin_lock_irqsave(&ep->wq.lock);

	if (!list_linked(&epi->rdlink))
		list_push_back(&ep->ready, &epi->rdlink);
	waitq_wake_locked(&ep->wq, -1);
	spin_unlock_irqrestore(&ep->wq.lock, flags);
	pollhead_notify(&ep->ph, POLLIN | POLLRDNORM);
}

/* Undoes an item entirely; ep_global and ep->mtx are held. */
static void ep_remove(struct eventpoll *ep, struct epitem *epi)
{
	uint64_t flags;

	/* Once its entries are off the pollheads no notification can reach it. */
	while (epi->hooks) {
		struct ep_hook *hook = epi->hooks;

		epi->hooks = hook->next;
		poll_entry_remove(&hook->pe);
		kfree(hook);
	}
	flags = spin_lock_irqsave(&ep->wq.lock);
	list_remove(&epi->rdlink);
	spin_unlock_irqrestore(&ep->wq.lock, flags);
	list_remove(&epi->link);
	list_remove(&epi->flink);
	ep_item_count--;
	kfree(epi);
}

/* ---------------------------------------------------------------- nesting */

/*
 * The longest chain of epoll instances from ep downwards, ep included
 * (past the limit, any longer number will do); -ELOOP on reaching bad.
 */
static int ep_depth_down(struct eventpoll *ep, struct eventpoll *bad, int level)
{
	int deepest = 1;

	if (ep == bad)
		return -ELOOP;
	/* Already too deep: no need to look further, the answer is ELOOP. */
	if (level > EPOLL_MAX_NESTS)
		return EPOLL_MAX_NESTS + 1;
	for (int b = 0; b < EP_HASH; b++) {
		struct list_node *pos;

		for (pos = ep->items[b].next; pos != &ep->items[b]; pos = pos->next) {
			struct epitem *epi = list_entry(pos, struct epitem, link);
			int d;

			if (!file_is_epoll(epi->file))
				continue;
			d = ep_depth_down(epi->file->priv, bad, level + 1);
			if (d < 0)
				return d;
			if (d + 1 > deepest)
				deepest = d + 1;
		}
	}
	return deepest;
}

/* Longest chain of instances watching ep, upwards (ep counts). */
static int ep_depth_up(struct eventpoll *ep, int level)
{
	struct list_node *head = ep_file_bucket(ep->file), *pos;
	int deepest = 1;

	if (level > EPOLL_MAX_NESTS)
		return EPOLL_MAX_NESTS + 1;
	for (pos = head->next; pos != head; pos = pos->next) {
		struct epitem *epi = list_entry(pos, struct epitem, flink);
		int d;

		if (epi->file != ep->file)
			continue;
		d = ep_depth_up(epi->ep, level + 1) + 1;
		if (d > deepest)
			deepest = d;
	}
	return deepest;
}

/* epoll_ctl(2) ELOOP: adding inner to outer must close no cycle and make no chain longer than the limit. */
static int ep_loop_check(struct eventpoll *outer, struct eventpoll *inner)
{
	int down = ep_depth_down(inner, outer, 1);

	if (down < 0)
		return down;
	if (down + ep_depth_up(outer, 1) > EPOLL_MAX_NESTS)
		return -ELOOP;
	return 0;
}

/* ---------------------------------------------------------------- control */

static unsigned int ep_item_poll(struct epitem *epi, struct poll_table *pt)
{
	return file_poll(epi->file, pt) & epi->events & ~EP_FLAG_BITS;
}

static int ep_insert(struct eventpoll *ep, int fd, struct file *target, uint32_t events,
		     uint64_t data)
{
	struct epitem *epi = kcalloc(1, sizeof(*epi));
	struct ep_ptable t = { { ep_subscribe }, epi };
	unsigned int ready;

	if (!epi)
		return -ENOMEM;
	if (file_is_epoll(target)) {
		int r = ep_loop_check(ep, target->priv);

		if (r) {
			kfree(epi);
			return r;
		}
	}
	list_init(&epi->rdlink);
	epi->ep = ep;
	epi->file = target;
	epi->fd = fd;
	epi->events = events;
	epi->data = data;
	list_push_back(&ep->items[(unsigned int)fd % EP_HASH], &epi->link);
	list_push_back(ep_file_bucket(target), &epi->flink);
	ep_item_count++;
	/* Subscribing before looking: a change in between is queued by the notification. */
	ready = ep_item_poll(epi, &t.pt);
	if (epi->hook_failed) {
		ep_remove(ep, epi);
		return -ENOMEM;
	}
	if (ready)
		ep_queue(ep, epi);
	return 0;
}

static int ep_modify(struct eventpoll *ep, struct epitem *epi, uint32_t events, uint64_t data)
{
	uint64_t flags = spin_lock_irqsave(&ep->wq.lock);

	epi->events = events;
	epi->data = data;
	spin_unlock_irqrestore(&ep->wq.lock, flags);
	/* epoll_ctl(2): a re-armed or widened item that is ready now reports at the next wait. */
	if (ep_item_poll(epi, NULL))
		ep_queue(ep, epi);
	return 0;
}

int epoll_ctl_file(struct file *epf, int op, int fd, struct file *target,
		   const struct epoll_event *ev)
{
	struct eventpoll *ep = epf->priv;
	struct epitem *epi;
	uint32_t events = 0;
	int r;

	if (op != EPOLL_CTL_DEL) {
		/* EPOLLWAKEUP: nothing here suspends; dropped as without CAP_BLOCK_SUSPEND (epoll_ctl(2) BUGS). */
		events = (ev->events & ~EPOLLWAKEUP) | EPOLLERR | EPOLLHUP;
		if (events & EPOLLEXCLUSIVE) {
			if (op == EPOLL_CTL_MOD || file_is_epoll(target) || (events & ~EP_EXCLUSIVE_OK))
				return -EINVAL;
		}
	}
	/* MOD changes no item set (ONESHOT users re-arm after every event): the instance's lock does. */
	if (op != EPOLL_CTL_MOD)
		mutex_lock(&ep_global);
	mutex_lock(&ep->mtx);
	epi = ep_find(ep, fd, target);
	switch (op) {
	case EPOLL_CTL_ADD:
		r = epi ? -EEXIST : ep_insert(ep, fd, target, events, ev->data);
		break;
	case EPOLL_CTL_MOD:
		if (!epi)
			r = -ENOENT;
		else if (epi->events & EPOLLEXCLUSIVE)
			r = -EINVAL;
		else
			r = ep_modify(ep, epi, events, ev->data);
		break;
	case EPOLL_CTL_DEL:
		r = -ENOENT;
		if (epi) {
			ep_remove(ep, epi);
			r = 0;
		}
		break;
	default:
		r = -EINVAL;
		break;
	}
	mutex_unlock(&ep->mtx);
	if (op != EPOLL_CTL_MOD)
		mutex_unlock(&ep_global);
	return r;
}

void epoll_file_released(struct file *f)
{
	struct list_node *head, *pos, *tmp;

	if (!READ_ONCE(ep_item_count))
		return;
	mutex_lock(&ep_global);
	head = ep_file_bucket(f);
	list_for_each_safe(pos, tmp, head) {
		struct epitem *epi = list_entry(pos, struct epitem, flink);
		struct eventpoll *ep = epi->ep;

		if (epi->file != f)
			continue;
		mutex_lock(&ep->mtx);
		/* Removing epi never removes another of this bucket: tmp stays valid. */
		ep_remove(ep, epi);
		mutex_unlock(&ep->mtx);
	}
	mutex_unlock(&ep_global);
}

/* ---------------------------------------------------------------- waiting */

/* Pops a collection's first item, under the ready list's lock (notifications look at rdlink). */
static struct epitem *ep_pop(struct eventpoll *ep, struct list_node *from)
{
	uint64_t flags = spin_lock_irqsave(&ep->wq.lock);
	struct list_node *n = list_pop_front(from);

	spin_unlock_irqrestore(&ep->wq.lock, flags);
	return n ? list_entry(n, struct epitem, rdlink) : NULL;
}

/* Moves what is left of a collection back to the front of the ready list. */
static void ep_unsplice(struct eventpoll *ep, struct list_node *txlist)
{
	uint64_t flags = spin_lock_irqsave(&ep->wq.lock);
	struct list_node *n;

	while ((n = txlist->prev) != txlist) {
		list_remove(n);
		list_push_front(&ep->ready, n);
	}
	spin_unlock_irqrestore(&ep->wq.lock, flags);
}

/* Takes the whole ready list as a collection. */
static void ep_splice(struct eventpoll *ep, struct list_node *txlist)
{
	uint64_t flags = spin_lock_irqsave(&ep->wq.lock);

	list_init(txlist);
	if (!list_empty(&ep->ready)) {
		txlist->next = ep->ready.next;
		txlist->prev = ep->ready.prev;
		txlist->next->prev = txlist;
		txlist->prev->next = txlist;
		list_init(&ep->ready);
	}
	spin_unlock_irqrestore(&ep->wq.lock, flags);
}

/*
 * Reports ready items (ep->mtx held): each is polled again, since a
 * notification only says something may have changed. A level-triggered
 * item goes back on the ready list to be polled at the next wait; an
 * edge-triggered one waits for its next notification; a one-shot is
 * disabled.
 */
static long ep_collect(struct eventpoll *ep, struct uio *out, int max)
{
	struct list_node txlist;
	struct epitem *epi;
	long n = 0;

	ep_splice(ep, &txlist);
	while (n < max && (epi = ep_pop(ep, &txlist))) {
		struct epoll_event ev;
		unsigned int revents = ep_item_poll(epi, NULL);
		uint64_t flags;

		if (!revents)
			continue;
		ev.events = revents;
		ev.data = epi->data;
		if (uio_copy_out(out, &ev, sizeof(ev))) {
			ep_queue(ep, epi);
			if (!n)
				n = -EFAULT;
			break;
		}
		n++;
		flags = spin_lock_irqsave(&ep->wq.lock);
		if (epi->events & EPOLLONESHOT)
			epi->events &= EP_FLAG_BITS;
		else if (!(epi->events & EPOLLET) && !list_linked(&epi->rdlink))
			list_push_back(&ep->ready, &epi->rdlink);
		spin_unlock_irqrestore(&ep->wq.lock, flags);
	}
	ep_unsplice(ep, &txlist);
	return n;
}

long epoll_wait_file(struct file *epf, struct uio *out, int max, uint64_t deadline_ns)
{
	struct eventpoll *ep = epf->priv;
	long n;

	mutex_lock(&ep->mtx);
	for (;;) {
		struct waiter w;
		uint64_t flags;
		int r;

		n = ep_collect(ep, out, max);
		if (n || (deadline_ns && time_monotonic_ns() >= deadline_ns))
			break;
		flags = spin_lock_irqsave(&ep->wq.lock);
		if (!list_empty(&ep->ready)) {
			spin_unlock_irqrestore(&ep->wq.lock, flags);
			continue;
		}
		/* Queued before the mutex goes: a notification from now on wakes us. */
		mutex_unlock(&ep->mtx);
		r = waitq_wait_intr_locked(&ep->wq, &w, 0, &flags, deadline_ns);
		spin_unlock_irqrestore(&ep->wq.lock, flags);
		mutex_lock(&ep->mtx);
		if (r == -ETIMEDOUT || r == -EINTR) {
			n = ep_collect(ep, out, max);
			/* epoll_wait(2): a signal's handler to run ends an empty wait with EINTR. */
			if (!n && r == -EINTR)
				n = r;
			break;
		}
	}
	mutex_unlock(&ep->mtx);
	return n;
}

/* ---------------------------------------------------------------- the epoll file */

/* Readable when some ready item really is ready; stale entries are dropped on the way. */
static unsigned int epoll_poll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->priv;
	struct list_node txlist;
	struct epitem *epi;
	unsigned int events = 0;

	poll_subscribe(pt, &ep->ph);
	mutex_lock(&ep->mtx);
	ep_splice(ep, &txlist);
	while ((epi = ep_pop(ep, &txlist))) {
		if (ep_item_poll(epi, NULL)) {
			uint64_t flags = spin_lock_irqsave(&ep->wq.lock);

			if (!list_linked(&epi->rdlink))
				list_push_front(&ep->ready, &epi->rdlink);
			spin_unlock_irqrestore(&ep->wq.lock, flags);
			events = POLLIN | POLLRDNORM;
			break;
		}
	}
	ep_unsplice(ep, &txlist);
	mutex_unlock(&ep->mtx);
	return events;
}

static void epoll_release(struct file *f)
{
	struct eventpoll *ep = f->priv;

	mutex_lock(&ep_global);
	mutex_lock(&ep->mtx);
	for (int b = 0; b < EP_HASH; b++)
		while (!list_empty(&ep->items[b]))
			ep_remove(ep, list_entry(ep->items[b].next, struct epitem, link));
	mutex_unlock(&ep->mtx);
	mutex_unlock(&ep_global);
	kfree(ep);
}

static const struct file_ops epoll_ops = {
	.poll = epoll_poll,
	.release = epoll_release,
};

struct file *epoll_create(void)
{
	struct eventpoll *ep = kcalloc(1, sizeof(*ep));
	struct file *f;

	if (!ep)
		return NULL;
	mutex_init(&ep->mtx);
	waitq_init(&ep->wq);
	list_init(&ep->ready);
	for (int b = 0; b < EP_HASH; b++)
		list_init(&ep->items[b]);
	pollhead_init(&ep->ph);
	f = file_alloc(NULL, NULL, &epoll_ops, FILE_READ | FILE_STREAM, O_RDONLY);
	if (!f) {
		kfree(ep);
		return NULL;
	}
	ep->file = f;
	f->priv = ep;
	f->anon_name = "eventpoll";
	mutex_lock(&ep_global);
	if (!ep_files_ready) {
		for (int b = 0; b < EP_FILE_HASH; b++)
			list_init(&ep_files[b]);
		ep_files_ready = true;
		file_release_hook = epoll_file_released;
	}
	mutex_unlock(&ep_global);
	return f;
}
