/* SPDX-License-Identifier: BSD-2-Clause */
/* Signals: actions, masks, pending sets, sending, handlers run through x86_64 rt_sigframes, rt_sigreturn, ITIMER_REAL. */
#include <mote/errno.h>
#include "abi/process.h"
#include "abi/syscall.h"
#include "abi/timespec.h"
#include "abi/usercopy.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/trap.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "lib/string.h"

/*
 * The model is Linux's (signal(7)). Each thread has a mask and a pending
 * set; the process has a pending set for signals sent to it (kill,
 * SIGALRM), which any thread that does not block them takes. A standard
 * signal is pending once; real-time ones queue, each with its siginfo.
 *
 * Sending acts at once where Linux would: an ignored signal is dropped,
 * and one whose default action ends the process ends it (status 128 + its
 * number), unless the thread it goes to blocks it. Otherwise it is made
 * pending and its thread is kicked: user_return_work tells every return
 * to the application to look (arch/x86_64/trap.h), and sched_interrupt()
 * ends the thread's interruptible sleep (kernel/thread.h), so that its
 * system call returns -EINTR.
 *
 * On the way back to the application (after a system call, an interrupt
 * or an exception that came from it) signal_user_return takes the
 * thread's signals in Linux's order (faults first, then the lowest
 * number, the thread's own before the process's), acts on the default
 * ones, and runs a handler by writing an rt_sigframe on the application's
 * stack and pointing the registers at the handler, whose return into
 * sa_restorer calls rt_sigreturn. An interrupted system call then returns
 * -EINTR or is restarted, as signal(7) lists.
 *
 * All of it is under proc.sig_lock, a spinlock, since SIGALRM is sent
 * from a timer interrupt; application memory is touched only outside it.
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
#define SIGSET_SIZE	8	/* the kernel's sigset_t: 64 signals */

/* Signal numbers (signal(7), x86). */
#define SIGILL		4
#define SIGTRAP		5
#define SIGBUS		7
#define SIGFPE		8
#define SIGKILL		9
#define SIGSEGV		11
#define SIGPIPE		13
#define SIGALRM		14
#define SIGSTOP		19
#define SIGSYS		31
#define SIGRTMIN	32

/* sigaction(2) flags, Linux uapi asm/signal.h (x86). */
#define SA_RESTORER	0x04000000u
#define SA_ONSTACK	0x08000000u
#define SA_RESTART	0x10000000u
#define SA_NODEFER	0x40000000u
#define SA_RESETHAND	0x80000000u

/* si_code values, Linux uapi asm-generic/siginfo.h. */
#define SI_USER		0
#define SI_KERNEL	0x80
#define SI_QUEUE	(-1)
#define SI_TKILL	(-6)

#define BIT(sig)	(1ull << ((sig) - 1))
/* Signals whose default action is to ignore them (SIGCHLD, SIGCONT, SIGURG, SIGWINCH) or to stop. */
#define DEFAULT_IGNORED	(BIT(17) | BIT(18) | BIT(23) | BIT(28))
#define DEFAULT_STOP	(BIT(19) | BIT(20) | BIT(21) | BIT(22))
#define UNBLOCKABLE	(BIT(SIGKILL) | BIT(SIGSTOP))
/* Taken before any other pending signal, as Linux's SYNCHRONOUS_MASK: a fault's own signal. */
#define SYNCHRONOUS	(BIT(SIGSEGV) | BIT(SIGBUS) | BIT(SIGILL) | BIT(SIGTRAP) | BIT(SIGFPE) | BIT(SIGSYS))

/* Signals 1-31 by name, without "SIG", one after another (signal(7)). */
static const char signal_names[] =
	"HUP\0INT\0QUIT\0ILL\0TRAP\0ABRT\0BUS\0FPE\0KILL\0USR1\0SEGV\0USR2\0PIPE\0ALRM\0TERM\0"
	"STKFLT\0CHLD\0CONT\0STOP\0TSTP\0TTIN\0TTOU\0URG\0XCPU\0XFSZ\0VTALRM\0PROF\0WINCH\0IO\0"
	"PWR\0SYS";

/* ---------------------------------------------------------------- user layouts */

struct stack_user {		/* stack_t */
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

/* siginfo_t: 128 bytes, signo, errno, code, then a union chosen by the signal and code. */
struct siginfo_user {
	int32_t signo, err, code, pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
			uint64_t value;	/* si_value, for SI_QUEUE */
		} kill;
		struct {
			uint64_t addr;
		} fault;
		uint8_t bytes[112];
	} u;
};
_Static_assert(sizeof(struct siginfo_user) == 128, "siginfo_t is 128 bytes");

/* Linux uapi asm/sigcontext.h, struct sigcontext for 64-bit code (256 bytes). */
struct sigcontext_user {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;	/* the XSAVE (or FXSAVE) area; 0: none */
	uint64_t reserved[8];
};
_Static_assert(sizeof(struct sigcontext_user) == 256, "struct sigcontext is 256 bytes");

/* Linux uapi asm-generic/ucontext.h with the x86 uc_flags (asm/ucontext.h). */
struct ucontext_user {
	uint64_t flags;
	uint64_t link;
	struct stack_user stack;
	struct sigcontext_user mcontext;
	uint64_t sigmask;	/* last, for extensibility: the kernel's 8 bytes of it */
};
#define UC_FP_XSTATE		0x1
#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4
_Static_assert(__builtin_offsetof(struct ucontext_user, mcontext) == 40, "uc_mcontext");
_Static_assert(__builtin_offsetof(struct ucontext_user, sigmask) == 296, "uc_sigmask");

/*
 * Linux arch/x86/include/asm/sigframe.h, struct rt_sigframe for 64-bit
 * code: at the handler's %rsp, the return address (sa_restorer), then the
 * ucontext and the siginfo; the vector state lies above, 64-byte aligned.
 */
struct rt_sigframe_user {
	uint64_t pretcode;
	struct ucontext_user uc;
	struct siginfo_user info;
};

/*
 * Bytes 464..511 of the FXSAVE area are the software's: Linux marks an XSAVE
 * layout there (uapi asm/sigcontext.h, struct _fpx_sw_bytes) and puts
 * FP_XSTATE_MAGIC2 just after the XSAVE area.
 */
#define FP_XSTATE_MAGIC1	0x46505853u
#define FP_XSTATE_MAGIC2	0x46505845u
#define FX_SW_BYTES		464
#define FX_SIZE			512
#define XSAVE_MIN		(512 + 64)	/* legacy area and XSAVE header */
#define XFEATURE_FPSSE		0x3		/* x87 and SSE */
struct fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;		/* the XSAVE area and MAGIC2 */
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};
_Static_assert(sizeof(struct fpx_sw_bytes) == 48, "_fpx_sw_bytes fills bytes 464..511");

