/* SPDX-License-Identifier: BSD-2-Clause */
/* Minimal signals: actions and masks kept, signals to ourselves, default actions (a fatal one ends the process). */
#include <mote/errno.h>
#include "abi/process.h"
#include "abi/syscall.h"
#include "abi/timespec.h"
#include "abi/usercopy.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "lib/string.h"

/*
 * What is here (signal(7)): rt_sigaction keeps each signal's action,
 * rt_sigprocmask each thread's mask, sigaltstack each thread's stack; kill,
 * tkill and tgkill reach our own pid and tids. A signal whose action is the
 * default one is acted on at once when not blocked, or when it is
 * unblocked: a fatal one ends the process with 128 + its number (abort()
 * raises SIGABRT while blocking it, then unblocks it: 134), one ignored by
 * default is dropped. Handlers are not called yet: a signal with a handler
 * stays pending, with one warning.
 */
#define SIG_DFL		0
#define SIG_IGN		1
#define SIG_BLOCK	0
#define SIG_UNBLOCK	1
#define SIG_SETMASK	2
#define SS_ONSTACK	1
#define SS_DISABLE	2
#define SS_AUTODISARM	(1u << 31)
#define MINSIGSTKSZ	2048	/* x86_64 uapi asm/signal.h */
#define SIGKILL		9
#define SIGSTOP		19
#define SIGSET_SIZE	8	/* the kernel's sigset_t: 64 signals */

#define BIT(sig)	(1ull << ((sig) - 1))
/* Signals whose default action is to ignore them (SIGCHLD, SIGCONT, SIGURG, SIGWINCH) or to stop. */
#define DEFAULT_IGNORED	(BIT(17) | BIT(18) | BIT(23) | BIT(28))
#define DEFAULT_STOP	(BIT(19) | BIT(20) | BIT(21) | BIT(22))
#define UNBLOCKABLE	(BIT(SIGKILL) | BIT(SIGSTOP))

/* Signals 1-31 by name, without "SIG", one after another (signal(7)). */
static const char signal_names[] =
	"HUP\0INT\0QUIT\0ILL\0TRAP\0ABRT\0BUS\0FPE\0KILL\0USR1\0SEGV\0USR2\0PIPE\0ALRM\0TERM\0"
	"STKFLT\0CHLD\0CONT\0STOP\0TSTP\0TTIN\0TTOU\0URG\0XCPU\0XFSZ\0VTALRM\0PROF\0WINCH\0IO\0"
	"PWR\0SYS";

