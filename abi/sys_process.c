/* SPDX-License-Identifier: BSD-2-Clause */
/* Process syscalls of the one-process model: ids, uname, arch_prctl, set_tid_address, exit. */
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

long sys_exit(long status, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
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

long sys_set_tid_address(long tidptr, long a1, long a2, long a3, long a4, long a5)
{
	(void)tidptr, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return 1;
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
	si.procs = 1;
	si.mem_unit = 1;
	return copy_to_user((uint64_t)info, &si, sizeof(si));
}
