/* SPDX-License-Identifier: BSD-2-Clause */
/* Data syscalls on fds: read, write and their vector and positioned forms, lseek, ioctl, sendfile. */
#include <mote/errno.h>
#include "abi/fdtable.h"
#include "abi/process.h"
#include "abi/syscall.h"
#include "abi/usercopy.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#ifdef CONFIG_SOCKETS
#include "net/socket.h"
#endif

#define IOV_MAX		1024
#define RW_MAX		0x7ffff000ul	/* Linux caps one transfer at this (read(2), NOTES) */

/* Linux include/uapi/asm-generic/ioctls.h */
#define FIONBIO		0x5421
#define FIONCLEX	0x5450
#define FIOCLEX		0x5451
#define FIOASYNC	0x5452

struct iovec_user {
	uint64_t base;
	uint64_t len;
};

/*
 * A write that failed with EPIPE also raises SIGPIPE (pipe(7), socket(7)):
 * on a pipe or a stream socket whose other end is gone. Datagram and
 * seqpacket sockets answer EPIPE without it, as Linux's.
 */
static void epipe_signal(struct file *f)
{
#ifdef CONFIG_SOCKETS
	struct socket *s = file_socket(f);

	if (s && s->type != SOCK_STREAM)
		return;
#else
	(void)f;
#endif
	signal_raise_sigpipe();
}

/* One transfer at pos (the file's own position when pos is NULL, updated then). */
static long transfer(struct file *f, bool write, uint64_t buf, size_t n, uint64_t *pos)
{
	struct uio u = { buf, false };
	uint64_t p = pos ? *pos : f->pos;
	long r;

	if (n > RW_MAX)
		n = RW_MAX;
	r = write ? file_write(f, &u, n, &p) : file_read(f, &u, n, &p);
	if (pos)
		*pos = p;
	else if (!(f->mode & FILE_STREAM))
		f->pos = p;
	if (write && r == -EPIPE)
		epipe_signal(f);
	return r;
}

static long rw(long fd, bool write, uint64_t buf, long count)
{
	struct file *f = fd_get((int)fd);
	long r;

	if (!f)
		return -EBADF;
	r = count < 0 ? -EINVAL : transfer(f, write, buf, (size_t)count, NULL);
	fput(f);
	return r;
}

long sys_read(long fd, long buf, long count, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return rw(fd, false, (uint64_t)buf, count);
}

long sys_write(long fd, long buf, long count, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return rw(fd, true, (uint64_t)buf, count);
}

static long prw(long fd, bool write, uint64_t buf, long count, long off)
{
	struct file *f = fd_get((int)fd);
	uint64_t pos = (uint64_t)off;
	long r;

	if (!f)
		return -EBADF;
	if (count < 0 || off < 0)
		r = -EINVAL;
	else if (f->mode & FILE_STREAM)
		r = -ESPIPE;
	else
		r = transfer(f, write, buf, (size_t)count, &pos);
	fput(f);
	return r;
}

long sys_pread64(long fd, long buf, long count, long off, long a4, long a5)
{
	(void)a4, (void)a5;
	return prw(fd, false, (uint64_t)buf, count, off);
}

long sys_pwrite64(long fd, long buf, long count, long off, long a4, long a5)
{
	(void)a4, (void)a5;
	return prw(fd, true, (uint64_t)buf, count, off);
}

/* readv/writev and the positioned forms (pos NULL: the file position). */
static long rwv(long fd, bool write, uint64_t iov, long iovcnt, uint64_t *pos)
{
	struct file *f;
	long total = 0, r = 0;

	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	if (pos && (f->mode & FILE_STREAM)) {
		fput(f);
		return -ESPIPE;
	}
	for (long i = 0; i < iovcnt; i++) {
		struct iovec_user v;

		if (copy_from_user(&v, iov + (uint64_t)i * sizeof(v), sizeof(v))) {
			r = -EFAULT;
			break;
		}
		if ((int64_t)v.len < 0 || v.len > RW_MAX - (uint64_t)total) {
			r = -EINVAL;
			break;
		}
		if (!v.len)
			continue;
		r = transfer(f, write, v.base, v.len, pos);
		if (r < 0)
			break;
		total += r;
		if ((uint64_t)r < v.len)
			break;		/* a short transfer ends the vector */
	}
	fput(f);
	return total ? total : r;
}

long sys_readv(long fd, long iov, long iovcnt, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return rwv(fd, false, (uint64_t)iov, iovcnt, NULL);
}

long sys_writev(long fd, long iov, long iovcnt, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return rwv(fd, true, (uint64_t)iov, iovcnt, NULL);
}

