/* SPDX-License-Identifier: BSD-2-Clause */
/* Pipes (pipe(7)): a page-backed byte ring with blocking ends, atomic small writes, EOF, EPIPE and readiness. */
#include <mote/errno.h>
#include "abi/usercopy.h"
#include "fs/pipe.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "kernel/mutex.h"
#include "kernel/waitq.h"
#include "lib/string.h"

/* ioctl_tty(2)/ioctl(2): bytes waiting to be read, as an int. */
#define FIONREAD		0x541B
/* statfs(2): PIPEFS_MAGIC, the f_type of pipes' file system. */
#define PIPEFS_MAGIC		0x50495045

/*
 * The ring is `size` bytes in lazily allocated pages; rpos and wpos count
 * the bytes ever read and written, so wpos - rpos is what is buffered and
 * pos % size its place. The mutex serialises the data and the counts; a
 * reader or writer that must wait sleeps on its wait queue, whose lock it
 * takes before dropping the mutex, so a change made under the mutex and
 * then woken cannot slip between its check and its sleep.
 */
struct pipe {
	struct mutex lock;
	struct waitq rd_wq;		/* readers waiting for data or the last writer's close */
	struct waitq wr_wq;		/* writers waiting for room or the last reader's close */
	struct pollhead ph;		/* both ends' pollers */
	uint8_t **pages;
	size_t size;			/* capacity in bytes: a power of two number of pages */
	size_t npages_alloc;		/* pages allocated so far */
	uint64_t rpos, wpos;
	int readers, writers;		/* open files on each end */
	int files;			/* files that still point here: the last one frees */
};

/* Pipes have inodes so that fstat reports S_IFIFO (stat(2)), in a super of their own. */
static struct super pipefs = { .fstype = "pipefs", .magic = PIPEFS_MAGIC };
static uint64_t pipe_ino;

static const struct file_ops pipe_ops;

bool file_is_pipe(const struct file *f)
{
	return f && f->ops == &pipe_ops;
}

/*
 * Bytes buffered. poll reads it without the lock: rpos first, then wpos
 * (both only grow), so a racing read and write can make the answer stale
 * but never negative.
 */
static size_t pipe_len(const struct pipe *p)
{
	uint64_t r = __atomic_load_n(&p->rpos, __ATOMIC_ACQUIRE);
	uint64_t w = __atomic_load_n(&p->wpos, __ATOMIC_ACQUIRE);

	return MIN((size_t)(w - r), READ_ONCE(p->size));
}

/*
 * Sleeps on wq with p->lock dropped, and takes p->lock again: 0, or -EINTR
 * when a signal's handler is to run (the syscall layer restarts the call
 * or not, signal(7)).
 */
static int pipe_wait(struct pipe *p, struct waitq *wq)
{
	struct waiter w;
	uint64_t flags = spin_lock_irqsave(&wq->lock);
	int r;

	mutex_unlock(&p->lock);
	r = waitq_wait_intr_locked(wq, &w, 0, &flags, 0);
	spin_unlock_irqrestore(&wq->lock, flags);
	mutex_lock(&p->lock);
	return r == -EINTR ? r : 0;
}

/* The page holding ring offset off, allocated on first use; NULL when out of memory. */
static uint8_t *pipe_page(struct pipe *p, size_t off, bool alloc)
{
	size_t i = off / PAGE_SIZE;

	if (!p->pages[i] && alloc) {
		p->pages[i] = kmalloc(PAGE_SIZE);
		if (p->pages[i])
			p->npages_alloc++;
	}
	return p->pages[i];
}

/* An empty pipe keeps only the page the next write goes to: idle pipes cost one page. */
static void pipe_trim(struct pipe *p)
{
	size_t keep = (size_t)(p->wpos % p->size) / PAGE_SIZE;

	if (p->npages_alloc <= 1)
		return;
	for (size_t i = 0; i < p->size / PAGE_SIZE; i++) {
		if (i != keep && p->pages[i]) {
			kfree(p->pages[i]);
			p->pages[i] = NULL;
			p->npages_alloc--;
		}
	}
}

static void pipe_free(struct pipe *p)
{
	for (size_t i = 0; i < p->size / PAGE_SIZE; i++)
		kfree(p->pages[i]);
	kfree(p->pages);
	kfree(p);
}

static long pipe_read(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	struct pipe *p = f->priv;
	size_t done = 0, want;
	long ret;

	(void)pos;
	/* read(2): a zero count returns 0 and has no other effect. */
	if (n == 0)
		return 0;
	mutex_lock(&p->lock);
	while (p->wpos == p->rpos) {
		/* pipe(7): all writers gone and nothing buffered is end of file. */
		if (!p->writers) {
			mutex_unlock(&p->lock);
			return 0;
		}
		if (READ_ONCE(f->flags) & O_NONBLOCK) {
			mutex_unlock(&p->lock);
			return -EAGAIN;
		}
		if (pipe_wait(p, &p->rd_wq)) {
			mutex_unlock(&p->lock);
			return -EINTR;
		}
	}
	want = MIN(n, pipe_len(p));
	ret = 0;
	while (done < want) {
		size_t off = (size_t)(p->rpos % p->size);
		size_t k = MIN(want - done, PAGE_SIZE - off % PAGE_SIZE);
		uint8_t *page = pipe_page(p, off, false);

		/* A fault ends the read: what was copied stays read, as on Linux. */
		if (uio_copy_out(u, page + off % PAGE_SIZE, k)) {
			ret = -EFAULT;
			break;
		}
		p->rpos += k;
		done += k;
	}
	if (p->rpos == p->wpos)
		pipe_trim(p);
	if (done) {
		waitq_wake(&p->wr_wq, -1);
		pollhead_notify(&p->ph, POLLOUT | POLLWRNORM);
	}
	mutex_unlock(&p->lock);
	return done ? (long)done : ret;
}

