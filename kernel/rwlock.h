/* SPDX-License-Identifier: BSD-2-Clause */
/* Reader-writer locks with upgrade and downgrade; arrivals queue behind a waiting writer, so writers never starve. */
#ifndef KERNEL_RWLOCK_H
#define KERNEL_RWLOCK_H

#include <mote/types.h>
#include "kernel/waitq.h"

struct thread;

/*
 * One FIFO queue of waiters (waiter.data says read or write). The lock is
 * granted to waiters before they are woken: to the waiting upgrader first,
 * else to the writer at the head of the queue, else to every reader up to
 * the first queued writer. A reader that finds anyone queued queues too.
 */
struct rwlock {
	struct waitq wq;		/* its lock guards every field */
	unsigned int readers;		/* read holders, the waiting upgrader included */
	struct thread *writer;
	struct waiter *upgrader;	/* a reader waiting in rw_upgrade */
};

#define RWLOCK_INIT(name)	{ WAITQ_INIT((name).wq), 0, NULL, NULL }

void rw_init(struct rwlock *rw);

/* 0, or -EDEADLK when the caller holds it for writing. Threads only. */
int rw_read_lock(struct rwlock *rw);
/* 0, or -EBUSY when a writer holds it or anyone waits for it. */
int rw_try_read_lock(struct rwlock *rw);
/*
 * 0, or -EPERM when nobody holds it for reading (the count would go below
 * zero). Readers are counted, not named: a thread that never took the
 * lock but unlocks while others read is not caught.
 */
int rw_read_unlock(struct rwlock *rw);

/* 0, or -EDEADLK when the caller already holds it for writing. Threads only. */
int rw_write_lock(struct rwlock *rw);
/* 0, or -EBUSY when anyone holds or waits for it. */
int rw_try_write_lock(struct rwlock *rw);
/* 0, or -EPERM when the caller is not the writer. */
int rw_write_unlock(struct rwlock *rw);

/*
 * Reader to writer, without letting another writer in between: waits until
 * the caller is the only reader (new readers queue meanwhile). -EDEADLK when
 * another reader is already waiting to upgrade (both would wait for each
 * other for ever; the caller keeps its read lock and should drop it), or
 * when the caller is the writer; -EPERM when nobody holds it for reading.
 */
int rw_upgrade(struct rwlock *rw);
/* Like rw_upgrade, but -EBUSY instead of waiting. */
int rw_try_upgrade(struct rwlock *rw);
/* Writer to reader: lets the readers at the head of the queue in, still excluding writers. 0 or -EPERM. */
int rw_downgrade(struct rwlock *rw);

/* 0, or -EBUSY while it is held or waited for. */
int rw_destroy(struct rwlock *rw);

#endif
