/* SPDX-License-Identifier: BSD-2-Clause */
/* devfs: a ramfs on /dev with the memory devices (null, zero, full, random, urandom) and the console tty. */
#include <mote/errno.h>
#include "abi/process.h"
#include "fs/devfs.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "kernel/console.h"
#include "kernel/random.h"
#include "kernel/time.h"
#include "lib/string.h"

#define CHUNK 256

/* ---------------------------------------------------------------- memory devices */

/*
 * Their behaviour is Linux's drivers/char/mem.c as null(4), zero(4),
 * full(4) and random(4) describe it: null reads end of file and swallows
 * writes, zero reads zeros, full reads zeros and refuses writes with
 * ENOSPC, random and urandom read the CSPRNG and mix what is written into
 * it. Seeking any of them succeeds and leaves the position at 0.
 */

static int64_t mem_llseek(struct file *f, int64_t off, int whence)
{
	(void)off, (void)whence;
	f->pos = 0;
	return 0;
}

static long null_read(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	(void)f, (void)u, (void)n, (void)pos;
	return 0;
}

static long null_write(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	(void)f, (void)u, (void)pos;
	return (long)n;
}

static long zero_read(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	size_t done = 0;

	(void)f, (void)pos;
	/* In pieces, so a fault part way reports what was written, as read(2) does. */
	while (done < n) {
		size_t k = MIN(n - done, (size_t)PAGE_SIZE);

		if (uio_zero(u, k))
			return done ? (long)done : -EFAULT;
		done += k;
	}
	return (long)done;
}

static long full_write(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	(void)f, (void)u, (void)n, (void)pos;
	return -ENOSPC;
}

static long random_read(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	struct random_stream s;
	char chunk[CHUNK];
	size_t done = 0;

	(void)f, (void)pos;
	random_stream_begin(&s);
	while (done < n) {
		size_t k = MIN(n - done, sizeof(chunk));

		random_stream_read(&s, chunk, k);
		if (uio_copy_out(u, chunk, k))
			break;
		done += k;
	}
	random_stream_end(&s);
	__builtin_memset(chunk, 0, sizeof(chunk));
	return done || !n ? (long)done : -EFAULT;
}

static long random_write(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	char chunk[CHUNK];
	size_t done = 0;

	(void)f, (void)pos;
	while (done < n) {
		size_t k = MIN(n - done, sizeof(chunk));

		if (uio_copy_in(u, chunk, k))
			return done ? (long)done : -EFAULT;
		random_add_entropy(chunk, k);
		done += k;
	}
	return (long)done;
}

static const struct file_ops null_ops = {
	.read = null_read, .write = null_write, .llseek = mem_llseek,
};
static const struct file_ops zero_ops = {
	.read = zero_read, .write = null_write, .llseek = mem_llseek,
};
static const struct file_ops full_ops = {
	.read = zero_read, .write = full_write, .llseek = mem_llseek,
};
static const struct file_ops random_ops = {
	.read = random_read, .write = random_write, .llseek = mem_llseek,
};

/* ---------------------------------------------------------------- the console tty */

/* Linux include/uapi/asm-generic/ioctls.h */
#define TCGETS		0x5401
#define TCSETS		0x5402
#define TCSETSW		0x5403
#define TCSETSF		0x5404
#define TCSBRK		0x5409
#define TCXONC		0x540A
#define TCFLSH		0x540B
#define TIOCSCTTY	0x540E
#define TIOCGPGRP	0x540F
#define TIOCSPGRP	0x5410
#define TIOCGWINSZ	0x5413
#define TIOCSWINSZ	0x5414
#define TIOCNOTTY	0x5422
#define TIOCGSID	0x5429

/*
 * Linux include/uapi/asm-generic/termbits.h: the kernel's struct termios
 * (36 bytes: c_cc has NCCS = 19 entries). TCGETS writes exactly this much;
 * libcs whose struct termios is larger (musl and glibc: 60 bytes, with
 * c_cc[32] and the speeds) keep the rest to themselves.
 */
struct ktermios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
};
_Static_assert(sizeof(struct ktermios) == 36, "struct termios is 36 bytes");

