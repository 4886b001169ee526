/* SPDX-License-Identifier: BSD-2-Clause */
/* Pipes: a bounded byte ring between a read end and a write end (pipe(7)). */
#ifndef FS_PIPE_H
#define FS_PIPE_H

#include <mote/types.h>

struct file;

/* pipe(7): writes of at most PIPE_BUF bytes are atomic. */
#define PIPE_BUF		4096
/* pipe(7): the default capacity since Linux 2.6.11. */
#define PIPE_DEF_SIZE		(16 * PAGE_SIZE)
/* /proc/sys/fs/pipe-max-size's default: the most F_SETPIPE_SZ grants (Mote does not raise it). */
#define PIPE_MAX_SIZE		(1024 * 1024)

/* fcntl(2), Linux include/uapi/linux/fcntl.h (F_LINUX_SPECIFIC_BASE + 7, + 8). */
#define F_SETPIPE_SZ		1031
#define F_GETPIPE_SZ		1032

/*
 * A new pipe: *rd reads it, *wr writes it (one reference each). flags may
 * hold O_NONBLOCK, which both ends get. 0 or -ENOMEM.
 */
int pipe_create(uint32_t flags, struct file **rd, struct file **wr);
/* Whether f is an end of a pipe. */
bool file_is_pipe(const struct file *f);
/*
 * fcntl(F_GETPIPE_SZ) and fcntl(F_SETPIPE_SZ, size) on either end: the
 * capacity in bytes, or -EBADF (f is not a pipe), -EINVAL, -EPERM (above
 * PIPE_MAX_SIZE), -EBUSY (more is buffered than size), -ENOMEM.
 */
long pipe_fcntl(struct file *f, unsigned int cmd, uint64_t arg);

#endif
