/* SPDX-License-Identifier: BSD-2-Clause */
/* Completions: one side waits for an event that another signals once, several times, or for good. */
#ifndef KERNEL_COMPLETION_H
#define KERNEL_COMPLETION_H

#include <mote/types.h>
#include "kernel/waitq.h"

/* `done` at this value means complete_all: every wait, now and later, returns at once. */
#define COMPLETION_ALL	UINT32_MAX

struct completion {
	struct waitq wq;		/* its lock guards done */
	unsigned int done;		/* events signalled and not yet consumed */
};

#define COMPLETION_INIT(name)	{ WAITQ_INIT((name).wq), 0 }

void completion_init(struct completion *c);
/* Signals one event: wakes the first waiter, or is kept for the next wait. Safe from interrupt handlers. */
void complete(struct completion *c);
/* Signals for good: wakes every waiter and lets every later wait through, until completion_reinit. */
void complete_all(struct completion *c);
/* Consumes one event, sleeping until there is one: 0. Threads only. */
int wait_for_completion(struct completion *c);
/* Like wait_for_completion, giving up at the monotonic time deadline_ns (0: never): 0 or -ETIMEDOUT. */
int wait_for_completion_timeout(struct completion *c, uint64_t deadline_ns);
/* 0 and consumes an event if there is one, else -EAGAIN. */
int try_wait_for_completion(struct completion *c);
/* Forgets signalled events (also complete_all) so the completion can be used again; waiters stay waiting. */
void completion_reinit(struct completion *c);
bool completion_done(struct completion *c);

#endif
