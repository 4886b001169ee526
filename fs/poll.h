/* SPDX-License-Identifier: BSD-2-Clause */
/* Readiness: what poll, select and epoll wait on; pipes, eventfd, the console and sockets notify through it. */
#ifndef FS_POLL_H
#define FS_POLL_H

#include <mote/types.h>
#include "kernel/spinlock.h"
#include "lib/list.h"

/* Linux include/uapi/asm-generic/poll.h */
#define POLLIN		0x0001
#define POLLPRI		0x0002
#define POLLOUT		0x0004
#define POLLERR		0x0008
#define POLLHUP		0x0010
#define POLLNVAL	0x0020
#define POLLRDNORM	0x0040
#define POLLRDBAND	0x0080
#define POLLWRNORM	0x0100
#define POLLWRBAND	0x0200
#define POLLMSG		0x0400
#define POLLRDHUP	0x2000

/*
 * A source of readiness changes (one per pipe end, eventfd, socket, console
 * input...). Whoever waits adds a poll_entry; the source calls
 * pollhead_notify() after every change that may make an event true (data
 * arrived, room freed, the other end closed). notify may run from an
 * interrupt handler: entries' callbacks must be short and must not sleep.
 */
struct pollhead {
	struct spinlock lock;
	struct list_node entries;
};

struct poll_entry {
	struct list_node link;
	struct pollhead *head;		/* NULL when not subscribed */
	/* Called with the head's lock held and interrupts off; events is what the source says changed. */
	void (*notify)(struct poll_entry *e, unsigned int events);
};

/*
 * Passed to file_ops.poll by a waiter: the file calls poll_subscribe() for
 * each pollhead it depends on; the table decides what entry to add there.
 */
struct poll_table {
	void (*subscribe)(struct poll_table *pt, struct pollhead *head);
};

#define POLLHEAD_INIT(name) { SPINLOCK_INIT, LIST_INIT((name).entries) }

void pollhead_init(struct pollhead *h);
/* Calls every subscribed entry's notify. */
void pollhead_notify(struct pollhead *h, unsigned int events);
void poll_entry_add(struct pollhead *h, struct poll_entry *e);
/* Safe to call on an entry that is not subscribed. */
void poll_entry_remove(struct poll_entry *e);

static inline void poll_subscribe(struct poll_table *pt, struct pollhead *h)
{
	if (pt && h)
		pt->subscribe(pt, h);
}

#endif
