/* SPDX-License-Identifier: BSD-2-Clause */
/* File-system syscalls: open/close, the *at family on paths, stat forms, directories, fd duplication, fcntl. */
#include <mote/errno.h>
#include "abi/fdtable.h"
#include "abi/syscall.h"
#include "abi/usercopy.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "lib/string.h"

/* Linux include/uapi/linux/fcntl.h */
#define AT_FDCWD		-100
#define AT_SYMLINK_NOFOLLOW	0x100
#define AT_EACCESS		0x200
#define AT_REMOVEDIR		0x200
#define AT_SYMLINK_FOLLOW	0x400
#define AT_NO_AUTOMOUNT		0x800
#define AT_EMPTY_PATH		0x1000
#define AT_STATX_SYNC_TYPE	0x6000

#define F_DUPFD		0
#define F_GETFD		1
#define F_SETFD		2
#define F_GETFL		3
#define F_SETFL		4
#define F_GETLK		5
#define F_SETLK		6
#define F_SETLKW	7
#define F_SETOWN	8
#define F_GETOWN	9
#define F_DUPFD_CLOEXEC	1030
#define F_GETPIPE_SZ	1032
#define FD_CLOEXEC	1

#define F_OK	0
#define X_OK	1
#define W_OK	2
#define R_OK	4

/* A path argument copied in: freed with kfree. */
static long get_path(uint64_t upath, char **out)
{
	char *p = kmalloc(PATH_MAX);
	long r;

	if (!p)
		return -ENOMEM;
	r = copy_string_from_user(p, upath, PATH_MAX);
	if (r < 0) {
		kfree(p);
		return r;
	}
	*out = p;
	return 0;
}

/*
 * The directory a *at call starts from: NULL (meaning the cwd) for
 * AT_FDCWD or an absolute path, else dirfd's dentry, referenced.
 */
static long at_base(long dirfd, const char *path, bool empty_ok, struct dentry **base)
{
	struct file *f;

	*base = NULL;
	if (path[0] == '/' || (int)dirfd == AT_FDCWD)
		return 0;
	f = fd_get((int)dirfd);
	if (!f)
		return -EBADF;
	if (!f->dentry || (!S_ISDIR(f->inode->mode) && !(empty_ok && !path[0]))) {
		fput(f);
		return -ENOTDIR;
	}
	vfs_lock();
	*base = dget(f->dentry);
	vfs_unlock();
	fput(f);
	return 0;
}

static void put_base(struct dentry *base)
{
	if (base) {
		vfs_lock();
		dput(base);
		vfs_unlock();
	}
}

/* Copies the path in and finds its base: 0 with *path and *base to release through done_at. */
static long begin_at(long dirfd, long upath, bool empty_ok, char **path, struct dentry **base)
{
	long r = get_path((uint64_t)upath, path);

	if (r)
		return r;
	if (!(*path)[0] && !empty_ok) {
		kfree(*path);
		return -ENOENT;
	}
	r = at_base(dirfd, *path, empty_ok, base);
	if (r)
		kfree(*path);
	return r;
}

static void done_at(char *path, struct dentry *base)
{
	put_base(base);
	kfree(path);
}

/* ---------------------------------------------------------------- open, close */

long sys_openat(long dirfd, long upath, long flags, long mode, long a4, long a5)
{
	struct dentry *base;
	struct file *f;
	char *path;
	long r;

	(void)a4, (void)a5;
	r = begin_at(dirfd, upath, false, &path, &base);
	if (r)
		return r;
	r = vfs_open(base, path, (int)flags, (uint32_t)mode, &f);
	done_at(path, base);
	if (r)
		return r;
	r = fd_install(f, 0, flags & O_CLOEXEC);
	if (r < 0)
		fput(f);
	return r;
}

long sys_open(long upath, long flags, long mode, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return sys_openat(AT_FDCWD, upath, flags, mode, 0, 0);
}

long sys_creat(long upath, long mode, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_openat(AT_FDCWD, upath, O_CREAT | O_WRONLY | O_TRUNC, mode, 0, 0);
}

long sys_close(long fd, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return fd_close((int)fd);
}

/* ---------------------------------------------------------------- stat */

