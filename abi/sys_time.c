/* SPDX-License-Identifier: BSD-2-Clause */
/* Time syscalls: clock_gettime/getres, gettimeofday, time. */
#include <mote/errno.h>
#include "abi/syscall.h"
#include "abi/usercopy.h"
#include "kernel/time.h"

/* Linux include/uapi/linux/time.h */
#define CLOCK_REALTIME		0
#define CLOCK_MONOTONIC		1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID	3
#define CLOCK_MONOTONIC_RAW	4
#define CLOCK_REALTIME_COARSE	5
#define CLOCK_MONOTONIC_COARSE	6
#define CLOCK_BOOTTIME		7

struct timespec_user {
	int64_t sec;
	int64_t nsec;
};

static int clock_ns(long clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = time_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	/* One process, one CPU, no other work: its CPU time is the time since boot. */
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = time_monotonic_ns();
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
