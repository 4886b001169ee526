/* SPDX-License-Identifier: BSD-2-Clause */
/* Condition variables: sleep until signalled while atomically giving up a mutex. */
#ifndef KERNEL_CONDVAR_H
#define KERNEL_CONDVAR_H

#include <mote/types.h>
#include "kernel/mutex.h"
#include "kernel/waitq.h"

struct condvar {
	struct waitq wq;
};

#define CONDVAR_INIT(name)	{ WAITQ_INIT((name).wq) }

void cond_init(struct condvar *cv);
/*
 * Releases m, sleeps until signalled, and locks m again before returning
 * 0. The caller must own m exactly once: -EPERM if it does not own it,
 * -EINVAL if it holds a recursive m more than once (nothing is released
 * then). Wake-ups may be spurious: wait in a loop on the condition.
 */
int cond_wait(struct condvar *cv, struct mutex *m);
/* Like cond_wait, giving up at the monotonic time deadline_ns (0: never): 0 or -ETIMEDOUT, m held again either way. */
int cond_wait_timeout(struct condvar *cv, struct mutex *m, uint64_t deadline_ns);
/* Wakes the first waiter, if any. Safe from interrupt handlers. */
void cond_signal(struct condvar *cv);
/* Wakes every waiter. Safe from interrupt handlers. */
void cond_broadcast(struct condvar *cv);
/* 0, or -EBUSY while threads wait on cv. */
int cond_destroy(struct condvar *cv);

#endif