/* Linux arch/x86/include/uapi/asm/stat.h: struct stat on x86_64, 144 bytes. */
struct stat_user {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
	int64_t unused[3];
};
_Static_assert(sizeof(struct stat_user) == 144, "struct stat layout");

static long put_stat(uint64_t ubuf, struct inode *inode)
{
	struct stat_user s;
	struct kstat k;

	vfs_getattr(inode, &k);
	memset(&s, 0, sizeof(s));
	s.dev = k.dev;
	s.ino = k.ino;
	s.nlink = k.nlink;
	s.mode = k.mode;
	s.uid = k.uid;
	s.gid = k.gid;
	s.rdev = k.rdev;
	s.size = (int64_t)k.size;
	s.blksize = (int64_t)k.blksize;
	s.blocks = (int64_t)k.blocks;
	s.atime = k.atime.sec;
	s.atime_nsec = k.atime.nsec;
	s.mtime = k.mtime.sec;
	s.mtime_nsec = k.mtime.nsec;
	s.ctime = k.ctime.sec;
	s.ctime_nsec = k.ctime.nsec;
	return copy_to_user(ubuf, &s, sizeof(s));
}

/* The inode a stat-like call names (referenced): fd with AT_EMPTY_PATH and "", or a path. */
static long stat_target(long dirfd, long upath, long flags, struct inode **out)
{
	struct dentry *base, *d;
	char *path;
	long r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	r = begin_at(dirfd, upath, flags & AT_EMPTY_PATH, &path, &base);
	if (r)
		return r;
	if (!path[0]) {
		/* AT_EMPTY_PATH: the file dirfd names, of any kind. */
		struct file *f = (int)dirfd == AT_FDCWD ? NULL : fd_get((int)dirfd);

		if ((int)dirfd == AT_FDCWD) {
			*out = iget(vfs_cwd()->inode);
			r = 0;
		} else if (!f) {
			r = -EBADF;
		} else {
			*out = f->inode ? iget(f->inode) : NULL;
			r = f->inode ? 0 : -EBADF;
			fput(f);
		}
		done_at(path, base);
		return r;
	}
	vfs_lock();
	r = vfs_walk(base, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW, &d, NULL, NULL);
	if (!r) {
		*out = iget(d->inode);
		dput(d);
	}
	vfs_unlock();
	done_at(path, base);
	return r;
}

long sys_newfstatat(long dirfd, long upath, long ubuf, long flags, long a4, long a5)
{
	struct inode *inode;
	long r;

	(void)a4, (void)a5;
	r = stat_target(dirfd, upath, flags, &inode);
	if (r)
		return r;
	r = put_stat((uint64_t)ubuf, inode);
	iput(inode);
	return r;
}

long sys_stat(long upath, long ubuf, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3;
	return sys_newfstatat(AT_FDCWD, upath, ubuf, 0, a4, a5);
}

long sys_lstat(long upath, long ubuf, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3;
	return sys_newfstatat(AT_FDCWD, upath, ubuf, AT_SYMLINK_NOFOLLOW, a4, a5);
}

long sys_fstat(long fd, long ubuf, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	struct inode anon = { 0 };
	long r;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	if (!f->inode) {
		/* Anonymous files (pipes made without an inode, eventfd, epoll): a FIFO-like answer. */
		anon.mode = 0600;
		anon.ino = (uint64_t)(uintptr_t)f >> 4;
		anon.nlink = 1;
		r = put_stat((uint64_t)ubuf, &anon);
	} else {
		r = put_stat((uint64_t)ubuf, f->inode);
	}
	fput(f);
	return r;
}

/* Linux include/uapi/linux/stat.h: struct statx, 256 bytes. */
struct statx_ts {
	int64_t sec;
	uint32_t nsec;
	int32_t reserved;
};
struct statx_user {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare2[14];
};
_Static_assert(sizeof(struct statx_user) == 256, "struct statx layout");
#define STATX_BASIC_STATS	0x7ffu
#define STATX_RESERVED		0x80000000u

