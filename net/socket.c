/* SPDX-License-Identifier: BSD-2-Clause */
/* Sockets as files: creation, the file operations every family shares, message iovecs, blocking and wake-ups. */
#include <mote/errno.h>
#include "abi/usercopy.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "kernel/time.h"
#include "lib/string.h"
#include "net/socket.h"

/* statfs(2): SOCKFS_MAGIC, the f_type of sockets' file system. */
#define SOCKFS_MAGIC	0x534F434B

/* Sockets have inodes so that fstat reports S_IFSOCK and /proc/self/fd names them "socket:[ino]". */
static struct super sockfs = { .fstype = "sockfs", .magic = SOCKFS_MAGIC };
static uint64_t sock_ino;

static const struct sock_family *const families[] = {
	&unix_family,
#ifdef CONFIG_LWIP
	&inet_family,
	&inet6_family,
#endif
};

const struct sock_family *sock_family_find(int family)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i]->family == family)
			return families[i];
	return NULL;
}

/* ---------------------------------------------------------------- message iovecs */

/* Moves the iterator past empty elements so that iov[iov_idx] has bytes left (or the end is reached). */
static void msg_settle(struct sock_msg *m)
{
	while (m->iov_idx < m->iovcnt && m->iov_off >= m->iov[m->iov_idx].len) {
		m->iov_idx++;
		m->iov_off = 0;
	}
}

static int msg_copy(struct sock_msg *m, void *kbuf, size_t n, bool in)
{
	uint8_t *p = kbuf;

	while (n) {
		msg_settle(m);
		if (m->iov_idx >= m->iovcnt)
			return -EFAULT;		/* the caller asked for more than sock_msg_left: a bug */
		const struct user_iovec *v = &m->iov[m->iov_idx];
		size_t k = MIN(n, (size_t)(v->len - m->iov_off));
		uint64_t addr = v->base + m->iov_off;

		if (m->kernel) {
			if (in)
				memcpy(p, (const void *)addr, k);
			else
				memcpy((void *)addr, p, k);
		} else if (in ? copy_from_user(p, addr, k) : copy_to_user(addr, p, k)) {
			return -EFAULT;
		}
		m->iov_off += k;
		p += k;
		n -= k;
	}
	return 0;
}

int sock_msg_copy_in(struct sock_msg *m, void *dst, size_t n)
{
	return msg_copy(m, dst, n, true);
}

int sock_msg_copy_out(struct sock_msg *m, const void *src, size_t n)
{
	return msg_copy(m, (void *)src, n, false);
}

size_t sock_msg_left(const struct sock_msg *m)
{
	size_t left = 0;

	for (size_t i = m->iov_idx; i < m->iovcnt; i++)
		left += (size_t)m->iov[i].len - (i == m->iov_idx ? m->iov_off : 0);
	return left;
}

void sock_msg_skip(struct sock_msg *m, size_t n)
{
	while (n) {
		msg_settle(m);
		if (m->iov_idx >= m->iovcnt)
			return;
		size_t k = MIN(n, (size_t)(m->iov[m->iov_idx].len - m->iov_off));

		m->iov_off += k;
		n -= k;
	}
}

/* ---------------------------------------------------------------- waiting */

/*
 * A wake-up bumps wake_seq under the wait queue's lock. sock_wait reads it
 * while the caller's lock still guards the condition it checked, and only
 * sleeps if no wake-up came since: the caller's lock is dropped before
 * the wait queue's lock is taken. (Dropping it with the queue's spinlock
 * held and interrupts off, as a pipe does, is not safe here: the core
 * lock's waiter is the higher-priority tcpip thread, which could run at
 * once and spin on that same queue lock to wake us.)
 */
void sock_wake(struct socket *s, unsigned int events)
{
	uint64_t flags = spin_lock_irqsave(&s->wq.lock);

	s->wake_seq++;
	waitq_wake_locked(&s->wq, -1);
	spin_unlock_irqrestore(&s->wq.lock, flags);
	pollhead_notify(&s->ph, events);
}

int sock_wait(struct socket *s, uint64_t deadline_ns, void (*unlock)(void *), void (*relock)(void *),
	      void *lock)
{
	uint64_t seq = __atomic_load_n(&s->wake_seq, __ATOMIC_ACQUIRE), flags;
	struct waiter w;
	int r = 0;

	unlock(lock);
	flags = spin_lock_irqsave(&s->wq.lock);
	if (s->wake_seq == seq)
		r = waitq_wait_locked(&s->wq, &w, 0, &flags, deadline_ns);
	spin_unlock_irqrestore(&s->wq.lock, flags);
	relock(lock);
	return r;
}

