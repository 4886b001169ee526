/* SPDX-License-Identifier: BSD-2-Clause */
/* Time syscalls: clock_gettime/getres, gettimeofday, time, nanosleep, clock_nanosleep; timeouts for the others. */
#include <mote/errno.h>
#include "abi/process.h"
#include "abi/syscall.h"
#include "abi/timespec.h"
#include "abi/usercopy.h"
#include "kernel/thread.h"
#include "kernel/time.h"

#define TIMER_ABSTIME		1	/* clock_nanosleep(2) */

struct timespec_user {
	int64_t sec;
	int64_t nsec;
};

/*
 * A CPU-time clock of a thread or the process, as pthread_getcpuclockid
 * and clock_getcpuclockid make them (Linux include/linux/posix-timers.h):
 * ~pid << 3 | per-thread (4) | which (0-2); pid 0 is the caller.
 */
static int cpu_clock_ns(long clk, uint64_t *ns)
{
	long id = ~(clk >> 3);
	struct app_thread *at;
	int r = 0;

	if ((clk & 3) == 3)
		return -EINVAL;
	if (!(clk & 4)) {
		if (id != 0 && id != 1)
			return -EINVAL;
		*ns = tsc_to_ns(process_cpu_ticks());
		return 0;
	}
	process_lock();
	at = id ? process_find_thread(id) : app_current();
	if (at)
		*ns = tsc_to_ns(thread_cpu_ticks(at->thread));
	else
		r = -EINVAL;
	process_unlock();
	return r;
}

static int clock_ns(long clk, uint64_t *ns)
{
	if (clk < 0)
		return cpu_clock_ns(clk, ns);
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = time_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = time_monotonic_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		*ns = tsc_to_ns(process_cpu_ticks());
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = tsc_to_ns(thread_cpu_ticks(thread_current()));
		return 0;
	}
	return -EINVAL;
}

long sys_clock_gettime(long clk, long ts, long a2, long a3, long a4, long a5)
{
	struct timespec_user t;
	uint64_t ns;
	int r = clock_ns(clk, &ns);

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (r)
		return r;
	t.sec = (int64_t)(ns / NSEC_PER_SEC);
	t.nsec = (int64_t)(ns % NSEC_PER_SEC);
	return copy_to_user((uint64_t)ts, &t, sizeof(t));
}

long sys_clock_getres(long clk, long ts, long a2, long a3, long a4, long a5)
{
	struct timespec_user t = { 0, 1 };
	uint64_t ns;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (clock_ns(clk, &ns))
		return -EINVAL;
	if (!ts)
		return 0;
	return copy_to_user((uint64_t)ts, &t, sizeof(t));
}

long sys_gettimeofday(long tv, long tz, long a2, long a3, long a4, long a5)
{
	uint64_t ns = time_realtime_ns();
	struct { int64_t sec, usec; } t = { (int64_t)(ns / NSEC_PER_SEC),
					    (int64_t)(ns % NSEC_PER_SEC / 1000) };
	struct { int32_t minuteswest, dsttime; } z = { 0, 0 };

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (tv && copy_to_user((uint64_t)tv, &t, sizeof(t)))
		return -EFAULT;
	if (tz && copy_to_user((uint64_t)tz, &z, sizeof(z)))
		return -EFAULT;
	return 0;
}

long sys_time(long tloc, long a1, long a2, long a3, long a4, long a5)
{
	int64_t sec = (int64_t)(time_realtime_ns() / NSEC_PER_SEC);

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (tloc && copy_to_user((uint64_t)tloc, &sec, sizeof(sec)))
		return -EFAULT;
	return sec;
}

/* Beyond this (about 146 years) a deadline is as good as none. */
#define FOREVER_NS	TIMESPEC_FOREVER_NS

long timespec_read(uint64_t uts, uint64_t *ns)
{
	struct timespec_user t;

	if (copy_from_user(&t, uts, sizeof(t)))
		return -EFAULT;
	if (t.sec < 0 || t.nsec < 0 || t.nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	*ns = (uint64_t)t.sec >= FOREVER_NS / NSEC_PER_SEC ? FOREVER_NS
							   : (uint64_t)t.sec * NSEC_PER_SEC + (uint64_t)t.nsec;
	return 0;
}

uint64_t timespec_deadline(long clk, bool absolute, uint64_t ns)
{
	uint64_t now = time_monotonic_ns();

	if (absolute && clk == CLOCK_REALTIME) {
		uint64_t real = time_realtime_ns();

		ns = ns > real ? ns - real : 0;		/* from now on the monotonic clock */
	} else if (absolute) {
		return ns >= FOREVER_NS ? 0 : ns > now ? ns : now;
	}
	return ns >= FOREVER_NS ? 0 : now + ns;
}

/*
 * Sleeps until `req` (a struct timespec) on clk: from now, or absolute;
 * TIMER_ABSTIME times on CLOCK_REALTIME are taken as the wall clock reads
 * when the sleep starts. A signal whose handler is to run ends it with
 * -EINTR (never restarted, signal(7)), and a relative sleep then writes the
 * time left into `rem` when given (nanosleep(2)); a deadline too far to arm
 * (0) is slept until a signal comes.
 */
static long sleep_until(long clk, bool absolute, uint64_t req, uint64_t rem)
{
	uint64_t ns, deadline, start = time_monotonic_ns(), now;
	long r = timespec_read(req, &ns);

	if (r)
		return r;
	deadline = timespec_deadline(clk, absolute, ns);
	while (!deadline || time_monotonic_ns() < deadline) {
		if (sched_sleep_intr(deadline) == -EINTR) {
			struct timespec_user left;

			now = time_monotonic_ns();
			ns = deadline ? (deadline > now ? deadline - now : 0) : ns - MIN(ns, now - start);
			left = (struct timespec_user){ (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };
			if (rem && !absolute && copy_to_user(rem, &left, sizeof(left)))
				return -EFAULT;
			return -EINTR;
		}
	}
	return 0;
}

long sys_clock_nanosleep(long clk, long flags, long req, long rem, long a4, long a5)
{
	(void)a4, (void)a5;
	if (clk == CLOCK_REALTIME || clk == CLOCK_MONOTONIC || clk == CLOCK_BOOTTIME)
		return sleep_until(clk, flags & TIMER_ABSTIME, (uint64_t)req, (uint64_t)rem);
	return clk == CLOCK_PROCESS_CPUTIME_ID || clk < 0 ? -EOPNOTSUPP : -EINVAL;
}

long sys_nanosleep(long req, long rem, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sleep_until(CLOCK_MONOTONIC, false, (uint64_t)req, (uint64_t)rem);
}
