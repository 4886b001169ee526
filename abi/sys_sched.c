/* SPDX-License-Identifier: BSD-2-Clause */
/* Scheduling and naming syscalls of the one-CPU process: getcpu, policy priorities, prctl names, CPU times. */
#include <mote/errno.h>
#include "abi/process.h"
#include "abi/syscall.h"
#include "abi/usercopy.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "kernel/vm.h"
#include "lib/string.h"

/* Linux include/uapi/linux/sched.h */
#define SCHED_OTHER	0
#define SCHED_FIFO	1
#define SCHED_RR	2
#define SCHED_BATCH	3
#define SCHED_IDLE	5

/* getcpu(2): there is one CPU, number 0, on node 0. */
long sys_getcpu(long ucpu, long unode, long a2, long a3, long a4, long a5)
{
	unsigned int zero = 0;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (ucpu && copy_to_user((uint64_t)ucpu, &zero, sizeof(zero)))
		return -EFAULT;
	if (unode && copy_to_user((uint64_t)unode, &zero, sizeof(zero)))
		return -EFAULT;
	return 0;
}

/* sched_get_priority_max(2): 1..99 for the real-time policies, 0 for the others. */
static long priority_bound(long policy, long rt)
{
	switch (policy) {
	case SCHED_FIFO:
	case SCHED_RR:
		return rt;
	case SCHED_OTHER:
	case SCHED_BATCH:
	case SCHED_IDLE:
		return 0;
	}
	return -EINVAL;
}

long sys_sched_get_priority_max(long policy, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return priority_bound(policy, 99);
}

long sys_sched_get_priority_min(long policy, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return priority_bound(policy, 1);
}

/* prctl(2) options */
#define PR_SET_NAME	15
#define PR_GET_NAME	16
#define TASK_COMM_LEN	16

/* PR_SET_NAME/PR_GET_NAME name the calling thread (16 bytes with the NUL, as Linux's comm). */
long sys_prctl(long option, long arg2, long a2, long a3, long a4, long a5)
{
	struct thread *t = thread_current();
	char name[TASK_COMM_LEN];

	(void)a2, (void)a3, (void)a4, (void)a5;
	switch (option) {
	case PR_SET_NAME:
		/* Up to 15 bytes are taken; a longer name is cut, as Linux does. */
		if (copy_string_from_user_cut(name, (uint64_t)arg2, sizeof(name)) < 0)
			return -EFAULT;
		strlcpy(t->name, name, sizeof(t->name));
		return 0;
	case PR_GET_NAME:
		memset(name, 0, sizeof(name));
		strlcpy(name, t->name, sizeof(name));
		return copy_to_user((uint64_t)arg2, name, sizeof(name));
	}
	return -EINVAL;
}

/* times(2) counts in clock ticks of sysconf(_SC_CLK_TCK) = 100 Hz. */
#define CLK_TCK 100

static uint64_t ticks_of_ns(uint64_t ns)
{
	return ns / (NSEC_PER_SEC / CLK_TCK);
}

long sys_times(long ubuf, long a1, long a2, long a3, long a4, long a5)
{
	/* struct tms: utime, stime, cutime, cstime (clock_t, 8 bytes each); all CPU time is user time. */
	int64_t t[4] = { (int64_t)ticks_of_ns(tsc_to_ns(process_cpu_ticks())), 0, 0, 0 };

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (ubuf && copy_to_user((uint64_t)ubuf, t, sizeof(t)))
		return -EFAULT;
	/* Ticks since boot, an arbitrary point in the past as times(2) allows. */
	return (long)ticks_of_ns(time_monotonic_ns());
}

/* getrusage(2) who */
#define RUSAGE_SELF	0
#define RUSAGE_CHILDREN	(-1)
#define RUSAGE_THREAD	1

/* Linux include/uapi/linux/resource.h: struct rusage, 144 bytes (two timevals, fourteen longs). */
struct rusage_user {
	int64_t utime_sec, utime_usec, stime_sec, stime_usec;
	int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock;
	int64_t msgsnd, msgrcv, nsignals, nvcsw, nivcsw;
};
_Static_assert(sizeof(struct rusage_user) == 144, "struct rusage layout");

long sys_getrusage(long who, long ubuf, long a2, long a3, long a4, long a5)
{
	struct rusage_user ru;
	struct vm_stats st;
	uint64_t ns = 0;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (who == RUSAGE_SELF)
		ns = tsc_to_ns(process_cpu_ticks());
	else if (who == RUSAGE_THREAD)
		ns = tsc_to_ns(thread_cpu_ticks(thread_current()));
	else if (who != RUSAGE_CHILDREN)
		return -EINVAL;
	memset(&ru, 0, sizeof(ru));
	/* The resident size now (KiB): no peak is tracked, and memory is rarely given back. */
	vm_get_stats(&st);
	ru.maxrss = (int64_t)((st.anon + st.file) / 1024);
	ru.utime_sec = (int64_t)(ns / NSEC_PER_SEC);
	ru.utime_usec = (int64_t)(ns % NSEC_PER_SEC / 1000);
	return copy_to_user((uint64_t)ubuf, &ru, sizeof(ru));
}
