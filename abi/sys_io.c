/* SPDX-License-Identifier: BSD-2-Clause */
/* Console I/O syscalls until the VFS arrives: read, write, writev and ioctl on fds 0-2. */
#include <mote/errno.h>
#include "abi/process.h"
#include "abi/syscall.h"
#include "abi/usercopy.h"
#include "arch/x86_64/cpu.h"
#include "kernel/console.h"
#include "kernel/time.h"

#define CHUNK 256
#define IOV_MAX 1024

struct iovec_user {
	uint64_t base;
	uint64_t len;
};

static bool is_console(long fd)
{
	return fd >= 0 && fd <= 2;
}

static long console_write_user(uint64_t buf, size_t count)
{
	char chunk[CHUNK];
	size_t done = 0;

	if (!proc.first_write_tsc)
		proc.first_write_tsc = time_ticks_since_boot();
	while (done < count) {
		size_t n = count - done < CHUNK ? count - done : CHUNK;

		if (copy_from_user(chunk, buf + done, n))
			return done ? (long)done : -EFAULT;
		console_write(chunk, n);
		done += n;
	}
	return (long)done;
}

long sys_write(long fd, long buf, long count, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	if (!is_console(fd))
		return -EBADF;
	if (count < 0)
		return -EINVAL;
	return console_write_user((uint64_t)buf, (size_t)count);
}

long sys_writev(long fd, long iov, long iovcnt, long a3, long a4, long a5)
{
	long total = 0;

	(void)a3, (void)a4, (void)a5;
	if (!is_console(fd))
		return -EBADF;
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	for (long i = 0; i < iovcnt; i++) {
		struct iovec_user v;
		long r;

		if (copy_from_user(&v, (uint64_t)iov + (uint64_t)i * sizeof(v), sizeof(v)))
			return total ? total : -EFAULT;
		if ((int64_t)v.len < 0)
			return -EINVAL;
		r = console_write_user(v.base, v.len);
		if (r < 0)
			return total ? total : r;
		total += r;
	}
	return total;
}

/* Blocks until a byte arrives, then returns what is there, up to a line; CR reads as LF. */
long sys_read(long fd, long buf, long count, long a3, long a4, long a5)
{
	char chunk[CHUNK];
	size_t n;

	(void)a3, (void)a4, (void)a5;
	if (!is_console(fd))
		return -EBADF;
	if (count <= 0)
		return count < 0 ? -EINVAL : 0;
	n = console_read(chunk, count > CHUNK ? CHUNK : (size_t)count);
	for (size_t i = 0; i < n; i++)
		if (chunk[i] == '\r')
			chunk[i] = '\n';
	if (copy_to_user((uint64_t)buf, chunk, n))
		return -EFAULT;
	return (long)n;
}

long sys_ioctl(long fd, long cmd, long arg, long a3, long a4, long a5)
{
	(void)cmd, (void)arg, (void)a3, (void)a4, (void)a5;
	if (!is_console(fd))
		return -EBADF;
	/* No terminal layer yet: the console is not a tty (musl then buffers stdout fully). */
	return -ENOTTY;
}
