/* SPDX-License-Identifier: BSD-2-Clause */
/* ramfs: files as arrays of pages (holes read as zeros), directories as the dentry cache's children lists. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "kernel/page_alloc.h"
#include "lib/string.h"

#define RAMFS_MAGIC	0x858458f6u	/* statfs f_type, as Linux's ramfs */
#define MAX_FILE_SIZE	((uint64_t)1 << 40)

struct ramfs_file {
	paddr_t *pages;			/* by page index; 0 is a hole */
	size_t cap;			/* entries in pages */
	bool mapped;			/* shared mappings may hold its pages: never free them early */
	struct vm_pager pager;
	struct inode *inode;
};

static const struct inode_ops ramfs_dir_iops, ramfs_file_iops, ramfs_link_iops;
static const struct file_ops ramfs_dir_fops, ramfs_file_fops;

static struct ramfs_file *rf(struct inode *inode)
{
	return inode->priv;
}

static void touch(struct inode *inode)
{
	inode->mtime = inode->ctime = vfs_now();
}

/* ---------------------------------------------------------------- file data */

/* The page at index, allocated zero-filled when create is set: 0 for a hole (or no memory). */
static paddr_t page_at(struct ramfs_file *f, uint64_t index, bool create)
{
	paddr_t pa;

	if (index >= f->cap) {
		size_t cap = f->cap ? f->cap : 4;
		paddr_t *pages;

		if (!create)
			return 0;
		while (cap <= index)
			cap *= 2;
		pages = krealloc(f->pages, cap * sizeof(*pages));
		if (!pages)
			return 0;
		memset(pages + f->cap, 0, (cap - f->cap) * sizeof(*pages));
		f->pages = pages;
		f->cap = cap;
	}
	pa = f->pages[index];
	if (pa || !create)
		return pa;
	pa = page_alloc(0);
	if (pa == PADDR_INVALID)
		return 0;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	f->pages[index] = pa;
	f->inode->blocks += PAGE_SIZE / 512;
	return pa;
}