/* A vector state buffer on the kernel stack: x87, SSE and AVX take 832 bytes (fpu.c enables only those). */
#define FP_BUF			1024
/* rflags bits a signal frame may set (Linux FIX_EFLAGS without TF: no single-stepping in ring 0). */
#define RFLAGS_USER		0x00040cd5ull	/* CF PF AF ZF SF DF OF AC */
#define RFLAGS_DF		(1ull << 10)
#define RFLAGS_TF		(1ull << 8)
#define RFLAGS_RF		(1ull << 16)

/* ---------------------------------------------------------------- pending sets */

static __noreturn void die(int sig)
{
	if (sig < SIGRTMIN) {
		const char *name = signal_names;

		for (int i = 1; i < sig; i++)
			name += strlen(name) + 1;
		printk("mote: killed by signal %d (SIG%s)\n", sig, name);
	} else {
		printk("mote: killed by signal %d (real-time)\n", sig);
	}
	process_exit(128 + sig);
}

enum disposition { DISP_HANDLER, DISP_IGNORE, DISP_STOP, DISP_FATAL };

/* What sig's action does now (signal(7), "Signal dispositions"); with sig_lock. */
static enum disposition disposition_locked(int sig)
{
	uint64_t h = proc.sigactions[sig - 1].handler;

	if (sig == SIGKILL)
		return DISP_FATAL;
	if (sig == SIGSTOP)
		return DISP_STOP;
	if (h == SIG_IGN)
		return DISP_IGNORE;
	if (h != SIG_DFL)
		return DISP_HANDLER;
	if (DEFAULT_IGNORED & BIT(sig))
		return DISP_IGNORE;
	return (DEFAULT_STOP & BIT(sig)) ? DISP_STOP : DISP_FATAL;
}

/* Appends sig to p with its instance q (NULL: pending without its info). */
static void pend_add(struct app_sigpending *p, int sig, struct app_sigqueued *q)
{
	struct app_sigqueued **pp = &p->head;

	p->set |= BIT(sig);
	if (!q)
		return;
	q->sig = sig;
	q->next = NULL;
	while (*pp)
		pp = &(*pp)->next;
	*pp = q;
	proc.sig_queued++;
}

/* Takes sig's first instance out of p, its info into *info; returns the instance to free (or NULL). */
static struct app_sigqueued *pend_take(struct app_sigpending *p, int sig, struct app_siginfo *info)
{
	struct app_sigqueued **pp, *q = NULL, *more;

	for (pp = &p->head; *pp; pp = &(*pp)->next) {
		if ((*pp)->sig == sig) {
			q = *pp;
			*pp = q->next;
			break;
		}
	}
	for (more = q ? *pp : NULL; more && more->sig != sig; more = more->next)
		;
	if (!more)
		p->set &= ~BIT(sig);
	if (q) {
		*info = q->info;
		proc.sig_queued--;
	} else {
		/* Its instance could not be allocated: Linux too delivers it without the sender's details. */
		memset(info, 0, sizeof(*info));
		info->code = SI_USER;
	}
	return q;
}

/* Drops the signals in bits from p; returns their instances, to free outside the lock. */
static struct app_sigqueued *pend_discard(struct app_sigpending *p, uint64_t bits, struct app_sigqueued *freed)
{
	struct app_sigqueued **pp = &p->head;

	p->set &= ~bits;
	while (*pp) {
		struct app_sigqueued *q = *pp;

		if (bits & BIT(q->sig)) {
			*pp = q->next;
			q->next = freed;
			freed = q;
			proc.sig_queued--;
		} else {
			pp = &q->next;
		}
	}
	return freed;
}

static void free_instances(struct app_sigqueued *q)
{
	while (q) {
		struct app_sigqueued *next = q->next;

		kfree(q);
		q = next;
	}
}

/* What at would take on its way back to the application. */
static uint64_t deliverable_locked(const struct app_thread *at)
{
	return (at->sig_pending.set | proc.sig_pending.set) & ~at->sig_blocked;
}

/* The signals of bits whose action does something: runs a handler or ends the process (the rest are dropped). */
static uint64_t acting_locked(uint64_t bits)
{
	uint64_t acting = 0;

	for (; bits; bits &= bits - 1) {
		int sig = __builtin_ctzll(bits) + 1;
		enum disposition d = disposition_locked(sig);

		if (d == DISP_HANDLER || d == DISP_FATAL)
			acting |= BIT(sig);
	}
	return acting;
}

/* at has a signal to take: make its next return to the application look, and end its interruptible sleep. */
static void kick_locked(struct app_thread *at)
{
	user_return_work = 1;
	sched_interrupt(at->thread);
}

/*
 * After at took what it could: its sleeps are no longer interrupted, and
 * returns to the application stop looking once no thread has work left.
 * A thread still marked interrupted counts: its call may come back with
 * -EINTR and no signal left to take (another thread took it), which its
 * own return must see to restart the call; the syscall exit looks at
 * nothing else.
 */
static void settle_locked(struct app_thread *at)
{
	struct list_node *pos, *tmp;
	bool any = false;

	if (at && !acting_locked(deliverable_locked(at)))
		sched_interrupt_clear(at->thread);
	list_for_each_safe(pos, tmp, &proc.threads) {
		struct app_thread *t = list_entry(pos, struct app_thread, link);

		if (deliverable_locked(t) || t->sig_mask_saved || READ_ONCE(t->thread->intr)) {
			any = true;
			break;
		}
	}
	user_return_work = any;
}

/* The thread a process-directed sig goes to: the caller when it does not block it, else the first that does not. */
static struct app_thread *target_locked(int sig)
{
	struct app_thread *self = app_current(), *first = NULL;
	struct list_node *pos, *tmp;

	list_for_each_safe(pos, tmp, &proc.threads) {
		struct app_thread *t = list_entry(pos, struct app_thread, link);

		if (t->sig_blocked & BIT(sig))
			continue;
		if (t == self)
			return t;
		if (!first)
			first = t;
	}
	return first;
}

/*
 * Sends sig to thread `to`, or to the process (to NULL), with sig_lock
 * held. *qp is an instance allocated for it, taken when it is queued.
 * must_queue: a real-time signal that cannot be queued is -EAGAIN
 * (sigqueue), where kill makes it pending without its info. Returns 0,
 * -EAGAIN, or 1 when its default action must end the process (the caller
 * does that once the lock is dropped).
 */
