/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtual file system: inodes, the dentry cache, mounts, open files, and what a file system implements. */
#ifndef FS_VFS_H
#define FS_VFS_H

#include <mote/types.h>
#include "kernel/mutex.h"
#include "kernel/vm.h"
#include "lib/list.h"

/* Linux include/uapi/linux/stat.h: file type and permission bits of st_mode. */
#define S_IFMT		0170000
#define S_IFSOCK	0140000
#define S_IFLNK		0120000
#define S_IFREG		0100000
#define S_IFBLK		0060000
#define S_IFDIR		0040000
#define S_IFCHR		0020000
#define S_IFIFO		0010000
#define S_ISUID		0004000
#define S_ISGID		0002000
#define S_ISVTX		0001000
#define S_IALLUGO	0007777
#define S_ISREG(m)	(((m) & S_IFMT) == S_IFREG)
#define S_ISDIR(m)	(((m) & S_IFMT) == S_IFDIR)
#define S_ISLNK(m)	(((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m)	(((m) & S_IFMT) == S_IFCHR)
#define S_ISFIFO(m)	(((m) & S_IFMT) == S_IFIFO)

/* Linux include/uapi/asm-generic/fcntl.h (x86_64 values). */
#define O_ACCMODE	00000003
#define O_RDONLY	00000000
#define O_WRONLY	00000001
#define O_RDWR		00000002
#define O_CREAT		00000100
#define O_EXCL		00000200
#define O_NOCTTY	00000400
#define O_TRUNC		00001000
#define O_APPEND	00002000
#define O_NONBLOCK	00004000
#define O_DSYNC		00010000
#define O_DIRECT	00040000
#define O_LARGEFILE	00100000
#define O_DIRECTORY	00200000
#define O_NOFOLLOW	00400000
#define O_NOATIME	01000000
#define O_CLOEXEC	02000000
#define O_PATH		010000000
#define O_TMPFILE	(020000000 | O_DIRECTORY)
/* Flags an open file keeps and F_GETFL reports (the rest act at open only). */
#define O_STATUS_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_DIRECT | O_NOATIME | O_LARGEFILE | O_PATH)
/* Flags F_SETFL may change (fcntl(2)). */
#define O_SETFL_FLAGS	(O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME)

/* Linux include/uapi/linux/fs.h: renameat2 flags. */
#define RENAME_NOREPLACE	1
#define RENAME_EXCHANGE		2
#define RENAME_WHITEOUT		4

/* d_type of getdents64 (Linux include/linux/fs_types.h: mode >> 12). */
#define DT_UNKNOWN	0
#define DT_FIFO		1
#define DT_CHR		2
#define DT_DIR		4
#define DT_BLK		6
#define DT_REG		8
#define DT_LNK		10
#define DT_SOCK		12

#define NAME_MAX	255
#define PATH_MAX	4096
#define SYMLINK_MAX_FOLLOW 40	/* as Linux: ELOOP after this many symlinks in one walk */

struct inode;
struct dentry;
struct file;
struct super;
struct pollhead;
struct poll_table;

struct vfs_time {
	int64_t sec;
	int64_t nsec;
};

/* The time of files made during boot, resolved when read (see vfs_now). */
#define VFS_TIME_BOOT_INIT	{ INT64_MIN, 0 }

/*
 * Where a read's bytes go or a write's come from: the application's memory
 * (every access through the fault-safe user copies) or a kernel buffer.
 * Each copy advances addr.
 */
struct uio {
	uint64_t addr;
	bool kernel;
};

/* 0 or -EFAULT. */
int uio_copy_out(struct uio *u, const void *src, size_t n);
int uio_copy_in(struct uio *u, void *dst, size_t n);
int uio_zero(struct uio *u, size_t n);

/* What getdents64 receives, one entry at a time: false stops the walk (buffer full). */
struct dir_ctx {
	bool (*emit)(struct dir_ctx *ctx, const char *name, size_t len, uint64_t ino,
		     unsigned int type);
	uint64_t pos;			/* the cookie of the entry after the last one emitted */
};