/* Linux include/uapi/asm-generic/termios.h: struct winsize. */
struct winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/*
 * What a fresh Linux tty reports (drivers/tty/tty_io.c tty_std_termios):
 * ICRNL IXON; OPOST ONLCR; B38400 CS8 CREAD HUPCL; ISIG ICANON ECHO ECHOE
 * ECHOK ECHOCTL ECHOKE IEXTEN; c_cc from include/linux/tty.h INIT_C_CC
 * (^C ^\ DEL ^U ^D, VTIME 0, VMIN 1, ^Q ^S ^Z, ^R ^O ^W ^V). TCSETS*
 * store what the application sets, so TCGETS returns it; the console
 * itself does not change behaviour (no echo, no raw mode).
 */
static struct ktermios tty_termios = {
	.c_iflag = 0000400 | 0002000,
	.c_oflag = 0000001 | 0000004,
	.c_cflag = 0000017 | 0000060 | 0000200 | 0002000,
	.c_lflag = 0000001 | 0000002 | 0000010 | 0000020 | 0000040 | 0001000 | 0004000 | 0100000,
	.c_cc = { 003, 034, 0177, 025, 004, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0 },
};
static struct winsize tty_winsize = { 24, 80, 0, 0 };
static int32_t tty_pgrp = 1;	/* the one process is its own group and session */

static int tty_open(struct inode *inode, struct file *f)
{
	(void)inode;
	f->mode |= FILE_STREAM;		/* a terminal has no position: lseek is ESPIPE */
	return 0;
}

/*
 * Blocks until a byte arrives (EAGAIN instead with O_NONBLOCK), then
 * returns what is there, up to a line; CR reads as LF (ICRNL).
 */
static long tty_read(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	char chunk[CHUNK];
	size_t got;

	(void)pos;
	if (!n)
		return 0;
	if (f->flags & O_NONBLOCK) {
		got = console_read_nonblock(chunk, MIN(n, sizeof(chunk)));
		if (!got)
			return -EAGAIN;
	} else {
		got = console_read(chunk, MIN(n, sizeof(chunk)));
	}
	for (size_t i = 0; i < got; i++)
		if (chunk[i] == '\r')
			chunk[i] = '\n';
	if (uio_copy_out(u, chunk, got))
		return -EFAULT;
	return (long)got;
}

static long tty_write(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	char chunk[CHUNK];
	size_t done = 0;

	(void)f, (void)pos;
	/* make bench's boot.hello.insns counts instructions up to here. */
	if (!proc.first_write_tsc)
		proc.first_write_tsc = time_ticks_since_boot();
	while (done < n) {
		size_t k = MIN(n - done, sizeof(chunk));

		if (uio_copy_in(u, chunk, k))
			return done ? (long)done : -EFAULT;
		console_write(chunk, k);
		done += k;
	}
	return (long)done;
}

/* Drops typed input nobody has read (TCSETSF, TCFLSH), as a password prompt expects. */
static void flush_input(void)
{
	char chunk[CHUNK];

	while (console_read_nonblock(chunk, sizeof(chunk)))
		;
}

static long tty_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	struct uio u = { arg, false };
	struct ktermios t;
	struct winsize w;
	int32_t pgrp;

	(void)f;
	switch (cmd) {
	case TCGETS:
		return uio_copy_out(&u, &tty_termios, sizeof(tty_termios));
	case TCSETS:
	case TCSETSW:	/* output is written synchronously: nothing to drain */
	case TCSETSF:
		if (uio_copy_in(&u, &t, sizeof(t)))
			return -EFAULT;
		tty_termios = t;
		if (cmd == TCSETSF)
			flush_input();
		return 0;
	case TIOCGWINSZ:
		return uio_copy_out(&u, &tty_winsize, sizeof(tty_winsize));
	case TIOCSWINSZ:
		if (uio_copy_in(&u, &w, sizeof(w)))
			return -EFAULT;
		tty_winsize = w;
		return 0;
	case TIOCGPGRP:
		return uio_copy_out(&u, &tty_pgrp, sizeof(tty_pgrp));
	case TIOCSPGRP:
		if (uio_copy_in(&u, &pgrp, sizeof(pgrp)))
			return -EFAULT;
		if (pgrp <= 0)
			return -EINVAL;
		tty_pgrp = pgrp;
		return 0;
	case TIOCGSID:
		pgrp = 1;
		return uio_copy_out(&u, &pgrp, sizeof(pgrp));
	case TCFLSH:
		/* tcflush(3): TCIFLUSH 0, TCOFLUSH 1, TCIOFLUSH 2; output is never queued. */
		if (arg > 2)
			return -EINVAL;
		if (arg != 1)
			flush_input();
		return 0;
	case TCSBRK:	/* tcdrain(): written output has left already */
	case TCXONC:
	case TIOCSCTTY:	/* it is the controlling terminal already */
	case TIOCNOTTY:
		return 0;
	}
	return -ENOTTY;
}

