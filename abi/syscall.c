/* SPDX-License-Identifier: BSD-2-Clause */
/* The syscall table by Linux x86_64 number (the entry dispatches), -ENOSYS for the rest, strace lines. */
#include <mote/errno.h>
#include "abi/process.h"
#include "abi/strace.h"
#include "abi/syscall.h"
#include "arch/x86_64/syscall.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "lib/format.h"
#include "lib/string.h"

/* Pipes, eventfd and readiness waiting (abi/sys_pipe.c, abi/sys_poll.c): CONFIG_PIPES_POLL. */
#ifdef CONFIG_PIPES_POLL
#define SYSCALLS_PIPES_POLL(X)					\
	X(SYS_poll, sys_poll, "poll")				\
	X(SYS_pipe, sys_pipe, "pipe")				\
	X(SYS_select, sys_select, "select")			\
	X(SYS_epoll_create, sys_epoll_create, "epoll_create")	\
	X(SYS_epoll_wait, sys_epoll_wait, "epoll_wait")		\
	X(SYS_epoll_ctl, sys_epoll_ctl, "epoll_ctl")		\
	X(SYS_pselect6, sys_pselect6, "pselect6")		\
	X(SYS_ppoll, sys_ppoll, "ppoll")			\
	X(SYS_epoll_pwait, sys_epoll_pwait, "epoll_pwait")	\
	X(SYS_eventfd, sys_eventfd, "eventfd")			\
	X(SYS_eventfd2, sys_eventfd2, "eventfd2")		\
	X(SYS_epoll_create1, sys_epoll_create1, "epoll_create1") \
	X(SYS_pipe2, sys_pipe2, "pipe2")			\
	X(SYS_epoll_pwait2, sys_epoll_pwait2, "epoll_pwait2")
#else
#define SYSCALLS_PIPES_POLL(X)
#endif

/* Sockets (abi/sys_socket.c): CONFIG_SOCKETS. */
#ifdef CONFIG_SOCKETS
#define SYSCALLS_SOCKETS(X)					\
	X(SYS_socket, sys_socket, "socket")			\
	X(SYS_connect, sys_connect, "connect")			\
	X(SYS_accept, sys_accept, "accept")			\
	X(SYS_sendto, sys_sendto, "sendto")			\
	X(SYS_recvfrom, sys_recvfrom, "recvfrom")		\
	X(SYS_sendmsg, sys_sendmsg, "sendmsg")			\
	X(SYS_recvmsg, sys_recvmsg, "recvmsg")			\
	X(SYS_shutdown, sys_shutdown, "shutdown")		\
	X(SYS_bind, sys_bind, "bind")				\
	X(SYS_listen, sys_listen, "listen")			\
	X(SYS_getsockname, sys_getsockname, "getsockname")	\
	X(SYS_getpeername, sys_getpeername, "getpeername")	\
	X(SYS_socketpair, sys_socketpair, "socketpair")		\
	X(SYS_setsockopt, sys_setsockopt, "setsockopt")		\
	X(SYS_getsockopt, sys_getsockopt, "getsockopt")		\
	X(SYS_accept4, sys_accept4, "accept4")			\
	X(SYS_recvmmsg, sys_recvmmsg, "recvmmsg")		\
	X(SYS_sendmmsg, sys_sendmmsg, "sendmmsg")
