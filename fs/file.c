/* SPDX-License-Identifier: BSD-2-Clause */
/* Open-file objects: references, the read/write/seek/poll entry points with their defaults, kernel file I/O. */
#include <mote/errno.h>
#include "abi/usercopy.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "lib/string.h"

/* Linux include/uapi/linux/fs.h */
#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2
#define SEEK_DATA	3
#define SEEK_HOLE	4

int uio_copy_out(struct uio *u, const void *src, size_t n)
{
	if (u->kernel)
		memcpy((void *)u->addr, src, n);
	else if (copy_to_user(u->addr, src, n))
		return -EFAULT;
	u->addr += n;
	return 0;
}

int uio_copy_in(struct uio *u, void *dst, size_t n)
{
	if (u->kernel)
		memcpy(dst, (const void *)u->addr, n);
	else if (copy_from_user(dst, u->addr, n))
		return -EFAULT;
	u->addr += n;
	return 0;
}

int uio_zero(struct uio *u, size_t n)
{
	static const char zeros[256];

	while (n) {
		size_t k = n < sizeof(zeros) ? n : sizeof(zeros);

		if (uio_copy_out(u, zeros, k))
			return -EFAULT;
		n -= k;
	}
	return 0;
}

struct file *file_alloc(struct inode *inode, struct dentry *d, const struct file_ops *ops,
			unsigned int mode, uint32_t flags)
{
	struct file *f = kcalloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->refs = 1;
	f->inode = inode;
	f->dentry = d;
	f->ops = ops;
	f->mode = mode;
	f->flags = flags;
	return f;
}

struct file *fget(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

void (*file_release_hook)(struct file *f);

void fput(struct file *f)
{
	if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (file_release_hook)
		file_release_hook(f);
	if (f->ops && f->ops->release)
		f->ops->release(f);
	if (f->dentry) {
		vfs_lock();
		dput(f->dentry);
		vfs_unlock();
	}
	iput(f->inode);
	kfree(f);
}

long file_read(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	if (!(f->mode & FILE_READ))
		return -EBADF;
	if (f->inode && S_ISDIR(f->inode->mode))
		return -EISDIR;
	if (!f->ops || !f->ops->read)
		return -EINVAL;
	return f->ops->read(f, u, n, pos);
}

long file_write(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	if (!(f->mode & FILE_WRITE))
		return -EBADF;
	if (!f->ops || !f->ops->write)
		return -EINVAL;
	return f->ops->write(f, u, n, pos);
}

int64_t file_llseek(struct file *f, int64_t off, int whence)
{
	int64_t base;

	if (f->mode & FILE_STREAM)
		return -ESPIPE;
	if (f->ops && f->ops->llseek)
		return f->ops->llseek(f, off, whence);
	if (!f->inode)
		return -ESPIPE;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		base = (int64_t)f->inode->size;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		/* The whole file counts as data (lseek(2) allows this simplest answer). */
		if (off < 0 || (uint64_t)off >= f->inode->size)
			return -ENXIO;
		f->pos = whence == SEEK_DATA ? (uint64_t)off : f->inode->size;
		return (int64_t)f->pos;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (int64_t)f->pos;
}

unsigned int file_poll(struct file *f, struct poll_table *pt)
{
	if (f->ops && f->ops->poll)
		return f->ops->poll(f, pt);
	/* Regular files and directories are always ready (poll(2)). */
	return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
}

long kernel_read_file(const char *path, void *buf, size_t n)
{
	struct file *f;
	struct uio u = { (uint64_t)buf, true };
	uint64_t pos = 0;
	size_t done = 0;
	int r = vfs_open(NULL, path, O_RDONLY, 0, &f);

	if (r)
		return r;
	while (done < n) {
		long k = file_read(f, &u, n - done, &pos);

		if (k < 0) {
			fput(f);
			return k;
		}
		if (k == 0)
			break;
		done += (size_t)k;
	}
	fput(f);
	return (long)done;
}

int kernel_write_file(const char *path, const void *buf, size_t n, uint32_t mode)
{
	struct file *f;
	struct uio u = { (uint64_t)buf, true };
	uint64_t pos = 0;
	size_t done = 0;
	int r = vfs_open(NULL, path, O_WRONLY | O_CREAT | O_TRUNC, mode, &f);

	if (r)
		return r;
	while (done < n) {
		long k = file_write(f, &u, n - done, &pos);

		if (k <= 0) {
			fput(f);
			return k < 0 ? (int)k : -EIO;
		}
		done += (size_t)k;
	}
	fput(f);
	return 0;
}
