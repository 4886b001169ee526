/* SPDX-License-Identifier: BSD-2-Clause */
/* Path walk (".", "..", mounts, symlinks with a loop limit) and the operations that create and remove names. */
#include <mote/errno.h>
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "lib/string.h"

static bool is_dir(const struct dentry *d)
{
	return d->inode && S_ISDIR(d->inode->mode);
}

/* The directory ".." names, crossing mount points upwards; the root is its own parent. */
static struct dentry *dotdot(struct dentry *d)
{
	if (d == vfs_root())
		return d;
	while (d->mount && d->mount->mountpoint)
		d = d->mount->mountpoint;
	return d->parent;
}

/* A mounted file system hides the directory it sits on. */
static struct dentry *cross_mounts(struct dentry *d)
{
	while (d->mounted) {
		struct dentry *root = dget(d->mounted->root);

		dput(d);
		d = root;
	}
	return d;
}

static int walk(struct dentry *start, const char *path, unsigned int flags, int *links,
		struct dentry **out, const char **last, size_t *last_len);

/* Replaces *d, a symlink found in `dir`, with what it points to. */
static int follow(struct dentry *dir, struct dentry **d, unsigned int flags, int *links)
{
	struct inode *inode = (*d)->inode;
	struct dentry *target;
	char *buf;
	long n;
	int r;

	if (++*links > SYMLINK_MAX_FOLLOW)
		return -ELOOP;
	if (!inode->iops || !inode->iops->readlink)
		return -EINVAL;
	buf = kmalloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	n = inode->iops->readlink(inode, buf, PATH_MAX - 1);
	if (n < 0) {
		kfree(buf);
		return (int)n;
	}
	buf[n] = 0;
	r = n ? walk(dir, buf, flags | WALK_FOLLOW, links, &target, NULL, NULL) : -ENOENT;
	kfree(buf);
	if (r)
		return r;
	dput(*d);
	*d = target;
	return 0;
}

static int walk(struct dentry *start, const char *path, unsigned int flags, int *links,
		struct dentry **out, const char **last, size_t *last_len)
{
	struct dentry *cur;
	const char *p = path;
	int r;

	if (!*p && !(flags & WALK_EMPTY_PATH))
		return -ENOENT;
	if (*p == '/') {
		cur = dget(vfs_root());
		while (*p == '/')
			p++;
	} else {
		cur = dget(start ? start : vfs_cwd());
	}
	for (;;) {
		const char *name = p, *next;
		size_t len;
		bool final, trailing_slash;
		struct dentry *d;

		while (*p && *p != '/')
			p++;
		len = (size_t)(p - name);
		next = p;
		while (*next == '/')
			next++;
		final = !*next;
		trailing_slash = next != p;
		p = next;
		if (len == 0) {			/* the path was "/" or empty */
			if (flags & WALK_PARENT) {
				if (last)
					*last = name;
				if (last_len)
					*last_len = 0;
			}
			break;
		}
		if (!is_dir(cur)) {
			r = -ENOTDIR;
			goto fail;
		}
		if (final && (flags & WALK_PARENT)) {
			if (len > NAME_MAX) {
				r = -ENAMETOOLONG;
				goto fail;
			}
			if (last)
				*last = name;
			if (last_len)
				*last_len = len;
			break;
		}
		if (len == 1 && name[0] == '.') {
			if (final)
				break;
			continue;
		}
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			d = dget(dotdot(cur));
		} else {
			r = vfs_lookup_one(cur, name, len, &d);
			if (r)
				goto fail;
			if (!d->inode) {
				dput(d);
				r = -ENOENT;
				goto fail;
			}
			d = cross_mounts(d);
			if (S_ISLNK(d->inode->mode) &&
			    (!final || (flags & WALK_FOLLOW) || trailing_slash)) {
				r = follow(cur, &d, flags & ~(WALK_PARENT | WALK_DIRECTORY), links);
				if (r) {
					dput(d);
					goto fail;
				}
			}
		}
		dput(cur);
		cur = d;
		if (final) {
			if (trailing_slash && !is_dir(cur)) {
				r = -ENOTDIR;
				goto fail;
			}
			break;
		}
	}
	if ((flags & WALK_DIRECTORY) && !(flags & WALK_PARENT) && !is_dir(cur)) {
		r = -ENOTDIR;
		goto fail;
	}
	*out = cur;
	return 0;
fail:
	dput(cur);
	return r;
}

int vfs_walk(struct dentry *start, const char *path, unsigned int flags, struct dentry **out,
	     const char **last, size_t *last_len)
{
	int links = 0;

	return walk(start, path, flags, &links, out, last, last_len);
}

