/* SPDX-License-Identifier: BSD-2-Clause */
/* Unpacks the initrd (cpio newc) into the root file system; a bad entry ends the unpacking with a warning, never the boot. */
#include <mote/errno.h>
#include "fs/initrd.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "lib/cpio.h"
#include "lib/string.h"

/* A regular file with more than one link: the first name made for it (newc: same ino, nlink > 1). */
struct hardlink {
	struct hardlink *next;
	uint32_t ino, dev_major, dev_minor;
	char path[];
};

struct unpack {
	unsigned int created;
	uint64_t bytes;
	struct hardlink *links;
	bool dirs_only;			/* the second pass: directory mtimes */
};

/* The name for a log line: printable ASCII, at most 64 characters. */
static void printable(char *out, size_t size, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < size - 1; i++)
		out[i] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
	out[i] = 0;
}

static void entry_warn(unsigned int index, const char *name, size_t len, const char *what, int err)
{
	char shown[65];

	printable(shown, sizeof(shown), name, len);
	if (err)
		pr_warn("initrd: entry %u (\"%s\"): %s (error %d)\n", index, shown, what, err);
	else
		pr_warn("initrd: entry %u (\"%s\"): %s\n", index, shown, what);
}

/*
 * "/" + the name without its leading "./" and "/" (cpio -o writes names
 * relative to "."), in *path; NULL there for the root itself. 0 or -ENOMEM.
 */
static int entry_path(const struct cpio_entry *e, char **path)
{
	const char *n = e->name;
	size_t len = e->name_len;

	*path = NULL;
	for (;;) {
		if (len >= 2 && n[0] == '.' && n[1] == '/') {
			n += 2;
			len -= 2;
		} else if (len >= 1 && n[0] == '/') {
			n++;
			len--;
		} else {
			break;
		}
	}
	if (len == 0 || (len == 1 && n[0] == '.'))
		return 0;
	if (len + 2 > PATH_MAX)
		return -ENAMETOOLONG;
	*path = kmalloc(len + 2);
	if (!*path)
		return -ENOMEM;
	(*path)[0] = '/';
	memcpy(*path + 1, n, len);
	(*path)[len + 1] = 0;
	return 0;
}

/* The archive's permissions, owner and mtime on the new name (not through a symlink). */
static void set_attrs(const char *path, const struct cpio_entry *e)
{
	struct dentry *d;

	vfs_lock();
	if (!vfs_walk(NULL, path, 0, &d, NULL, NULL)) {
		struct inode *inode = d->inode;

		inode->mode = (inode->mode & S_IFMT) | (e->mode & S_IALLUGO);
		inode->uid = e->uid;
		inode->gid = e->gid;
		inode->mtime = (struct vfs_time){ e->mtime, 0 };
		dput(d);
	}
	vfs_unlock();
}

static bool is_dir(const char *path)
{
	struct dentry *d;
	bool dir = false;

	vfs_lock();
	if (!vfs_walk(NULL, path, 0, &d, NULL, NULL)) {
		dir = S_ISDIR(d->inode->mode);
		dput(d);
	}
	vfs_unlock();
	return dir;
}

static int make_file(struct unpack *u, const char *path, const struct cpio_entry *e)
{
	struct hardlink *h;
	size_t len;
	int r;

	if (e->nlink > 1) {
		for (h = u->links; h; h = h->next) {
			if (h->ino != e->ino || h->dev_major != e->dev_major || h->dev_minor != e->dev_minor)
				continue;
			/* A later name of the same file; GNU cpio puts the data with the last one. */
			r = vfs_link(NULL, h->path, NULL, path, 0);
			if (!r && e->size)
				r = kernel_write_file(path, e->data, e->size, e->mode & S_IALLUGO);
			return r;
		}
	}
	r = kernel_write_file(path, e->data, e->size, e->mode & S_IALLUGO);
	if (r || e->nlink <= 1)
		return r;
	len = strlen(path);
	h = kmalloc(sizeof(*h) + len + 1);
	if (h) {
		h->ino = e->ino;
		h->dev_major = e->dev_major;
		h->dev_minor = e->dev_minor;
		memcpy(h->path, path, len + 1);
		h->next = u->links;
		u->links = h;
	}
	return 0;
}