#else
#define SYSCALLS_SOCKETS(X)
#endif

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
	/* files (abi/sys_fs.c, abi/sys_io.c) */		\
	X(SYS_open, sys_open, "open")	\
	X(SYS_close, sys_close, "close")	\
	X(SYS_stat, sys_stat, "stat")	\
	X(SYS_fstat, sys_fstat, "fstat")	\
	X(SYS_lstat, sys_lstat, "lstat")	\
	X(SYS_lseek, sys_lseek, "lseek")	\
	X(SYS_pread64, sys_pread64, "pread64")	\
	X(SYS_pwrite64, sys_pwrite64, "pwrite64")	\
	X(SYS_readv, sys_readv, "readv")	\
	X(SYS_access, sys_access, "access")	\
	X(SYS_dup, sys_dup, "dup")	\
	X(SYS_dup2, sys_dup2, "dup2")	\
	X(SYS_sendfile, sys_sendfile, "sendfile")	\
	X(SYS_fcntl, sys_fcntl, "fcntl")	\
	X(SYS_fsync, sys_fsync, "fsync")	\
	X(SYS_fdatasync, sys_fsync, "fdatasync")	\
	X(SYS_truncate, sys_truncate, "truncate")	\
	X(SYS_ftruncate, sys_ftruncate, "ftruncate")	\
	X(SYS_getcwd, sys_getcwd, "getcwd")	\
	X(SYS_chdir, sys_chdir, "chdir")	\
	X(SYS_fchdir, sys_fchdir, "fchdir")	\
	X(SYS_rename, sys_rename, "rename")	\
	X(SYS_mkdir, sys_mkdir, "mkdir")	\
	X(SYS_rmdir, sys_rmdir, "rmdir")	\
	X(SYS_creat, sys_creat, "creat")	\
	X(SYS_link, sys_link, "link")	\
	X(SYS_unlink, sys_unlink, "unlink")	\
	X(SYS_symlink, sys_symlink, "symlink")	\
	X(SYS_readlink, sys_readlink, "readlink")	\
	X(SYS_chmod, sys_chmod, "chmod")	\
	X(SYS_fchmod, sys_fchmod, "fchmod")	\
	X(SYS_chown, sys_chown, "chown")	\
	X(SYS_fchown, sys_fchown, "fchown")	\
	X(SYS_lchown, sys_lchown, "lchown")	\
	X(SYS_umask, sys_umask, "umask")	\
	X(SYS_mknod, sys_mknod, "mknod")	\
	X(SYS_statfs, sys_statfs, "statfs")	\
	X(SYS_fstatfs, sys_fstatfs, "fstatfs")	\
	X(SYS_sync, sys_sync, "sync")	\
	X(SYS_getdents64, sys_getdents64, "getdents64")	\
	X(SYS_openat, sys_openat, "openat")	\
	X(SYS_mkdirat, sys_mkdirat, "mkdirat")	\
	X(SYS_mknodat, sys_mknodat, "mknodat")	\
	X(SYS_fchownat, sys_fchownat, "fchownat")	\
	X(SYS_newfstatat, sys_newfstatat, "newfstatat")	\
	X(SYS_unlinkat, sys_unlinkat, "unlinkat")	\
	X(SYS_renameat, sys_renameat, "renameat")	\
	X(SYS_linkat, sys_linkat, "linkat")	\
	X(SYS_symlinkat, sys_symlinkat, "symlinkat")	\
	X(SYS_readlinkat, sys_readlinkat, "readlinkat")	\
	X(SYS_fchmodat, sys_fchmodat, "fchmodat")	\
	X(SYS_faccessat, sys_faccessat, "faccessat")	\
	X(SYS_utimensat, sys_utimensat, "utimensat")	\
	X(SYS_dup3, sys_dup3, "dup3")	\
	X(SYS_preadv, sys_preadv, "preadv")	\
	X(SYS_pwritev, sys_pwritev, "pwritev")	\
	X(SYS_renameat2, sys_renameat2, "renameat2")	\
	X(SYS_preadv2, sys_preadv2, "preadv2")	\
	X(SYS_pwritev2, sys_pwritev2, "pwritev2")	\
	X(SYS_statx, sys_statx, "statx")	\
	X(SYS_faccessat2, sys_faccessat2, "faccessat2")	\
	X(SYS_flock, sys_flock, "flock")	\
	X(SYS_msync, sys_msync, "msync")	\
	X(SYS_mlock, sys_mlock, "mlock")	\
	X(SYS_munlock, sys_mlock, "munlock")	\
	X(SYS_mlockall, sys_mlockall, "mlockall")	\
	X(SYS_munlockall, sys_munlockall, "munlockall")	\
	X(SYS_memfd_create, sys_memfd_create, "memfd_create")	\
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
	X(SYS_gettid, sys_gettid, "gettid")			\
	X(SYS_time, sys_time, "time")				\
	X(SYS_set_tid_address, sys_set_tid_address, "set_tid_address") \
	X(SYS_clock_gettime, sys_clock_gettime, "clock_gettime") \
	X(SYS_clock_getres, sys_clock_getres, "clock_getres")	\
	X(SYS_exit_group, sys_exit_group, "exit_group")		\
	X(SYS_rt_sigaction, sys_rt_sigaction, "rt_sigaction")	\
	X(SYS_rt_sigprocmask, sys_rt_sigprocmask, "rt_sigprocmask") \
	X(SYS_nanosleep, sys_nanosleep, "nanosleep")		\
	X(SYS_clone, sys_clone_full, "clone")			\
	X(SYS_kill, sys_kill, "kill")				\
	X(SYS_getrlimit, sys_getrlimit, "getrlimit")		\
	X(SYS_rt_sigpending, sys_rt_sigpending, "rt_sigpending") \
	X(SYS_sigaltstack, sys_sigaltstack, "sigaltstack")	\
	X(SYS_setrlimit, sys_setrlimit, "setrlimit")		\
	X(SYS_tkill, sys_tkill, "tkill")			\
	X(SYS_futex, sys_futex, "futex")			\
	X(SYS_sched_setaffinity, sys_sched_setaffinity, "sched_setaffinity") \
	X(SYS_sched_getaffinity, sys_sched_getaffinity, "sched_getaffinity") \
	X(SYS_clock_nanosleep, sys_clock_nanosleep, "clock_nanosleep") \
	X(SYS_tgkill, sys_tgkill, "tgkill")			\
	X(SYS_set_robust_list, sys_set_robust_list, "set_robust_list") \
	X(SYS_prlimit64, sys_prlimit64, "prlimit64")		\
	X(SYS_rseq, sys_rseq, "rseq")				\
	X(SYS_clone3, sys_clone3_full, "clone3")		\
	X(SYS_getcpu, sys_getcpu, "getcpu")	\
	X(SYS_sched_get_priority_max, sys_sched_get_priority_max, "sched_get_priority_max")	\
	X(SYS_sched_get_priority_min, sys_sched_get_priority_min, "sched_get_priority_min")	\
	X(SYS_prctl, sys_prctl, "prctl")	\
	X(SYS_times, sys_times, "times")	\
	X(SYS_getrusage, sys_getrusage, "getrusage")	\
	X(SYS_rt_sigtimedwait, sys_rt_sigtimedwait, "rt_sigtimedwait")	\
	X(SYS_rt_sigqueueinfo, sys_rt_sigqueueinfo, "rt_sigqueueinfo")	\
	X(SYS_rt_sigreturn, sys_rt_sigreturn, "rt_sigreturn")	\
	X(SYS_rt_sigsuspend, sys_rt_sigsuspend, "rt_sigsuspend")	\
	X(SYS_pause, sys_pause, "pause")			\
	X(SYS_rt_tgsigqueueinfo, sys_rt_tgsigqueueinfo, "rt_tgsigqueueinfo") \
	X(SYS_getitimer, sys_getitimer, "getitimer")		\
	X(SYS_setitimer, sys_setitimer, "setitimer")		\
	X(SYS_alarm, sys_alarm, "alarm")			\
	X(SYS_getrandom, sys_getrandom, "getrandom")		\
	SYSCALLS_PIPES_POLL(X)					\
	SYSCALLS_SOCKETS(X)

