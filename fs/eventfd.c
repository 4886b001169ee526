/* SPDX-License-Identifier: BSD-2-Clause */
/* eventfd (eventfd(2)): a counter that reads drain or decrement and writes add to, blocking at its limits. */
#include <mote/errno.h>
#include "fs/eventfd.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "kernel/waitq.h"

/* eventfd(2): the counter never exceeds 2^64 - 2; writing 2^64 - 1 is EINVAL. */
#define EVENTFD_MAX		0xfffffffffffffffeull

/* The wait queue's lock guards the counter; readers and writers sleep on it until the counter lets them by. */
struct eventfd {
	struct waitq wq;
	uint64_t count;
	bool semaphore;
	struct pollhead ph;
};

static long eventfd_read(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t value, flags;

	(void)pos;
	if (n < sizeof(value))
		return -EINVAL;
	flags = spin_lock_irqsave(&e->wq.lock);
	while (e->count == 0) {
		struct waiter w;

		if (READ_ONCE(f->flags) & O_NONBLOCK) {
			spin_unlock_irqrestore(&e->wq.lock, flags);
			return -EAGAIN;
		}
		waitq_wait_locked(&e->wq, &w, 0, &flags, 0);
	}
	value = e->semaphore ? 1 : e->count;
	e->count -= value;
	/* Writers blocked at the limit may now fit. */
	waitq_wake_locked(&e->wq, -1);
	spin_unlock_irqrestore(&e->wq.lock, flags);
	pollhead_notify(&e->ph, POLLOUT | POLLWRNORM);
	/* As on Linux the value is consumed even if the copy then faults. */
	if (uio_copy_out(u, &value, sizeof(value)))
		return -EFAULT;
	return sizeof(value);
}

static long eventfd_write(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t value, flags;

	(void)pos;
	if (n < sizeof(value))
		return -EINVAL;
	if (uio_copy_in(u, &value, sizeof(value)))
		return -EFAULT;
	if (value == ~0ull)
		return -EINVAL;
	flags = spin_lock_irqsave(&e->wq.lock);
	while (EVENTFD_MAX - e->count < value) {
		struct waiter w;

		if (READ_ONCE(f->flags) & O_NONBLOCK) {
			spin_unlock_irqrestore(&e->wq.lock, flags);
			return -EAGAIN;
		}
		waitq_wait_locked(&e->wq, &w, 0, &flags, 0);
	}
	e->count += value;
	if (value)
		waitq_wake_locked(&e->wq, -1);
	spin_unlock_irqrestore(&e->wq.lock, flags);
	/* Even a write of 0 notifies: edge-triggered epoll users see every write, as on Linux. */
	pollhead_notify(&e->ph, POLLIN | POLLRDNORM);
	return sizeof(value);
}

static unsigned int eventfd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = f->priv;
	uint64_t count;
	unsigned int events = 0;

	poll_subscribe(pt, &e->ph);
	count = READ_ONCE(e->count);
	/* eventfd(2): readable above 0, writable while a 1 still fits. */
	if (count)
		events |= POLLIN | POLLRDNORM;
	if (count < EVENTFD_MAX)
		events |= POLLOUT | POLLWRNORM;
	return events;
}

static void eventfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
	.read = eventfd_read,
	.write = eventfd_write,
	.poll = eventfd_poll,
	.release = eventfd_release,
};

int eventfd_create(unsigned int initval, unsigned int flags, struct file **out)
{
	struct eventfd *e;
	struct file *f;

	if (flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC))
		return -EINVAL;
	e = kcalloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	waitq_init(&e->wq);
	pollhead_init(&e->ph);
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	f = file_alloc(NULL, NULL, &eventfd_ops, FILE_READ | FILE_WRITE | FILE_STREAM,
		       O_RDWR | (flags & EFD_NONBLOCK));
	if (!f) {
		kfree(e);
		return -ENOMEM;
	}
	f->priv = e;
	f->anon_name = "eventfd";
	*out = f;
	return 0;
}