/* ---------------------------------------------------------------- creating names */

/* What a path's last name is when it cannot be created or removed: "/" (or empty), "." or "..". */
enum last_kind { LAST_NORMAL, LAST_ROOT, LAST_DOT, LAST_DOTDOT };

/*
 * Walks to the parent of path's last name and looks that name up: both
 * referenced. A last name of "/", "." or ".." returns -EEXIST with *kind
 * saying which, so each caller can answer as Linux does for it.
 */
static int walk_to_child(struct dentry *start, const char *path, struct dentry **dir,
			 struct dentry **child, enum last_kind *kind)
{
	const char *last;
	size_t len;
	int r = vfs_walk(start, path, WALK_PARENT, dir, &last, &len);

	if (r)
		return r;
	*kind = len == 0 ? LAST_ROOT : (len == 1 && last[0] == '.') ? LAST_DOT
		: (len == 2 && last[0] == '.' && last[1] == '.') ? LAST_DOTDOT : LAST_NORMAL;
	if (*kind != LAST_NORMAL) {
		dput(*dir);
		return -EEXIST;
	}
	r = vfs_lookup_one(*dir, last, len, child);
	if (r) {
		dput(*dir);
		return r;
	}
	return 0;
}

static int check_writable_dir(struct dentry *dir)
{
	if (!dir->inode || !S_ISDIR(dir->inode->mode))
		return -ENOTDIR;
	if (dir->sb->flags & SUPER_READONLY)
		return -EROFS;
	return 0;
}

int vfs_mknod(struct dentry *start, const char *path, uint32_t mode, uint64_t rdev)
{
	enum last_kind kind;
	struct dentry *dir, *d;
	int r;

	vfs_lock();
	r = walk_to_child(start, path, &dir, &d, &kind);
	if (!r) {
		r = check_writable_dir(dir);
		if (!r && d->inode)
			r = -EEXIST;
		if (!r && !dir->inode->iops->create)
			r = -EPERM;
		if (!r)
			r = dir->inode->iops->create(dir->inode, d, (mode & S_IFMT) |
						    (mode & ~vfs_umask & S_IALLUGO), rdev);
		dput(d);
		dput(dir);
	}
	vfs_unlock();
	return r;
}

int vfs_mkdir(struct dentry *start, const char *path, uint32_t mode)
{
	enum last_kind kind;
	struct dentry *dir, *d;
	int r;

	vfs_lock();
	r = walk_to_child(start, path, &dir, &d, &kind);
	if (!r) {
		r = check_writable_dir(dir);
		if (!r && d->inode)
			r = -EEXIST;
		if (!r && !dir->inode->iops->mkdir)
			r = -EPERM;
		if (!r)
			r = dir->inode->iops->mkdir(dir->inode, d, S_IFDIR | (mode & ~vfs_umask & 07777));
		dput(d);
		dput(dir);
	}
	vfs_unlock();
	return r;
}

int vfs_symlink(const char *target, struct dentry *start, const char *path)
{
	enum last_kind kind;
	struct dentry *dir, *d;
	int r;

	if (!*target)
		return -ENOENT;
	vfs_lock();
	r = walk_to_child(start, path, &dir, &d, &kind);
	if (!r) {
		r = check_writable_dir(dir);
		if (!r && d->inode)
			r = -EEXIST;
		if (!r && !dir->inode->iops->symlink)
			r = -EPERM;
		if (!r)
			r = dir->inode->iops->symlink(dir->inode, d, target);
		dput(d);
		dput(dir);
	}
	vfs_unlock();
	return r;
}

int vfs_link(struct dentry *ostart, const char *opath, struct dentry *nstart, const char *npath,
	     unsigned int walk_flags)
{
	enum last_kind kind;
	struct dentry *old, *dir, *d;
	int r;

	vfs_lock();
	r = vfs_walk(ostart, opath, walk_flags & (WALK_FOLLOW | WALK_EMPTY_PATH), &old, NULL, NULL);
	if (r)
		goto out;
	if (S_ISDIR(old->inode->mode)) {
		r = -EPERM;
		goto put_old;
	}
	r = walk_to_child(nstart, npath, &dir, &d, &kind);
	if (r)
		goto put_old;
	r = check_writable_dir(dir);
	if (!r && d->inode)
		r = -EEXIST;
	if (!r && (old->sb != dir->sb))
		r = -EXDEV;
	if (!r && !dir->inode->iops->link)
		r = -EPERM;
	if (!r)
		r = dir->inode->iops->link(dir->inode, d, old->inode);
	dput(d);
	dput(dir);
put_old:
	dput(old);
out:
	vfs_unlock();
	return r;
}

