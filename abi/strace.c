/* SPDX-License-Identifier: BSD-2-Clause */
/* strace=1: decoding a call's arguments (paths as strings, fds and sizes in decimal, modes in octal) and its result. */
#include <mote/errno.h>
#include "abi/strace.h"
#include "abi/syscall.h"
#include "abi/usercopy.h"
#include "lib/format.h"
#include "lib/string.h"

/*
 * How to print each argument, one letter per argument, for the calls
 * worth reading; any other call prints six hexadecimal words.
 *   d  signed decimal (fds, counts, flags that are small numbers)
 *   x  hexadecimal (pointers, flags)
 *   o  octal (modes)
 *   s  a string in the application's memory (a path)
 *   a  a dirfd: AT_FDCWD by name, else decimal
 */
static const struct {
	uint16_t nr;
	char kinds[7];
} arg_kinds[] = {
	{ SYS_read, "dxd" }, { SYS_write, "dxd" }, { SYS_open, "sxo" }, { SYS_close, "d" },
	{ SYS_stat, "sx" }, { SYS_fstat, "dx" }, { SYS_lstat, "sx" }, { SYS_lseek, "ddd" },
	{ SYS_mmap, "xxxxdx" }, { SYS_mprotect, "xxx" }, { SYS_munmap, "xx" }, { SYS_brk, "x" },
	{ SYS_ioctl, "dxx" }, { SYS_pread64, "dxdd" }, { SYS_pwrite64, "dxdd" },
	{ SYS_readv, "dxd" }, { SYS_writev, "dxd" }, { SYS_access, "so" }, { SYS_dup, "d" },
	{ SYS_dup2, "dd" }, { SYS_getpid, "" }, { SYS_exit, "d" }, { SYS_fcntl, "ddx" },
	{ SYS_fsync, "d" }, { SYS_truncate, "sd" }, { SYS_ftruncate, "dd" }, { SYS_getcwd, "xd" },
	{ SYS_chdir, "s" }, { SYS_fchdir, "d" }, { SYS_rename, "ss" }, { SYS_mkdir, "so" },
	{ SYS_rmdir, "s" }, { SYS_creat, "so" }, { SYS_link, "ss" }, { SYS_unlink, "s" },
	{ SYS_symlink, "ss" }, { SYS_readlink, "sxd" }, { SYS_chmod, "so" }, { SYS_umask, "o" },
	{ SYS_getdents64, "dxd" }, { SYS_openat, "asxo" }, { SYS_mkdirat, "aso" },
	{ SYS_newfstatat, "asxx" }, { SYS_unlinkat, "asx" }, { SYS_renameat, "asas" },
	{ SYS_linkat, "asasx" }, { SYS_symlinkat, "sas" }, { SYS_readlinkat, "asxd" },
	{ SYS_fchmodat, "aso" }, { SYS_faccessat, "aso" }, { SYS_dup3, "ddx" },
	{ SYS_renameat2, "asasx" }, { SYS_statx, "asxxx" }, { SYS_exit_group, "d" },
	{ SYS_getrandom, "xdx" },
};

#define AT_FDCWD -100

/* Linux include/uapi/asm-generic/errno-base.h and errno.h: the names strace prints. */
static const char *const errno_names[] = {
	[EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH", [EINTR] = "EINTR",
	[EIO] = "EIO", [ENXIO] = "ENXIO", [E2BIG] = "E2BIG", [ENOEXEC] = "ENOEXEC",
	[EBADF] = "EBADF", [ECHILD] = "ECHILD", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM",
	[EACCES] = "EACCES", [EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST",
	[EXDEV] = "EXDEV", [ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR",
	[EINVAL] = "EINVAL", [ENFILE] = "ENFILE", [EMFILE] = "EMFILE", [ENOTTY] = "ENOTTY",
	[EFBIG] = "EFBIG", [ENOSPC] = "ENOSPC", [ESPIPE] = "ESPIPE", [EROFS] = "EROFS",
	[EMLINK] = "EMLINK", [EPIPE] = "EPIPE", [ERANGE] = "ERANGE", [EDEADLK] = "EDEADLK",
	[ENAMETOOLONG] = "ENAMETOOLONG", [ENOSYS] = "ENOSYS", [ENOTEMPTY] = "ENOTEMPTY",
	[ELOOP] = "ELOOP",
};

static const char *kinds_of(long nr)
{
	for (size_t i = 0; i < sizeof(arg_kinds) / sizeof(arg_kinds[0]); i++)
		if (arg_kinds[i].nr == nr)
			return arg_kinds[i].kinds;
	return NULL;
}

/* Appends a quoted string from the application (at most 48 bytes shown), or its address if unreadable. */
static size_t put_string(char *buf, size_t size, uint64_t uaddr)
{
	char s[50];
	long n = copy_string_from_user_cut(s, uaddr, sizeof(s));

	if (n < 0)
		return fmt_snprintf(buf, size, "%#lx", uaddr);
	return fmt_snprintf(buf, size, n == sizeof(s) - 1 ? "\"%.48s\"..." : "\"%s\"", s);
}

size_t strace_format_args(char *buf, size_t size, long nr, const uint64_t args[6])
{
	const char *kinds = kinds_of(nr);
	size_t len = 0;

	if (!kinds)
		kinds = "xxxxxx";
	for (int i = 0; kinds[i] && len < size; i++) {
		uint64_t v = args[i];

		if (i)
			len += fmt_snprintf(buf + len, size - len, ", ");
		if (len >= size)
			break;
		switch (kinds[i]) {
		case 'd':
			len += fmt_snprintf(buf + len, size - len, "%ld", (long)v);
			break;
		case 'o':
			len += fmt_snprintf(buf + len, size - len, "0%lo", v);
			break;
		case 's':
			len += put_string(buf + len, size - len, v);
			break;
		case 'a':
			if ((int)v == AT_FDCWD)
				len += fmt_snprintf(buf + len, size - len, "AT_FDCWD");
			else
				len += fmt_snprintf(buf + len, size - len, "%d", (int)v);
			break;
		default:
			len += fmt_snprintf(buf + len, size - len, "%#lx", v);
		}
	}
	return len < size ? len : size - 1;
}

size_t strace_format_result(char *buf, size_t size, long nr, long ret)
{
	long e = -ret;

	if (ret < 0 && ret > -4096) {
		if (e < (long)(sizeof(errno_names) / sizeof(errno_names[0])) && errno_names[e])
			return fmt_snprintf(buf, size, "-1 %s", errno_names[e]);
		return fmt_snprintf(buf, size, "-1 errno %ld", e);
	}
	if (nr == SYS_mmap || nr == SYS_brk || nr == SYS_mremap)
		return fmt_snprintf(buf, size, "%#lx", (unsigned long)ret);
	return fmt_snprintf(buf, size, "%ld", ret);
}
