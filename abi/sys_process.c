/* SPDX-License-Identifier: BSD-2-Clause */
/* Process syscalls of the one-process model: ids, uname, sysinfo, arch_prctl, resource limits, exit_group. */
#include <mote/errno.h>
#include "abi/process.h"
#include "abi/syscall.h"
#include "abi/usercopy.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "kernel/vm.h"

#define ARCH_SET_GS	0x1001
#define ARCH_SET_FS	0x1002
#define ARCH_GET_FS	0x1003
#define ARCH_GET_GS	0x1004

long sys_exit_group(long status, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	syscall_trace_noreturn();
	process_exit((int)(status & 0xff));
}

long sys_getpid(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return 1;
}

long sys_getppid(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return 0;
}

long sys_getid0(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return 0;	/* root: the VM is the boundary */
}

long sys_sched_yield(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	sched_yield();
	return 0;
}

/* Linux include/uapi/linux/utsname.h: struct new_utsname, six fields of 65 bytes. */
struct utsname_user {
	char field[6][65];
};

long sys_uname(long buf, long a1, long a2, long a3, long a4, long a5)
{
	static const char *const values[6] = {
		"Linux",		/* what programs test for: we implement its ABI */
		"mote",
		"6.1.0-mote",
		"#1 Mote",
		"x86_64",
		"(none)",
	};
	struct utsname_user u;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	__builtin_memset(&u, 0, sizeof(u));
	for (int i = 0; i < 6; i++)
		for (int j = 0; values[i][j] && j < 64; j++)
			u.field[i][j] = values[i][j];
	return copy_to_user((uint64_t)buf, &u, sizeof(u));
}

long sys_arch_prctl(long code, long addr, long a2, long a3, long a4, long a5)
{
	uint64_t v;

	(void)a2, (void)a3, (void)a4, (void)a5;
	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if ((uint64_t)addr >= USER_TOP)
			return -EPERM;
		wrmsr(code == ARCH_SET_FS ? MSR_FS_BASE : MSR_GS_BASE, (uint64_t)addr);
		return 0;
	case ARCH_GET_FS:
	case ARCH_GET_GS:
		v = rdmsr(code == ARCH_GET_FS ? MSR_FS_BASE : MSR_GS_BASE);
		return copy_to_user((uint64_t)addr, &v, sizeof(v));
	}
	return -EINVAL;
}

/* Linux include/uapi/linux/sysinfo.h: struct sysinfo, 112 bytes on x86_64. */
struct sysinfo_user {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t pad2;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};
_Static_assert(sizeof(struct sysinfo_user) == 112, "struct sysinfo layout");

long sys_sysinfo(long info, long a1, long a2, long a3, long a4, long a5)
{
	struct sysinfo_user si;
	struct vm_stats st;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	vm_get_stats(&st);
	__builtin_memset(&si, 0, sizeof(si));
	si.uptime = (int64_t)(time_monotonic_ns() / NSEC_PER_SEC);
	si.totalram = st.total;
	si.freeram = st.free;
	si.procs = (uint16_t)proc.nthreads;	/* Linux counts threads */
	si.mem_unit = 1;
	return copy_to_user((uint64_t)info, &si, sizeof(si));
}

/*
 * Resource limits, one table for the process (getrlimit(2)): kept and
 * returned, and read by the parts that enforce one (process_rlimit). We run
 * as root, so a hard limit may be raised, except RLIMIT_NOFILE past
 * Linux's nr_open (1048576): -EPERM, as on Linux.
 *
 * proc.rlimits holds each value XOR its default, so that the zeroed table
 * of a new process reads as Linux's defaults without being filled at boot.
 */
#define NR_OPEN 1048576
#define INF32	0xffffffffu	/* RLIM_INFINITY, in the table below */

/* Linux's defaults, soft and hard (include/asm-generic/resource.h), by resource. */
static const uint32_t rlimit_defaults[APP_NRLIMIT][2] = {
	{ INF32, INF32 },		/* CPU */
	{ INF32, INF32 },		/* FSIZE */
	{ INF32, INF32 },		/* DATA */
	{ 8 << 20, INF32 },		/* STACK */
	{ 0, INF32 },			/* CORE */
	{ INF32, INF32 },		/* RSS */
	{ 1024, 1024 },			/* NPROC: Linux derives it, and SIGPENDING, from memory */
	{ 1024, 4096 },			/* NOFILE: INR_OPEN_CUR, INR_OPEN_MAX */
	{ 8 << 20, 8 << 20 },		/* MEMLOCK */
	{ INF32, INF32 },		/* AS */
	{ INF32, INF32 },		/* LOCKS */
	{ 1024, 1024 },			/* SIGPENDING */
	{ 819200, 819200 },		/* MSGQUEUE: MQ_BYTES_MAX */
	{ 0, 0 },			/* NICE */
	{ 0, 0 },			/* RTPRIO */
	{ INF32, INF32 },		/* RTTIME */
};

/* Converts between proc.rlimits and values, both ways (XOR with the default). */
static void rlimit_xor(unsigned int res, struct app_rlimit *l)
{
	const uint32_t *d = rlimit_defaults[res];

	l->cur ^= d[0] == INF32 ? RLIM_INFINITY : d[0];
	l->max ^= d[1] == INF32 ? RLIM_INFINITY : d[1];
}

uint64_t process_rlimit(unsigned int resource)
{
	struct app_rlimit l = { RLIM_INFINITY, 0 };

	if (resource < APP_NRLIMIT) {
		l = proc.rlimits[resource];
		rlimit_xor(resource, &l);
	}
	return l.cur;
}

long sys_prlimit64(long pid, long res, long new_rlim, long old_rlim, long a4, long a5)
{
	struct app_rlimit nl, ol;

	(void)a4, (void)a5;
	if (pid != 0 && pid != 1)
		return -ESRCH;		/* one process: its pid is 1 */
	if ((unsigned long)res >= APP_NRLIMIT)
		return -EINVAL;
	if (new_rlim) {
		if (copy_from_user(&nl, (uint64_t)new_rlim, sizeof(nl)))
			return -EFAULT;
		if (nl.cur > nl.max)
			return -EINVAL;
		if (res == RLIMIT_NOFILE && nl.max > NR_OPEN)
			return -EPERM;
		rlimit_xor((unsigned int)res, &nl);
	}
	process_lock();
	ol = proc.rlimits[res];
	if (new_rlim)
		proc.rlimits[res] = nl;
	process_unlock();
	rlimit_xor((unsigned int)res, &ol);
	if (old_rlim && copy_to_user((uint64_t)old_rlim, &ol, sizeof(ol)))
		return -EFAULT;
	return 0;
}

/* Unlike prlimit64's, their NULL is a bad address (-EFAULT): -1 is one too. */
long sys_getrlimit(long res, long rlim, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_prlimit64(0, res, 0, rlim ? rlim : -1, 0, 0);
}

long sys_setrlimit(long res, long rlim, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_prlimit64(0, res, rlim ? rlim : -1, 0, 0, 0);
}
