/* SPDX-License-Identifier: BSD-2-Clause */
/* Syscall dispatch by Linux x86_64 number: -ENOSYS and one log line for anything not implemented. */
#include <mote/errno.h>
#include "abi/syscall.h"
#include "arch/x86_64/syscall.h"
#include "kernel/log.h"

/* Every implemented call once: number, handler, name (for strace). */
#define SYSCALLS(X)						\
	X(SYS_read, sys_read, "read")				\
	X(SYS_write, sys_write, "write")			\
	X(SYS_mmap, sys_mmap, "mmap")				\
	X(SYS_mprotect, sys_mprotect, "mprotect")		\
	X(SYS_munmap, sys_munmap, "munmap")			\
	X(SYS_brk, sys_brk, "brk")				\
	X(SYS_ioctl, sys_ioctl, "ioctl")			\
	X(SYS_writev, sys_writev, "writev")			\
	X(SYS_sched_yield, sys_sched_yield, "sched_yield")	\
	X(SYS_mremap, sys_mremap, "mremap")			\
	X(SYS_madvise, sys_madvise, "madvise")			\
	X(SYS_getpid, sys_getpid, "getpid")			\
	X(SYS_exit, sys_exit, "exit")				\
	X(SYS_uname, sys_uname, "uname")			\
	X(SYS_gettimeofday, sys_gettimeofday, "gettimeofday")	\
	X(SYS_sysinfo, sys_sysinfo, "sysinfo")			\
	X(SYS_getuid, sys_getid0, "getuid")			\
	X(SYS_getgid, sys_getid0, "getgid")			\
	X(SYS_geteuid, sys_getid0, "geteuid")			\
	X(SYS_getegid, sys_getid0, "getegid")			\
	X(SYS_getppid, sys_getppid, "getppid")			\
	X(SYS_arch_prctl, sys_arch_prctl, "arch_prctl")		\
	X(SYS_gettid, sys_getpid, "gettid")			\
	X(SYS_time, sys_time, "time")				\
	X(SYS_set_tid_address, sys_set_tid_address, "set_tid_address") \
	X(SYS_clock_gettime, sys_clock_gettime, "clock_gettime") \
	X(SYS_clock_getres, sys_clock_getres, "clock_getres")	\
	X(SYS_exit_group, sys_exit, "exit_group")

#define HANDLER(nr, fn, name) [nr] = fn,
#define NAME(nr, fn, name) { nr, name },

/* Handlers by number: 4 KiB; the names live apart, in a short list only strace reads. */
static const syscall_fn table[SYS_MAX] = { SYSCALLS(HANDLER) };
static const struct {
	uint16_t nr;
	const char *name;
} names[] = { SYSCALLS(NAME) };

bool syscall_trace;
static uint8_t reported[SYS_MAX / 8];

const char *syscall_name(long nr)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].nr == nr)
			return names[i].name;
	return NULL;
}

void syscall_dispatch(struct syscall_frame *f)
{
	long nr = (long)f->rax, ret;

	if (nr < 0 || nr >= SYS_MAX || !table[nr]) {
		if (nr >= 0 && nr < SYS_MAX && !(reported[nr / 8] & (1u << (nr % 8)))) {
			reported[nr / 8] |= (uint8_t)(1u << (nr % 8));
			pr_warn("syscall %ld is not implemented (-ENOSYS)\n", nr);
		} else if (nr < 0 || nr >= SYS_MAX) {
			pr_warn("syscall %ld is out of range (-ENOSYS)\n", nr);
		}
		f->rax = (uint64_t)-ENOSYS;
		return;
	}
	ret = table[nr]((long)f->rdi, (long)f->rsi, (long)f->rdx, (long)f->r10,
			   (long)f->r8, (long)f->r9);
	if (syscall_trace)
		printk("mote: strace: %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %ld\n",
		       syscall_name(nr), f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9, ret);
	f->rax = (uint64_t)ret;
}