static long send_locked(struct app_thread *to, int sig, struct app_sigqueued **qp, bool must_queue)
{
	struct app_thread *target = to ? to : target_locked(sig);
	struct app_sigpending *p = to ? &to->sig_pending : &proc.sig_pending;
	bool blocked = !target || (target->sig_blocked & BIT(sig));
	enum disposition d = disposition_locked(sig);
	static bool said_stop;

	proc.sig_seq++;
	if (!blocked && (d == DISP_IGNORE || d == DISP_STOP)) {
		if (d == DISP_STOP && !said_stop) {
			said_stop = true;
			pr_warn("signal %d would stop the process: ignored\n", sig);
		}
		return 0;
	}
	if (!blocked && d == DISP_FATAL)
		return 1;
	if (sig < SIGRTMIN && (p->set & BIT(sig)))
		return 0;	/* a standard signal already pending: this one merges into it */
	if (*qp && (sig < SIGRTMIN || proc.sig_queued < process_rlimit(RLIMIT_SIGPENDING))) {
		pend_add(p, sig, *qp);
		*qp = NULL;
	} else if (sig >= SIGRTMIN && must_queue) {
		return -EAGAIN;
	} else {
		pend_add(p, sig, NULL);
	}
	if (!blocked)
		kick_locked(target);
	return 0;
}

/* send_locked with its allocation, locking and the fatal case; from interrupts too (SIGALRM). */
static long send_signal(struct app_thread *to, int sig, const struct app_siginfo *info, bool must_queue)
{
	struct app_sigqueued *q = kmalloc(sizeof(*q));
	uint64_t flags;
	long r;

	if (q)
		q->info = *info;
	flags = spin_lock_irqsave(&proc.sig_lock);
	r = send_locked(to, sig, &q, must_queue);
	spin_unlock_irqrestore(&proc.sig_lock, flags);
	kfree(q);
	waitq_wake(&proc.sig_wq, -1);	/* sigtimedwait callers look again */
	if (r == 1)
		die(sig);
	return r;
}

void signal_thread_add(struct app_thread *at)
{
	uint64_t flags = spin_lock_irqsave(&proc.sig_lock);

	list_push_back(&proc.threads, &at->link);
	spin_unlock_irqrestore(&proc.sig_lock, flags);
}

/* A leaving thread's own pending signals go with it (Linux discards them too). */
void signal_thread_remove(struct app_thread *at)
{
	struct app_sigqueued *freed;
	uint64_t flags = spin_lock_irqsave(&proc.sig_lock);

	list_remove(&at->link);
	freed = pend_discard(&at->sig_pending, ~0ull, NULL);
	settle_locked(NULL);
	/* A process signal it was chosen for goes to another thread. */
	for (uint64_t left = acting_locked(proc.sig_pending.set); left; left &= left - 1) {
		struct app_thread *t = target_locked(__builtin_ctzll(left) + 1);

		if (t)
			kick_locked(t);
	}
	spin_unlock_irqrestore(&proc.sig_lock, flags);
	free_instances(freed);
}

void signal_raise_sigpipe(void)
{
	struct app_siginfo info = { .code = SI_USER, .pid = 1 };
	struct app_thread *at = app_current();

	/* pipe(7), send(2): to the thread that wrote, as Linux's send_sig(SIGPIPE, current, 0). */
	if (at)
		send_signal(at, SIGPIPE, &info, false);
}

bool signal_fault(int sig, int code, uint64_t addr, uint64_t vector, uint64_t error, uint64_t cr2)
{
	struct app_thread *at = app_current();
	struct app_sigqueued *q;
	uint64_t flags;

	if (!at)
		return false;
	q = kmalloc(sizeof(*q));
	flags = spin_lock_irqsave(&proc.sig_lock);
	/* Blocked or without a handler, a fault ends the process (Linux's force_sig resets such a signal). */
	if (disposition_locked(sig) != DISP_HANDLER || (at->sig_blocked & BIT(sig))) {
		spin_unlock_irqrestore(&proc.sig_lock, flags);
		kfree(q);
		return false;
	}
	at->fault_trapno = vector;
	at->fault_err = error;
	at->fault_cr2 = cr2;
	if (q) {
		q->info = (struct app_siginfo){ .code = code, .addr = addr, .fault = true };
		if (at->sig_pending.set & BIT(sig)) {
			kfree(q);	/* already pending (sent by kill): that one runs the handler */
		} else {
			pend_add(&at->sig_pending, sig, q);
		}
	} else {
		at->sig_pending.set |= BIT(sig);
	}
	kick_locked(at);
	spin_unlock_irqrestore(&proc.sig_lock, flags);
	return true;
}

/* ---------------------------------------------------------------- sending */

long sys_kill(long pid, long sig, long a2, long a3, long a4, long a5)
{
	struct app_siginfo info = { .code = SI_USER, .pid = 1 };

	(void)a2, (void)a3, (void)a4, (void)a5;
	/*
	 * Our pid is 1 and so is our process group, which pid 0 names;
	 * kill(-1) means every process but init, which we are: none (kill(2)).
	 */
	if (pid != 0 && pid != 1)
		return -ESRCH;
	if (sig < 0 || sig > APP_NSIG)
		return -EINVAL;
	if (sig == 0)
		return 0;	/* only asks whether the target exists */
	return send_signal(NULL, (int)sig, &info, false);
}

/* To thread tid of our process (tgid 1); sig 0 only checks that it exists. */
static long send_to_thread(long tgid, long tid, long sig, const struct app_siginfo *info, bool must_queue)
{
	struct app_thread *to;
	long r = -ESRCH;

	if (tgid <= 0 || tid <= 0 || sig < 0 || sig > APP_NSIG)
		return -EINVAL;
	process_lock();		/* the thread stays while we send: its exit takes this lock */
	to = tgid == 1 ? process_find_thread(tid) : NULL;
	if (to)
		r = sig ? send_signal(to, (int)sig, info, must_queue) : 0;
	process_unlock();
	return r;
}

/* tgkill(2) and tkill(2): to one of our threads (a tgid other than ours, 1, finds none). */
long sys_tgkill(long tgid, long tid, long sig, long a3, long a4, long a5)
{
	struct app_siginfo info = { .code = SI_TKILL, .pid = 1 };

	(void)a3, (void)a4, (void)a5;
	return send_to_thread(tgid, tid, sig, &info, false);
}

long sys_tkill(long tid, long sig, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_tgkill(1, tid, sig, 0, 0, 0);
}

/* The sender's siginfo of rt_sigqueueinfo(2) (sigqueue(3)): its code, pid, uid and value are kept. */
static long queueinfo_in(long uinfo, struct app_siginfo *info)
{
	struct siginfo_user si;

	if (copy_from_user(&si, (uint64_t)uinfo, sizeof(si)))
		return -EFAULT;
	/*
	 * A sender may choose only a negative si_code, and not SI_TKILL
	 * (rt_sigqueueinfo(2)); Linux lets a process use any code on itself,
	 * and here every target is ourselves.
	 */
	*info = (struct app_siginfo){
		.code = si.code, .err = si.err, .pid = si.u.kill.pid, .uid = si.u.kill.uid,
		.value = si.u.kill.value,
	};
	return 0;
}

