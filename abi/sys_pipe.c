/* SPDX-License-Identifier: BSD-2-Clause */
/* Syscalls that make anonymous files for notification: pipe, pipe2, eventfd, eventfd2. */
#include <mote/errno.h>
#include "abi/fdtable.h"
#include "abi/syscall.h"
#include "abi/usercopy.h"
#include "fs/eventfd.h"
#include "fs/pipe.h"
#include "fs/vfs.h"

long sys_pipe2(long ufds, long flags, long a2, long a3, long a4, long a5)
{
	struct file *rd, *wr;
	int fds[2];
	bool cloexec = flags & O_CLOEXEC;
	long r;

	(void)a2, (void)a3, (void)a4, (void)a5;
	/*
	 * pipe2(2): O_CLOEXEC and O_NONBLOCK. Packet mode (O_DIRECT) is not
	 * implemented: EINVAL, which the man page names as how a kernel
	 * without it answers, so applications fall back to a byte stream.
	 */
	if ((int)flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	r = pipe_create((uint32_t)flags & O_NONBLOCK, &rd, &wr);
	if (r)
		return r;
	fds[0] = fd_install(rd, 0, cloexec);
	if (fds[0] < 0) {
		fput(rd);
		fput(wr);
		return fds[0];
	}
	fds[1] = fd_install(wr, 0, cloexec);
	if (fds[1] < 0) {
		fd_close(fds[0]);
		fput(wr);
		return fds[1];
	}
	/* pipe(2): on failure pipefd is left unchanged and no descriptor stays open. */
	if (copy_to_user((uint64_t)ufds, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(long ufds, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1;
	return sys_pipe2(ufds, 0, a2, a3, a4, a5);
}

long sys_eventfd2(long initval, long flags, long a2, long a3, long a4, long a5)
{
	struct file *f;
	long r;
	int fd;

	(void)a2, (void)a3, (void)a4, (void)a5;
	r = eventfd_create((unsigned int)initval, (unsigned int)flags, &f);
	if (r)
		return r;
	fd = fd_install(f, 0, flags & EFD_CLOEXEC);
	if (fd < 0)
		fput(f);
	return fd;
}

long sys_eventfd(long initval, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1;
	/* eventfd(2) NOTES: the older call has no flags argument. */
	return sys_eventfd2(initval, 0, a2, a3, a4, a5);
}
