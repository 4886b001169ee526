/* SPDX-License-Identifier: BSD-2-Clause */
/* Wait queues: threads sleep until woken or until a deadline; the base of every blocking primitive. */
#ifndef KERNEL_WAITQ_H
#define KERNEL_WAITQ_H

#include <mote/types.h>
#include "kernel/spinlock.h"
#include "lib/list.h"

struct thread;

struct waitq {
	struct spinlock lock;
	struct list_node waiters;	/* struct waiter, FIFO */
};

/* One sleeping thread; lives on the sleeper's stack. `data` is the user's (futex bitset, rwlock mode...). */
struct waiter {
	struct list_node link;
	struct thread *thread;
	struct waitq *wq;		/* the queue it is on (futex requeue moves it) */
	uint64_t data;
	bool woken;
};

#define WAITQ_INIT(name) { SPINLOCK_INIT, LIST_INIT((name).waiters) }

void waitq_init(struct waitq *wq);

/*
 * Sleeps until woken or until the monotonic deadline_ns (0: none). Call
 * with wq->lock held through spin_lock_irqsave(&wq->lock) (its flags in
 * *irqflags): the lock is dropped while asleep and held again on return.
 * Returns 0 when woken, -ETIMEDOUT when the deadline passed first.
 */
int waitq_wait_locked(struct waitq *wq, struct waiter *w, uint64_t data,
		      uint64_t *irqflags, uint64_t deadline_ns);
/*
 * The same sleep, interruptible: it also ends (or does not start) when the
 * thread is interrupted (sched_interrupt, kernel/thread.h: a signal to
 * take), returning -EINTR. For the waits of system calls that Linux lets a
 * signal interrupt (signal(7)); callers pass the -EINTR up.
 */
int waitq_wait_intr_locked(struct waitq *wq, struct waiter *w, uint64_t data,
			   uint64_t *irqflags, uint64_t deadline_ns);

/* With wq->lock held: wakes the first n waiters (n < 0: all); returns how many. */
int waitq_wake_locked(struct waitq *wq, int n);
/* With wq->lock held: wakes this waiter. */
void waitq_wake_waiter_locked(struct waitq *wq, struct waiter *w);
/* Takes the lock itself. */
int waitq_wake(struct waitq *wq, int n);
bool waitq_has_waiters(struct waitq *wq);

#endif