/*
 * What a file system does to names. Every call is made with the VFS lock
 * held (vfs_lock); `d` is a dentry of `dir` that the call makes positive
 * (create, mkdir, symlink, link: d_instantiate) or that it removes.
 * lookup is only called by file systems that do not keep every name in
 * the dentry cache (SUPER_DCACHE_COMPLETE not set): it fills d->inode or
 * leaves d negative.
 */
struct inode_ops {
	int (*lookup)(struct inode *dir, struct dentry *d);
	int (*create)(struct inode *dir, struct dentry *d, uint32_t mode, uint64_t rdev);
	int (*mkdir)(struct inode *dir, struct dentry *d, uint32_t mode);
	int (*symlink)(struct inode *dir, struct dentry *d, const char *target);
	int (*link)(struct inode *dir, struct dentry *d, struct inode *target);
	int (*unlink)(struct inode *dir, struct dentry *d);
	int (*rmdir)(struct inode *dir, struct dentry *d);
	/* Moves od (in odir) over nd (in ndir, maybe positive); the VFS moves the dentries afterwards. */
	int (*rename)(struct inode *odir, struct dentry *od, struct inode *ndir, struct dentry *nd);
	/* Copies the target into buf (not NUL-terminated): its length or -errno. */
	long (*readlink)(struct inode *inode, char *buf, size_t n);
	int (*truncate)(struct inode *inode, uint64_t size);
	/* Frees the file system's part of an inode whose last reference and last link are gone. */
	void (*evict)(struct inode *inode);
};

/*
 * What an open file does. Any may be NULL: read/write then fail with
 * -EINVAL, ioctl with -ENOTTY, poll reports readable and writable (as a
 * regular file is), llseek uses the inode's size (or -ESPIPE when
 * FILE_STREAM), mmap is refused with -ENODEV.
 */
struct file_ops {
	/* Called once when the file is opened (char devices pick their driver here): 0 or -errno. */
	int (*open)(struct inode *inode, struct file *f);
	long (*read)(struct file *f, struct uio *u, size_t n, uint64_t *pos);
	long (*write)(struct file *f, struct uio *u, size_t n, uint64_t *pos);
	int (*iterate)(struct file *f, struct dir_ctx *ctx);
	long (*ioctl)(struct file *f, unsigned int cmd, uint64_t arg);
	/*
	 * The events ready now (POLLIN, POLLOUT, ...). With pt, also subscribes
	 * pt to every pollhead whose notify can change the answer
	 * (poll_subscribe), before computing it, so no change is missed.
	 */
	unsigned int (*poll)(struct file *f, struct poll_table *pt);
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	/* The pager a file mapping uses (reference held by the caller's mapping). */
	int (*mmap)(struct file *f, struct vm_pager **pager);
	int (*fsync)(struct file *f);
	void (*release)(struct file *f);
};

struct inode {
	uint64_t ino;
	uint32_t mode;			/* S_IF* | permissions */
	uint32_t nlink;
	uint32_t uid, gid;
	uint64_t size;
	uint64_t rdev;			/* device number of S_IFCHR/S_IFBLK nodes */
	uint64_t blocks;		/* 512-byte units allocated (stat's st_blocks) */
	struct vfs_time atime, mtime, ctime;
	int refs;			/* open files, dentries and mappings holding it */
	const struct inode_ops *iops;
	const struct file_ops *fops;
	struct super *sb;
	void *priv;			/* the file system's */
	struct mutex lock;		/* the file's data and size */
};

/* A name in a directory; the dentry cache keeps them by (parent, name). */
struct dentry {
	char *name;
	size_t len;
	uint32_t hash;
	struct dentry *parent;		/* itself for a file system's root */
	struct inode *inode;		/* NULL: negative (only while a lookup or create runs) */
	struct list_node children;	/* in creation order: readdir cookies follow it */
	struct list_node sibling;
	struct list_node hash_link;
	uint64_t seq;			/* readdir cookie: position among its parent's children */
	uint64_t next_seq;		/* the next child's cookie */
	int refs;			/* open files, cwd, walks in progress */
	unsigned int flags;
	struct mount *mounted;		/* a file system mounted on this directory */
	struct mount *mount;		/* set on the root dentry of a mounted file system */
	struct super *sb;
};

