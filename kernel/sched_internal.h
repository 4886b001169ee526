/* SPDX-License-Identifier: BSD-2-Clause */
/* What kernel/thread.c and kernel/sched.c share and nobody else needs. */
#ifndef KERNEL_SCHED_INTERNAL_H
#define KERNEL_SCHED_INTERNAL_H

#include "kernel/thread.h"

/* thread.c */
void thread_reap_if_detached(struct thread *t);
__noreturn void thread_run_entry(struct thread *t);

/* sched.c */
void sched_init_queues(struct thread *main, struct thread *idle);
void sched_requeue_prio(struct thread *t, int prio);
void sched_resched_if_needed(void);
void sched_wake_timeout(struct timer *t, void *arg);
void *sched_idle_entry(void *arg);

#endif