static unsigned int tty_poll(struct file *f, struct poll_table *pt)
{
	(void)f;
	return console_poll(pt);
}

static const struct file_ops tty_ops = {
	.open = tty_open,
	.read = tty_read,
	.write = tty_write,
	.ioctl = tty_ioctl,
	.poll = tty_poll,
};

/*
 * fds 0, 1 and 2 of the application: the console with an inode of its own,
 * made without building /dev (a boot that never opens a file never pays
 * for the tree). It names itself /dev/console in /proc/self/fd.
 */
struct file *devfs_open_console(void)
{
	static struct inode console_inode = {
		.ino = 1,
		.mode = S_IFCHR | 0620,
		.nlink = 1,
		.rdev = MKDEV(5, 1),
		.refs = 2,		/* its own and console_file's: never freed */
		.atime = VFS_TIME_BOOT_INIT, .mtime = VFS_TIME_BOOT_INIT, .ctime = VFS_TIME_BOOT_INIT,
	};
	/* Static as its inode: the one reference of its own keeps it from ever being freed. */
	static struct file console_file = {
		.refs = 1,
		.flags = O_RDWR,
		.mode = FILE_READ | FILE_WRITE | FILE_STREAM,	/* a terminal has no position */
		.inode = &console_inode,
		.ops = &tty_ops,
		.anon_name = "/dev/console",
	};

	return fget(&console_file);
}

/* ---------------------------------------------------------------- the tree */

/* Linux Documentation/admin-guide/devices.txt: the numbers programs expect. */
static const struct {
	const char *name;
	uint16_t major, minor;
	uint16_t perm;
	const struct file_ops *ops;
} devices[] = {
	{ "null", 1, 3, 0666, &null_ops },
	{ "zero", 1, 5, 0666, &zero_ops },
	{ "full", 1, 7, 0666, &full_ops },
	{ "random", 1, 8, 0666, &random_ops },
	{ "urandom", 1, 9, 0666, &random_ops },
	{ "tty", 5, 0, 0666, &tty_ops },
	{ "console", 5, 1, 0600, &tty_ops },
};

/* The standard links (as udev and systemd make them): the std streams and fd through /proc. */
static const char *const links[][2] = {
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
	{ "fd", "/proc/self/fd" },
};

/*
 * Makes one name in the fresh devfs straight through ramfs's operations:
 * nothing else can be there yet, so the path walk and lookup vfs_mknod()
 * would repeat for every node are skipped (a fifth of devfs_init's boot
 * instructions), and the modes are the nodes' own, not cut by the umask.
 */
static int devfs_add(struct dentry *root, const char *name, uint32_t mode, uint64_t rdev,
		     const char *target)
{
	const struct inode_ops *ops = root->inode->iops;
	struct dentry *d = d_alloc(root, name, strlen(name));
	int r;

	if (!d)
		return -ENOMEM;
	vfs_lock();
	if (target)
		r = ops->symlink(root->inode, d, target);
	else if (S_ISDIR(mode))
		r = ops->mkdir(root->inode, d, mode);
	else
		r = ops->create(root->inode, d, mode, rdev);
	vfs_unlock();
	dput(d);
	return r;
}

static void keep_first(int *first, int r)
{
	if (r && !*first)
		*first = r;
}

int devfs_init(void)
{
	struct super *sb;
	struct dentry *root;
	int r, first = 0;

	r = vfs_mkdir(NULL, "/dev", 0755);
	if (r && r != -EEXIST)
		return r;
	sb = ramfs_create("devtmpfs");
	if (!sb)
		return -ENOMEM;
	r = vfs_mount("/dev", sb);
	if (r)
		return r;
	root = sb->root;
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		uint64_t rdev = MKDEV(devices[i].major, devices[i].minor);

		r = chrdev_register(rdev, devices[i].ops);
		if (!r)
			r = devfs_add(root, devices[i].name, S_IFCHR | devices[i].perm, rdev, NULL);
		keep_first(&first, r);
	}
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		keep_first(&first, devfs_add(root, links[i][0], S_IFLNK, 0, links[i][1]));
	/* POSIX shared memory (shm_open) lives here: world-writable and sticky, as on Linux. */
	keep_first(&first, devfs_add(root, "shm", S_IFDIR | 01777, 0, NULL));
	return first;
}
