/* SPDX-License-Identifier: BSD-2-Clause */
/* Readiness syscalls: poll, ppoll, select, pselect6 and the epoll family, with monotonic timeouts. */
#include <mote/errno.h>
#include "abi/fdtable.h"
#include "abi/process.h"
#include "abi/syscall.h"
#include "abi/timespec.h"
#include "abi/usercopy.h"
#include "arch/x86_64/layout.h"
#include "fs/eventpoll.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "kernel/time.h"
#include "kernel/waitq.h"
#include "lib/string.h"

/* select(2) (Linux fs/select.c): which poll events make each set's bit. */
#define SELECT_IN	(POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define SELECT_OUT	(POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define SELECT_EX	(POLLPRI)

struct pollfd_user {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

/* The layouts timespec_report and timeval_report write. */
struct timespec_user {
	int64_t sec;
	int64_t nsec;
};

struct timeval_user {
	int64_t sec;
	int64_t usec;
};

/* ---------------------------------------------------------------- timeouts */

#define WAIT_FOREVER	0		/* a deadline of 0: none (kernel/waitq.h) */
#define WAIT_NONE	1		/* a deadline always past: look once, never sleep */

/* The deadline ns from now; a zero timeout only looks (poll(2): "return immediately"). */
static uint64_t deadline_after_ns(uint64_t ns)
{
	return ns ? timespec_deadline(CLOCK_MONOTONIC, false, ns) : WAIT_NONE;
}

static uint64_t deadline_after_ms(int ms)
{
	/* poll(2), epoll_wait(2): a negative timeout waits forever. */
	if (ms < 0)
		return WAIT_FOREVER;
	return deadline_after_ns((uint64_t)ms * 1000000);
}

/* A timespec timeout (NULL: forever): 0, -EFAULT or -EINVAL (ppoll(2), pselect(2), epoll_pwait2(2)). */
static long timeout_timespec(long uts, uint64_t *deadline)
{
	uint64_t ns;
	long r;

	*deadline = WAIT_FOREVER;
	if (!uts)
		return 0;
	r = timespec_read((uint64_t)uts, &ns);
	if (!r)
		*deadline = deadline_after_ns(ns);
	return r;
}

/* What is left of the wait, for the calls that report it (select(2), ppoll(2) NOTES). */
static uint64_t remaining_ns(uint64_t deadline)
{
	uint64_t now;

	if (deadline == WAIT_FOREVER || deadline == WAIT_NONE)
		return 0;
	now = time_monotonic_ns();
	return deadline > now ? deadline - now : 0;
}

/*
 * Linux writes the time left back into a timespec or timeval timeout; a
 * fault doing so is ignored, since the wait itself succeeded (as Linux
 * does for timeouts in read-only memory).
 */
static void timespec_report(long uts, uint64_t deadline)
{
	uint64_t left = remaining_ns(deadline);
	struct timespec_user ts = { (int64_t)(left / NSEC_PER_SEC), (int64_t)(left % NSEC_PER_SEC) };

	if (uts && deadline != WAIT_FOREVER)
		(void)copy_to_user((uint64_t)uts, &ts, sizeof(ts));
}

static void timeval_report(long utv, uint64_t deadline)
{
	uint64_t left = remaining_ns(deadline);
	struct timeval_user tv = { (int64_t)(left / NSEC_PER_SEC), (int64_t)(left % NSEC_PER_SEC / 1000) };

	if (utv && deadline != WAIT_FOREVER)
		(void)copy_to_user((uint64_t)utv, &tv, sizeof(tv));
}

/*
 * The signal mask of ppoll, pselect6 and epoll_pwait is the caller's for
 * the call's duration (abi/sys_signal.c checks and reads it: EINVAL,
 * EFAULT as Linux): a signal it unblocks ends the wait with EINTR, and its
 * handler runs before the old mask comes back (ppoll(2), the race-free
 * sigsuspend pattern).
 */

/* ---------------------------------------------------------------- a waiting thread's poll table */

/* One subscription: it holds a reference to the file, so its pollhead outlives the wait. */
struct pw_entry {
	struct poll_entry pe;
	struct file *file;
	struct poll_wait *pw;
};

#define PW_INLINE	8
#define PW_CHUNK	32

struct pw_chunk {
	struct pw_chunk *next;
	size_t used;
	struct pw_entry e[PW_CHUNK];
};

/*
 * The table poll and select give to file_poll on their first pass: every
 * pollhead a file names gets an entry whose notification wakes the
 * caller. `triggered`, under wq's lock, keeps a notification that comes
 * while the caller is still polling from being lost.
 */
struct poll_wait {
	struct poll_table pt;
	struct waitq wq;
	bool triggered;
	int error;
	struct file *cur;		/* the file being polled */
	size_t used;
	struct pw_entry inline_e[PW_INLINE];
	struct pw_chunk *chunks;
};

static void pw_notify(struct poll_entry *pe, unsigned int events)
{
	struct poll_wait *pw = container_of(pe, struct pw_entry, pe)->pw;

	(void)events;
	/* Interrupts are off (the pollhead's lock is held). */
	spin_lock_raw(&pw->wq.lock);
	pw->triggered = true;
	waitq_wake_locked(&pw->wq, -1);
	spin_unlock_raw(&pw->wq.lock);
}

static struct pw_entry *pw_new_entry(struct poll_wait *pw)
{
	struct pw_chunk *c = pw->chunks;

