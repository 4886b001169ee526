/* SPDX-License-Identifier: BSD-2-Clause */
/* Application threads: clone and clone3 for threads only, exit, gettid, set_tid_address, robust list, affinity. */
#include <mote/errno.h>
#include "abi/process.h"
#include "abi/syscall.h"
#include "abi/usercopy.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/syscall.h"
#include "kernel/futex.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/thread.h"
#include "lib/format.h"

/* clone(2) flags, Linux include/uapi/linux/sched.h */
#define CSIGNAL			0x000000ffull	/* the exit signal, in clone's flags */
#define CLONE_VM		0x00000100ull
#define CLONE_FS		0x00000200ull
#define CLONE_FILES		0x00000400ull
#define CLONE_SIGHAND		0x00000800ull
#define CLONE_PARENT		0x00008000ull
#define CLONE_THREAD		0x00010000ull
#define CLONE_SYSVSEM		0x00040000ull
#define CLONE_SETTLS		0x00080000ull
#define CLONE_PARENT_SETTID	0x00100000ull
#define CLONE_CHILD_CLEARTID	0x00200000ull
#define CLONE_DETACHED		0x00400000ull	/* ignored by Linux since 2.6.2; musl still passes it */
#define CLONE_CHILD_SETTID	0x01000000ull
#define CLONE_IO		0x80000000ull

/* A thread shares everything; these are what make a clone a thread (musl's pthread_create passes them). */
#define THREAD_FLAGS	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define OPTIONAL_FLAGS	(CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | \
			 CLONE_CHILD_SETTID | CLONE_DETACHED | CLONE_IO)

/* Linux include/uapi/linux/sched.h: struct clone_args, CLONE_ARGS_SIZE_VER0 (64) to VER2 (88) bytes. */
struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
#define CLONE_ARGS_SIZE_VER0	64

/* Linux include/uapi/linux/futex.h: struct robust_list_head, three words. */
#define ROBUST_LIST_HEAD_SIZE	24

/* The first code of a new application thread: the clone's return, with rax = 0. */
static void *app_thread_start(void *arg)
{
	struct app_thread *at = arg;
	struct syscall_frame f = at->start;	/* popped from this kernel stack, not the heap */

	arch_syscall_return(&f);
}

/* One message per boot for what Mote does not do, so a program's failure is explained once. */
static long clone_refuse(long err, const char *what, uint64_t flags)
{
	static bool said;

	if (!said) {
		said = true;
		pr_warn("clone with flags %#lx: %s\n", flags, what);
	}
	return err;
}

/*
 * Linux's own rules first (clone(2), EINVAL: CLONE_THREAD needs
 * CLONE_SIGHAND, which needs CLONE_VM), then ours: without CLONE_VM it is
 * a new process, of which there is one; anything but a thread is refused.
 */
static long clone_check(uint64_t flags)
{
	if (((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) ||
	    ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)))
		return -EINVAL;
	if (!(flags & CLONE_VM))
		return clone_refuse(-ENOSYS, "a new process (no CLONE_VM): Mote runs one process", flags);
	if ((flags & THREAD_FLAGS) != THREAD_FLAGS || (flags & ~(THREAD_FLAGS | OPTIONAL_FLAGS)))
		return clone_refuse(-EINVAL, "only threads (CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|"
				    "CLONE_THREAD, with SYSVSEM, SETTLS, *_SETTID, CHILD_CLEARTID) are supported",
				    flags);
	return 0;
}

/*
 * The child is a kernel thread that enters the application where the
 * parent's syscall returns, with the parent's registers (the frame, whose
 * callee-saved part sys_clone_full filled), rax = 0, the given stack
 * (0: the parent's) and TLS, and a copy of the parent's vector state and
 * signal mask (clone(2)).
 */
static long clone_thread(uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	struct app_thread *self = app_current(), *at;
	struct thread *t;
	char name[THREAD_NAME_MAX];
	uint32_t tid;
	long r = clone_check(flags & ~CSIGNAL);

	if (r)
		return r;
	at = kcalloc(1, sizeof(*at));
	if (!at)
		return -ENOMEM;
	at->start = *syscall_frame_current();
	at->start.rax = 0;
	if (sp)
		at->start.rsp = sp;
	at->sig_blocked = self->sig_blocked;
	if (flags & CLONE_CHILD_CLEARTID)
		at->clear_child_tid = ctid;
	process_lock();
	tid = at->tid = ++proc.last_tid;
	process_unlock();
	fmt_snprintf(name, sizeof(name), "tid %u", tid);
	t = thread_create_suspended(name, app_thread_start, at, 0, thread_current()->prio);
	if (!t) {
		kfree(at);
		return -ENOMEM;
	}
	at->thread = t;
	t->app = at;
	t->fs_base = (flags & CLONE_SETTLS) ? tls : rdmsr(MSR_FS_BASE);
	t->gs_base = rdmsr(MSR_GS_BASE);
	t->user_tls = true;		/* the switch into it loads those bases */
	fpu_save(t->fpu);
	/* Linux writes both before the child runs; a bad address is ignored there too. */
	if (flags & CLONE_PARENT_SETTID)
		copy_to_user(ptid, &tid, sizeof(tid));
	if (flags & CLONE_CHILD_SETTID)
		copy_to_user(ctid, &tid, sizeof(tid));
	process_lock();
	signal_thread_add(at);		/* the list, also under the signal lock: a timer's SIGALRM walks it */
	proc.nthreads++;
	proc.threaded = true;
	process_unlock();
	thread_detach(t);		/* the scheduler frees it when it ends */
	thread_start(t);
	return tid;
}

