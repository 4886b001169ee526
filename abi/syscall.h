/* SPDX-License-Identifier: BSD-2-Clause */
/* The Linux x86_64 syscall table: numbers, handler type, and the handlers each abi/ file provides. */
#ifndef ABI_SYSCALL_H
#define ABI_SYSCALL_H

#include <mote/types.h>
#include "arch/x86_64/syscall.h"

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
#define SYS_socket		41
#define SYS_connect		42
#define SYS_accept		43
#define SYS_sendto		44
#define SYS_recvfrom		45
#define SYS_sendmsg		46
#define SYS_recvmsg		47
#define SYS_shutdown		48
#define SYS_bind		49
#define SYS_listen		50
#define SYS_getsockname		51
#define SYS_getpeername		52
#define SYS_socketpair		53
#define SYS_setsockopt		54
#define SYS_getsockopt		55
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
#define SYS_getrandom		318
/* scheduling, names, CPU times (abi/sys_sched.c) */
#define SYS_getrusage		98
#define SYS_times		100
#define SYS_sched_get_priority_max 146
#define SYS_sched_get_priority_min 147
#define SYS_prctl		157
#define SYS_getcpu		309
/* files (abi/sys_fs.c, abi/sys_io.c, abi/sys_mm.c) */
#define SYS_msync		26
#define SYS_flock		73
#define SYS_mlock		149
#define SYS_munlock		150
#define SYS_mlockall		151
#define SYS_munlockall		152
#define SYS_memfd_create	319
#define SYS_open		2
#define SYS_close		3
#define SYS_stat		4
#define SYS_fstat		5
#define SYS_lstat		6
#define SYS_lseek		8
#define SYS_pread64		17
#define SYS_pwrite64		18
#define SYS_readv		19
#define SYS_access		21
#define SYS_dup		32
#define SYS_dup2		33
#define SYS_sendfile		40
#define SYS_fcntl		72
#define SYS_fsync		74
#define SYS_fdatasync		75
#define SYS_truncate		76
#define SYS_ftruncate		77
#define SYS_getcwd		79
#define SYS_chdir		80
#define SYS_fchdir		81
#define SYS_rename		82
#define SYS_mkdir		83
#define SYS_rmdir		84
#define SYS_creat		85
#define SYS_link		86
#define SYS_unlink		87
#define SYS_symlink		88
#define SYS_readlink		89
#define SYS_chmod		90
#define SYS_fchmod		91
#define SYS_chown		92
#define SYS_fchown		93
#define SYS_lchown		94
#define SYS_umask		95
#define SYS_mknod		133
#define SYS_statfs		137
#define SYS_fstatfs		138
#define SYS_sync		162
#define SYS_getdents64		217
#define SYS_openat		257
#define SYS_mkdirat		258
#define SYS_mknodat		259
#define SYS_fchownat		260
#define SYS_newfstatat		262
#define SYS_unlinkat		263
#define SYS_renameat		264
#define SYS_linkat		265
#define SYS_symlinkat		266
#define SYS_readlinkat		267
#define SYS_fchmodat		268
#define SYS_faccessat		269
#define SYS_utimensat		280
#define SYS_dup3		292
#define SYS_preadv		295
#define SYS_pwritev		296
#define SYS_renameat2		316
#define SYS_preadv2		327
#define SYS_pwritev2		328
#define SYS_statx		332
#define SYS_faccessat2		439
/* threads, signals, sleeps, limits (abi/sys_thread.c, sys_signal.c, sys_futex.c, sys_time.c, sys_process.c) */
#define SYS_rt_sigreturn	15
#define SYS_pause		34
#define SYS_nanosleep		35
#define SYS_getitimer		36
#define SYS_alarm		37
#define SYS_setitimer		38
#define SYS_clone		56
#define SYS_kill		62
#define SYS_getrlimit		97
#define SYS_rt_sigpending	127
#define SYS_rt_sigtimedwait	128
#define SYS_rt_sigqueueinfo	129
#define SYS_rt_sigsuspend	130
#define SYS_sigaltstack		131
#define SYS_setrlimit		160
#define SYS_tkill		200
#define SYS_futex		202
#define SYS_sched_setaffinity	203
#define SYS_sched_getaffinity	204
#define SYS_clock_nanosleep	230
#define SYS_tgkill		234
#define SYS_set_robust_list	273
#define SYS_rt_tgsigqueueinfo	297
#define SYS_prlimit64		302
#define SYS_rseq		334
#define SYS_clone3		435
/* pipes, eventfd, readiness (abi/sys_pipe.c, abi/sys_poll.c) */
#define SYS_poll		7
#define SYS_pipe		22
#define SYS_select		23
#define SYS_epoll_create	213
#define SYS_epoll_wait		232
#define SYS_epoll_ctl		233
#define SYS_pselect6		270
#define SYS_ppoll		271
#define SYS_epoll_pwait		281
#define SYS_eventfd		284
#define SYS_accept4		288
#define SYS_eventfd2		290
#define SYS_epoll_create1	291
#define SYS_pipe2		293
#define SYS_recvmmsg		299
#define SYS_sendmmsg		307
#define SYS_epoll_pwait2	441
#define SYS_MAX			512

