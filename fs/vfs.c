/* SPDX-License-Identifier: BSD-2-Clause */
/* The VFS's objects: inodes and dentries with their references, the dentry cache, mounts, root and cwd. */
#include <mote/errno.h>
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "lib/string.h"

/*
 * One lock for the whole namespace: names change rarely next to reads and
 * writes of data, which never take it. Recursive, because a file system's
 * operation may itself create names (devfs, initrd) through the VFS.
 */
static struct mutex namespace_lock;

#define DCACHE_BUCKETS 1024
/*
 * Allocated with the tree (16 KiB the image would otherwise map at every
 * boot); buckets start zeroed and become empty lists on first use.
 */
static struct list_node *dcache;

static struct list_node *dcache_bucket(uint32_t hash)
{
	struct list_node *b = &dcache[hash % DCACHE_BUCKETS];

	if (!b->next)
		list_init(b);
	return b;
}

#define MOUNT_MAX 16
static struct mount mounts[MOUNT_MAX];
static int mount_count;

static struct dentry *root_dentry, *cwd_dentry;
uint32_t vfs_umask = 022;

void vfs_lock(void)
{
	mutex_lock(&namespace_lock);
}

void vfs_unlock(void)
{
	mutex_unlock(&namespace_lock);
}

/*
 * Files made during boot (the root, /dev, the initrd's directories) would
 * otherwise force the clock calibration onto every boot; they carry this
 * mark instead, read as the boot time once someone asks (vfs_getattr).
 */
#define VFS_TIME_BOOT ((struct vfs_time)VFS_TIME_BOOT_INIT)

struct vfs_time vfs_now(void)
{
	uint64_t ns;

	if (!time_calibrated())
		return VFS_TIME_BOOT;
	ns = time_realtime_ns();

	return (struct vfs_time){ (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };
}

/* ---------------------------------------------------------------- inodes */

struct inode *inode_alloc(struct super *sb, uint32_t mode)
{
	struct inode *inode = kcalloc(1, sizeof(*inode));