static int make_symlink(const char *path, const struct cpio_entry *e, const char **why)
{
	char *target;
	int r;

	/* The target is the entry's data (man 5 cpio), without a NUL. */
	if (e->size == 0 || e->size >= PATH_MAX || strnlen(e->data, e->size) != e->size) {
		*why = e->size == 0 ? "empty symlink target" : "symlink target too long or holds a NUL";
		return -EINVAL;
	}
	target = kmalloc(e->size + 1);
	if (!target)
		return -ENOMEM;
	memcpy(target, e->data, e->size);
	target[e->size] = 0;
	r = vfs_symlink(target, NULL, path);
	kfree(target);
	return r;
}

static int unpack_entry(void *ctx, const struct cpio_entry *e)
{
	struct unpack *u = ctx;
	const char *why = "cannot create";
	uint32_t type = e->mode & S_IFMT;
	char *path;
	int r;

	r = entry_path(e, &path);
	if (r && !u->dirs_only)
		entry_warn(e->index, e->name, e->name_len,
			   r == -ENAMETOOLONG ? "name longer than PATH_MAX" : "out of memory", r);
	if (!path)
		return 0;	/* "." is the root, which exists */
	if (u->dirs_only) {
		/* Creating children changed the directories' mtimes: give them the archive's. */
		if (type == S_IFDIR)
			set_attrs(path, e);
		kfree(path);
		return 0;
	}
	switch (type) {
	case S_IFDIR:
		r = vfs_mkdir(NULL, path, e->mode & S_IALLUGO);
		if (r == -EEXIST && is_dir(path))
			r = 0;		/* /dev, /proc, or a directory named twice */
		break;
	case S_IFREG:
		r = make_file(u, path, e);
		if (r && r != -EISDIR && r != -EEXIST)
			vfs_unlink(NULL, path, false);	/* no half-written file (out of memory) */
		break;
	case S_IFLNK:
		r = make_symlink(path, e, &why);
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		r = vfs_mknod(NULL, path, e->mode, MKDEV(e->rdev_major, e->rdev_minor));
		break;
	default:
		r = -EINVAL;
		why = "unknown file type in mode";
		break;
	}
	if (r == -EEXIST && type != S_IFDIR && type != S_IFREG) {
		/* As Linux's initramfs: a later archive's entry replaces the name. */
		r = vfs_unlink(NULL, path, false);
		if (!r)
			r = type == S_IFLNK ? make_symlink(path, e, &why)
			    : vfs_mknod(NULL, path, e->mode, MKDEV(e->rdev_major, e->rdev_minor));
	}
	if (r) {
		entry_warn(e->index, e->name, e->name_len, why, r);
	} else {
		set_attrs(path, e);
		u->created++;
		if (type == S_IFREG)
			u->bytes += e->size;
	}
	kfree(path);
	return 0;
}

unsigned int initrd_unpack(const void *archive, size_t size)
{
	struct unpack u = { 0 };
	struct cpio_error err;
	uint32_t umask = vfs_umask;
	long r;

	/* The archive's modes are the files' own. */
	vfs_umask = 0;
	r = cpio_parse(archive, size, unpack_entry, &u, &err);
	if (r < 0) {
		if (err.name)
			entry_warn(err.index, err.name, err.name_len, err.what, 0);
		else
			pr_warn("initrd: entry %u (at byte %zu): %s\n", err.index, err.offset, err.what);
	}
	u.dirs_only = true;
	cpio_parse(archive, size, unpack_entry, &u, NULL);
	vfs_umask = umask;
	while (u.links) {
		struct hardlink *h = u.links;

		u.links = h->next;
		kfree(h);
	}
	pr_info("initrd: %u file%s, %lu KiB\n", u.created, u.created == 1 ? "" : "s",
		(unsigned long)((u.bytes + 1023) / 1024));
	return u.created;
}