#define DENTRY_HASHED	1u		/* in the cache and in its parent's children */
#define DENTRY_DEAD	2u		/* unlinked or gone: /proc/self/fd names it "(deleted)" */

/* One instance of a file system. */
struct super {
	const char *fstype;
	unsigned int flags;
	uint64_t next_ino;
	struct dentry *root;
	void *priv;
	uint32_t magic;			/* statfs f_type */
};

#define SUPER_DCACHE_COMPLETE	1u	/* every name is in the dentry cache (ramfs): a miss is ENOENT */
#define SUPER_READONLY		2u

struct mount {
	struct super *sb;
	struct dentry *root;		/* the file system's root */
	struct dentry *mountpoint;	/* where it sits; NULL for the root file system */
};

/* An open file: the object an fd names; shared by dup and across threads. */
struct file {
	int refs;
	uint32_t flags;			/* O_STATUS_FLAGS */
	unsigned int mode;		/* FILE_READ | FILE_WRITE | FILE_STREAM */
	uint64_t pos;
	struct inode *inode;		/* NULL for anonymous files without one */
	struct dentry *dentry;		/* NULL for anonymous files (pipes, sockets, eventfd, epoll) */
	const struct file_ops *ops;
	void *priv;
	const char *anon_name;		/* /proc/self/fd names anonymous files "anon_inode:[NAME]" */
};

#define FILE_READ	1u
#define FILE_WRITE	2u
#define FILE_STREAM	4u		/* no position: lseek is -ESPIPE, pread/pwrite too */

/* ---------------------------------------------------------------- the namespace */

/* The VFS lock: every change of names, the dentry cache and mounts. */
void vfs_lock(void);
void vfs_unlock(void);

/* Prepares the VFS; called once at boot. It builds nothing: see vfs_root(). */
int vfs_init(void);
/*
 * The root of the namespace and the process's working directory. The
 * first call builds the tree (a ramfs root, /dev, /proc): a boot that
 * never names a file never pays for it.
 */
struct dentry *vfs_root(void);
struct dentry *vfs_cwd(void);
/* Makes d the working directory (a reference is taken). -ENOTDIR unless a directory. */
int vfs_set_cwd(struct dentry *d);

/* Mounts sb's root on the directory at path (absolute). */
int vfs_mount(const char *path, struct super *sb);

/* Dentries and inodes (references). */
struct dentry *dget(struct dentry *d);
void dput(struct dentry *d);
struct inode *iget(struct inode *inode);
void iput(struct inode *inode);

/* For file systems: a new inode of sb (one reference), or NULL. */
struct inode *inode_alloc(struct super *sb, uint32_t mode);
/* Attaches inode (its reference passes to d) and enters d in the cache. */
void d_instantiate(struct dentry *d, struct inode *inode);
/* A new super with its root directory inode; NULL when out of memory. */
struct super *super_alloc(const char *fstype, unsigned int flags, struct inode *(*make_root)(struct super *));
/* Adds a child dentry to a file system's directory without going through a syscall (devfs, initrd). */
struct dentry *d_alloc(struct dentry *parent, const char *name, size_t len);
/* Removes d from the cache (the name is gone); the dentry lives on while referenced. */
void d_drop(struct dentry *d);
/* Moves a dentry under new_parent with a new name (rename), vfs_lock held: 0 or -ENOMEM. */
int d_move(struct dentry *d, struct dentry *new_parent, const char *name, size_t len);
/* Calls fn for each mount, root file system first (/proc/mounts). */
void vfs_for_each_mount(void (*fn)(const struct mount *m, void *ctx), void *ctx);
/* Writes d's path from the namespace root into buf: length, or -ENAMETOOLONG. */
long d_path(struct dentry *d, char *buf, size_t size);