	if (!inode)
		return NULL;
	inode->ino = ++sb->next_ino;
	inode->mode = mode;
	inode->nlink = 1;
	inode->refs = 1;
	inode->sb = sb;
	inode->atime = inode->mtime = inode->ctime = vfs_now();
	mutex_init(&inode->lock);
	return inode;
}

struct inode *iget(struct inode *inode)
{
	if (inode)
		__atomic_add_fetch(&inode->refs, 1, __ATOMIC_RELAXED);
	return inode;
}

void iput(struct inode *inode)
{
	if (!inode || __atomic_sub_fetch(&inode->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (inode->iops && inode->iops->evict)
		inode->iops->evict(inode);
	kfree(inode);
}

static struct vfs_time resolve_time(struct vfs_time t)
{
	uint64_t boot_ns;

	if (t.sec != INT64_MIN)
		return t;
	boot_ns = time_realtime_ns() - time_monotonic_ns();
	return (struct vfs_time){ (int64_t)(boot_ns / NSEC_PER_SEC), (int64_t)(boot_ns % NSEC_PER_SEC) };
}

void vfs_getattr(struct inode *inode, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = inode->sb ? (uint64_t)(inode->sb->magic & 0xff) : 0;
	st->ino = inode->ino;
	st->nlink = inode->nlink;
	st->rdev = inode->rdev;
	st->size = inode->size;
	st->blksize = 4096;
	st->blocks = inode->blocks;
	st->mode = inode->mode;
	st->uid = inode->uid;
	st->gid = inode->gid;
	st->atime = resolve_time(inode->atime);
	st->mtime = resolve_time(inode->mtime);
	st->ctime = resolve_time(inode->ctime);
}

/* ---------------------------------------------------------------- dentries */

static uint32_t name_hash(const struct dentry *parent, const char *name, size_t len)
{
	/* FNV-1a over the name, seeded with the parent's address. */
	uint32_t h = 2166136261u ^ (uint32_t)((uintptr_t)parent >> 4);

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	return h;
}

struct dentry *d_alloc(struct dentry *parent, const char *name, size_t len)
{
	struct dentry *d = kcalloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->name = kmalloc(len + 1);
	if (!d->name) {
		kfree(d);
		return NULL;
	}
	memcpy(d->name, name, len);
	d->name[len] = 0;
	d->len = len;
	d->refs = 1;
	list_init(&d->children);
	list_init(&d->sibling);
	list_init(&d->hash_link);
	d->next_seq = 2;	/* 0 and 1 are "." and ".." */
	if (parent) {
		d->parent = dget(parent);
		d->sb = parent->sb;
		d->hash = name_hash(parent, name, len);
	}
	return d;
}

struct dentry *dget(struct dentry *d)
{
	if (d)
		__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
	return d;
}

void dput(struct dentry *d)
{
	while (d && __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct dentry *parent = d->parent;

		/* Hashed dentries hold a reference for the cache, so d is unhashed here. */
		iput(d->inode);
		kfree(d->name);
		kfree(d);
		d = parent != d ? parent : NULL;
	}
}

void d_instantiate(struct dentry *d, struct inode *inode)
{
	struct dentry *parent = d->parent;

	d->inode = inode;
	if (!parent || !(d->sb->flags & SUPER_DCACHE_COMPLETE) || (d->flags & DENTRY_HASHED))
		return;
	d->seq = parent->next_seq++;
	list_push_back(&parent->children, &d->sibling);
	list_push_back(dcache_bucket(d->hash), &d->hash_link);
	d->flags |= DENTRY_HASHED;
	dget(d);	/* the cache's */
}

void d_drop(struct dentry *d)
{
	if (!(d->flags & DENTRY_HASHED)) {
		d->flags |= DENTRY_DEAD;
		return;
	}
	list_remove(&d->sibling);
	list_remove(&d->hash_link);
	d->flags = (d->flags & ~DENTRY_HASHED) | DENTRY_DEAD;
	dput(d);
}

/* Moves a hashed d under new_parent with a new name (rename): 0 or -ENOMEM. */
int d_move(struct dentry *d, struct dentry *new_parent, const char *name, size_t len)
{
	char *copy = kmalloc(len + 1);
	struct dentry *old_parent = d->parent;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, name, len);
	copy[len] = 0;
	kfree(d->name);
	d->name = copy;
	d->len = len;
	if (d->flags & DENTRY_HASHED) {
		list_remove(&d->sibling);
		list_remove(&d->hash_link);
	}
	d->parent = dget(new_parent);
	d->hash = name_hash(new_parent, name, len);
	if (d->flags & DENTRY_HASHED) {
		d->seq = new_parent->next_seq++;
		list_push_back(&new_parent->children, &d->sibling);
		list_push_back(dcache_bucket(d->hash), &d->hash_link);
	}
	dput(old_parent);
	return 0;
}

static struct dentry *dcache_find(struct dentry *parent, const char *name, size_t len)
{
	uint32_t h = name_hash(parent, name, len);
	struct list_node *bucket = dcache_bucket(h);

	for (struct list_node *n = bucket->next; n != bucket; n = n->next) {
		struct dentry *d = list_entry(n, struct dentry, hash_link);

		if (d->hash == h && d->parent == parent && d->len == len && !memcmp(d->name, name, len))
			return d;
	}
	return NULL;
}

int vfs_lookup_one(struct dentry *dir, const char *name, size_t len, struct dentry **out)
{
	struct inode *di = dir->inode;
	struct dentry *d;
	int r;

	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	if (dir->sb->flags & SUPER_DCACHE_COMPLETE) {
		d = dcache_find(dir, name, len);
		if (d) {
			*out = dget(d);
			return 0;
		}
	}
	d = d_alloc(dir, name, len);
	if (!d)
		return -ENOMEM;
	if (!(dir->sb->flags & SUPER_DCACHE_COMPLETE) && di->iops && di->iops->lookup) {
		r = di->iops->lookup(di, d);
		if (r && r != -ENOENT) {
			dput(d);
			return r;
		}
	}
	*out = d;
	return 0;
}

/* ---------------------------------------------------------------- supers and mounts */

struct super *super_alloc(const char *fstype, unsigned int flags,
			  struct inode *(*make_root)(struct super *))
{
	struct super *sb = kcalloc(1, sizeof(*sb));
	struct dentry *root;

	if (!sb)
		return NULL;
	sb->fstype = fstype;
	sb->flags = flags;
	root = d_alloc(NULL, "/", 1);
	if (!root) {
		kfree(sb);
		return NULL;
	}
	root->parent = root;
	root->sb = sb;
	root->inode = make_root(sb);
	if (!root->inode) {
		kfree(root->name);
		kfree(root);
		kfree(sb);
		return NULL;
	}
	sb->root = root;
	return sb;
}

int vfs_mount(const char *path, struct super *sb)
{
	struct dentry *d;
	struct mount *m;
	int r;

	if (mount_count == MOUNT_MAX)
		return -ENOMEM;
	vfs_lock();
	r = vfs_walk(NULL, path, WALK_FOLLOW | WALK_DIRECTORY, &d, NULL, NULL);
	if (!r && d->mounted) {
		dput(d);
		r = -EBUSY;
	}
	if (!r) {
		m = &mounts[mount_count++];
		m->sb = sb;
		m->root = sb->root;
		m->mountpoint = d;		/* the walk's reference pins it */
		d->mounted = m;
		sb->root->mount = m;
	}
	vfs_unlock();
	return r;
}

void vfs_for_each_mount(void (*fn)(const struct mount *m, void *ctx), void *ctx)
{
	vfs_lock();
	for (int i = 0; i < mount_count; i++)
		fn(&mounts[i], ctx);
	vfs_unlock();
}

static void build_tree(void);

struct dentry *vfs_root(void)
{
	if (unlikely(!root_dentry))
		build_tree();
	return root_dentry;
}

struct dentry *vfs_cwd(void)
{
	if (unlikely(!root_dentry))
		build_tree();
	return cwd_dentry;
}

int vfs_set_cwd(struct dentry *d)
{
	struct dentry *old;

	if (!d->inode || !S_ISDIR(d->inode->mode))
		return -ENOTDIR;
	vfs_lock();
	old = cwd_dentry;
	cwd_dentry = dget(d);
	vfs_unlock();
	dput(old);
	return 0;
}

long d_path(struct dentry *d, char *buf, size_t size)
{
	size_t pos = size;
	bool dead = d->flags & DENTRY_DEAD;
	static const char deleted[] = " (deleted)";

	if (size < 2)
		return -ENAMETOOLONG;
	buf[--pos] = 0;
	if (dead) {
		if (pos < sizeof(deleted))
			return -ENAMETOOLONG;
		pos -= sizeof(deleted) - 1;
		memcpy(buf + pos, deleted, sizeof(deleted) - 1);
	}
	vfs_lock();
	for (;;) {
		while (d->mount && d->mount->mountpoint)
			d = d->mount->mountpoint;
		if (d == root_dentry || d->parent == d)
			break;
		if (pos < d->len + 1) {
			vfs_unlock();
			return -ENAMETOOLONG;
		}
		pos -= d->len;
		memcpy(buf + pos, d->name, d->len);
		buf[--pos] = '/';
		d = d->parent;
	}
	vfs_unlock();
	if (pos == size - 1 - (dead ? sizeof(deleted) - 1 : 0))
		buf[--pos] = '/';
	memmove(buf, buf + pos, size - pos);
	return (long)(size - pos - 1);
}

/* ---------------------------------------------------------------- character devices */

#define CHRDEV_MAX 32
static struct {
	uint64_t rdev;
	const struct file_ops *ops;
} chrdevs[CHRDEV_MAX];
static int chrdev_count;

int chrdev_register(uint64_t rdev, const struct file_ops *ops)
{
	if (chrdev_find(rdev))
		return -EBUSY;
	if (chrdev_count == CHRDEV_MAX)
		return -ENOMEM;
	chrdevs[chrdev_count].rdev = rdev;
	chrdevs[chrdev_count].ops = ops;
	chrdev_count++;
	return 0;
}

const struct file_ops *chrdev_find(uint64_t rdev)
{
	for (int i = 0; i < chrdev_count; i++)
		if (chrdevs[i].rdev == rdev)
			return chrdevs[i].ops;
	return NULL;
}

/* ---------------------------------------------------------------- boot */

#include "fs/devfs.h"
#include "fs/procfs.h"
#include "fs/ramfs.h"

int vfs_init(void)
{
	mutex_init_recursive(&namespace_lock);
	return 0;
}

static void build_tree(void)
{
	struct super *sb;
	int r;

	vfs_lock();
	if (root_dentry) {		/* another thread built it while we waited */
		vfs_unlock();
		return;
	}
	dcache = kcalloc(DCACHE_BUCKETS, sizeof(*dcache));
	sb = ramfs_create("rootfs");
	if (!sb || !dcache)
		panic("no memory for the root file system");
	mounts[0] = (struct mount){ sb, sb->root, NULL };
	mount_count = 1;
	sb->root->mount = &mounts[0];
	cwd_dentry = dget(sb->root);
	root_dentry = sb->root;
	r = devfs_init();
	if (r)
		pr_warn("/dev is incomplete (%d)\n", r);
#ifdef CONFIG_PROCFS
	r = procfs_init();
	if (r)
		pr_warn("no /proc (%d)\n", r);
#endif
	vfs_unlock();
}
