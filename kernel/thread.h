/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel threads: the unit of scheduling, on which application threads (clone) will also run. */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <mote/compiler.h>
#include <mote/types.h>
#include "kernel/kva.h"
#include "kernel/timer.h"
#include "kernel/waitq.h"
#include "lib/list.h"

#define THREAD_NAME_MAX		24
#define THREAD_PRIO_MIN		0	/* idle runs below every thread */
#define THREAD_PRIO_DEFAULT	16
#define THREAD_PRIO_MAX		31
#define THREAD_STACK_DEFAULT	(16 * 1024)

enum thread_state {
	THREAD_READY,		/* on a run queue */
	THREAD_RUNNING,
	THREAD_BLOCKED,		/* waiting on a wait queue, maybe with a timeout */
	THREAD_DEAD,		/* exited; its join waiters are woken */
};

struct thread {
	uint64_t rsp;			/* saved by arch_switch; first for the assembly */
	struct kstack stack;
	void *fpu;			/* XSAVE area */
	uint64_t fs_base, gs_base;	/* the application's TLS bases */
	enum thread_state state;
	int prio;
	unsigned int id;
	char name[THREAD_NAME_MAX];
	struct list_node run_link;	/* run queue */
	struct list_node all_link;	/* every thread, for the dump */
	void *(*entry)(void *);
	void *arg;
	void *retval;
	bool detached;
	bool joining;			/* someone waits in thread_join */
	struct waitq exit_wq;		/* joiners */
	struct timer wake_timer;	/* timeouts of blocking waits and sleeps */
	bool timed_out;
	bool intr_sleep;		/* blocked in a sleep that sched_interrupt() ends */
	bool intr;			/* sched_interrupt() asked: interruptible sleeps end (-EINTR) */
	uint64_t cpu_ticks;		/* TSC ticks spent running */
	uint64_t run_start;		/* TSC when it last started running */
	uint64_t slice_end;		/* TSC at which its time slice ends */
	int preempt_count;		/* > 0: no preemption */
	bool stack_unfilled;		/* no fill pattern: high-water mark unknown */
	bool user_tls;			/* runs application code: switch its FS/GS bases */
	void *app;			/* an application thread's ABI state (abi/process.h), else NULL */
};

/* Creates a READY thread running entry(arg); stack_size 0 means the default. NULL on -ENOMEM. */
struct thread *thread_create(const char *name, void *(*entry)(void *), void *arg,
			     size_t stack_size, int prio);
/* Like thread_create, but the thread runs only after thread_start(): its creator may set it up first. */
struct thread *thread_create_suspended(const char *name, void *(*entry)(void *), void *arg,
				       size_t stack_size, int prio);
void thread_start(struct thread *t);
/* Ends the current thread; a joiner receives retval. */
__noreturn void thread_exit(void *retval);
/* Waits for t to end and frees it: 0, -EINVAL (detached or already joined), -EDEADLK (itself). */
int thread_join(struct thread *t, void **retval);
/* Frees t by itself when it ends: 0 or -EINVAL (already detached or joined). */
int thread_detach(struct thread *t);
struct thread *thread_current(void);
const char *thread_current_name(void);
void thread_set_priority(struct thread *t, int prio);

/* Marks the current thread as one that runs application code (its TLS bases are switched). */
void thread_enter_user(void);

/* Prints one line per thread: id, name, state, priority, CPU time, stack high-water mark. */
void thread_dump(void);
/* TSC ticks t has run, the running slice included. */
uint64_t thread_cpu_ticks(const struct thread *t);
/* Bytes of t's kernel stack ever used (from the fill pattern). */
size_t thread_stack_used(const struct thread *t);

/* Makes the boot flow the first thread ("main") and starts the idle thread. */
void sched_init(void);
/* Gives up the CPU to another ready thread of the same or higher priority. */
void sched_yield(void);
/* Sleeps at least ns nanoseconds. */
void sched_sleep_ns(uint64_t ns);

/*
 * The blocking protocol, used by wait queues (no lost wake-ups): with
 * interrupts off, mark the current thread blocked (sched_prepare_block),
 * publish it where a waker will find it, release locks, then call
 * schedule(). A waker calls sched_wake(); if that happens before
 * schedule(), schedule() returns at once.
 */
void sched_prepare_block(uint64_t deadline_ns);
void schedule(void);
/* After schedule() returns from a block: disarms the deadline timer. */
void sched_after_block(void);
/* Makes t ready if it is blocked; safe from interrupt handlers. True if it was blocked. */
bool sched_wake(struct thread *t);
/* Whether the last block of the current thread ended by its deadline. */
bool sched_timed_out(void);

/*
 * Interruptible sleeps (what a signal ends, abi/sys_signal.c): once
 * sched_interrupt(t) was called, t's interruptible sleep ends at once, and
 * so does every later one, until sched_interrupt_clear(t). Ordinary
 * sleeps (kernel locks) never notice. Safe from interrupt handlers.
 */
void sched_interrupt(struct thread *t);
void sched_interrupt_clear(struct thread *t);
/* Like sched_prepare_block, but for an interruptible sleep: false (not blocked) when t->intr is set. */
bool sched_prepare_block_intr(uint64_t deadline_ns);
/* Sleeps until the monotonic deadline_ns (0: none) or an interruption: 0, or -EINTR. */
int sched_sleep_intr(uint64_t deadline_ns);

/* Called at the end of an interrupt: switches if a higher-priority thread or the end of a slice asks. */
void sched_preempt_point(void);
/* Time slice within one priority. */
#define SCHED_SLICE_NS (10 * 1000 * 1000ull)

#endif