/* Frees the pages wholly past `size` and zeroes the tail of the last one. */
static void trim(struct ramfs_file *f, uint64_t size)
{
	uint64_t first = (size + PAGE_SIZE - 1) / PAGE_SIZE;

	if (size % PAGE_SIZE && size / PAGE_SIZE < f->cap && f->pages[size / PAGE_SIZE]) {
		char *p = phys_to_virt(f->pages[size / PAGE_SIZE]);

		memset(p + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
	}
	for (uint64_t i = first; i < f->cap; i++) {
		if (!f->pages[i])
			continue;
		if (f->mapped) {
			/* A shared mapping may still point at it: keep the page, but its bytes are gone. */
			memset(phys_to_virt(f->pages[i]), 0, PAGE_SIZE);
			continue;
		}
		page_free(f->pages[i], 0);
		f->pages[i] = 0;
		f->inode->blocks -= PAGE_SIZE / 512;
	}
}

static int ramfs_truncate(struct inode *inode, uint64_t size)
{
	if (size > MAX_FILE_SIZE)
		return -EFBIG;
	mutex_lock(&inode->lock);
	if (size < inode->size)
		trim(rf(inode), size);
	inode->size = size;
	touch(inode);
	mutex_unlock(&inode->lock);
	return 0;
}

static long ramfs_read(struct file *file, struct uio *u, size_t n, uint64_t *pos)
{
	struct inode *inode = file->inode;
	struct ramfs_file *f = rf(inode);
	size_t done = 0;

	mutex_lock(&inode->lock);
	if (*pos < inode->size && n > inode->size - *pos)
		n = (size_t)(inode->size - *pos);
	if (*pos >= inode->size)
		n = 0;
	while (done < n) {
		uint64_t off = *pos % PAGE_SIZE;
		size_t k = PAGE_SIZE - off < n - done ? (size_t)(PAGE_SIZE - off) : n - done;
		paddr_t pa = page_at(f, *pos / PAGE_SIZE, false);
		int r = pa ? uio_copy_out(u, (char *)phys_to_virt(pa) + off, k) : uio_zero(u, k);

		if (r) {
			mutex_unlock(&inode->lock);
			return done ? (long)done : r;
		}
		done += k;
		*pos += k;
	}
	mutex_unlock(&inode->lock);
	return (long)done;
}

static long ramfs_write(struct file *file, struct uio *u, size_t n, uint64_t *pos)
{
	struct inode *inode = file->inode;
	struct ramfs_file *f = rf(inode);
	size_t done = 0;
	long r = 0;

	mutex_lock(&inode->lock);
	if (file->flags & O_APPEND)
		*pos = inode->size;
	if (*pos >= MAX_FILE_SIZE) {
		mutex_unlock(&inode->lock);
		return n ? -EFBIG : 0;
	}
	if (n > MAX_FILE_SIZE - *pos)
		n = (size_t)(MAX_FILE_SIZE - *pos);
	while (done < n) {
		uint64_t off = *pos % PAGE_SIZE;
		size_t k = PAGE_SIZE - off < n - done ? (size_t)(PAGE_SIZE - off) : n - done;
		paddr_t pa = page_at(f, *pos / PAGE_SIZE, true);

		if (!pa) {
			r = -ENOSPC;
			break;
		}
		r = uio_copy_in(u, (char *)phys_to_virt(pa) + off, k);
		if (r)
			break;
		done += k;
		*pos += k;
		if (*pos > inode->size)
			inode->size = *pos;
	}
	if (done)
		touch(inode);
	mutex_unlock(&inode->lock);
	return done ? (long)done : r;
}

/* The pager of shared and private file mappings: the file's own pages (vm.c copies for private ones). */
static int ramfs_fault(struct vm_pager *p, uint64_t offset, paddr_t *page)
{
	struct ramfs_file *f = container_of(p, struct ramfs_file, pager);
	paddr_t pa;

	mutex_lock(&f->inode->lock);
	pa = page_at(f, offset / PAGE_SIZE, true);
	mutex_unlock(&f->inode->lock);
	if (!pa)
		return -ENOMEM;
	*page = pa;
	return 0;
}

static int ramfs_mmap(struct file *file, struct vm_pager **pager)
{
	struct ramfs_file *f = rf(file->inode);

	f->mapped = true;
	/* The mapping keeps the inode alive: its pages must outlive an unlink (released with it). */
	iget(file->inode);
	*pager = &f->pager;
	return 0;
}

static int ramfs_fsync(struct file *file)
{
	(void)file;
	return 0;
}

/* ---------------------------------------------------------------- inodes */

static struct inode *ramfs_inode(struct super *sb, uint32_t mode)
{
	struct inode *inode = inode_alloc(sb, mode);
	struct ramfs_file *f;

	if (!inode)
		return NULL;
	switch (mode & S_IFMT) {
	case S_IFDIR:
		inode->iops = &ramfs_dir_iops;
		inode->fops = &ramfs_dir_fops;
		inode->nlink = 2;
		break;
	case S_IFREG:
		f = kcalloc(1, sizeof(*f));
		if (!f) {
			kfree(inode);
			return NULL;
		}
		f->inode = inode;
		f->pager.fault = ramfs_fault;
		f->pager.name = "ramfs";
		inode->priv = f;
		inode->iops = &ramfs_file_iops;
		inode->fops = &ramfs_file_fops;
		break;
	case S_IFLNK:
		inode->iops = &ramfs_link_iops;
		break;
	default:
		/* Device nodes, FIFOs, sockets: only the name lives here. */
		inode->iops = &ramfs_file_iops;
		break;
	}
	return inode;
}

static void ramfs_evict(struct inode *inode)
{
	if (S_ISREG(inode->mode) && inode->priv) {
		struct ramfs_file *f = rf(inode);

		f->mapped = false;
		trim(f, 0);
		kfree(f->pages);
		kfree(f);
	} else if (S_ISLNK(inode->mode)) {
		kfree(inode->priv);
	}
}

static int ramfs_create_node(struct inode *dir, struct dentry *d, uint32_t mode, uint64_t rdev)
{
	struct inode *inode = ramfs_inode(dir->sb, mode);

	if (!inode)
		return -ENOSPC;
	inode->rdev = rdev;
	d_instantiate(d, inode);
	touch(dir);
	return 0;
}

static int ramfs_mkdir(struct inode *dir, struct dentry *d, uint32_t mode)
{
	int r = ramfs_create_node(dir, d, S_IFDIR | (mode & 07777), 0);

	if (!r)
		dir->nlink++;
	return r;
}

static int ramfs_symlink(struct inode *dir, struct dentry *d, const char *target)
{
	size_t len = strlen(target);
	struct inode *inode;
	char *copy;

	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	copy = kmalloc(len + 1);
	if (!copy)
		return -ENOSPC;
	memcpy(copy, target, len + 1);
	inode = ramfs_inode(dir->sb, S_IFLNK | 0777);
	if (!inode) {
		kfree(copy);
		return -ENOSPC;
	}
	inode->priv = copy;
	inode->size = len;
	d_instantiate(d, inode);
	touch(dir);
	return 0;
}

static long ramfs_readlink(struct inode *inode, char *buf, size_t n)
{
	size_t len = inode->size;

	if (len > n)
		len = n;
	memcpy(buf, inode->priv, len);
	return (long)len;
}

static int ramfs_link(struct inode *dir, struct dentry *d, struct inode *target)
{
	if (target->nlink >= 65000)
		return -EMLINK;
	target->nlink++;
	target->ctime = vfs_now();
	d_instantiate(d, iget(target));
	touch(dir);
	return 0;
}

static int ramfs_unlink(struct inode *dir, struct dentry *d)
{
	d->inode->nlink--;
	d->inode->ctime = vfs_now();
	touch(dir);
	return 0;
}

static int ramfs_rmdir(struct inode *dir, struct dentry *d)
{
	d->inode->nlink = 0;
	dir->nlink--;
	touch(dir);
	return 0;
}

static int ramfs_rename(struct inode *odir, struct dentry *od, struct inode *ndir, struct dentry *nd)
{
	bool is_dir = S_ISDIR(od->inode->mode);

	if (nd->inode) {
		if (S_ISDIR(nd->inode->mode)) {
			nd->inode->nlink = 0;
			ndir->nlink--;
		} else {
			nd->inode->nlink--;
		}
	}
	if (is_dir && odir != ndir) {
		odir->nlink--;
		ndir->nlink++;
	}
	od->inode->ctime = vfs_now();
	touch(odir);
	touch(ndir);
	return 0;
}

/* getdents: "." and ".." at cookies 0 and 1, then the children in creation order by their cookies. */
static int ramfs_iterate(struct file *file, struct dir_ctx *ctx)
{
	struct dentry *dir = file->dentry;
	struct list_node *n;

	vfs_lock();
	if (ctx->pos == 0) {
		if (!ctx->emit(ctx, ".", 1, dir->inode->ino, DT_DIR))
			goto out;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		struct dentry *up = dir->parent;

		if (dir->mount && dir->mount->mountpoint)
			up = dir->mount->mountpoint->parent;
		if (!ctx->emit(ctx, "..", 2, up->inode->ino, DT_DIR))
			goto out;
		ctx->pos = 2;
	}
	for (n = dir->children.next; n != &dir->children; n = n->next) {
		struct dentry *d = list_entry(n, struct dentry, sibling);

		if (d->seq < ctx->pos)
			continue;
		if (!ctx->emit(ctx, d->name, d->len, d->inode->ino, (d->inode->mode & S_IFMT) >> 12))
			break;
		ctx->pos = d->seq + 1;
	}
out:
	vfs_unlock();
	return 0;
}

static const struct inode_ops ramfs_dir_iops = {
	.create = ramfs_create_node,
	.mkdir = ramfs_mkdir,
	.symlink = ramfs_symlink,
	.link = ramfs_link,
	.unlink = ramfs_unlink,
	.rmdir = ramfs_rmdir,
	.rename = ramfs_rename,
	.evict = ramfs_evict,
};

static const struct inode_ops ramfs_file_iops = {
	.truncate = ramfs_truncate,
	.evict = ramfs_evict,
};

static const struct inode_ops ramfs_link_iops = {
	.readlink = ramfs_readlink,
	.evict = ramfs_evict,
};

static const struct file_ops ramfs_dir_fops = {
	.iterate = ramfs_iterate,
};

static const struct file_ops ramfs_file_fops = {
	.read = ramfs_read,
	.write = ramfs_write,
	.mmap = ramfs_mmap,
	.fsync = ramfs_fsync,
};

static struct inode *ramfs_root(struct super *sb)
{
	return ramfs_inode(sb, S_IFDIR | 0755);
}

struct super *ramfs_create(const char *fstype)
{
	struct super *sb = super_alloc(fstype, SUPER_DCACHE_COMPLETE, ramfs_root);

	if (sb)
		sb->magic = RAMFS_MAGIC;
	return sb;
}

/* memfd_create(2): a file in a private ramfs that no directory names ("/memfd:NAME (deleted)"). */
struct file *ramfs_open_anonymous(const char *name)
{
	static struct super *sb;
	char label[8 + NAME_MAX + 1] = "memfd:";
	struct inode *inode;
	struct dentry *d;
	struct file *f;

	vfs_lock();
	if (!sb)
		sb = ramfs_create("memfd");
	inode = sb ? ramfs_inode(sb, S_IFREG | 0777) : NULL;
	strlcpy(label + 6, name, sizeof(label) - 6);
	d = inode ? d_alloc(sb->root, label, strlen(label)) : NULL;
	if (!d) {
		iput(inode);
		vfs_unlock();
		return NULL;
	}
	inode->nlink = 0;
	d->inode = inode;
	d->flags |= DENTRY_DEAD;
	vfs_unlock();
	f = file_alloc(iget(inode), d, &ramfs_file_fops, FILE_READ | FILE_WRITE, O_RDWR);
	if (!f) {
		iput(inode);
		vfs_lock();
		dput(d);
		vfs_unlock();
	}
	return f;
}