long sys_statx(long dirfd, long upath, long flags, long mask, long ubuf, long a5)
{
	struct inode *inode;
	struct statx_user s;
	struct kstat k;
	long r;

	(void)a5;
	if ((uint32_t)mask & STATX_RESERVED)
		return -EINVAL;
	r = stat_target(dirfd, upath, flags, &inode);
	if (r)
		return r;
	vfs_getattr(inode, &k);
	iput(inode);
	memset(&s, 0, sizeof(s));
	s.mask = STATX_BASIC_STATS;
	s.blksize = (uint32_t)k.blksize;
	s.nlink = (uint32_t)k.nlink;
	s.uid = k.uid;
	s.gid = k.gid;
	s.mode = (uint16_t)k.mode;
	s.ino = k.ino;
	s.size = k.size;
	s.blocks = k.blocks;
	s.atime = (struct statx_ts){ k.atime.sec, (uint32_t)k.atime.nsec, 0 };
	s.ctime = (struct statx_ts){ k.ctime.sec, (uint32_t)k.ctime.nsec, 0 };
	s.mtime = (struct statx_ts){ k.mtime.sec, (uint32_t)k.mtime.nsec, 0 };
	s.rdev_major = (uint32_t)(k.rdev >> 8);
	s.rdev_minor = (uint32_t)(k.rdev & 0xff);
	s.dev_minor = (uint32_t)k.dev;
	return copy_to_user((uint64_t)ubuf, &s, sizeof(s));
}

