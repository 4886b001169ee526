/* SPDX-License-Identifier: BSD-2-Clause */
/* The one process: how it starts and ends (its memory is kernel/vm.c's). */
#ifndef ABI_PROCESS_H
#define ABI_PROCESS_H

#include <mote/compiler.h>
#include <mote/types.h>
#include "arch/x86_64/syscall.h"
#include "kernel/mutex.h"
#include "kernel/thread.h"
#include "lib/list.h"

#define APP_NSIG	64	/* signals 1..64 (signal(7)) */

/* getrlimit(2): the resources, RLIM_NLIMITS of them (Linux uapi asm-generic/resource.h) */
#define RLIMIT_STACK		3
#define RLIMIT_CORE		4
#define RLIMIT_NPROC		6
#define RLIMIT_NOFILE		7
#define RLIMIT_MEMLOCK		8
#define RLIMIT_SIGPENDING	11
#define RLIMIT_MSGQUEUE		12
#define RLIMIT_NICE		13
#define RLIMIT_RTPRIO		14
#define APP_NRLIMIT		16
#define RLIM_INFINITY		(~0ull)

/* rt_sigaction's struct as the x86_64 kernel takes it (handler, flags, restorer, mask). */
struct app_sigaction {
	uint64_t handler, flags, restorer, mask;
};

struct app_rlimit {
	uint64_t cur, max;
};

/* What the Linux ABI keeps per application thread, beside its kernel thread (thread->app). */
struct app_thread {
	struct thread *thread;
	struct list_node link;		/* proc.threads */
	uint32_t tid;			/* the main thread's is 1, the pid */
	uint64_t clear_child_tid;	/* set_tid_address(2): zeroed and woken at exit */
	uint64_t robust_list;		/* set_robust_list(2): stored, not walked at exit */
	uint64_t sig_blocked, sig_pending;	/* bit n-1: signal n */
	uint64_t altstack_sp, altstack_size;	/* sigaltstack(2) */
	int altstack_flags;
	struct syscall_frame start;	/* clone: the registers the child starts with */
};

struct process {
	uint64_t first_write_tsc;	/* ticks from boot to the first write(), 0 before */
	struct mutex lock;		/* the thread list and counts, signal actions, limits */
	struct list_node threads;	/* struct app_thread */
	unsigned int nthreads;		/* alive; the last one's exit ends the process */
	uint32_t last_tid;
	bool threaded;			/* has had a second thread (strace lines name their thread) */
	uint64_t exited_cpu_ticks;	/* CPU time of threads that ended */
	uint64_t sig_pending;		/* process-directed signals not yet taken by a thread */
	uint64_t sig_seq;		/* counts signals sent: sigtimedwait sleeps until it moves */
	struct waitq sig_wq;		/* threads in sigtimedwait */
	struct app_sigaction sigactions[APP_NSIG];
	struct app_rlimit rlimits[APP_NRLIMIT];
};

extern struct process proc;

static inline struct app_thread *app_current(void)
{
	return (struct app_thread *)thread_current()->app;
}

/* The calling thread's tid (0 outside an application thread). */
static inline unsigned int process_current_tid(void)
{
	struct app_thread *at = app_current();

	return at ? at->tid : 0;
}
/* proc.lock, out of line: one copy instead of an inlined one in every caller. */
void process_lock(void);
void process_unlock(void);
/* The live thread with this tid, or NULL; with proc.lock held. */
struct app_thread *process_find_thread(long tid);
/* CPU time of the whole process (every thread, ended ones too), in TSC ticks. */
uint64_t process_cpu_ticks(void);
/* A resource limit's soft value (RLIMIT_NOFILE for the fd table, ...). */
uint64_t process_rlimit(unsigned int resource);

/* Loads the application from the image and jumps to it. */
__noreturn void process_start(int argc, char **argv);
/* exit_group(): the last console lines and power-off. */
__noreturn void process_exit(int status);

#endif
