/* SPDX-License-Identifier: BSD-2-Clause */
/* The network-device registry and packet buffers. */
#include "arch/x86_64/cpu.h"
#include "kernel/heap.h"
#include "lib/format.h"
#include "lib/string.h"
#include "net/netdev.h"

static struct list_node netdevs = LIST_INIT(netdevs);
static unsigned int nnetdevs;

struct netbuf *netbuf_alloc_size(uint32_t size)
{
	struct netbuf *b = kcalloc(1, sizeof(*b));

	if (!b)
		return NULL;
	/*
	 * NETBUF_SIZE is a slab object of the largest small class, inside
	 * one page; a larger buffer is a run of whole pages. Either is
	 * physically contiguous, so the device sees one range.
	 */
	if (size < NETBUF_SIZE)
		size = NETBUF_SIZE;
	b->buf = kmalloc(size);
	if (!b->buf) {
		kfree(b);
		return NULL;
	}
	b->size = size;
	b->off = NETBUF_HEADROOM;
	list_init(&b->link);
	return b;
}

struct netbuf *netbuf_alloc(void)
{
	return netbuf_alloc_size(NETBUF_SIZE);
}

void netbuf_free(struct netbuf *b)
{
	if (!b)
		return;
	kfree(b->buf);
	kfree(b);
}

void netdev_register(struct netdev *d)
{
	fmt_snprintf(d->name, sizeof(d->name), "eth%u", nnetdevs++);
	if (d->queues == 0)
		d->queues = 1;
	list_push_back(&netdevs, &d->link);
}

struct netdev *netdev_next(struct netdev *prev)
{
	struct list_node *n = prev ? prev->link.next : netdevs.next;

	return n == &netdevs ? NULL : list_entry(n, struct netdev, link);
}

struct netdev *netdev_find(const char *name)
{
	for (struct netdev *d = netdev_next(NULL); d; d = netdev_next(d))
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

void netdev_set_rx_notify(struct netdev *d, void (*fn)(struct netdev *d), void *arg)
{
	/* Both fields change together for the interrupt handler, which may read them at any time. */
	uint64_t flags = irq_save();

	d->rx_notify = fn;
	d->rx_notify_arg = arg;
	irq_restore(flags);
	if (d->rx_interrupts)
		d->rx_interrupts(d, fn != NULL);
}