#define NR(nr, fn, name) nr,
#define NAME(nr, fn, name) name "\0"

_Static_assert(SYS_MAX == SYSCALL_TABLE_SIZE, "the entry bounds the table");

#define ENTRY(nr, fn, name) [nr] = fn,

/*
 * Handlers by number, read by the entry (arch/x86_64/syscall_entry.S): a
 * constant table, 4 KiB of the image, rather than one filled at every
 * boot (its ~200 stores were 1% of hello's boot). The numbers' list is for
 * strace's names: one string each, in its order.
 */
const syscall_fn syscall_table[SYS_MAX] = { SYSCALLS(ENTRY) };

bool syscall_trace;
static uint8_t reported[SYS_MAX / 8];

long syscall_unknown(long nr)
{
	if (nr >= 0 && nr < SYS_MAX && !(reported[nr / 8] & (1u << (nr % 8)))) {
		reported[nr / 8] |= (uint8_t)(1u << (nr % 8));
		pr_warn("syscall %ld is not implemented (-ENOSYS)\n", nr);
	} else if (nr < 0 || nr >= SYS_MAX) {
		pr_warn("syscall %ld is out of range (-ENOSYS)\n", nr);
	}
	return -ENOSYS;
}

#ifdef CONFIG_SYSCALL_TRACE
static const uint16_t name_nrs[] = { SYSCALLS(NR) };
static const char names[] = SYSCALLS(NAME);

static const char *syscall_name(long nr)
{
	const char *s = names;

	for (size_t i = 0; i < sizeof(name_nrs) / sizeof(name_nrs[0]); i++, s += strlen(s) + 1)
		if (name_nrs[i] == nr)
			return s;
	return NULL;
}


/*
 * One line per call, formatted whole and written with preemption off, so
 * that threads calling at once do not interleave their lines. Once the
 * process has had a second thread, each line names its thread ("[tid]").
 */
void syscall_trace_line(const struct syscall_frame *f, const long *ret)
{
	char line[240], tid[16] = "", args[160], result[32] = "?";
	const uint64_t argv[6] = { f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9 };
	const char *name = syscall_name((long)f->rax);

	if (proc.threaded)
		fmt_snprintf(tid, sizeof(tid), "[%u] ", process_current_tid());
	strace_format_args(args, sizeof(args), (long)f->rax, argv);
	if (ret)
		strace_format_result(result, sizeof(result), (long)f->rax, *ret);
	fmt_snprintf(line, sizeof(line), "mote: strace: %s%s(%s) = %s\n", tid, name ? name : "?", args, result);
	preempt_disable();
	printk("%s", line);
	preempt_enable();
}
#else
/* Built without CONFIG_SYSCALL_TRACE: strace=1 is refused at boot, so this is never called. */
void syscall_trace_line(const struct syscall_frame *f, const long *ret)
{
	(void)f, (void)ret;
}
#endif
