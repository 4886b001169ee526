/* SPDX-License-Identifier: BSD-2-Clause */
/* The Linux x86_64 syscall table: numbers, handler type, and the handlers each abi/ file provides. */
#ifndef ABI_SYSCALL_H
#define ABI_SYSCALL_H

#include <mote/types.h>

typedef long (*syscall_fn)(long a0, long a1, long a2, long a3, long a4, long a5);

/* Linux arch/x86/entry/syscalls/syscall_64.tbl */
#define SYS_read		0
#define SYS_write		1
#define SYS_mmap		9
#define SYS_mprotect		10
#define SYS_munmap		11
#define SYS_brk			12
#define SYS_rt_sigaction	13
#define SYS_rt_sigprocmask	14
#define SYS_ioctl		16
#define SYS_writev		20
#define SYS_mremap		25
#define SYS_madvise		28
#define SYS_sched_yield		24
#define SYS_getpid		39
#define SYS_exit		60
#define SYS_uname		63
#define SYS_gettimeofday	96
#define SYS_sysinfo		99
#define SYS_getuid		102
#define SYS_getgid		104
#define SYS_geteuid		107
#define SYS_getegid		108
#define SYS_getppid		110
#define SYS_arch_prctl		158
#define SYS_gettid		186
#define SYS_time		201
#define SYS_set_tid_address	218
#define SYS_clock_gettime	228
#define SYS_clock_getres	229
#define SYS_exit_group		231
#define SYS_MAX			512

long sys_read(long fd, long buf, long count, long, long, long);
long sys_write(long fd, long buf, long count, long, long, long);
long sys_writev(long fd, long iov, long iovcnt, long, long, long);
long sys_ioctl(long fd, long cmd, long arg, long, long, long);
long sys_exit(long status, long, long, long, long, long);
long sys_getpid(long, long, long, long, long, long);
long sys_getppid(long, long, long, long, long, long);
long sys_getid0(long, long, long, long, long, long);
long sys_uname(long buf, long, long, long, long, long);
long sys_sysinfo(long info, long, long, long, long, long);
long sys_arch_prctl(long code, long addr, long, long, long, long);
long sys_set_tid_address(long tidptr, long, long, long, long, long);
long sys_sched_yield(long, long, long, long, long, long);
long sys_clock_gettime(long clk, long ts, long, long, long, long);
long sys_clock_getres(long clk, long ts, long, long, long, long);
long sys_gettimeofday(long tv, long tz, long, long, long, long);
long sys_time(long tloc, long, long, long, long, long);
long sys_brk(long addr, long, long, long, long, long);
long sys_mmap(long addr, long len, long prot, long flags, long fd, long off);
long sys_munmap(long addr, long len, long, long, long, long);
long sys_mprotect(long addr, long len, long prot, long, long, long);
long sys_mremap(long old_addr, long old_len, long new_len, long flags, long new_addr, long);
long sys_madvise(long addr, long len, long advice, long, long, long);

/* Whether `strace=1` was given. */
extern bool syscall_trace;
const char *syscall_name(long nr);

#endif