/* Path walk flags. */
#define WALK_FOLLOW	1u		/* follow a symlink in the last component */
#define WALK_DIRECTORY	2u		/* the result must be a directory */
#define WALK_PARENT	4u		/* stop at the parent: result is the parent, *last its last name */
#define WALK_EMPTY_PATH	8u		/* "" names `start` itself (AT_EMPTY_PATH) */

/*
 * Walks path from `start` (or the root when the path is absolute), with
 * vfs_lock held. On success *out holds a reference. With WALK_PARENT,
 * *last points into path at the last component (its length in *last_len;
 * "." and ".." are returned as names too).
 */
int vfs_walk(struct dentry *start, const char *path, unsigned int flags, struct dentry **out,
	     const char **last, size_t *last_len);
/* Looks up one name in dir (vfs_lock held): a referenced dentry, positive or negative, or an error. */
int vfs_lookup_one(struct dentry *dir, const char *name, size_t len, struct dentry **out);

/* ---------------------------------------------------------------- operations on paths */

/* The *at calls' base: the dentry dirfd names, or the cwd for AT_FDCWD. Reference held. */
int vfs_open(struct dentry *start, const char *path, int flags, uint32_t mode, struct file **out);
int vfs_mknod(struct dentry *start, const char *path, uint32_t mode, uint64_t rdev);
int vfs_mkdir(struct dentry *start, const char *path, uint32_t mode);
int vfs_symlink(const char *target, struct dentry *start, const char *path);
int vfs_link(struct dentry *ostart, const char *opath, struct dentry *nstart, const char *npath,
	     unsigned int walk_flags);
int vfs_unlink(struct dentry *start, const char *path, bool dir);
int vfs_rename(struct dentry *ostart, const char *opath, struct dentry *nstart, const char *npath,
	       unsigned int flags);
long vfs_readlink(struct dentry *start, const char *path, char *buf, size_t n);
int vfs_truncate(struct inode *inode, uint64_t size);
/* The umask applied to the mode of created files. */
extern uint32_t vfs_umask;

/* ---------------------------------------------------------------- open files */

/*
 * A file object for an inode (or anonymous when inode is NULL), with one
 * reference; it takes over the caller's references to inode and d. NULL
 * on -ENOMEM (the caller keeps its references then).
 */
struct file *file_alloc(struct inode *inode, struct dentry *d, const struct file_ops *ops,
			unsigned int mode, uint32_t flags);
struct file *fget(struct file *f);
void fput(struct file *f);
/* Called by fput for every file whose last reference goes, before release (epoll forgets it). */
extern void (*file_release_hook)(struct file *f);

long file_read(struct file *f, struct uio *u, size_t n, uint64_t *pos);
long file_write(struct file *f, struct uio *u, size_t n, uint64_t *pos);
int64_t file_llseek(struct file *f, int64_t off, int whence);
unsigned int file_poll(struct file *f, struct poll_table *pt);
/* Reads a whole small file into a kernel buffer (initrd tools, /proc): bytes read or -errno. */
long kernel_read_file(const char *path, void *buf, size_t n);
/* Creates or truncates path and writes n bytes (initrd unpacking): 0 or -errno. */
int kernel_write_file(const char *path, const void *buf, size_t n, uint32_t mode);

/* Copies stat(2) fields of an inode (struct stat_user is abi/'s; the VFS fills a neutral form). */
struct kstat {
	uint64_t dev, ino, nlink, rdev, size, blksize, blocks;
	uint32_t mode, uid, gid;
	struct vfs_time atime, mtime, ctime;
};
void vfs_getattr(struct inode *inode, struct kstat *st);
/* The time now for inode timestamps. */
struct vfs_time vfs_now(void);

/* Character devices: devfs nodes find their file_ops by device number. */
#define MKDEV(major, minor)	(((uint64_t)(major) << 8) | (minor))
int chrdev_register(uint64_t rdev, const struct file_ops *ops);
const struct file_ops *chrdev_find(uint64_t rdev);

#endif
