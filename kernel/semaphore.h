/* SPDX-License-Identifier: BSD-2-Clause */
/* Counting semaphores: down sleeps while the count is zero, up hands a unit to the first sleeper. */
#ifndef KERNEL_SEMAPHORE_H
#define KERNEL_SEMAPHORE_H

#include <mote/types.h>
#include "kernel/waitq.h"

struct semaphore {
	struct waitq wq;		/* its lock guards count */
	unsigned int count;		/* units available; 0 while anyone sleeps */
};

#define SEMAPHORE_INIT(name, n)	{ WAITQ_INIT((name).wq), (n) }

void sem_init(struct semaphore *s, unsigned int count);
/* Takes a unit, sleeping until one is there: 0. Threads only. */
int sem_down(struct semaphore *s);
/* Like sem_down, giving up at the monotonic time deadline_ns (0: never): 0 or -ETIMEDOUT. */
int sem_down_timeout(struct semaphore *s, uint64_t deadline_ns);
/* 0, or -EAGAIN when no unit is available. Safe from interrupt handlers. */
int sem_trydown(struct semaphore *s);
/* Gives a unit back: 0, or -EOVERFLOW when the count is at its limit. Safe from interrupt handlers. */
int sem_up(struct semaphore *s);
/* Units available now (a snapshot). */
unsigned int sem_count(struct semaphore *s);

#endif
