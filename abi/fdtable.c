/* SPDX-License-Identifier: BSD-2-Clause */
/* The fd table: a growable array of open files under a spinlock, shared by all the process's threads. */
#include <mote/errno.h>
#include "abi/fdtable.h"
#include "abi/process.h"
#include "fs/devfs.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "kernel/spinlock.h"
#include "lib/string.h"

#define FD_TABLE_MAX (1 << 20)		/* NR_OPEN: RLIMIT_NOFILE cannot go past it */
#define FD_INITIAL 16

static struct spinlock lock;
/* The first FD_INITIAL slots are static: a program that opens few files never allocates a table. */
static struct file *initial_files[FD_INITIAL];
static uint64_t initial_cloexec[1];
static struct file **files = initial_files;
static uint64_t *cloexec = initial_cloexec;	/* one bit per fd */
static int cap = FD_INITIAL;

int fd_limit(void)
{
	uint64_t l = process_rlimit(RLIMIT_NOFILE);

	return l < FD_TABLE_MAX ? (int)l : FD_TABLE_MAX;
}

/* Grows the arrays to hold fd; called without the lock (it allocates). */
static int grow(int fd)
{
	int ncap = cap;
	struct file **nf;
	uint64_t *nc;
	uint64_t flags;

	while (ncap <= fd)
		ncap *= 2;
	nf = kcalloc((size_t)ncap, sizeof(*nf));
	nc = kcalloc((size_t)(ncap + 63) / 64, sizeof(*nc));
	if (!nf || !nc) {
		kfree(nf);
		kfree(nc);
		return -ENOMEM;
	}
	flags = spin_lock_irqsave(&lock);
	if (ncap > cap) {
		struct file **of = files;
		uint64_t *oc = cloexec;

		memcpy(nf, files, (size_t)cap * sizeof(*nf));
		memcpy(nc, cloexec, (size_t)(cap + 63) / 64 * sizeof(*nc));
		files = nf;
		cloexec = nc;
		cap = ncap;
		/* The static first table is not the heap's: only a grown one is freed. */
		nf = of == initial_files ? NULL : of;
		nc = oc == initial_cloexec ? NULL : oc;
	}
	spin_unlock_irqrestore(&lock, flags);
	kfree(nf);
	kfree(nc);
	return 0;
}

static void set_cloexec_locked(int fd, bool on)
{
	if (on)
		cloexec[fd / 64] |= 1ull << (fd % 64);
	else
		cloexec[fd / 64] &= ~(1ull << (fd % 64));
}

int fd_install(struct file *f, int min, bool ce)
{
	for (;;) {
		uint64_t flags = spin_lock_irqsave(&lock);
		int fd;

		int lim = fd_limit();

		for (fd = min; fd < cap && fd < lim; fd++) {
			if (!files[fd]) {
				files[fd] = f;
				set_cloexec_locked(fd, ce);
				spin_unlock_irqrestore(&lock, flags);
				return fd;
			}
		}
		spin_unlock_irqrestore(&lock, flags);
		if (fd >= lim)
			return -EMFILE;
		if (grow(fd))
			return -ENOMEM;
	}
}

int fd_install_at(struct file *f, int fd, bool ce)
{
	struct file *old;
	uint64_t flags;

	if (fd < 0 || fd >= fd_limit())
		return -EBADF;
	if (fd >= cap && grow(fd))
		return -ENOMEM;
	flags = spin_lock_irqsave(&lock);
	old = files[fd];
	files[fd] = f;
	set_cloexec_locked(fd, ce);
	spin_unlock_irqrestore(&lock, flags);
	fput(old);
	return fd;
}

struct file *fd_get(int fd)
{
	struct file *f = NULL;
	uint64_t flags;

	if (fd < 0)
		return NULL;
	flags = spin_lock_irqsave(&lock);
	if (fd < cap && files[fd])
		f = fget(files[fd]);
	spin_unlock_irqrestore(&lock, flags);
	return f;
}

int fd_close(int fd)
{
	struct file *f = NULL;
	uint64_t flags;

	if (fd < 0)
		return -EBADF;
	flags = spin_lock_irqsave(&lock);
	if (fd < cap) {
		f = files[fd];
		files[fd] = NULL;
	}
	spin_unlock_irqrestore(&lock, flags);
	if (!f)
		return -EBADF;
	fput(f);
	return 0;
}

int fd_get_cloexec(int fd)
{
	uint64_t flags = spin_lock_irqsave(&lock);
	int r = fd >= 0 && fd < cap && files[fd] ? !!(cloexec[fd / 64] & (1ull << (fd % 64))) : -EBADF;

	spin_unlock_irqrestore(&lock, flags);
	return r;
}

int fd_set_cloexec(int fd, bool on)
{
	uint64_t flags = spin_lock_irqsave(&lock);
	int r = -EBADF;

	if (fd >= 0 && fd < cap && files[fd]) {
		set_cloexec_locked(fd, on);
		r = 0;
	}
	spin_unlock_irqrestore(&lock, flags);
	return r;
}

void fd_for_each(void (*fn)(int fd, struct file *f, void *ctx), void *ctx)
{
	for (int fd = 0;; fd++) {
		struct file *f;
		uint64_t flags = spin_lock_irqsave(&lock);

		if (fd >= cap) {
			spin_unlock_irqrestore(&lock, flags);
			return;
		}
		f = files[fd] ? fget(files[fd]) : NULL;
		spin_unlock_irqrestore(&lock, flags);
		if (f) {
			fn(fd, f, ctx);
			fput(f);
		}
	}
}

int fdtable_init(void)
{
	struct file *f = devfs_open_console();
	int r;

	if (!f)
		return -ENOMEM;
	/* One open file behind fds 0, 1 and 2, as init's are on Linux (opened once, then dup'ed). */
	for (int i = 0; i < 3; i++) {
		r = fd_install(i ? fget(f) : f, i, false);
		if (r < 0) {
			fput(f);
			return r;
		}
	}
	return 0;
}