static bool dir_empty(struct dentry *d)
{
	return list_empty(&d->children);
}

int vfs_unlink(struct dentry *start, const char *path, bool rmdir)
{
	enum last_kind kind;
	struct dentry *dir, *d;
	int r;

	vfs_lock();
	r = walk_to_child(start, path, &dir, &d, &kind);
	if (r == -EEXIST) {
		/* rmdir(2): "." is EINVAL, ".." ENOTEMPTY, "/" EBUSY; unlink(2) of any is EISDIR */
		r = !rmdir ? -EISDIR : kind == LAST_DOT ? -EINVAL : kind == LAST_DOTDOT ? -ENOTEMPTY : -EBUSY;
		goto out;
	}
	if (r)
		goto out;
	r = check_writable_dir(dir);
	if (!r && !d->inode)
		r = -ENOENT;
	if (!r && rmdir) {
		if (!S_ISDIR(d->inode->mode))
			r = -ENOTDIR;
		else if (d->mounted || d->mount)
			r = -EBUSY;
		else if (!dir_empty(d))
			r = -ENOTEMPTY;
		else if (!dir->inode->iops->rmdir)
			r = -EPERM;
		else
			r = dir->inode->iops->rmdir(dir->inode, d);
	} else if (!r) {
		if (S_ISDIR(d->inode->mode))
			r = -EISDIR;
		else if (!dir->inode->iops->unlink)
			r = -EPERM;
		else
			r = dir->inode->iops->unlink(dir->inode, d);
	}
	if (!r)
		d_drop(d);
	dput(d);
	dput(dir);
out:
	vfs_unlock();
	return r;
}

/* Whether a is b or one of b's ancestors (renaming a directory into itself). */
static bool is_ancestor(struct dentry *a, struct dentry *b)
{
	for (;;) {
		if (a == b)
			return true;
		if (b->parent == b)
			return false;
		b = b->parent;
	}
}

int vfs_rename(struct dentry *ostart, const char *opath, struct dentry *nstart, const char *npath,
	       unsigned int flags)
{
	enum last_kind kind;
	struct dentry *odir, *od, *ndir, *nd;
	int r;

	if (flags & ~RENAME_NOREPLACE)
		return flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) ? -EINVAL : -EOPNOTSUPP;
	vfs_lock();
	r = walk_to_child(ostart, opath, &odir, &od, &kind);
	if (r) {
		if (r == -EEXIST)
			r = -EBUSY;
		goto out;
	}
	r = walk_to_child(nstart, npath, &ndir, &nd, &kind);
	if (r) {
		if (r == -EEXIST)
			r = -EBUSY;
		goto put_old;
	}
	r = check_writable_dir(odir);
	if (!r)
		r = check_writable_dir(ndir);
	if (!r && !od->inode)
		r = -ENOENT;
	if (r)
		goto put_new;
	if (od == nd)
		goto put_new;		/* the same name: nothing to do, as rename(2) says */
	if (od->sb != nd->sb || od->mount || od->mounted || nd->mounted)
		r = od->sb != nd->sb ? -EXDEV : -EBUSY;
	else if (nd->inode && (flags & RENAME_NOREPLACE))
		r = -EEXIST;
	else if (nd->inode && od->inode == nd->inode)
		r = 0;			/* hard links to one inode: POSIX says do nothing */
	else if (S_ISDIR(od->inode->mode) && is_ancestor(od, ndir))
		r = -EINVAL;
	else if (nd->inode && S_ISDIR(od->inode->mode) && !S_ISDIR(nd->inode->mode))
		r = -ENOTDIR;
	else if (nd->inode && !S_ISDIR(od->inode->mode) && S_ISDIR(nd->inode->mode))
		r = -EISDIR;
	else if (nd->inode && S_ISDIR(nd->inode->mode) && !dir_empty(nd))
		r = -ENOTEMPTY;
	else if (!odir->inode->iops->rename)
		r = -EPERM;
	else {
		r = odir->inode->iops->rename(odir->inode, od, ndir->inode, nd);
		if (!r) {
			if (nd->inode)
				d_drop(nd);
			r = d_move(od, ndir, nd->name, nd->len);
		}
	}
put_new:
	dput(nd);
	dput(ndir);
put_old:
	dput(od);
	dput(odir);
out:
	vfs_unlock();
	return r;
}