/* preadv/pwritev pass the offset split in two registers (pos_l, pos_h); on x86_64 pos_l holds it all. */
static long prwv(long fd, bool write, long iov, long iovcnt, long off)
{
	uint64_t pos = (uint64_t)off;

	if (off < 0)
		return -EINVAL;
	return rwv(fd, write, (uint64_t)iov, iovcnt, &pos);
}

long sys_preadv(long fd, long iov, long iovcnt, long off, long a4, long a5)
{
	(void)a4, (void)a5;
	return prwv(fd, false, iov, iovcnt, off);
}

long sys_pwritev(long fd, long iov, long iovcnt, long off, long a4, long a5)
{
	(void)a4, (void)a5;
	return prwv(fd, true, iov, iovcnt, off);
}

/* preadv2/pwritev2: offset -1 means the file position; RWF_* flags are hints we may ignore (0 only). */
static long prwv2(long fd, bool write, long iov, long iovcnt, long off, long flags)
{
	if (flags & ~0x1fl)
		return -EOPNOTSUPP;
	if (off == -1)
		return rwv(fd, write, (uint64_t)iov, iovcnt, NULL);
	return prwv(fd, write, iov, iovcnt, off);
}

long sys_preadv2(long fd, long iov, long iovcnt, long off, long pos_h, long flags)
{
	(void)pos_h;
	return prwv2(fd, false, iov, iovcnt, off, flags);
}

long sys_pwritev2(long fd, long iov, long iovcnt, long off, long pos_h, long flags)
{
	(void)pos_h;
	return prwv2(fd, true, iov, iovcnt, off, flags);
}

long sys_lseek(long fd, long off, long whence, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	int64_t r;

	(void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	r = file_llseek(f, off, (int)whence);
	fput(f);
	return r;
}

long sys_ioctl(long fd, long cmd, long arg, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long r;
	int on;

	(void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	switch ((unsigned int)cmd) {
	case FIOCLEX:
	case FIONCLEX:
		r = fd_set_cloexec((int)fd, (unsigned int)cmd == FIOCLEX);
		break;
	case FIONBIO:
		r = copy_from_user(&on, (uint64_t)arg, sizeof(on));
		if (!r) {
			if (on)
				__atomic_or_fetch(&f->flags, O_NONBLOCK, __ATOMIC_RELAXED);
			else
				__atomic_and_fetch(&f->flags, ~(uint32_t)O_NONBLOCK, __ATOMIC_RELAXED);
		}
		break;
	default:
		r = f->ops && f->ops->ioctl ? f->ops->ioctl(f, (unsigned int)cmd, (uint64_t)arg) : -ENOTTY;
	}
	fput(f);
	return r;
}

/* sendfile(2): copies through a kernel buffer; offset NULL uses and moves in's position. */
long sys_sendfile(long out_fd, long in_fd, long offset, long count, long a4, long a5)
{
	struct file *in, *out;
	uint64_t pos = 0, *posp = NULL;
	char *buf;
	long done = 0, r = 0;

	(void)a4, (void)a5;
	if (count < 0)
		return -EINVAL;
	in = fd_get((int)in_fd);
	out = fd_get((int)out_fd);
	if (!in || !out) {
		r = -EBADF;
		goto out;
	}
	if (offset) {
		int64_t off;

		if (copy_from_user(&off, (uint64_t)offset, sizeof(off))) {
			r = -EFAULT;
			goto out;
		}
		if (off < 0) {
			r = -EINVAL;
			goto out;
		}
		pos = (uint64_t)off;
		posp = &pos;
	}
	buf = kmalloc(PAGE_SIZE * 4);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (done < count) {
		size_t want = (size_t)(count - done) < PAGE_SIZE * 4 ? (size_t)(count - done) : PAGE_SIZE * 4;
		struct uio ku = { (uint64_t)buf, true };
		uint64_t p = posp ? *posp : in->pos;
		long got = file_read(in, &ku, want, &p), put;

		if (got <= 0) {
			r = got;
			break;
		}
		ku.addr = (uint64_t)buf;
		put = file_write(out, &ku, (size_t)got, &out->pos);
		if (put == -EPIPE)
			epipe_signal(out);
		if (put <= 0) {
			r = put;
			break;
		}
		p -= (uint64_t)(got - put);	/* what was not written is read again next time */
		if (posp)
			*posp = p;
		else
			in->pos = p;
		done += put;
		if (put < got)
			break;
	}
	kfree(buf);
	if (posp) {
		int64_t off = (int64_t)pos;

		if (copy_to_user((uint64_t)offset, &off, sizeof(off)) && !done)
			r = -EFAULT;
	}
out:
	if (in)
		fput(in);
	if (out)
		fput(out);
	return done ? done : r;
}