/* The process runs as root: access() checks only existence, and X_OK an execute bit somewhere (access(2)). */
long sys_faccessat2(long dirfd, long upath, long amode, long flags, long a4, long a5)
{
	struct inode *inode;
	long r;

	(void)a4, (void)a5;
	if (amode & ~(long)(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(long)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = stat_target(dirfd, upath, flags & ~(long)AT_EACCESS, &inode);
	if (r)
		return r;
	if ((amode & X_OK) && !S_ISDIR(inode->mode) && !(inode->mode & 0111))
		r = -EACCES;
	else if ((amode & W_OK) && inode->sb && (inode->sb->flags & SUPER_READONLY))
		r = -EROFS;
	iput(inode);
	return r;
}

long sys_faccessat(long dirfd, long upath, long amode, long a3, long a4, long a5)
{
	(void)a3;
	return sys_faccessat2(dirfd, upath, amode, 0, a4, a5);
}

long sys_access(long upath, long amode, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_faccessat2(AT_FDCWD, upath, amode, 0, 0, 0);
}

/* ---------------------------------------------------------------- directories and names */

struct dirent_ctx {
	struct dir_ctx ctx;
	uint64_t ubuf;
	size_t size, used;
	long err;
};

/* Linux struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name; records 8-byte aligned. */
static bool emit_dirent64(struct dir_ctx *c, const char *name, size_t len, uint64_t ino,
			  unsigned int type)
{
	struct dirent_ctx *d = container_of(c, struct dirent_ctx, ctx);
	size_t reclen = (19 + len + 1 + 7) & ~(size_t)7;
	char rec[19 + NAME_MAX + 1 + 8];

	if (reclen > d->size - d->used) {
		if (!d->used)
			d->err = -EINVAL;
		return false;
	}
	memset(rec, 0, reclen);
	memcpy(rec, &ino, 8);
	/* d_off: the cookie that resumes after this entry, known once it is emitted: pos + 1 suffices. */
	{
		int64_t off = (int64_t)c->pos + 1;
		uint16_t rl = (uint16_t)reclen;

		memcpy(rec + 8, &off, 8);
		memcpy(rec + 16, &rl, 2);
	}
	rec[18] = (char)type;
	memcpy(rec + 19, name, len);
	if (copy_to_user(d->ubuf + d->used, rec, reclen)) {
		d->err = -EFAULT;
		return false;
	}
	d->used += reclen;
	return true;
}

long sys_getdents64(long fd, long ubuf, long count, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	struct dirent_ctx d = { { emit_dirent64, 0 }, (uint64_t)ubuf, (size_t)count, 0, 0 };
	long r;

	(void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	if (count < 0)
		r = -EINVAL;
	else if (!f->inode || !S_ISDIR(f->inode->mode) || !f->ops || !f->ops->iterate)
		r = -ENOTDIR;
	else {
		d.ctx.pos = f->pos;
		r = f->ops->iterate(f, &d.ctx);
		f->pos = d.ctx.pos;
		if (!r)
			r = d.used ? (long)d.used : d.err;
	}
	fput(f);
	return r;
}

long sys_mkdirat(long dirfd, long upath, long mode, long a3, long a4, long a5)
{
	struct dentry *base;
	char *path;
	long r;

	(void)a3, (void)a4, (void)a5;
	r = begin_at(dirfd, upath, false, &path, &base);
	if (r)
		return r;
	r = vfs_mkdir(base, path, (uint32_t)mode);
	done_at(path, base);
	return r;
}

long sys_mkdir(long upath, long mode, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_mkdirat(AT_FDCWD, upath, mode, 0, 0, 0);
}

long sys_mknodat(long dirfd, long upath, long mode, long dev, long a4, long a5)
{
	struct dentry *base;
	uint32_t type = (uint32_t)mode & S_IFMT;
	char *path;
	long r;

	(void)a4, (void)a5;
	if (type == 0)
		type = S_IFREG;
	if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO && type != S_IFSOCK)
		return -EINVAL;
	r = begin_at(dirfd, upath, false, &path, &base);
	if (r)
		return r;
	r = vfs_mknod(base, path, type | ((uint32_t)mode & S_IALLUGO), (uint64_t)dev);
	done_at(path, base);
	return r;
}

long sys_mknod(long upath, long mode, long dev, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return sys_mknodat(AT_FDCWD, upath, mode, dev, 0, 0);
}

long sys_unlinkat(long dirfd, long upath, long flags, long a3, long a4, long a5)
{
	struct dentry *base;
	char *path;
	long r;

	(void)a3, (void)a4, (void)a5;
	if (flags & ~(long)AT_REMOVEDIR)
		return -EINVAL;
	r = begin_at(dirfd, upath, false, &path, &base);
	if (r)
		return r;
	r = vfs_unlink(base, path, flags & AT_REMOVEDIR);
	done_at(path, base);
	return r;
}

long sys_unlink(long upath, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return sys_unlinkat(AT_FDCWD, upath, 0, 0, 0, 0);
}

long sys_rmdir(long upath, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return sys_unlinkat(AT_FDCWD, upath, AT_REMOVEDIR, 0, 0, 0);
}

long sys_symlinkat(long utarget, long dirfd, long upath, long a3, long a4, long a5)
{
	struct dentry *base;
	char *target, *path;
	long r;

	(void)a3, (void)a4, (void)a5;
	r = get_path((uint64_t)utarget, &target);
	if (r)
		return r;
	r = begin_at(dirfd, upath, false, &path, &base);
	if (!r) {
		r = vfs_symlink(target, base, path);
		done_at(path, base);
	}
	kfree(target);
	return r;
}

long sys_symlink(long utarget, long upath, long a2, long a3, long a4, long a5)
{
	(void)a2;
	return sys_symlinkat(utarget, AT_FDCWD, upath, a3, a4, a5);
}

long sys_readlinkat(long dirfd, long upath, long ubuf, long size, long a4, long a5)
{
	struct dentry *base;
	char *path, *buf;
	long r;

	(void)a4, (void)a5;
	if (size <= 0)
		return -EINVAL;
	r = begin_at(dirfd, upath, true, &path, &base);
	if (r)
		return r;
	buf = kmalloc(PATH_MAX);
	if (!buf) {
		done_at(path, base);
		return -ENOMEM;
	}
	if (!path[0] && !base) {
		r = -ENOENT;
	} else {
		r = vfs_readlink(base, path, buf, (size_t)size < PATH_MAX ? (size_t)size : PATH_MAX);
	}
	if (r > 0 && copy_to_user((uint64_t)ubuf, buf, (size_t)r))
		r = -EFAULT;
	kfree(buf);
	done_at(path, base);
	return r;
}

long sys_readlink(long upath, long ubuf, long size, long a3, long a4, long a5)
{
	(void)a3;
	return sys_readlinkat(AT_FDCWD, upath, ubuf, size, a4, a5);
}

long sys_linkat(long odirfd, long uopath, long ndirfd, long unpath, long flags, long a5)
{
	struct dentry *obase, *nbase;
	char *opath, *npath;
	long r;

	(void)a5;
	if (flags & ~(long)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = begin_at(odirfd, uopath, flags & AT_EMPTY_PATH, &opath, &obase);
	if (r)
		return r;
	r = begin_at(ndirfd, unpath, false, &npath, &nbase);
	if (!r) {
		r = vfs_link(obase, opath, nbase, npath,
			     ((flags & AT_SYMLINK_FOLLOW) ? WALK_FOLLOW : 0) |
			     ((flags & AT_EMPTY_PATH) ? WALK_EMPTY_PATH : 0));
		done_at(npath, nbase);
	}
	done_at(opath, obase);
	return r;
}

long sys_link(long uopath, long unpath, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_linkat(AT_FDCWD, uopath, AT_FDCWD, unpath, 0, 0);
}

long sys_renameat2(long odirfd, long uopath, long ndirfd, long unpath, long flags, long a5)
{
	struct dentry *obase, *nbase;
	char *opath, *npath;
	long r;

	(void)a5;
	r = begin_at(odirfd, uopath, false, &opath, &obase);
	if (r)
		return r;
	r = begin_at(ndirfd, unpath, false, &npath, &nbase);
	if (!r) {
		r = vfs_rename(obase, opath, nbase, npath, (unsigned int)flags);
		done_at(npath, nbase);
	}
	done_at(opath, obase);
	return r;
}

long sys_renameat(long odirfd, long uopath, long ndirfd, long unpath, long a4, long a5)
{
	(void)a4;
	return sys_renameat2(odirfd, uopath, ndirfd, unpath, 0, a5);
}

long sys_rename(long uopath, long unpath, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4;
	return sys_renameat2(AT_FDCWD, uopath, AT_FDCWD, unpath, 0, a5);
}

/* ---------------------------------------------------------------- sizes, sync, modes, times */

long sys_ftruncate(long fd, long length, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long r;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	if (length < 0)
		r = -EINVAL;
	else if (!f->inode || !(f->mode & FILE_WRITE))
		r = -EINVAL;
	else
		r = vfs_truncate(f->inode, (uint64_t)length);
	fput(f);
	return r;
}

long sys_truncate(long upath, long length, long a2, long a3, long a4, long a5)
{
	struct inode *inode;
	long r;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (length < 0)
		return -EINVAL;
	r = stat_target(AT_FDCWD, upath, 0, &inode);
	if (r)
		return r;
	r = vfs_truncate(inode, (uint64_t)length);
	iput(inode);
	return r;
}

long sys_fsync(long fd, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long r;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	/* fsync(2): EINVAL for files that cannot be synchronised (pipes, sockets, eventfd). */
	if (f->ops && f->ops->fsync)
		r = f->ops->fsync(f);
	else
		r = f->inode && (S_ISREG(f->inode->mode) || S_ISDIR(f->inode->mode)) ? 0 : -EINVAL;
	fput(f);
	return r;
}

long sys_sync(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return 0;	/* ramfs keeps nothing to write back */
}

long sys_fchmodat(long dirfd, long upath, long mode, long a3, long a4, long a5)
{
	struct inode *inode;
	long r;

	(void)a3, (void)a4, (void)a5;
	r = stat_target(dirfd, upath, 0, &inode);
	if (r)
		return r;
	inode->mode = (inode->mode & S_IFMT) | ((uint32_t)mode & S_IALLUGO);
	inode->ctime = vfs_now();
	iput(inode);
	return 0;
}

long sys_chmod(long upath, long mode, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_fchmodat(AT_FDCWD, upath, mode, 0, 0, 0);
}

long sys_fchmod(long fd, long mode, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	if (f->inode) {
		f->inode->mode = (f->inode->mode & S_IFMT) | ((uint32_t)mode & S_IALLUGO);
		f->inode->ctime = vfs_now();
	}
	fput(f);
	return 0;
}

long sys_fchownat(long dirfd, long upath, long uid, long gid, long flags, long a5)
{
	struct inode *inode;
	long r;

	(void)a5;
	r = stat_target(dirfd, upath, flags, &inode);
	if (r)
		return r;
	if ((int)uid != -1)
		inode->uid = (uint32_t)uid;
	if ((int)gid != -1)
		inode->gid = (uint32_t)gid;
	inode->ctime = vfs_now();
	iput(inode);
	return 0;
}

long sys_chown(long upath, long uid, long gid, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return sys_fchownat(AT_FDCWD, upath, uid, gid, 0, 0);
}

long sys_lchown(long upath, long uid, long gid, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return sys_fchownat(AT_FDCWD, upath, uid, gid, AT_SYMLINK_NOFOLLOW, 0);
}

long sys_fchown(long fd, long uid, long gid, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);

	(void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	if (f->inode) {
		if ((int)uid != -1)
			f->inode->uid = (uint32_t)uid;
		if ((int)gid != -1)
			f->inode->gid = (uint32_t)gid;
	}
	fput(f);
	return 0;
}

/* Linux include/uapi/linux/stat.h: UTIME_NOW and UTIME_OMIT in tv_nsec. */
#define UTIME_NOW	((1l << 30) - 1l)
#define UTIME_OMIT	((1l << 30) - 2l)

long sys_utimensat(long dirfd, long upath, long utimes, long flags, long a4, long a5)
{
	struct { int64_t sec, nsec; } ts[2];
	struct inode *inode;
	struct vfs_time now = vfs_now();
	long r;

	(void)a4, (void)a5;
	if (utimes) {
		if (copy_from_user(ts, (uint64_t)utimes, sizeof(ts)))
			return -EFAULT;
		for (int i = 0; i < 2; i++)
			if (ts[i].nsec != UTIME_NOW && ts[i].nsec != UTIME_OMIT &&
			    (ts[i].nsec < 0 || ts[i].nsec >= 1000000000))
				return -EINVAL;
	} else {
		ts[0].nsec = ts[1].nsec = UTIME_NOW;
	}
	if (upath) {
		r = stat_target(dirfd, upath, flags, &inode);
	} else {
		/* futimens: the fd itself (Linux accepts a NULL path here). */
		struct file *f = fd_get((int)dirfd);

		if (!f)
			return -EBADF;
		inode = f->inode ? iget(f->inode) : NULL;
		fput(f);
		r = inode ? 0 : -EBADF;
	}
	if (r)
		return r;
	for (int i = 0; i < 2; i++) {
		struct vfs_time *t = i ? &inode->mtime : &inode->atime;

		if (ts[i].nsec == UTIME_NOW)
			*t = now;
		else if (ts[i].nsec != UTIME_OMIT)
			*t = (struct vfs_time){ ts[i].sec, ts[i].nsec };
	}
	inode->ctime = now;
	iput(inode);
	return 0;
}

/* Linux include/uapi/asm-generic/statfs.h: struct statfs on x86_64, 120 bytes. */
struct statfs_user {
	int64_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree;
	int32_t fsid[2];
	int64_t namelen, frsize, flags;
	int64_t spare[4];
};
_Static_assert(sizeof(struct statfs_user) == 120, "struct statfs layout");

static long put_statfs(uint64_t ubuf, struct inode *inode)
{
	struct statfs_user s;
	struct vm_stats st;

	vm_get_stats(&st);
	memset(&s, 0, sizeof(s));
	s.type = inode->sb ? inode->sb->magic : 0;
	s.bsize = s.frsize = PAGE_SIZE;
	s.blocks = st.total / PAGE_SIZE;
	s.bfree = s.bavail = st.free / PAGE_SIZE;
	s.files = s.ffree = st.free / 256;
	s.namelen = NAME_MAX;
	return copy_to_user(ubuf, &s, sizeof(s));
}

long sys_statfs(long upath, long ubuf, long a2, long a3, long a4, long a5)
{
	struct inode *inode;
	long r;

	(void)a2, (void)a3, (void)a4, (void)a5;
	r = stat_target(AT_FDCWD, upath, 0, &inode);
	if (r)
		return r;
	r = put_statfs((uint64_t)ubuf, inode);
	iput(inode);
	return r;
}

long sys_fstatfs(long fd, long ubuf, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	struct inode anon = { 0 };
	long r;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	r = put_statfs((uint64_t)ubuf, f->inode ? f->inode : &anon);
	fput(f);
	return r;
}

/* ---------------------------------------------------------------- cwd, umask */

long sys_getcwd(long ubuf, long size, long a2, long a3, long a4, long a5)
{
	char *buf = kmalloc(PATH_MAX);
	long n;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!buf)
		return -ENOMEM;
	n = d_path(vfs_cwd(), buf, PATH_MAX);
	if (n >= 0 && (size_t)n + 1 > (size_t)size)
		n = -ERANGE;
	if (n >= 0 && copy_to_user((uint64_t)ubuf, buf, (size_t)n + 1))
		n = -EFAULT;
	kfree(buf);
	return n < 0 ? n : n + 1;
}

long sys_chdir(long upath, long a1, long a2, long a3, long a4, long a5)
{
	struct dentry *d;
	char *path;
	long r;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	r = get_path((uint64_t)upath, &path);
	if (r)
		return r;
	vfs_lock();
	r = path[0] ? vfs_walk(NULL, path, WALK_FOLLOW | WALK_DIRECTORY, &d, NULL, NULL) : -ENOENT;
	vfs_unlock();
	kfree(path);
	if (r)
		return r;
	r = vfs_set_cwd(d);
	put_base(d);
	return r;
}

long sys_fchdir(long fd, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long r;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	r = f->dentry ? vfs_set_cwd(f->dentry) : -ENOTDIR;
	fput(f);
	return r;
}

long sys_umask(long mask, long a1, long a2, long a3, long a4, long a5)
{
	uint32_t old = vfs_umask;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	vfs_umask = (uint32_t)mask & 0777;
	return old;
}

/* ---------------------------------------------------------------- dup, fcntl */

long sys_dup(long fd, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long r;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	r = fd_install(f, 0, false);
	if (r < 0)
		fput(f);
	return r;
}

long sys_dup3(long oldfd, long newfd, long flags, long a3, long a4, long a5)
{
	struct file *f;
	long r;

	(void)a3, (void)a4, (void)a5;
	if (flags & ~(long)O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	if (newfd < 0 || newfd >= fd_limit())
		return -EBADF;
	f = fd_get((int)oldfd);
	if (!f)
		return -EBADF;
	r = fd_install_at(f, (int)newfd, flags & O_CLOEXEC);
	if (r < 0)
		fput(f);
	return r;
}

long sys_dup2(long oldfd, long newfd, long a2, long a3, long a4, long a5)
{
	(void)a2;
	if (oldfd == newfd) {
		struct file *f = fd_get((int)oldfd);

		if (!f)
			return -EBADF;
		fput(f);
		return newfd;
	}
	return sys_dup3(oldfd, newfd, 0, a3, a4, a5);
}

long sys_fcntl(long fd, long cmd, long arg, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long r;

	(void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg < 0 || arg >= fd_limit()) {
			r = -EINVAL;
			break;
		}
		r = fd_install(fget(f), (int)arg, cmd == F_DUPFD_CLOEXEC);
		if (r < 0)
			fput(f);
		break;
	case F_GETFD:
		r = fd_get_cloexec((int)fd);
		if (r > 0)
			r = FD_CLOEXEC;
		break;
	case F_SETFD:
		r = fd_set_cloexec((int)fd, arg & FD_CLOEXEC);
		break;
	case F_GETFL:
		r = f->flags;
		break;
	case F_SETFL: {
		uint32_t old = f->flags, new;

		do
			new = (old & ~(uint32_t)O_SETFL_FLAGS) | ((uint32_t)arg & O_SETFL_FLAGS);
		while (!__atomic_compare_exchange_n(&f->flags, &old, new, false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED));
		r = 0;
		break;
	}
	case F_GETLK: {
		/* No other process can hold a lock: report the range unlocked (l_type = F_UNLCK). */
		int16_t unlck = 2;

		r = copy_to_user((uint64_t)arg, &unlck, sizeof(unlck));
		break;
	}
	case F_SETLK:
	case F_SETLKW:
		r = 0;			/* one process: every lock is granted at once */
		break;
	case F_GETOWN:
	case F_SETOWN:
		r = 0;
		break;
	default:
		r = f->ops && f->ops->ioctl && cmd >= 1024 ? f->ops->ioctl(f, (unsigned int)cmd, (uint64_t)arg)
							  : -EINVAL;
	}
	fput(f);
	return r;
}

/* flock(2) operations */
#define LOCK_SH		1
#define LOCK_EX		2
#define LOCK_NB		4
#define LOCK_UN		8

/* One process holds every lock there is: each request is granted at once. */
long sys_flock(long fd, long op, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	long kind = op & ~(long)LOCK_NB;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	fput(f);
	if (kind != LOCK_SH && kind != LOCK_EX && kind != LOCK_UN)
		return -EINVAL;
	return 0;
}