struct stack_user {		/* stack_t */
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

/*
 * Acts on the pending signals the calling thread does not block (its own
 * and the process's), with proc.lock held. Does not return for a fatal one.
 */
static void deliver_locked(struct app_thread *at)
{
	uint64_t ready = (at->sig_pending | proc.sig_pending) & ~at->sig_blocked;
	static bool said_handler, said_stop;

	for (int sig = 1; ready; sig++, ready >>= 1) {
		uint64_t handler = proc.sigactions[sig - 1].handler;

		if (!(ready & 1))
			continue;
		if (handler != SIG_DFL && handler != SIG_IGN && sig != SIGKILL) {
			if (!said_handler) {
				said_handler = true;
				pr_warn("signal %d has a handler, which Mote does not call yet: it stays pending\n",
					sig);
			}
			continue;
		}
		at->sig_pending &= ~BIT(sig);
		proc.sig_pending &= ~BIT(sig);
		if (handler == SIG_IGN || (DEFAULT_IGNORED & BIT(sig)))
			continue;
		if (DEFAULT_STOP & BIT(sig)) {
			if (!said_stop) {
				said_stop = true;
				pr_warn("signal %d would stop the process: ignored\n", sig);
			}
			continue;
		}
		/* The default action of every other signal ends the process (signal(7)). */
		if (sig < 32) {
			const char *name = signal_names;

			for (int i = 1; i < sig; i++)
				name += strlen(name) + 1;
			printk("mote: killed by signal %d (SIG%s)\n", sig, name);
		} else {
			printk("mote: killed by signal %d (real-time)\n", sig);
		}
		process_exit(128 + sig);
	}
}

static void discard_locked(uint64_t bits)
{
	struct list_node *pos, *tmp;

	proc.sig_pending &= ~bits;
	list_for_each_safe(pos, tmp, &proc.threads)
		list_entry(pos, struct app_thread, link)->sig_pending &= ~bits;
}

/*
 * Sends sig to the thread `to` (tkill, tgkill) or to the process (to NULL:
 * kill, taken by any thread that does not block it), with proc.lock held.
 */
static long send_locked(struct app_thread *to, long sig)
{
	struct list_node *pos, *tmp;

	if (sig < 0 || sig > APP_NSIG)
		return -EINVAL;
	if (sig == 0)
		return 0;	/* only asks whether the target exists */
	proc.sig_seq++;
	waitq_wake(&proc.sig_wq, -1);	/* sigtimedwait callers look again */
	if (to) {
		to->sig_pending |= BIT(sig);
		deliver_locked(to);
		return 0;
	}
	proc.sig_pending |= BIT(sig);
	list_for_each_safe(pos, tmp, &proc.threads)
		deliver_locked(list_entry(pos, struct app_thread, link));
	return 0;
}

long sys_kill(long pid, long sig, long a2, long a3, long a4, long a5)
{
	long r;

	(void)a2, (void)a3, (void)a4, (void)a5;
	/*
	 * Our pid is 1 and so is our process group, which pid 0 names;
	 * kill(-1) means every process but init, which we are: none (kill(2)).
	 */
	if (pid != 0 && pid != 1)
		return -ESRCH;
	process_lock();
	r = send_locked(NULL, sig);
	process_unlock();
	return r;
}

/* tgkill(2) and tkill(2): to one of our threads (a tgid other than ours, 1, finds none). */
long sys_tgkill(long tgid, long tid, long sig, long a3, long a4, long a5)
{
	struct app_thread *to;
	long r = -ESRCH;

	(void)a3, (void)a4, (void)a5;
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	process_lock();
	to = tgid == 1 ? process_find_thread(tid) : NULL;
	if (to)
		r = send_locked(to, sig);
	process_unlock();
	return r;
}

long sys_tkill(long tid, long sig, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_tgkill(1, tid, sig, 0, 0, 0);
}

long sys_rt_sigaction(long sig, long act, long oact, long size, long a4, long a5)
{
	struct app_sigaction na, old;

	(void)a4, (void)a5;
	if (size != SIGSET_SIZE || sig < 1 || sig > APP_NSIG)
		return -EINVAL;
	if (act) {
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		if (copy_from_user(&na, (uint64_t)act, sizeof(na)))
			return -EFAULT;
		na.mask &= ~UNBLOCKABLE;
	}
	process_lock();
	old = proc.sigactions[sig - 1];
	if (act) {
		proc.sigactions[sig - 1] = na;
		/* Ignoring a pending signal discards it, blocked or not (sigaction(2), POSIX). */
		if (na.handler == SIG_IGN || (na.handler == SIG_DFL && (DEFAULT_IGNORED & BIT(sig))))
			discard_locked(BIT(sig));
		deliver_locked(app_current());	/* a pending signal may have lost its handler */
	}
	process_unlock();
	if (oact && copy_to_user((uint64_t)oact, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(long how, long set, long oset, long size, long a4, long a5)
{
	struct app_thread *at = app_current();
	uint64_t old = at->sig_blocked, mask;

	(void)a4, (void)a5;
	if (size != SIGSET_SIZE)
		return -EINVAL;
	if (set) {
		if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
			return -EINVAL;
		if (copy_from_user(&mask, (uint64_t)set, sizeof(mask)))
			return -EFAULT;
	}
	if (oset && copy_to_user((uint64_t)oset, &old, sizeof(old)))
		return -EFAULT;
	if (!set)
		return 0;
	mask &= ~UNBLOCKABLE;
	at->sig_blocked = how == SIG_BLOCK ? old | mask : how == SIG_UNBLOCK ? old & ~mask : mask;
	if (old & ~at->sig_blocked) {
		process_lock();
		deliver_locked(at);
		process_unlock();
	}
	return 0;
}

/* The signals pending for the caller that it blocks (the others were acted on, or wait for a handler). */
long sys_rt_sigpending(long set, long size, long a2, long a3, long a4, long a5)
{
	struct app_thread *at = app_current();
	uint64_t pending;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if ((unsigned long)size > SIGSET_SIZE)
		return -EINVAL;
	pending = (at->sig_pending | proc.sig_pending) & at->sig_blocked;
	return copy_to_user((uint64_t)set, &pending, (size_t)size);
}

/* Kept per thread for sigaltstack's readers; never switched to, since no handler runs. */
long sys_sigaltstack(long ss, long old_ss, long a2, long a3, long a4, long a5)
{
	struct app_thread *at = app_current();
	struct stack_user n, o = { at->altstack_sp, at->altstack_flags, 0, at->altstack_size };
	uint32_t mode;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!o.size)
		o.flags = SS_DISABLE;	/* none set: how Linux reports it */
	if (ss) {
		if (copy_from_user(&n, (uint64_t)ss, sizeof(n)))
			return -EFAULT;
		/* The mode is 0, SS_DISABLE or (an old spelling of 0) SS_ONSTACK; SS_AUTODISARM may be added. */
		mode = (uint32_t)n.flags & ~SS_AUTODISARM;
		if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
			return -EINVAL;
		n.flags &= (int32_t)SS_AUTODISARM;
		if (mode == SS_DISABLE) {
			n.sp = n.size = 0;
		} else if (n.size < MINSIGSTKSZ) {
			return -ENOMEM;
		}
	}
	if (old_ss && copy_to_user((uint64_t)old_ss, &o, sizeof(o)))
		return -EFAULT;
	if (ss) {
		at->altstack_sp = n.sp;
		at->altstack_size = n.size;
		at->altstack_flags = n.flags;
	}
	return 0;
}

/* Linux include/uapi/asm-generic/siginfo.h: si_code of signals sent by kill and by tkill/tgkill. */
#define SI_USER		0
#define SI_QUEUE	(-1)
#define SI_TKILL	(-6)

/* The siginfo_t a taken signal is described by: 128 bytes, signo, errno, code, then the sender. */
struct siginfo_user {
	int32_t signo, err, code, pad;
	int32_t pid;
	uint32_t uid;
	uint64_t value;
	uint8_t rest[96];
};
_Static_assert(sizeof(struct siginfo_user) == 128, "siginfo_t is 128 bytes");

/*
 * rt_sigtimedwait(2): takes a pending signal of `set` (the thread's own
 * first, then the process's) without running any handler, waiting for
 * one until the timeout: the signal's number, -EAGAIN at the timeout,
 * -EINVAL, -EFAULT. The sigwait pattern (block, then wait) needs no
 * handler delivery.
 */
long sys_rt_sigtimedwait(long uset, long uinfo, long uts, long size, long a4, long a5)
{
	uint64_t set, ns = 0, deadline = 0, seq, flags;
	struct app_thread *at = app_current();

	(void)a4, (void)a5;
	if (size != SIGSET_SIZE)
		return -EINVAL;
	if (copy_from_user(&set, (uint64_t)uset, sizeof(set)))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	if (uts) {
		long r = timespec_read((uint64_t)uts, &ns);

		if (r)
			return r;
		deadline = ns ? timespec_deadline(CLOCK_MONOTONIC, false, ns) : 0;
	}
	for (;;) {
		uint64_t mine, ready;
		struct waiter w;
		int r = 0;

		process_lock();
		mine = at->sig_pending & set;
		ready = (mine | proc.sig_pending) & set;
		if (ready) {
			int sig = __builtin_ctzll(ready) + 1;
			struct siginfo_user si;

			memset(&si, 0, sizeof(si));
			si.signo = sig;
			si.code = (mine & BIT(sig)) ? SI_TKILL : SI_USER;
			si.pid = 1;
			if (mine & BIT(sig))
				at->sig_pending &= ~BIT(sig);
			else
				proc.sig_pending &= ~BIT(sig);
			process_unlock();
			if (uinfo && copy_to_user((uint64_t)uinfo, &si, sizeof(si)))
				return -EFAULT;
			return sig;
		}
		seq = proc.sig_seq;
		process_unlock();
		if (uts && (!ns || (deadline && time_monotonic_ns() >= deadline)))
			return -EAGAIN;
		flags = spin_lock_irqsave(&proc.sig_wq.lock);
		/* A sender bumps the count before it wakes the queue, under this lock: no lost wake-up. */
		if (READ_ONCE(proc.sig_seq) == seq)
			r = waitq_wait_locked(&proc.sig_wq, &w, 0, &flags, deadline);
		spin_unlock_irqrestore(&proc.sig_wq.lock, flags);
		if (r == -ETIMEDOUT)
			deadline = 1;	/* in the past: look once more, then EAGAIN */
	}
}

/* rt_sigqueueinfo(2) to ourselves: queued like kill (the value is not kept: no handler reads it yet). */
long sys_rt_sigqueueinfo(long pid, long sig, long uinfo, long a3, long a4, long a5)
{
	struct siginfo_user si;

	(void)a3, (void)a4, (void)a5;
	if (copy_from_user(&si, (uint64_t)uinfo, sizeof(si)))
		return -EFAULT;
	/* Only a negative si_code may be chosen by a sender (rt_sigqueueinfo(2): EPERM otherwise). */
	if (si.code >= 0 || si.code == SI_TKILL)
		return -EPERM;
	return sys_kill(pid, sig, 0, 0, 0, 0);
}