long sys_read(long fd, long buf, long count, long, long, long);
long sys_write(long fd, long buf, long count, long, long, long);
long sys_writev(long fd, long iov, long iovcnt, long, long, long);
long sys_ioctl(long fd, long cmd, long arg, long, long, long);
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
long sys_getrandom(long buf, long count, long flags, long, long, long);

/* scheduling */
long sys_getcpu(long, long, long, long, long, long);
long sys_sched_get_priority_max(long, long, long, long, long, long);
long sys_sched_get_priority_min(long, long, long, long, long, long);
long sys_prctl(long, long, long, long, long, long);
long sys_times(long, long, long, long, long, long);
long sys_getrusage(long, long, long, long, long, long);
/* files */
long sys_flock(long, long, long, long, long, long);
long sys_msync(long, long, long, long, long, long);
long sys_mlock(long, long, long, long, long, long);
long sys_mlockall(long, long, long, long, long, long);
long sys_munlockall(long, long, long, long, long, long);
long sys_memfd_create(long, long, long, long, long, long);
long sys_access(long, long, long, long, long, long);
long sys_chdir(long, long, long, long, long, long);
long sys_chmod(long, long, long, long, long, long);
long sys_chown(long, long, long, long, long, long);
long sys_close(long, long, long, long, long, long);
long sys_creat(long, long, long, long, long, long);
long sys_dup(long, long, long, long, long, long);
long sys_dup2(long, long, long, long, long, long);
long sys_dup3(long, long, long, long, long, long);
long sys_faccessat(long, long, long, long, long, long);
long sys_faccessat2(long, long, long, long, long, long);
long sys_fchdir(long, long, long, long, long, long);
long sys_fchmod(long, long, long, long, long, long);
long sys_fchmodat(long, long, long, long, long, long);
long sys_fchown(long, long, long, long, long, long);
long sys_fchownat(long, long, long, long, long, long);
long sys_fcntl(long, long, long, long, long, long);
long sys_fstat(long, long, long, long, long, long);
long sys_fstatfs(long, long, long, long, long, long);
long sys_fsync(long, long, long, long, long, long);
long sys_ftruncate(long, long, long, long, long, long);
long sys_getcwd(long, long, long, long, long, long);
long sys_getdents64(long, long, long, long, long, long);
long sys_lchown(long, long, long, long, long, long);
long sys_link(long, long, long, long, long, long);
long sys_linkat(long, long, long, long, long, long);
long sys_lseek(long, long, long, long, long, long);
long sys_lstat(long, long, long, long, long, long);
long sys_mkdir(long, long, long, long, long, long);
long sys_mkdirat(long, long, long, long, long, long);
long sys_mknod(long, long, long, long, long, long);
long sys_mknodat(long, long, long, long, long, long);
long sys_newfstatat(long, long, long, long, long, long);
long sys_open(long, long, long, long, long, long);
long sys_openat(long, long, long, long, long, long);
long sys_pread64(long, long, long, long, long, long);
long sys_preadv(long, long, long, long, long, long);
long sys_preadv2(long, long, long, long, long, long);
long sys_pwrite64(long, long, long, long, long, long);
long sys_pwritev(long, long, long, long, long, long);
long sys_pwritev2(long, long, long, long, long, long);
long sys_readlink(long, long, long, long, long, long);
long sys_readlinkat(long, long, long, long, long, long);
long sys_readv(long, long, long, long, long, long);
long sys_rename(long, long, long, long, long, long);
long sys_renameat(long, long, long, long, long, long);
long sys_renameat2(long, long, long, long, long, long);
long sys_rmdir(long, long, long, long, long, long);
long sys_sendfile(long, long, long, long, long, long);
long sys_stat(long, long, long, long, long, long);
long sys_statfs(long, long, long, long, long, long);
long sys_statx(long, long, long, long, long, long);
long sys_symlink(long, long, long, long, long, long);
long sys_symlinkat(long, long, long, long, long, long);
long sys_sync(long, long, long, long, long, long);
long sys_truncate(long, long, long, long, long, long);
long sys_umask(long, long, long, long, long, long);
long sys_unlink(long, long, long, long, long, long);
long sys_unlinkat(long, long, long, long, long, long);
long sys_utimensat(long, long, long, long, long, long);