long vfs_readlink(struct dentry *start, const char *path, char *buf, size_t n)
{
	struct dentry *d;
	long r;

	vfs_lock();
	r = vfs_walk(start, path, WALK_EMPTY_PATH, &d, NULL, NULL);
	if (!r) {
		struct inode *inode = d->inode;

		if (!S_ISLNK(inode->mode) || !inode->iops || !inode->iops->readlink)
			r = -EINVAL;
		else
			r = inode->iops->readlink(inode, buf, n);
		dput(d);
	}
	vfs_unlock();
	return r;
}

int vfs_truncate(struct inode *inode, uint64_t size)
{
	if (S_ISDIR(inode->mode))
		return -EISDIR;
	if (!S_ISREG(inode->mode))
		return -EINVAL;
	if (inode->sb && (inode->sb->flags & SUPER_READONLY))
		return -EROFS;
	if (!inode->iops || !inode->iops->truncate)
		return -EPERM;
	return inode->iops->truncate(inode, size);
}

/* ---------------------------------------------------------------- open */

static unsigned int access_mode(int flags)
{
	if (flags & O_PATH)
		return 0;
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return FILE_READ;
	case O_WRONLY:
		return FILE_WRITE;
	default:
		return FILE_READ | FILE_WRITE;
	}
}

int vfs_open(struct dentry *start, const char *path, int flags, uint32_t mode, struct file **out)
{
	enum last_kind kind;
	unsigned int fmode = access_mode(flags);
	unsigned int walk_flags = (flags & O_NOFOLLOW) ? 0 : WALK_FOLLOW;
	const struct file_ops *ops;
	struct dentry *d, *dir;
	struct inode *inode;
	struct file *f;
	int r;

	if ((flags & O_ACCMODE) == O_ACCMODE && !(flags & O_PATH))
		return -EINVAL;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	vfs_lock();
	if (flags & O_CREAT) {
		r = walk_to_child(start, path, &dir, &d, &kind);
		if (r == -EEXIST) {
			r = -EISDIR;		/* open("/", O_CREAT) and the like */
			goto out;
		}
		if (r)
			goto out;
		if (d->inode && (flags & O_EXCL)) {
			r = -EEXIST;
		} else if (d->inode && S_ISLNK(d->inode->mode)) {
			/* An existing symlink: follow it (or refuse with O_NOFOLLOW) from the top. */
			dput(d);
			r = (flags & O_NOFOLLOW) ? -ELOOP
				: vfs_walk(start, path, WALK_FOLLOW, &d, NULL, NULL);
			if (r) {
				dput(dir);
				goto out;
			}
		} else if (!d->inode) {
			r = check_writable_dir(dir);
			if (!r && !dir->inode->iops->create)
				r = -EPERM;
			if (!r)
				r = dir->inode->iops->create(dir->inode, d,
							    S_IFREG | (mode & ~vfs_umask & S_IALLUGO), 0);
			flags &= ~O_TRUNC;
		} else {
			d = cross_mounts(d);
		}
		dput(dir);
		if (r) {
			dput(d);
			goto out;
		}
	} else {
		r = vfs_walk(start, path, walk_flags, &d, NULL, NULL);
		if (r)
			goto out;
	}
	inode = d->inode;
	r = 0;
	if (S_ISLNK(inode->mode) && !(flags & O_PATH))
		r = -ELOOP;		/* O_NOFOLLOW met a symlink */
	else if ((flags & O_DIRECTORY) && !S_ISDIR(inode->mode))
		r = -ENOTDIR;
	else if (S_ISDIR(inode->mode) && (fmode & FILE_WRITE))
		r = -EISDIR;
	else if ((fmode & FILE_WRITE) && (d->sb->flags & SUPER_READONLY))
		r = -EROFS;
	if (!r && (flags & O_TRUNC) && (fmode & FILE_WRITE) && S_ISREG(inode->mode))
		r = vfs_truncate(inode, 0);
	if (r) {
		dput(d);
		goto out;
	}
	ops = inode->fops;
	if (flags & O_PATH)
		ops = NULL;
	else if (S_ISCHR(inode->mode) && !(ops = chrdev_find(inode->rdev)))
		r = -ENXIO;
	if (r) {
		dput(d);
		goto out;
	}
	f = file_alloc(iget(inode), d, ops, fmode, (uint32_t)flags & O_STATUS_FLAGS);
	if (!f) {
		iput(inode);
		dput(d);
		r = -ENOMEM;
		goto out;
	}
	vfs_unlock();
	if (ops && ops->open) {
		r = ops->open(inode, f);
		if (r) {
			fput(f);
			return r;
		}
	}
	*out = f;
	return 0;
out:
	vfs_unlock();
	return r;
}