long sys_rt_sigqueueinfo(long pid, long sig, long uinfo, long a3, long a4, long a5)
{
	struct app_siginfo info;
	long r;

	(void)a3, (void)a4, (void)a5;
	r = queueinfo_in(uinfo, &info);
	if (r)
		return r;
	if (pid != 1)
		return -ESRCH;	/* the only process, and pid 0 names none here (kill_proc_info) */
	if (sig < 0 || sig > APP_NSIG)
		return -EINVAL;
	return sig ? send_signal(NULL, (int)sig, &info, true) : 0;
}

long sys_rt_tgsigqueueinfo(long tgid, long tid, long sig, long uinfo, long a4, long a5)
{
	struct app_siginfo info;
	long r;

	(void)a4, (void)a5;
	r = queueinfo_in(uinfo, &info);
	return r ? r : send_to_thread(tgid, tid, sig, &info, true);
}

/* ---------------------------------------------------------------- actions and masks */

long sys_rt_sigaction(long sig, long act, long oact, long size, long a4, long a5)
{
	struct app_sigaction na, old;
	struct app_sigqueued *freed = NULL;
	struct list_node *pos, *tmp;
	uint64_t flags;

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
	flags = spin_lock_irqsave(&proc.sig_lock);
	old = proc.sigactions[sig - 1];
	if (act) {
		proc.sigactions[sig - 1] = na;
		/* Ignoring a pending signal discards it, blocked or not (sigaction(2), POSIX). */
		if (disposition_locked((int)sig) == DISP_IGNORE) {
			freed = pend_discard(&proc.sig_pending, BIT(sig), freed);
			list_for_each_safe(pos, tmp, &proc.threads)
				freed = pend_discard(&list_entry(pos, struct app_thread, link)->sig_pending, BIT(sig),
						     freed);
		}
	}
	spin_unlock_irqrestore(&proc.sig_lock, flags);
	free_instances(freed);
	if (oact && copy_to_user((uint64_t)oact, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/*
 * at's mask becomes mask (without SIGKILL, SIGSTOP); with sig_lock. What
 * it unblocks is taken on its way back (an ignored one dropped there), and
 * only a signal that acts interrupts it.
 */
static void set_mask_locked(struct app_thread *at, uint64_t mask)
{
	uint64_t newly_blocked = acting_locked(mask & ~at->sig_blocked & proc.sig_pending.set);

	at->sig_blocked = mask & ~UNBLOCKABLE;
	if (acting_locked(deliverable_locked(at)))
		kick_locked(at);
	else if (deliverable_locked(at))
		user_return_work = 1;
	/* A process signal this thread was chosen for and now blocks goes to another one, as Linux's retarget. */
	for (; newly_blocked; newly_blocked &= newly_blocked - 1) {
		struct app_thread *t = target_locked(__builtin_ctzll(newly_blocked) + 1);

		if (t)
			kick_locked(t);
	}
}

long sys_rt_sigprocmask(long how, long set, long oset, long size, long a4, long a5)
{
	struct app_thread *at = app_current();
	uint64_t old = at->sig_blocked, mask = 0, flags;

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
	/* Only this thread changes its mask: what it blocks now is what it read above. */
	flags = spin_lock_irqsave(&proc.sig_lock);
	set_mask_locked(at, how == SIG_BLOCK ? old | mask : how == SIG_UNBLOCK ? old & ~mask : mask);
	spin_unlock_irqrestore(&proc.sig_lock, flags);
	return 0;
}

/* The signals pending for the caller that it blocks (the others are taken on its way back). */
long sys_rt_sigpending(long set, long size, long a2, long a3, long a4, long a5)
{
	struct app_thread *at = app_current();
	uint64_t pending, flags;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if ((unsigned long)size > SIGSET_SIZE)
		return -EINVAL;
	flags = spin_lock_irqsave(&proc.sig_lock);
	pending = (at->sig_pending.set | proc.sig_pending.set) & at->sig_blocked;
	spin_unlock_irqrestore(&proc.sig_lock, flags);
	return copy_to_user((uint64_t)set, &pending, (size_t)size);
}

long signal_call_mask_begin(long umask, long size)
{
	struct app_thread *at = app_current();
	uint64_t mask, flags;

	if (!umask)
		return 0;
	if (size != SIGSET_SIZE)
		return -EINVAL;
	if (copy_from_user(&mask, (uint64_t)umask, sizeof(mask)))
		return -EFAULT;
	flags = spin_lock_irqsave(&proc.sig_lock);
	at->sig_saved_mask = at->sig_blocked;
	at->sig_mask_saved = true;
	set_mask_locked(at, mask);
	spin_unlock_irqrestore(&proc.sig_lock, flags);
	return 0;
}

void signal_call_mask_end(long umask, long result)
{
	struct app_thread *at = app_current();
	uint64_t flags;

	/* Interrupted: the handler runs with the call's mask, and its frame brings the old one back. */
	if (!umask || result == -EINTR)
		return;
	flags = spin_lock_irqsave(&proc.sig_lock);
	if (at->sig_mask_saved) {
		at->sig_mask_saved = false;
		set_mask_locked(at, at->sig_saved_mask);
	}
	spin_unlock_irqrestore(&proc.sig_lock, flags);
}

/* rt_sigsuspend(2): the mask, then sleep until a handler is to run; -EINTR once it has. */
long sys_rt_sigsuspend(long uset, long size, long a2, long a3, long a4, long a5)
{
	long r;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (size != SIGSET_SIZE)
		return -EINVAL;
	r = signal_call_mask_begin(uset, size);
	if (r)
		return r;
	while (sched_sleep_intr(0) != -EINTR)
		;
	return -EINTR;
}

/* pause(2): sleeps until a signal is taken. */
long sys_pause(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	while (sched_sleep_intr(0) != -EINTR)
		;
	return -EINTR;
}

/* ---------------------------------------------------------------- alternate stacks */

/* sp lies on at's alternate stack (Linux __on_sig_stack: the stack grows down from sp + size). */
static bool within_altstack(const struct app_thread *at, uint64_t sp)
{
	return at->altstack_size && sp > at->altstack_sp && sp - at->altstack_sp <= at->altstack_size;
}

/* Linux on_sig_stack: with SS_AUTODISARM the stack is never "in use" (a handler may set another). */
static bool on_altstack(const struct app_thread *at, uint64_t sp)
{
	return !(at->altstack_flags & SS_AUTODISARM) && within_altstack(at, sp);
}

/* The stack_t that describes at's alternate stack as seen from sp (sigaltstack(2), Linux sas_ss_flags). */
static struct stack_user altstack_get(const struct app_thread *at, uint64_t sp)
{
	struct stack_user o = { at->altstack_sp, 0, 0, at->altstack_size };

	if (!at->altstack_size)
		o.flags = SS_DISABLE;
	else
		o.flags = (on_altstack(at, sp) ? SS_ONSTACK : 0) | at->altstack_flags;
	return o;
}

/* Sets at's alternate stack from n as seen from sp: 0, -EPERM (in use), -EINVAL, -ENOMEM. */
static long altstack_set(struct app_thread *at, uint64_t sp, struct stack_user n)
{
	uint32_t mode = (uint32_t)n.flags & ~SS_AUTODISARM;

	if (on_altstack(at, sp))
		return -EPERM;
	/* The mode is 0, SS_DISABLE or (an old spelling of 0) SS_ONSTACK; SS_AUTODISARM may be added. */
	if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
		return -EINVAL;
	if (mode == SS_DISABLE) {
		n.sp = n.size = 0;
		n.flags = 0;
	} else if (n.size < MINSIGSTKSZ) {
		return -ENOMEM;
	}
	at->altstack_sp = n.sp;
	at->altstack_size = n.size;
	at->altstack_flags = n.flags & (int32_t)SS_AUTODISARM;
	return 0;
}

long sys_sigaltstack(long ss, long old_ss, long a2, long a3, long a4, long a5)
{
	struct app_thread *at = app_current();
	uint64_t sp = syscall_frame_current()->rsp;
	struct stack_user n, o = altstack_get(at, sp);
	long r;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (ss) {
		if (copy_from_user(&n, (uint64_t)ss, sizeof(n)))
			return -EFAULT;
		r = altstack_set(at, sp, n);
		if (r)
			return r;
	}
	if (old_ss && copy_to_user((uint64_t)old_ss, &o, sizeof(o)))
		return -EFAULT;
	return 0;
}

/* ---------------------------------------------------------------- sigtimedwait */

/*
 * Takes at's next signal among `allowed`: its own first, then the
 * process's, a fault's signal before others, then the lowest number
 * (Linux next_signal). 0 when none; *q gets the instance to free.
 */
static int take_locked(struct app_thread *at, uint64_t allowed, struct app_siginfo *info, struct app_sigqueued **q)
{
	struct app_sigpending *p = &at->sig_pending;
	uint64_t ready = p->set & allowed;

	if (!ready) {
		p = &proc.sig_pending;
		ready = p->set & allowed;
	}
	if (!ready)
		return 0;
	if (ready & SYNCHRONOUS)
		ready &= SYNCHRONOUS;
	{
		int sig = __builtin_ctzll(ready) + 1;

		*q = pend_take(p, sig, info);
		return sig;
	}
}

/* The siginfo_t a handler or sigtimedwait gets for sig. */
static void siginfo_fill(struct siginfo_user *si, int sig, const struct app_siginfo *info)
{
	memset(si, 0, sizeof(*si));
	si->signo = sig;
	si->err = info->err;
	si->code = info->code;
	if (info->fault) {
		si->u.fault.addr = info->addr;
	} else {
		si->u.kill.pid = info->pid;
		si->u.kill.uid = info->uid;
		si->u.kill.value = info->value;
	}
}

/*
 * rt_sigtimedwait(2): takes a pending signal of `set` without running any
 * handler, waiting for one until the timeout: the signal's number, -EAGAIN
 * at the timeout, -EINTR when another signal's handler is to run, -EINVAL,
 * -EFAULT.
 */
long sys_rt_sigtimedwait(long uset, long uinfo, long uts, long size, long a4, long a5)
{
	uint64_t set, ns = 0, deadline = 0, seq, flags;
	struct app_thread *at = app_current();
	bool interrupted = false;

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
		struct app_sigqueued *q = NULL;
		struct app_siginfo info;
		struct waiter w;
		int sig, r = 0;

		flags = spin_lock_irqsave(&proc.sig_lock);
		sig = take_locked(at, set, &info, &q);
		if (sig)
			settle_locked(at);
		seq = proc.sig_seq;
		spin_unlock_irqrestore(&proc.sig_lock, flags);
		if (sig) {
			struct siginfo_user si;

			kfree(q);
			siginfo_fill(&si, sig, &info);
			if (uinfo && copy_to_user((uint64_t)uinfo, &si, sizeof(si)))
				return -EFAULT;
			return sig;
		}
		if (interrupted)
			return -EINTR;
		if (uts && (!ns || (deadline && time_monotonic_ns() >= deadline)))
			return -EAGAIN;
		flags = spin_lock_irqsave(&proc.sig_wq.lock);
		/* A sender bumps the count before it wakes the queue, under this lock: no lost wake-up. */
		if (READ_ONCE(proc.sig_seq) == seq)
			r = waitq_wait_intr_locked(&proc.sig_wq, &w, 0, &flags, deadline);
		spin_unlock_irqrestore(&proc.sig_wq.lock, flags);
		if (r == -ETIMEDOUT)
			deadline = 1;	/* in the past: look once more, then EAGAIN */
		else if (r == -EINTR)
			interrupted = true;	/* look once more: the signal may be one of ours */
	}
}

/* ---------------------------------------------------------------- delivery */

/* signal(7), "Interruption of system calls and library functions by signal handlers". */
enum restart { RESTART_NEVER, RESTART_SA, RESTART_NOHAND };

/* Linux uapi linux/futex.h: the wait operations, and the flags beside the command. */
#define FUTEX_WAIT		0
#define FUTEX_WAIT_BITSET	9
#define FUTEX_CMD_MASK		0x7f

static enum restart restart_kind(long sysno, const struct trap_frame *tf)
{
	switch (sysno) {
	/* Restarted with SA_RESTART: I/O that may block (pipes, sockets, terminals), opens, locks, waits. */
	case SYS_read:
	case SYS_readv:
	case SYS_pread64:
	case SYS_preadv:
	case SYS_preadv2:
	case SYS_write:
	case SYS_writev:
	case SYS_pwrite64:
	case SYS_pwritev:
	case SYS_pwritev2:
	case SYS_sendfile:
	case SYS_ioctl:
	case SYS_open:
	case SYS_openat:
	case SYS_flock:
	case SYS_fcntl:
	case SYS_getrandom:
	case SYS_accept:
	case SYS_accept4:
	case SYS_connect:
	case SYS_recvfrom:
	case SYS_recvmsg:
	case SYS_recvmmsg:
	case SYS_sendto:
	case SYS_sendmsg:
	case SYS_sendmmsg:
		return RESTART_SA;
	case SYS_futex: {
		/* A wait without a timeout; one with a timeout ends with EINTR (Linux: restart_block). */
		uint64_t cmd = tf->rsi & FUTEX_CMD_MASK;

		return (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) && !tf->r10 ? RESTART_SA : RESTART_NEVER;
	}
	/* Restarted when no handler ran (ERESTARTNOHAND): they wait for one. */
	case SYS_pause:
	case SYS_rt_sigsuspend:
		return RESTART_NOHAND;
	}
	/* poll, select, epoll_wait, nanosleep, sigtimedwait...: EINTR whatever the flags say. */
	return RESTART_NEVER;
}

/* Back to the `syscall` instruction (2 bytes), the call's number in rax: it runs again. */
static void restart(struct trap_frame *tf, long sysno)
{
	tf->rax = (uint64_t)sysno;
	tf->rip -= 2;
}

static __noreturn void frame_fail(int sig, uint64_t sp, const char *why)
{
	printk("mote: cannot deliver signal %d: %s (stack %016lx)\n", sig, why, sp);
	die(SIGSEGV);
}

/*
 * Writes sig's rt_sigframe and points tf at its handler (Linux
 * arch/x86/kernel/signal.c: get_sigframe, x64_setup_rt_frame), then blocks
 * what the handler runs with. Interrupts are off on entry and exit; on
 * while application memory is written. A frame that cannot be written
 * ends the process with SIGSEGV, as Linux's force_sigsegv.
 */
static void setup_frame(struct app_thread *at, struct trap_frame *tf, int sig, const struct app_sigaction *act,
			const struct app_siginfo *info, uint64_t old_mask)
{
	uint8_t fp_raw[FP_BUF + FPU_STATE_ALIGN];
	uint8_t *fp = (uint8_t *)(((uintptr_t)fp_raw + FPU_STATE_ALIGN - 1) & ~(uintptr_t)(FPU_STATE_ALIGN - 1));
	bool xsave = fpu_xsave_format();
	size_t xsize = fpu_state_size(), fpsize = xsave ? xsize + 4 : FX_SIZE;
	bool nested = on_altstack(at, tf->rsp), entering = false;
	struct rt_sigframe_user fr;
	struct sigcontext_user *sc = &fr.uc.mcontext;
	uint64_t sp, buf_fx, mask, flags;

	irq_enable();
	/* The handler runs below the red zone of the code it interrupts (psABI §3.2.2: 128 bytes). */
	sp = tf->rsp - 128;
	if ((act->flags & SA_ONSTACK) && at->altstack_size && !on_altstack(at, sp)) {
		sp = at->altstack_sp + at->altstack_size;
		entering = true;
	}
	buf_fx = (sp - fpsize) & ~(uint64_t)(FPU_STATE_ALIGN - 1);
	sp = ((buf_fx - sizeof(fr)) & ~15ull) - 8;	/* at the handler's entry rsp + 8 is 16-aligned (psABI §3.2.2) */
	if ((nested || entering) && !within_altstack(at, sp))
		frame_fail(sig, sp, "the alternate signal stack is too small");
	if (!(act->flags & SA_RESTORER))
		frame_fail(sig, sp, "its action has no SA_RESTORER to return through");

	/* The vector state as XSAVE leaves it, marked as Linux marks it for libcs and debuggers. */
	memset(fp, 0, fpsize);
	fpu_save_signal(fp);
	if (xsave) {
		struct fpx_sw_bytes sw = {
			.magic1 = FP_XSTATE_MAGIC1,
			.extended_size = (uint32_t)fpsize,
			.xfeatures = fpu_xcr0,
			.xstate_size = (uint32_t)xsize,
		};
		uint32_t magic2 = FP_XSTATE_MAGIC2;

		memcpy(fp + FX_SW_BYTES, &sw, sizeof(sw));
		memcpy(fp + xsize, &magic2, sizeof(magic2));
	}

	memset(&fr, 0, sizeof(fr));
	fr.pretcode = act->restorer;
	fr.uc.flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS | (xsave ? UC_FP_XSTATE : 0);
	fr.uc.stack = (struct stack_user){ at->altstack_sp, at->altstack_size ? at->altstack_flags : SS_DISABLE, 0,
					   at->altstack_size };
	*sc = (struct sigcontext_user){
		.r8 = tf->r8, .r9 = tf->r9, .r10 = tf->r10, .r11 = tf->r11,
		.r12 = tf->r12, .r13 = tf->r13, .r14 = tf->r14, .r15 = tf->r15,
		.rdi = tf->rdi, .rsi = tf->rsi, .rbp = tf->rbp, .rbx = tf->rbx,
		.rdx = tf->rdx, .rax = tf->rax, .rcx = tf->rcx, .rsp = tf->rsp,
		.rip = tf->rip, .rflags = tf->rflags,
		.cs = (uint16_t)tf->cs, .ss = (uint16_t)tf->ss,
		.oldmask = old_mask,
		.fpstate = buf_fx,
	};
	if (info->fault) {
		sc->trapno = at->fault_trapno;
		sc->err = at->fault_err;
		sc->cr2 = at->fault_cr2;
	}
	fr.uc.sigmask = old_mask;
	siginfo_fill(&fr.info, sig, info);
	if (copy_to_user(buf_fx, fp, fpsize) || copy_to_user(sp, &fr, sizeof(fr)))
		frame_fail(sig, sp, "its frame cannot be written");
	/* As Linux (fpu__clear_user_states): the handler starts with a clean vector state. */
	fpu_load_init();
	irq_disable();

	mask = at->sig_blocked | act->mask;
	if (!(act->flags & SA_NODEFER))
		mask |= BIT(sig);
	flags = spin_lock_irqsave(&proc.sig_lock);
	at->sig_mask_saved = false;
	at->sig_blocked = mask & ~UNBLOCKABLE;
	if (at->altstack_flags & SS_AUTODISARM) {
		/* sigaltstack(2): SS_AUTODISARM clears the stack while a handler runs; its frame brings it back. */
		at->altstack_sp = at->altstack_size = 0;
		at->altstack_flags = 0;
	}
	settle_locked(at);
	spin_unlock_irqrestore(&proc.sig_lock, flags);

	tf->rsp = sp;
	tf->rip = act->handler;
	tf->rdi = (uint64_t)sig;
	tf->rsi = sp + offsetof(struct rt_sigframe_user, info);
	tf->rdx = sp + offsetof(struct rt_sigframe_user, uc);
	tf->rax = 0;	/* no vector registers used by a variadic call: the psABI's %al */
	tf->rflags &= ~(RFLAGS_DF | RFLAGS_TF | RFLAGS_RF);
}

/*
 * The user-return hook (arch/x86_64/trap.h): takes the calling thread's
 * next signal and acts on it. sysno >= 0: a system call returns tf->rax,
 * which may have to be restarted. True when a handler's frame was set up
 * (another may be stacked on it), false when nothing is left.
 */
static bool signal_user_return(struct trap_frame *tf, long sysno)
{
	struct app_thread *at = app_current();
	bool interrupted = sysno >= 0 && (long)tf->rax == -EINTR;
	static bool said_stop;

	if (!at)
		return false;
	for (;;) {
		struct app_sigqueued *q = NULL;
		struct app_siginfo info;
		struct app_sigaction act;
		enum disposition d;
		uint64_t flags, old_mask;
		int sig;
		bool more;

		flags = spin_lock_irqsave(&proc.sig_lock);
		sig = take_locked(at, ~at->sig_blocked, &info, &q);
		if (!sig) {
			/* No handler runs: an interrupted call that Linux restarts in that case runs again. */
			if (interrupted && restart_kind(sysno, tf) != RESTART_NEVER)
				restart(tf, sysno);
			if (at->sig_mask_saved) {
				at->sig_mask_saved = false;
				at->sig_blocked = at->sig_saved_mask;
			}
			more = deliverable_locked(at) != 0;
			settle_locked(at);
			spin_unlock_irqrestore(&proc.sig_lock, flags);
			return more;
		}
		d = disposition_locked(sig);
		act = proc.sigactions[sig - 1];
		if (d == DISP_HANDLER && (act.flags & SA_RESETHAND))
			proc.sigactions[sig - 1].handler = SIG_DFL;	/* sigaction(2): once */
		old_mask = at->sig_mask_saved ? at->sig_saved_mask : at->sig_blocked;
		spin_unlock_irqrestore(&proc.sig_lock, flags);
		kfree(q);
		if (d == DISP_FATAL)
			die(sig);
		if (d == DISP_STOP && !said_stop) {
			said_stop = true;
			pr_warn("signal %d would stop the process: ignored\n", sig);
		}
		if (d != DISP_HANDLER)
			continue;
		/* A handler runs: EINTR, unless the call is one SA_RESTART restarts and the action asks for it. */
		if (interrupted && restart_kind(sysno, tf) == RESTART_SA && (act.flags & SA_RESTART))
			restart(tf, sysno);
		setup_frame(at, tf, sig, &act, &info, old_mask);
		return true;
	}
}

/* ---------------------------------------------------------------- rt_sigreturn */

static __noreturn void bad_frame(uint64_t frame, const char *why)
{
	printk("mote: rt_sigreturn: bad signal frame at %016lx (%s)\n", frame, why);
	die(SIGSEGV);
}

/*
 * The vector state a frame names (Linux fpu__restore_sig): none is the
 * initial state; an XSAVE layout is taken when its marks are right, else
 * the legacy x87/SSE area alone. Every byte is checked by fpu_sanitize
 * before the CPU loads it. false when it cannot be read.
 */
static bool restore_fpstate(uint64_t ufp)
{
	uint8_t raw[FP_BUF + FPU_STATE_ALIGN];
	uint8_t *fp = (uint8_t *)(((uintptr_t)raw + FPU_STATE_ALIGN - 1) & ~(uintptr_t)(FPU_STATE_ALIGN - 1));
	size_t xsize = fpu_state_size();
	uint64_t bv = XFEATURE_FPSSE;
	struct fpx_sw_bytes sw;

	if (!ufp) {
		fpu_load_init();
		return true;
	}
	memset(fp, 0, FP_BUF);
	if (copy_from_user(fp, ufp, FX_SIZE))
		return false;
	if (fpu_xsave_format()) {
		uint32_t magic2 = 0;

		memcpy(&sw, fp + FX_SW_BYTES, sizeof(sw));
		if (sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size >= XSAVE_MIN && sw.xstate_size <= xsize &&
		    sw.xstate_size <= FP_BUF - 4 && sw.extended_size >= sw.xstate_size + 4 &&
		    !copy_from_user(&magic2, ufp + sw.xstate_size, sizeof(magic2)) && magic2 == FP_XSTATE_MAGIC2) {
			if (copy_from_user(fp + FX_SIZE, ufp + FX_SIZE, sw.xstate_size - FX_SIZE))
				return false;
			memcpy(&bv, fp + FX_SIZE, sizeof(bv));
			bv &= sw.xfeatures;
		}
		/* The header's XSTATE_BV: what to load from the area; the rest starts clean. */
		memset(fp + FX_SIZE, 0, 64);
		memcpy(fp + FX_SIZE, &bv, sizeof(bv));
	}
	fpu_sanitize(fp);
	fpu_restore(fp);
	return true;
}

/*
 * rt_sigreturn(2): back from a handler to the context its frame holds,
 * every register as it was (rcx and r11 too: the return is an iretq), the
 * mask and alternate stack it had, its vector state. The frame is the
 * application's memory: a frame that cannot be read, or that would resume
 * outside the application's half, ends the process with SIGSEGV (as
 * Linux, which also kills with SIGSEGV on a bad frame).
 */
long sys_rt_sigreturn(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct syscall_frame *f = syscall_frame_current();
	struct app_thread *at = app_current();
	uint64_t frame = f->rsp - sizeof(uint64_t);	/* the handler's `ret` popped pretcode */
	struct ucontext_user uc;
	struct sigcontext_user *sc = &uc.mcontext;
	struct trap_frame tf;
	uint64_t flags;

	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	syscall_trace_noreturn();
	if (copy_from_user(&uc, frame + offsetof(struct rt_sigframe_user, uc), sizeof(uc)))
		bad_frame(frame, "cannot be read");
	if (sc->rip >= USER_TOP || sc->rsp >= USER_TOP)
		bad_frame(frame, "rip or rsp outside the application");
	if (!restore_fpstate(sc->fpstate))
		bad_frame(frame, "its vector state cannot be read");
	tf = (struct trap_frame){
		.r15 = sc->r15, .r14 = sc->r14, .r13 = sc->r13, .r12 = sc->r12,
		.r11 = sc->r11, .r10 = sc->r10, .r9 = sc->r9, .r8 = sc->r8,
		.rbp = sc->rbp, .rdi = sc->rdi, .rsi = sc->rsi, .rdx = sc->rdx,
		.rcx = sc->rcx, .rbx = sc->rbx, .rax = sc->rax,
		.rip = sc->rip, .rsp = sc->rsp,
		/* Ring 0 selectors and interrupts on, whatever the frame says; only the arithmetic flags are its. */
		.cs = SEL_KCODE, .ss = SEL_KDATA,
		.rflags = RFLAGS_IF | 0x2 | (sc->rflags & RFLAGS_USER),
	};
	flags = spin_lock_irqsave(&proc.sig_lock);
	set_mask_locked(at, uc.sigmask);
	/* As Linux's restore_altstack: only a fault reading it would matter, and it was read above. */
	(void)altstack_set(at, f->rsp, uc.stack);
	spin_unlock_irqrestore(&proc.sig_lock, flags);
	trap_return_to_user(&tf, -1);
}

/* ---------------------------------------------------------------- ITIMER_REAL, alarm */

#define ITIMER_REAL	0
#define ITIMER_VIRTUAL	1
#define ITIMER_PROF	2
#define USEC_PER_SEC	1000000ull

struct timeval_user {
	int64_t sec, usec;
};

struct itimerval_user {
	struct timeval_user interval, value;
};

/* The timer's interrupt: SIGALRM to the process (Linux it_real_fn: SI_KERNEL), then the next period. */
static void itimer_fired(struct timer *t, void *arg)
{
	struct app_siginfo info = { .code = SI_KERNEL };
	uint64_t flags, next, now;

	(void)arg;
	flags = spin_lock_irqsave(&proc.sig_lock);
	if (proc.itimer_interval_ns) {
		now = time_monotonic_ns();
		next = t->deadline_ns + proc.itimer_interval_ns;
		timer_arm(t, next > now ? next : now + proc.itimer_interval_ns);
	}
	spin_unlock_irqrestore(&proc.sig_lock, flags);
	send_signal(NULL, SIGALRM, &info, false);
}

static struct timeval_user ns_to_timeval(uint64_t ns)
{
	/* Rounded up: a timer still armed never reads as zero (Linux reports at least 1 us). */
	uint64_t us = (ns + 999) / 1000;

	return (struct timeval_user){ (int64_t)(us / USEC_PER_SEC), (int64_t)(us % USEC_PER_SEC) };
}

/* With sig_lock: what is left of the timer, and its period. */
static struct itimerval_user itimer_get_locked(void)
{
	struct itimerval_user v = { ns_to_timeval(proc.itimer_interval_ns), { 0, 0 } };

	if (proc.itimer.armed) {
		uint64_t now = time_monotonic_ns(), at = proc.itimer.deadline_ns;

		v.value = ns_to_timeval(at > now ? at - now : 1);
	}
	return v;
}

/* With sig_lock: arms for value_ns from now (0: disarms), then every interval_ns (0: once). */
static void itimer_set_locked(uint64_t value_ns, uint64_t interval_ns)
{
	proc.itimer_interval_ns = value_ns ? interval_ns : 0;
	if (value_ns)
		timer_arm(&proc.itimer, time_monotonic_ns() + value_ns);
	else
		timer_cancel(&proc.itimer);
}

/* setitimer(2): seconds not negative, microseconds below a million (EINVAL otherwise). */
static long timeval_ns(const struct timeval_user *tv, uint64_t *ns)
{
	if (tv->sec < 0 || tv->usec < 0 || tv->usec >= (int64_t)USEC_PER_SEC)
		return -EINVAL;
	/* Beyond TIMESPEC_FOREVER_NS (146 years) it saturates, which Linux's ktime does too in effect. */
	*ns = (uint64_t)tv->sec >= TIMESPEC_FOREVER_NS / NSEC_PER_SEC ? TIMESPEC_FOREVER_NS
		: (uint64_t)tv->sec * NSEC_PER_SEC + (uint64_t)tv->usec * 1000;
	return 0;
}

long sys_getitimer(long which, long uval, long a2, long a3, long a4, long a5)
{
	struct itimerval_user v = { { 0, 0 }, { 0, 0 } };
	uint64_t flags;

	(void)a2, (void)a3, (void)a4, (void)a5;
	/* ITIMER_VIRTUAL and ITIMER_PROF are never armed here: they read as zero. */
	if (which != ITIMER_REAL && which != ITIMER_VIRTUAL && which != ITIMER_PROF)
		return -EINVAL;
	if (which == ITIMER_REAL) {
		flags = spin_lock_irqsave(&proc.sig_lock);
		v = itimer_get_locked();
		spin_unlock_irqrestore(&proc.sig_lock, flags);
	}
	return copy_to_user((uint64_t)uval, &v, sizeof(v));
}

long sys_setitimer(long which, long unew, long uold, long a3, long a4, long a5)
{
	struct itimerval_user n = { { 0, 0 }, { 0, 0 } }, o;
	uint64_t value, interval, flags;
	long r;

	(void)a3, (void)a4, (void)a5;
	/* A NULL new value disarms, as Linux still allows (setitimer(2), BUGS). */
	if (unew && copy_from_user(&n, (uint64_t)unew, sizeof(n)))
		return -EFAULT;
	r = timeval_ns(&n.value, &value);
	if (!r)
		r = timeval_ns(&n.interval, &interval);
	if (r)
		return r;
	if (which != ITIMER_REAL) {
		static bool said;

		if (which != ITIMER_VIRTUAL && which != ITIMER_PROF)
			return -EINVAL;
		/* CPU-time timers: disarming one that never runs is fine; arming one is refused, not dropped. */
		if (value) {
			if (!said) {
				said = true;
				pr_warn("setitimer: only ITIMER_REAL is supported (timer %ld): EINVAL\n", which);
			}
			return -EINVAL;
		}
		o = (struct itimerval_user){ { 0, 0 }, { 0, 0 } };
		return uold && copy_to_user((uint64_t)uold, &o, sizeof(o)) ? -EFAULT : 0;
	}
	flags = spin_lock_irqsave(&proc.sig_lock);
	o = itimer_get_locked();
	itimer_set_locked(value, interval);
	spin_unlock_irqrestore(&proc.sig_lock, flags);
	if (uold && copy_to_user((uint64_t)uold, &o, sizeof(o)))
		return -EFAULT;
	return 0;
}

/* alarm(2): SIGALRM in `seconds` (0: none); the seconds the last one had left, rounded as Linux does. */
long sys_alarm(long seconds, long a1, long a2, long a3, long a4, long a5)
{
	struct itimerval_user o;
	uint64_t flags;
	long left;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	flags = spin_lock_irqsave(&proc.sig_lock);
	o = itimer_get_locked();
	itimer_set_locked((uint64_t)(unsigned int)seconds * NSEC_PER_SEC, 0);
	spin_unlock_irqrestore(&proc.sig_lock, flags);
	left = o.value.sec;
	if ((!left && o.value.usec) || o.value.usec >= 500000)
		left++;
	return left;
}

/* ---------------------------------------------------------------- start */

void signal_init(void)
{
	/* fpu.c enables x87, SSE and AVX only: 832 bytes at most, which the frame buffers are sized for. */
	if (fpu_xsave_format() && fpu_state_size() > FP_BUF - 4)
		panic("signal frames: %zu bytes of vector state exceed their %d-byte buffer", fpu_state_size(),
		      FP_BUF - 4);
	timer_init(&proc.itimer, itimer_fired, NULL);
	trap_set_user_return_hook(signal_user_return);
}