uint64_t sock_deadline(uint64_t timeo_ns)
{
	return timeo_ns ? time_monotonic_ns() + timeo_ns : 0;
}

/* ---------------------------------------------------------------- the file */

static const struct file_ops sock_file_ops;

struct socket *file_socket(struct file *f)
{
	return f && f->ops == &sock_file_ops ? f->priv : NULL;
}

/* read(2) and write(2) on a socket are recv and send without flags (recv(2), send(2)). */
static long sock_rw(struct file *f, struct uio *u, size_t n, bool send)
{
	struct socket *s = f->priv;
	struct user_iovec v = { u->addr, n };
	struct sock_msg m = { .iov = &v, .iovcnt = 1, .kernel = u->kernel };
	int flags = (READ_ONCE(f->flags) & O_NONBLOCK) ? MSG_DONTWAIT : 0;
	long r;

	if (send)
		r = s->ops->sendmsg ? s->ops->sendmsg(s, &m, flags) : -EOPNOTSUPP;
	else
		r = s->ops->recvmsg ? s->ops->recvmsg(s, &m, flags) : -EOPNOTSUPP;
	if (r > 0)
		u->addr += (uint64_t)r;
	return r;
}

static long sock_read(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	(void)pos;
	return sock_rw(f, u, n, false);
}

static long sock_write(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	(void)pos;
	return sock_rw(f, u, n, true);
}

static unsigned int sock_poll(struct file *f, struct poll_table *pt)
{
	struct socket *s = f->priv;

	if (!s->ops->poll) {
		poll_subscribe(pt, &s->ph);
		return 0;
	}
	return s->ops->poll(s, pt);
}

static long sock_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	struct socket *s = f->priv;

	return s->ops->ioctl ? s->ops->ioctl(s, cmd, arg) : -ENOTTY;
}

static void sock_release(struct file *f)
{
	struct socket *s = f->priv;

	if (s->ops && s->ops->release)
		s->ops->release(s);
	kfree(s);
}

static const struct file_ops sock_file_ops = {
	.read = sock_read,
	.write = sock_write,
	.poll = sock_poll,
	.ioctl = sock_ioctl,
	.release = sock_release,
};

static int sock_new(int family, int type, int protocol, uint32_t flags, struct socket **out)
{
	struct socket *s = kcalloc(1, sizeof(*s));
	struct inode *inode;
	struct file *f;

	if (!s)
		return -ENOMEM;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	pollhead_init(&s->ph);
	waitq_init(&s->wq);
	inode = inode_alloc(&sockfs, S_IFSOCK | 0777);
	if (!inode) {
		kfree(s);
		return -ENOMEM;
	}
	/* inode_alloc numbers without a lock; sockets may be made by several threads at once. */
	inode->ino = __atomic_add_fetch(&sock_ino, 1, __ATOMIC_RELAXED);
	f = file_alloc(inode, NULL, &sock_file_ops, FILE_READ | FILE_WRITE | FILE_STREAM,
		       O_RDWR | (flags & O_NONBLOCK));
	if (!f) {
		iput(inode);
		kfree(s);
		return -ENOMEM;
	}
	f->priv = s;
	f->anon_name = "socket";
	s->file = f;
	*out = s;
	return 0;
}

/* Drops a socket whose family never set it up (creation failed): the file goes, release does nothing. */
static void sock_discard(struct socket *s)
{
	s->ops = NULL;
	fput(s->file);
}

int sock_create(int family, int type, int protocol, uint32_t flags, struct socket **out)
{
	const struct sock_family *fam = sock_family_find(family);
	struct socket *s;
	int r;

	if (!fam)
		return -EAFNOSUPPORT;
	r = sock_new(family, type, protocol, flags, &s);
	if (r)
		return r;
	r = fam->create(s, type, protocol);
	if (r) {
		sock_discard(s);
		return r;
	}
	*out = s;
	return 0;
}

int sock_alloc(struct socket *parent, uint32_t flags, struct socket **out)
{
	return sock_new(parent->family, parent->type, parent->protocol, flags, out);
}