static long pipe_write(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	struct pipe *p = f->priv;
	size_t done = 0;
	bool wrote = false;
	long ret = 0;

	(void)pos;
	if (n == 0)
		return 0;
	mutex_lock(&p->lock);
	while (done < n) {
		size_t room, need, k, off;
		uint8_t *page;

		/*
		 * pipe(7): writing with no reader left is EPIPE, and SIGPIPE to
		 * the writer. The signal is the syscall layer's to raise (a file
		 * system knows no threads): abi/sys_io.c raises it on -EPIPE.
		 */
		if (!p->readers) {
			ret = -EPIPE;
			break;
		}
		room = p->size - pipe_len(p);
		/*
		 * pipe(7): up to PIPE_BUF bytes go in at once or not at all (the
		 * rest of such a write always fits: room was checked for all of
		 * it and only this write, holding the mutex, took any); more may
		 * be split.
		 */
		need = n <= PIPE_BUF ? n - done : 1;
		if (room < need) {
			if (READ_ONCE(f->flags) & O_NONBLOCK) {
				ret = -EAGAIN;
				break;
			}
			/* Let readers drain what is there before sleeping for room. */
			if (wrote) {
				waitq_wake(&p->rd_wq, -1);
				pollhead_notify(&p->ph, POLLIN | POLLRDNORM);
				wrote = false;
			}
			/* Interrupted: what was written counts (pipe(7)), else EINTR. */
			if (pipe_wait(p, &p->wr_wq)) {
				ret = -EINTR;
				break;
			}
			continue;
		}
		off = (size_t)(p->wpos % p->size);
		k = MIN(MIN(n - done, room), PAGE_SIZE - off % PAGE_SIZE);
		page = pipe_page(p, off, true);
		if (!page) {
			ret = -ENOMEM;
			break;
		}
		/* Page by page; readers wait on the mutex, so an atomic write still lands whole. */
		if (uio_copy_in(u, page + off % PAGE_SIZE, k)) {
			ret = -EFAULT;
			break;
		}
		p->wpos += k;
		done += k;
		wrote = true;
	}
	if (wrote) {
		waitq_wake(&p->rd_wq, -1);
		pollhead_notify(&p->ph, POLLIN | POLLRDNORM);
	}
	mutex_unlock(&p->lock);
	return done ? (long)done : ret;
}

static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	unsigned int events = 0;
	size_t len;

	poll_subscribe(pt, &p->ph);
	len = pipe_len(p);
	/* Linux fs/pipe.c pipe_poll: the read end is readable with data, hung up without writers. */
	if (f->mode & FILE_READ) {
		if (len)
			events |= POLLIN | POLLRDNORM;
		if (!READ_ONCE(p->writers))
			events |= POLLHUP;
	}
	/* Writable when an atomic write fits; an error once no reader is left (epoll_ctl(2)). */
	if (f->mode & FILE_WRITE) {
		if (READ_ONCE(p->size) - len >= PIPE_BUF)
			events |= POLLOUT | POLLWRNORM;
		if (!READ_ONCE(p->readers))
			events |= POLLERR;
	}
	return events;
}

static long pipe_resize(struct pipe *p, uint64_t arg);

/* FIONREAD; sys_fcntl hands its Linux-specific commands (F_GETPIPE_SZ, F_SETPIPE_SZ) here too. */
static long pipe_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	struct pipe *p = f->priv;
	int n;

	switch (cmd) {
	case FIONREAD:
		n = (int)pipe_len(p);
		return copy_to_user(arg, &n, sizeof(n)) ? -EFAULT : 0;
	case F_GETPIPE_SZ:
		return (long)READ_ONCE(p->size);
	case F_SETPIPE_SZ:
		return pipe_resize(p, arg);
	default:
		return -ENOTTY;
	}
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;

	mutex_lock(&p->lock);
	if (f->mode & FILE_READ)
		p->readers--;
	if (f->mode & FILE_WRITE)
		p->writers--;
	/* Sleepers recheck: readers see EOF, writers EPIPE. */
	waitq_wake(&p->rd_wq, -1);
	waitq_wake(&p->wr_wq, -1);
	if (f->mode & FILE_WRITE && !p->writers)
		pollhead_notify(&p->ph, POLLHUP | POLLIN | POLLRDNORM);
	if (f->mode & FILE_READ && !p->readers)
		pollhead_notify(&p->ph, POLLERR | POLLOUT | POLLWRNORM);
	mutex_unlock(&p->lock);
	/* Counted apart from the ends so the other end's release never frees a mutex still being unlocked. */
	if (__atomic_sub_fetch(&p->files, 1, __ATOMIC_ACQ_REL) == 0)
		pipe_free(p);
}