long sys_clone(long flags, long sp, long ptid, long ctid, long tls, long a5)
{
	(void)a5;
	return clone_thread((uint64_t)flags, (uint64_t)sp, (uint64_t)ptid, (uint64_t)ctid, (uint64_t)tls);
}

/* clone3(2): Linux's checks of the struct and its size (kernel/fork.c), then as clone. */
long sys_clone3(long uargs, long size, long a2, long a3, long a4, long a5)
{
	struct clone_args a = { 0 };

	(void)a2, (void)a3, (void)a4, (void)a5;
	if ((unsigned long)size > PAGE_SIZE)
		return -E2BIG;
	if (size < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	if (copy_from_user(&a, (uint64_t)uargs, MIN((size_t)size, sizeof(a))))
		return -EFAULT;
	/* A newer struct than ours is fine as long as what we do not know is zero. */
	for (size_t off = sizeof(a); off < (size_t)size; off++) {
		uint8_t b;

		if (copy_from_user(&b, (uint64_t)uargs + off, 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	if (a.exit_signal > 64 || (a.flags & (CLONE_DETACHED | CSIGNAL)) ||
	    ((a.flags & (CLONE_THREAD | CLONE_PARENT)) && a.exit_signal) ||
	    (!a.stack != !a.stack_size) || a.stack + a.stack_size < a.stack)
		return -EINVAL;
	if (a.set_tid_size || a.set_tid)
		return clone_refuse(-EINVAL, "clone3 with set_tid is not supported", a.flags);
	return clone_thread(a.flags, a.stack ? a.stack + a.stack_size : 0, a.parent_tid, a.child_tid,
			    a.tls);
}

/*
 * exit(2) ends the calling thread only; the last one to end ends the
 * process with its status. Its clear_child_tid word is zeroed and one
 * waiter woken (set_tid_address(2)): that is how pthread_join learns of it,
 * and how musl releases its thread-list lock.
 */
long sys_exit(long status, long a1, long a2, long a3, long a4, long a5)
{
	struct app_thread *at = app_current();
	struct thread *t = thread_current();
	bool last;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	syscall_trace_noreturn();
	process_lock();
	last = --proc.nthreads == 0;
	if (!last) {
		signal_thread_remove(at);	/* its pending signals go with it */
		proc.exited_cpu_ticks += thread_cpu_ticks(t);
	}
	process_unlock();
	if (last)
		process_exit((int)(status & 0xff));
	if (at->clear_child_tid) {
		uint32_t zero = 0;

		if (copy_to_user(at->clear_child_tid, &zero, sizeof(zero)) == 0)
			futex_wake((uint32_t *)at->clear_child_tid, 1, FUTEX_BITSET_ANY);
	}
	t->app = NULL;
	if (at->tid != 1)
		kfree(at);	/* the main thread's is static, and its stack the boot stack: kept */
	thread_exit(NULL);
}

long sys_gettid(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return app_current()->tid;
}

long sys_set_tid_address(long tidptr, long a1, long a2, long a3, long a4, long a5)
{
	struct app_thread *at = app_current();

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	at->clear_child_tid = (uint64_t)tidptr;
	return at->tid;
}

/* Stored, not walked when a thread ends: a robust mutex's owner dying goes unnoticed. */
long sys_set_robust_list(long head, long len, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (len != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	app_current()->robust_list = (uint64_t)head;
	return 0;
}

/* Restartable sequences are optional: glibc and others fall back when the kernel has none. */
long sys_rseq(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return -ENOSYS;
}

/*
 * One CPU: every thread's affinity is CPU 0. sched_getaffinity(2) wants a
 * size in whole longs, big enough for the kernel's mask (8 bytes here), and
 * returns how many bytes it wrote; a new mask must hold CPU 0 (EINVAL).
 */
static bool affinity_thread_exists(long pid)
{
	bool found;

	process_lock();
	found = !pid || process_find_thread(pid);
	process_unlock();
	return found;
}

long sys_sched_getaffinity(long pid, long size, long mask, long a3, long a4, long a5)
{
	uint64_t one = 1;

	(void)a3, (void)a4, (void)a5;
	if ((unsigned int)size < sizeof(one) || (size & (sizeof(long) - 1)))
		return -EINVAL;
	if (!affinity_thread_exists(pid))
		return -ESRCH;
	return copy_to_user((uint64_t)mask, &one, sizeof(one)) ? -EFAULT : (long)sizeof(one);
}

long sys_sched_setaffinity(long pid, long size, long mask, long a3, long a4, long a5)
{
	uint8_t first = 0;

	(void)a3, (void)a4, (void)a5;
	if (!affinity_thread_exists(pid))
		return -ESRCH;
	if (size > 0 && copy_from_user(&first, (uint64_t)mask, 1))
		return -EFAULT;
	return (first & 1) ? 0 : -EINVAL;
}