	if (pw->used < PW_INLINE)
		return &pw->inline_e[pw->used++];
	if (!c || c->used == PW_CHUNK) {
		c = kmalloc(sizeof(*c));
		if (!c)
			return NULL;
		c->used = 0;
		c->next = pw->chunks;
		pw->chunks = c;
	}
	return &c->e[c->used++];
}

static void pw_subscribe(struct poll_table *pt, struct pollhead *h)
{
	struct poll_wait *pw = container_of(pt, struct poll_wait, pt);
	struct pw_entry *e = pw_new_entry(pw);

	if (!e) {
		pw->error = -ENOMEM;
		return;
	}
	e->pe.head = NULL;
	e->pe.notify = pw_notify;
	e->file = fget(pw->cur);
	e->pw = pw;
	poll_entry_add(h, &e->pe);
}

static void pw_init(struct poll_wait *pw)
{
	pw->pt.subscribe = pw_subscribe;
	waitq_init(&pw->wq);
	pw->triggered = false;
	pw->error = 0;
	pw->cur = NULL;
	pw->used = 0;
	pw->chunks = NULL;
}

static void pw_drop(struct pw_entry *e)
{
	poll_entry_remove(&e->pe);
	fput(e->file);
}

static void pw_fini(struct poll_wait *pw)
{
	for (size_t i = 0; i < pw->used; i++)
		pw_drop(&pw->inline_e[i]);
	while (pw->chunks) {
		struct pw_chunk *c = pw->chunks;

		pw->chunks = c->next;
		for (size_t i = 0; i < c->used; i++)
			pw_drop(&c->e[i]);
		kfree(c);
	}
}

/* Sleeps until a subscribed file notifies, the deadline passes or a signal comes: 0, -ETIMEDOUT, -EINTR. */
static int pw_sleep(struct poll_wait *pw, uint64_t deadline)
{
	struct waiter w;
	uint64_t flags = spin_lock_irqsave(&pw->wq.lock);
	int r = 0;

	if (!pw->triggered)
		r = waitq_wait_intr_locked(&pw->wq, &w, 0, &flags, deadline);
	/* Cleared before the caller polls again: a notification during that pass wakes the next sleep. */
	pw->triggered = false;
	spin_unlock_irqrestore(&pw->wq.lock, flags);
	return r;
}

/* file_poll on fd's file, subscribing pt (may be NULL). -EBADF when fd is not open. */
static long poll_fd(struct poll_wait *pw, struct poll_table *pt, int fd)
{
	struct file *f = fd_get(fd);
	unsigned int events;

	if (!f)
		return -EBADF;
	pw->cur = f;
	events = file_poll(f, pt);
	fput(f);
	return events;
}

/* ---------------------------------------------------------------- poll, ppoll */

#define POLL_STACK_FDS	32

static long do_poll(long ufds, unsigned int nfds, uint64_t deadline)
{
	struct pollfd_user stack_fds[POLL_STACK_FDS], *fds = stack_fds;
	struct poll_wait pw;
	struct poll_table *pt;
	long count = 0;
	bool timed_out = deadline == WAIT_NONE;
	int r;

	/* poll(2): EINVAL when nfds exceeds RLIMIT_NOFILE. */
	if (nfds > (unsigned int)fd_limit())
		return -EINVAL;
	if (nfds > POLL_STACK_FDS) {
		fds = kmalloc((size_t)nfds * sizeof(*fds));
		if (!fds)
			return -ENOMEM;
	}
	if (copy_from_user(fds, (uint64_t)ufds, (size_t)nfds * sizeof(*fds))) {
		count = -EFAULT;
		goto out;
	}
	pw_init(&pw);
	pt = timed_out ? NULL : &pw.pt;
	for (;;) {
		count = 0;
		for (unsigned int i = 0; i < nfds; i++) {
			struct pollfd_user *p = &fds[i];
			long events;

			/* poll(2): a negative fd is ignored and gets revents 0. */
			p->revents = 0;
			if (p->fd < 0)
				continue;
			events = poll_fd(&pw, pt, p->fd);
			if (events < 0)
				p->revents = POLLNVAL;
			else
				p->revents = (int16_t)(events & ((uint16_t)p->events | POLLERR | POLLHUP));
			if (p->revents) {
				count++;
				/* No sleep is coming: the other files need no subscription. */
				pt = NULL;
			}
		}
		pt = NULL;
		/* A subscription that failed matters only when nothing is ready. */
		if (!count)
			count = pw.error;
		if (count || timed_out)
			break;
		r = pw_sleep(&pw, deadline);
		if (r == -EINTR) {
			count = r;	/* poll(2): EINTR, never restarted (signal(7)) */
			break;
		}
		timed_out = r == -ETIMEDOUT;
	}
	pw_fini(&pw);
	if (count >= 0) {
		for (unsigned int i = 0; i < nfds; i++) {
			uint64_t at = (uint64_t)ufds + (uint64_t)i * sizeof(*fds) +
				      offsetof(struct pollfd_user, revents);

			if (copy_to_user(at, &fds[i].revents, sizeof(fds[i].revents))) {
				count = -EFAULT;
				break;
			}
		}
	}
out:
	if (fds != stack_fds)
		kfree(fds);
	return count;
}

long sys_poll(long ufds, long nfds, long timeout_ms, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_poll(ufds, (unsigned int)nfds, deadline_after_ms((int)timeout_ms));
}

long sys_ppoll(long ufds, long nfds, long uts, long umask, long masksize, long a5)
{
	uint64_t deadline;
	long r;

	(void)a5;
	r = timeout_timespec(uts, &deadline);
	if (!r)
		r = signal_call_mask_begin(umask, masksize);
	if (r)
		return r;
	r = do_poll(ufds, (unsigned int)nfds, deadline);
	signal_call_mask_end(umask, r);
	timespec_report(uts, deadline);
	return r;
}

/* ---------------------------------------------------------------- select, pselect6 */

#define BITS_PER_WORD	64
#define SELECT_STACK_WORDS	16	/* 1024 fds, FD_SETSIZE (select(2)) */

/* In: the three sets asked (a missing one reads as empty); out: the three answers. */
struct fdsets {
	uint64_t *in[3];
	uint64_t *out[3];
};

static long do_select(int nfds, const long usets[3], uint64_t deadline)
{
	static const unsigned int want[3] = { SELECT_IN, SELECT_OUT, SELECT_EX };
	uint64_t stack_words[6 * SELECT_STACK_WORDS], *words = stack_words;
	size_t nwords, bytes;
	struct fdsets s;
	struct poll_wait pw;
	struct poll_table *pt;
	bool timed_out = deadline == WAIT_NONE;
	long count = 0;
	int r;

	/* select(2): EINVAL when nfds is negative or exceeds RLIMIT_NOFILE. */
	if (nfds < 0 || nfds > fd_limit())
		return -EINVAL;
	nwords = ((size_t)nfds + BITS_PER_WORD - 1) / BITS_PER_WORD;
	bytes = nwords * sizeof(uint64_t);
	if (nwords > SELECT_STACK_WORDS) {
		words = kcalloc(6 * nwords, sizeof(uint64_t));
		if (!words)
			return -ENOMEM;
	} else {
		memset(words, 0, sizeof(stack_words));
	}
	for (int k = 0; k < 3; k++) {
		s.in[k] = words + k * nwords;
		s.out[k] = words + (3 + k) * nwords;
		/* fd_set is an array of unsigned long, bit fd % 64 of word fd / 64. */
		if (usets[k] && copy_from_user(s.in[k], (uint64_t)usets[k], bytes)) {
			count = -EFAULT;
			goto out;
		}
	}
	pw_init(&pw);
	pt = timed_out ? NULL : &pw.pt;
	for (;;) {
		count = 0;
		memset(s.out[0], 0, 3 * bytes);
		for (int fd = 0; fd < nfds && count >= 0; fd++) {
			size_t w = (size_t)fd / BITS_PER_WORD;
			uint64_t bit = 1ull << (fd % BITS_PER_WORD);
			long events;

			if (!((s.in[0][w] | s.in[1][w] | s.in[2][w]) & bit))
				continue;
			events = poll_fd(&pw, pt, fd);
			if (events < 0) {
				count = events;	/* select(2): EBADF for a closed fd in a set */
				break;
			}
			for (int k = 0; k < 3; k++) {
				if ((s.in[k][w] & bit) && (events & want[k])) {
					s.out[k][w] |= bit;
					count++;
					pt = NULL;
				}
			}
		}
		pt = NULL;
		if (!count)
			count = pw.error;
		if (count || timed_out)
			break;
		r = pw_sleep(&pw, deadline);
		if (r == -EINTR) {
			count = r;	/* select(2): EINTR, never restarted (signal(7)) */
			break;
		}
		timed_out = r == -ETIMEDOUT;
	}
	pw_fini(&pw);
	for (int k = 0; k < 3 && count >= 0; k++)
		if (usets[k] && copy_to_user((uint64_t)usets[k], s.out[k], bytes))
			count = -EFAULT;
out:
	if (words != stack_words)
		kfree(words);
	return count;
}

long sys_select(long nfds, long rfds, long wfds, long efds, long utv, long a5)
{
	const long sets[3] = { rfds, wfds, efds };
	uint64_t deadline = WAIT_FOREVER;
	long r;

	(void)a5;
	if (utv) {
		struct timeval_user tv;
		uint64_t sec;

		if (copy_from_user(&tv, (uint64_t)utv, sizeof(tv)))
			return -EFAULT;
		/* As Linux (fs/select.c): whole seconds in usec carry over; anything negative is EINVAL. */
		if (tv.sec < 0 || tv.usec < 0)
			return -EINVAL;
		sec = (uint64_t)tv.sec + (uint64_t)tv.usec / 1000000;
		/* Past 2^64 ns (584 years) it saturates: as good as forever. */
		deadline = deadline_after_ns(sec >= 18446744073ull ? ~0ull :
					     sec * NSEC_PER_SEC + (uint64_t)(tv.usec % 1000000) * 1000);
	}
	r = do_select((int)nfds, sets, deadline);
	timeval_report(utv, deadline);
	return r;
}

long sys_pselect6(long nfds, long rfds, long wfds, long efds, long uts, long usig)
{
	const long sets[3] = { rfds, wfds, efds };
	uint64_t deadline;
	long r = timeout_timespec(uts, &deadline);

	if (r)
		return r;
	if (usig) {
		/* pselect6's sixth argument: { const sigset_t *ss; size_t ss_len; } (select(2) NOTES). */
		struct {
			uint64_t ss;
			uint64_t len;
		} pack;

		if (copy_from_user(&pack, (uint64_t)usig, sizeof(pack)))
			return -EFAULT;
		r = signal_call_mask_begin((long)pack.ss, (long)pack.len);
		if (r)
			return r;
		usig = (long)pack.ss;
	}
	r = do_select((int)nfds, sets, deadline);
	signal_call_mask_end(usig, r);
	timespec_report(uts, deadline);
	return r;
}

/* ---------------------------------------------------------------- epoll */

/* epoll_wait(2): maxevents is at most INT_MAX / sizeof(struct epoll_event), as Linux's EP_MAX_EVENTS. */
#define EP_MAX_EVENTS	(0x7fffffff / (long)sizeof(struct epoll_event))

static long epoll_new(bool cloexec)
{
	struct file *f = epoll_create();
	int fd;

	if (!f)
		return -ENOMEM;
	fd = fd_install(f, 0, cloexec);
	if (fd < 0)
		fput(f);
	return fd;
}

long sys_epoll_create(long size, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	/* epoll_create(2): size is ignored but must be positive. */
	if ((int)size <= 0)
		return -EINVAL;
	return epoll_new(false);
}

long sys_epoll_create1(long flags, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if ((int)flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	return epoll_new(flags & EPOLL_CLOEXEC);
}

long sys_epoll_ctl(long epfd, long op, long fd, long uev, long a4, long a5)
{
	struct epoll_event ev = { 0, 0 };
	struct file *ep, *target;
	long r;

	(void)a4, (void)a5;
	/* The order of checks is Linux's (fs/eventpoll.c), so each error is the one it would give. */
	if ((int)op != EPOLL_CTL_DEL && copy_from_user(&ev, (uint64_t)uev, sizeof(ev)))
		return -EFAULT;
	ep = fd_get((int)epfd);
	if (!ep)
		return -EBADF;
	target = fd_get((int)fd);
	if (!target) {
		fput(ep);
		return -EBADF;
	}
	/* epoll_ctl(2) EPERM: a file without readiness (regular files, directories). */
	if (!target->ops || !target->ops->poll)
		r = -EPERM;
	else if (ep == target || !file_is_epoll(ep))
		r = -EINVAL;
	else
		r = epoll_ctl_file(ep, (int)op, (int)fd, target, &ev);
	fput(target);
	fput(ep);
	return r;
}

static long do_epoll_wait(long epfd, long uevents, long maxevents, uint64_t deadline)
{
	struct uio out = { (uint64_t)uevents, false };
	struct file *ep;
	long r;

	if ((int)maxevents <= 0 || (int)maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	/* Linux checks the whole array's range up front (access_ok). */
	if ((uint64_t)uevents >= USER_TOP ||
	    (uint64_t)(int)maxevents * sizeof(struct epoll_event) > USER_TOP - (uint64_t)uevents)
		return -EFAULT;
	ep = fd_get((int)epfd);
	if (!ep)
		return -EBADF;
	if (!file_is_epoll(ep)) {
		fput(ep);
		return -EINVAL;
	}
	r = epoll_wait_file(ep, &out, (int)maxevents, deadline);
	fput(ep);
	return r;
}

long sys_epoll_wait(long epfd, long uevents, long maxevents, long timeout_ms, long a4, long a5)
{
	(void)a4, (void)a5;
	return do_epoll_wait(epfd, uevents, maxevents, deadline_after_ms((int)timeout_ms));
}

long sys_epoll_pwait(long epfd, long uevents, long maxevents, long timeout_ms, long umask,
		     long masksize)
{
	long r = signal_call_mask_begin(umask, masksize);

	if (r)
		return r;
	r = do_epoll_wait(epfd, uevents, maxevents, deadline_after_ms((int)timeout_ms));
	signal_call_mask_end(umask, r);
	return r;
}

long sys_epoll_pwait2(long epfd, long uevents, long maxevents, long uts, long umask,
		      long masksize)
{
	uint64_t deadline;
	long r = timeout_timespec(uts, &deadline);

	if (!r)
		r = signal_call_mask_begin(umask, masksize);
	if (r)
		return r;
	r = do_epoll_wait(epfd, uevents, maxevents, deadline);
	signal_call_mask_end(umask, r);
	return r;
}
