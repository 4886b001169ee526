/* SPDX-License-Identifier: BSD-2-Clause */
/* The one process: how it starts and ends (its memory is kernel/vm.c's). */
#ifndef ABI_PROCESS_H
#define ABI_PROCESS_H

#include <mote/compiler.h>
#include <mote/types.h>
#include "arch/x86_64/syscall.h"
#include "kernel/mutex.h"
#include "kernel/spinlock.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
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

/* What a pending signal tells its handler: the siginfo_t fields that vary (abi/sys_signal.c fills the rest). */
struct app_siginfo {
	int32_t code;			/* si_code: SI_USER, SI_TKILL, SI_QUEUE, SI_KERNEL, or a fault's */
	int32_t err;			/* si_errno */
	int32_t pid;
	uint32_t uid;
	uint64_t value;			/* si_value (sigqueue) */
	uint64_t addr;			/* si_addr, for faults (fault set) */
	bool fault;
};

/* One instance of a pending signal, in sending order (a standard one is pending once, real-time ones queue). */
struct app_sigqueued {
	struct app_sigqueued *next;
	int sig;
	struct app_siginfo info;
};

/* The signals pending for a thread, or for the whole process; all zero is empty. */
struct app_sigpending {
	uint64_t set;			/* bit n-1: signal n */
	struct app_sigqueued *head;	/* their instances (an instance may be missing: its info was lost) */
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
	/* Signal state, under proc.sig_lock (abi/sys_signal.c). */
	uint64_t sig_blocked;		/* bit n-1: signal n */
	struct app_sigpending sig_pending;	/* sent to this thread (tkill, tgkill, its faults, SIGPIPE) */
	uint64_t sig_saved_mask;	/* ppoll, pselect6, epoll_pwait, rt_sigsuspend: the mask to put back... */
	bool sig_mask_saved;		/* ...when the call returns, or through the frame of the handler it ran */
	uint64_t altstack_sp, altstack_size;	/* sigaltstack(2); size 0: none */
	int altstack_flags;		/* SS_AUTODISARM or 0 */
	uint64_t fault_trapno, fault_err, fault_cr2;	/* the last fault, for the signal frame's sigcontext */
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
	/*
	 * Signal state: actions, pending sets and masks, and changes to the
	 * thread list (so that a signal sent from an interrupt, SIGALRM, can
	 * choose a thread). A spinlock taken with interrupts off: never
	 * touch application memory while holding it.
	 */
	struct spinlock sig_lock;
	struct app_sigpending sig_pending;	/* process-directed signals not yet taken by a thread */
	unsigned int sig_queued;	/* instances queued, against RLIMIT_SIGPENDING */
	uint64_t sig_seq;		/* counts signals sent: sigtimedwait sleeps until it moves */
	struct waitq sig_wq;		/* threads in sigtimedwait */
	struct app_sigaction sigactions[APP_NSIG];
	struct timer itimer;		/* ITIMER_REAL and alarm(2): SIGALRM */
	uint64_t itimer_interval_ns;
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

/*
 * Signals (abi/sys_signal.c). signal_init: at process start. The thread
 * list changes through signal_thread_add/signal_thread_remove (with
 * proc.lock held too), which also drops a leaving thread's pending signals.
 */
void signal_init(void);
void signal_thread_add(struct app_thread *at);
void signal_thread_remove(struct app_thread *at);
/* SIGPIPE to the calling thread (pipe(7), send(2)): the syscall layer's, beside its -EPIPE. */
void signal_raise_sigpipe(void);
/*
 * A fault in application code (vector, error code, cr2) as signal sig with
 * si_code code and si_addr addr: true when a handler will take it (the
 * return to the application runs it), false when the fault must end the
 * process (no handler, or the signal blocked: as Linux's force_sig).
 */
bool signal_fault(int sig, int code, uint64_t addr, uint64_t vector, uint64_t error, uint64_t cr2);
/*
 * For ppoll, pselect6, epoll_pwait and epoll_pwait2: the call runs with
 * the mask at umask (size bytes, 0: no change; -EINVAL, -EFAULT), and the
 * old one comes back when it returns, signal_call_mask_end(result) (after
 * the handler an -EINTR runs, through its frame).
 */
long signal_call_mask_begin(long umask, long size);
void signal_call_mask_end(long umask, long result);

/* Loads the application from the image and jumps to it. */
__noreturn void process_start(int argc, char **argv);
/* exit_group(): the last console lines and power-off. */
__noreturn void process_exit(int status);

#endif