/* threads, signals, scheduling, limits */
long sys_clone(long flags, long sp, long ptid, long ctid, long tls, long);
long sys_clone3(long args, long size, long, long, long, long);
long sys_exit(long status, long, long, long, long, long);
long sys_exit_group(long status, long, long, long, long, long);
long sys_gettid(long, long, long, long, long, long);
long sys_set_robust_list(long head, long len, long, long, long, long);
long sys_rseq(long, long, long, long, long, long);
long sys_futex(long uaddr, long op, long val, long timeout, long uaddr2, long val3);
long sys_sched_getaffinity(long pid, long size, long mask, long, long, long);
long sys_sched_setaffinity(long pid, long size, long mask, long, long, long);
long sys_nanosleep(long req, long rem, long, long, long, long);
long sys_clock_nanosleep(long clk, long flags, long req, long rem, long, long);
long sys_getrlimit(long res, long rlim, long, long, long, long);
long sys_setrlimit(long res, long rlim, long, long, long, long);
long sys_prlimit64(long pid, long res, long new_rlim, long old_rlim, long, long);
long sys_rt_sigaction(long sig, long act, long oact, long size, long, long);
long sys_rt_sigprocmask(long how, long set, long oset, long size, long, long);
long sys_rt_sigpending(long set, long size, long, long, long, long);
long sys_rt_sigtimedwait(long, long, long, long, long, long);
long sys_rt_sigqueueinfo(long, long, long, long, long, long);
long sys_sigaltstack(long ss, long old_ss, long, long, long, long);
long sys_rt_sigreturn(long, long, long, long, long, long);
long sys_rt_sigsuspend(long set, long size, long, long, long, long);
long sys_pause(long, long, long, long, long, long);
long sys_rt_tgsigqueueinfo(long tgid, long tid, long sig, long info, long, long);
long sys_getitimer(long which, long value, long, long, long, long);
long sys_setitimer(long which, long value, long ovalue, long, long, long);
long sys_alarm(long seconds, long, long, long, long, long);
long sys_kill(long pid, long sig, long, long, long, long);
long sys_tkill(long tid, long sig, long, long, long, long);
long sys_tgkill(long tgid, long tid, long sig, long, long, long);

/* pipes, eventfd, readiness */
long sys_pipe(long fds, long, long, long, long, long);
long sys_pipe2(long fds, long flags, long, long, long, long);

/* abi/sys_socket.c (CONFIG_SOCKETS) */
long sys_socket(long family, long type, long protocol, long, long, long);
long sys_socketpair(long family, long type, long protocol, long sv, long, long);
long sys_bind(long fd, long addr, long len, long, long, long);
long sys_listen(long fd, long backlog, long, long, long, long);
long sys_accept(long fd, long addr, long len, long, long, long);
long sys_accept4(long fd, long addr, long len, long flags, long, long);
long sys_connect(long fd, long addr, long len, long, long, long);
long sys_sendto(long fd, long buf, long n, long flags, long addr, long alen);
long sys_recvfrom(long fd, long buf, long n, long flags, long addr, long alen);
long sys_sendmsg(long fd, long msg, long flags, long, long, long);
long sys_recvmsg(long fd, long msg, long flags, long, long, long);
long sys_sendmmsg(long fd, long vec, long vlen, long flags, long, long);
long sys_recvmmsg(long fd, long vec, long vlen, long flags, long timeout, long);
long sys_shutdown(long fd, long how, long, long, long, long);
long sys_getsockname(long fd, long addr, long len, long, long, long);
long sys_getpeername(long fd, long addr, long len, long, long, long);
long sys_setsockopt(long fd, long level, long name, long val, long len, long);
long sys_getsockopt(long fd, long level, long name, long val, long len, long);
long sys_eventfd(long initval, long, long, long, long, long);
long sys_eventfd2(long initval, long flags, long, long, long, long);
long sys_poll(long fds, long nfds, long timeout_ms, long, long, long);
long sys_ppoll(long fds, long nfds, long ts, long sigmask, long sigsetsize, long);
long sys_select(long nfds, long rfds, long wfds, long efds, long tv, long);
long sys_pselect6(long nfds, long rfds, long wfds, long efds, long ts, long sig);
long sys_epoll_create(long size, long, long, long, long, long);
long sys_epoll_create1(long flags, long, long, long, long, long);
long sys_epoll_ctl(long epfd, long op, long fd, long event, long, long);
long sys_epoll_wait(long epfd, long events, long maxevents, long timeout_ms, long, long);
long sys_epoll_pwait(long epfd, long events, long maxevents, long timeout_ms, long sigmask,
		     long sigsetsize);
long sys_epoll_pwait2(long epfd, long events, long maxevents, long ts, long sigmask,
		      long sigsetsize);

/* Whether `strace=1` was given. */
extern bool syscall_trace;
/* exit and exit_group, which do not return: their strace line ("= ?") before they end. */
static inline void syscall_trace_noreturn(void)
{
	if (syscall_trace)
		syscall_trace_line(syscall_frame_current(), NULL);
}

#endif