static const struct file_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
};

static struct pipe *pipe_alloc(void)
{
	struct pipe *p = kcalloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->size = PIPE_DEF_SIZE;
	p->pages = kcalloc(p->size / PAGE_SIZE, sizeof(*p->pages));
	if (!p->pages) {
		kfree(p);
		return NULL;
	}
	mutex_init(&p->lock);
	waitq_init(&p->rd_wq);
	waitq_init(&p->wr_wq);
	pollhead_init(&p->ph);
	return p;
}

int pipe_create(uint32_t flags, struct file **rd, struct file **wr)
{
	struct pipe *p = pipe_alloc();
	struct inode *inode;
	struct file *r, *w;

	if (!p)
		return -ENOMEM;
	inode = inode_alloc(&pipefs, S_IFIFO | 0600);
	if (!inode) {
		pipe_free(p);
		return -ENOMEM;
	}
	/* inode_alloc numbers without a lock; pipes may be made by several threads at once. */
	inode->ino = __atomic_add_fetch(&pipe_ino, 1, __ATOMIC_RELAXED);
	inode->priv = p;
	flags &= O_NONBLOCK;
	r = file_alloc(inode, NULL, &pipe_ops, FILE_READ | FILE_STREAM, O_RDONLY | flags);
	if (!r) {
		iput(inode);
		pipe_free(p);
		return -ENOMEM;
	}
	w = file_alloc(iget(inode), NULL, &pipe_ops, FILE_WRITE | FILE_STREAM, O_WRONLY | flags);
	if (!w) {
		iput(inode);
		r->ops = NULL;		/* nothing to release yet: the pipe goes below */
		fput(r);
		pipe_free(p);
		return -ENOMEM;
	}
	p->readers = 1;
	p->writers = 1;
	p->files = 2;
	r->priv = w->priv = p;
	r->anon_name = w->anon_name = "pipe";
	*rd = r;
	*wr = w;
	return 0;
}

/* fcntl(2): at least the asked size, rounded up to a power of two number of pages. */
static long pipe_resize(struct pipe *p, uint64_t arg)
{
	size_t size = PAGE_SIZE, len, npages;
	uint8_t **pages;

	/* The int argument is taken as unsigned, as Linux does (fcntl(2) F_SETPIPE_SZ). */
	arg = (uint32_t)arg;
	if (arg > PIPE_MAX_SIZE)
		return -EPERM;
	while (size < arg)
		size <<= 1;
	npages = size / PAGE_SIZE;
	pages = kcalloc(npages, sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	mutex_lock(&p->lock);
	len = pipe_len(p);
	if (len > size) {
		mutex_unlock(&p->lock);
		kfree(pages);
		return -EBUSY;
	}
	if (size != p->size) {
		/*
		 * Copy the buffered bytes to their places in the new ring; rpos
		 * and wpos keep counting, so a lock-free pipe_len stays sane.
		 */
		size_t moved = 0;

		while (moved < len) {
			size_t src = (size_t)((p->rpos + moved) % p->size);
			size_t dst = (size_t)((p->rpos + moved) % size);
			size_t k = MIN(len - moved, PAGE_SIZE - src % PAGE_SIZE);

			k = MIN(k, PAGE_SIZE - dst % PAGE_SIZE);
			if (!pages[dst / PAGE_SIZE]) {
				pages[dst / PAGE_SIZE] = kmalloc(PAGE_SIZE);
				if (!pages[dst / PAGE_SIZE])
					break;
			}
			memcpy(pages[dst / PAGE_SIZE] + dst % PAGE_SIZE,
			       p->pages[src / PAGE_SIZE] + src % PAGE_SIZE, k);
			moved += k;
		}
		if (moved < len) {
			mutex_unlock(&p->lock);
			for (size_t i = 0; i < npages; i++)
				kfree(pages[i]);
			kfree(pages);
			return -ENOMEM;
		}
		for (size_t i = 0; i < p->size / PAGE_SIZE; i++)
			kfree(p->pages[i]);
		kfree(p->pages);
		p->pages = pages;
		p->npages_alloc = 0;
		for (size_t i = 0; i < npages; i++)
			p->npages_alloc += pages[i] != NULL;
		p->size = size;
		waitq_wake(&p->wr_wq, -1);
		pollhead_notify(&p->ph, POLLOUT | POLLWRNORM);
	} else {
		kfree(pages);
	}
	mutex_unlock(&p->lock);
	return (long)size;
}

long pipe_fcntl(struct file *f, unsigned int cmd, uint64_t arg)
{
	if (!file_is_pipe(f))
		return -EBADF;
	if (cmd != F_GETPIPE_SZ && cmd != F_SETPIPE_SZ)
		return -EINVAL;
	return pipe_ioctl(f, cmd, arg);
}
