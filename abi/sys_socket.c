/* SPDX-License-Identifier: BSD-2-Clause */
/* The socket syscalls: user memory in and out, descriptors, and the options every family shares; the rest goes to the family. */
#include <mote/errno.h>
#include "abi/fdtable.h"
#include "abi/process.h"
#include "abi/syscall.h"
#include "abi/usercopy.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "lib/string.h"
#include "net/socket.h"

/* Linux include/uapi/linux/uio.h: the most iovec elements one call takes. */
#define UIO_MAXIOV	1024
/* Option values are copied through a kernel buffer of this size (the largest Linux option Mote knows fits). */
#define OPT_MAX		256
#define IOV_ON_STACK	8

/* The user's struct msghdr on x86_64 (socket.h; socklen_t is 32 bits, then padding). */
struct user_msghdr {
	uint64_t name;
	uint32_t namelen;
	uint32_t pad0;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
	uint32_t pad1;
};

/* struct mmsghdr (sendmmsg(2)): a msghdr and the bytes that message moved. */
struct user_mmsghdr {
	struct user_msghdr hdr;
	uint32_t len;
	uint32_t pad;
};

/* The socket at fd with a reference on its file (fput when done): -EBADF, -ENOTSOCK. */
static long sock_get(long fd, struct file **fp, struct socket **sp)
{
	struct file *f = fd_get((int)fd);

	if (!f)
		return -EBADF;
	*sp = file_socket(f);
	if (!*sp) {
		fput(f);
		return -ENOTSOCK;
	}
	*fp = f;
	return 0;
}

/* A user address of len bytes into buf (SOCKADDR_MAX). bind(2), connect(2): EINVAL for a bad length. */
static long addr_in(uint64_t uaddr, long len, void *buf)
{
	if ((int)len < 0 || (int)len > SOCKADDR_MAX)
		return -EINVAL;
	if (len && copy_from_user(buf, uaddr, (size_t)len))
		return -EFAULT;
	return 0;
}

/*
 * Writes an address out the way accept(2), getsockname(2) and recvfrom(2)
 * do: at most *ulen bytes, and the full length back in *ulen (a longer
 * address is truncated, not an error).
 */
static long addr_out(uint64_t uaddr, uint64_t ulen, const void *addr, size_t len)
{
	int32_t have;

	if (!uaddr)
		return 0;
	if (copy_from_user(&have, ulen, sizeof(have)))
		return -EFAULT;
	if (have < 0)
		return -EINVAL;
	if (copy_to_user(uaddr, addr, MIN((size_t)have, len)))
		return -EFAULT;
	have = (int32_t)len;
	return copy_to_user(ulen, &have, sizeof(have)) ? -EFAULT : 0;
}

static bool file_nonblock(struct file *f)
{
	return READ_ONCE(f->flags) & O_NONBLOCK;
}

/* Installs a new socket's file: its fd, or -errno with the file dropped. */
static long sock_install(struct socket *s, long flags)
{
	int fd = fd_install(s->file, 0, flags & SOCK_CLOEXEC);

	if (fd < 0)
		fput(s->file);
	return fd;
}

/* socket(2): SOCK_NONBLOCK and SOCK_CLOEXEC ride in type; any other unknown bit is EINVAL. */
static long split_type(long type, int *base, long *flags)
{
	*flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	*base = (int)(type & ~(long)(SOCK_NONBLOCK | SOCK_CLOEXEC));
	if (*base < 0 || *base > SOCK_TYPE_MASK)
		return -EINVAL;
	return 0;
}

long sys_socket(long family, long type, long protocol, long a3, long a4, long a5)
{
	struct socket *s;
	long flags, r;
	int base;

	(void)a3, (void)a4, (void)a5;
	r = split_type(type, &base, &flags);
	if (r)
		return r;
	r = sock_create((int)family, base, (int)protocol, (uint32_t)flags & O_NONBLOCK, &s);
	return r ? r : sock_install(s, flags);
}

long sys_socketpair(long family, long type, long protocol, long usv, long a4, long a5)
{
	const struct sock_family *fam = sock_family_find((int)family);
	struct socket *a, *b;
	int sv[2];
	long flags, r;
	int base;

	(void)a4, (void)a5;
	r = split_type(type, &base, &flags);
	if (r)
		return r;
	if (!fam)
		return -EAFNOSUPPORT;
	if (!fam->pair)
		return -EOPNOTSUPP;
	r = sock_create((int)family, base, (int)protocol, (uint32_t)flags & O_NONBLOCK, &a);
	if (r)
		return r;
	r = sock_create((int)family, base, (int)protocol, (uint32_t)flags & O_NONBLOCK, &b);
	if (r) {
		fput(a->file);
		return r;
	}
	r = fam->pair(a, b);
	if (r) {
		fput(a->file);
		fput(b->file);
		return r;
	}
	sv[0] = fd_install(a->file, 0, flags & SOCK_CLOEXEC);
	if (sv[0] < 0) {
		fput(a->file);
		fput(b->file);
		return sv[0];
	}
	sv[1] = fd_install(b->file, 0, flags & SOCK_CLOEXEC);
	if (sv[1] < 0) {
		fd_close(sv[0]);
		fput(b->file);
		return sv[1];
	}
	/* socketpair(2): on error no descriptors stay open. */
	if (copy_to_user((uint64_t)usv, sv, sizeof(sv))) {
		fd_close(sv[0]);
		fd_close(sv[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_bind(long fd, long uaddr, long len, long a3, long a4, long a5)
{
	uint8_t addr[SOCKADDR_MAX];
	struct socket *s;
	struct file *f;
	long r;

	(void)a3, (void)a4, (void)a5;
	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	r = addr_in((uint64_t)uaddr, len, addr);
	if (!r)
		r = s->ops->bind ? s->ops->bind(s, addr, (size_t)len) : -EOPNOTSUPP;
	fput(f);
	return r;
}

long sys_listen(long fd, long backlog, long a2, long a3, long a4, long a5)
{
	struct socket *s;
	struct file *f;
	long r;

	(void)a2, (void)a3, (void)a4, (void)a5;
	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	/* listen(2): a backlog above somaxconn is silently capped (a negative one too, as unsigned). */
	if ((unsigned int)backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	r = s->ops->listen ? s->ops->listen(s, (int)backlog) : -EOPNOTSUPP;
	fput(f);
	return r;
}

long sys_accept4(long fd, long uaddr, long ulen, long flags, long a4, long a5)
{
	uint8_t addr[SOCKADDR_MAX];
	size_t len = sizeof(addr);
	struct socket *s, *ns = NULL;
	struct file *f;
	int32_t have = 0;
	long r;

	(void)a4, (void)a5;
	if (flags & ~(long)(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	/* accept(2): EINVAL for a negative addrlen, EFAULT for an unreadable one, before any connection is taken. */
	if (uaddr) {
		if (copy_from_user(&have, (uint64_t)ulen, sizeof(have))) {
			fput(f);
			return -EFAULT;
		}
		if (have < 0) {
			fput(f);
			return -EINVAL;
		}
	}
	r = s->ops->accept ? s->ops->accept(s, &ns, file_nonblock(f), addr, &len) : -EOPNOTSUPP;
	fput(f);
	if (r)
		return r;
	if (flags & SOCK_NONBLOCK)
		ns->file->flags |= O_NONBLOCK;
	r = addr_out((uint64_t)uaddr, (uint64_t)ulen, addr, len);
	if (r) {
		/* Linux too loses the connection when the address cannot be written. */
		fput(ns->file);
		return r;
	}
	return sock_install(ns, flags);
}

long sys_accept(long fd, long uaddr, long ulen, long a3, long a4, long a5)
{
	(void)a3;
	return sys_accept4(fd, uaddr, ulen, 0, a4, a5);
}

long sys_connect(long fd, long uaddr, long len, long a3, long a4, long a5)
{
	uint8_t addr[SOCKADDR_MAX];
	struct socket *s;
	struct file *f;
	long r;

	(void)a3, (void)a4, (void)a5;
	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	r = addr_in((uint64_t)uaddr, len, addr);
	if (!r)
		r = s->ops->connect ? s->ops->connect(s, addr, (size_t)len, file_nonblock(f)) : -EOPNOTSUPP;
	fput(f);
	return r;
}

static long do_send(struct file *f, struct socket *s, struct sock_msg *m, int flags)
{
	long r;

	if (file_nonblock(f))
		flags |= MSG_DONTWAIT;
	r = s->ops->sendmsg ? s->ops->sendmsg(s, m, flags) : -EOPNOTSUPP;
	/* send(2): EPIPE on a stream socket also raises SIGPIPE, unless MSG_NOSIGNAL (Linux sk_stream_error). */
	if (r == -EPIPE && s->type == SOCK_STREAM && !(flags & MSG_NOSIGNAL))
		signal_raise_sigpipe();
	return r;
}

static long do_recv(struct file *f, struct socket *s, struct sock_msg *m, int flags)
{
	if (file_nonblock(f))
		flags |= MSG_DONTWAIT;
	return s->ops->recvmsg ? s->ops->recvmsg(s, m, flags) : -EOPNOTSUPP;
}

long sys_sendto(long fd, long buf, long n, long flags, long uaddr, long alen)
{
	struct user_iovec v = { (uint64_t)buf, (uint64_t)n };
	struct sock_msg *m;
	struct socket *s;
	struct file *f;
	long r;

	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	/* The message carries a 128-byte address: on the heap, not on a 16 KiB kernel stack's deep path. */
	m = kcalloc(1, sizeof(*m));
	if (!m) {
		fput(f);
		return -ENOMEM;
	}
	m->iov = &v;
	m->iovcnt = 1;
	if (uaddr) {
		r = addr_in((uint64_t)uaddr, alen, m->name);
		m->namelen = (size_t)alen;
	}
	if (!r)
		r = do_send(f, s, m, (int)flags);
	kfree(m);
	fput(f);
	return r;
}

long sys_recvfrom(long fd, long buf, long n, long flags, long uaddr, long ulen)
{
	struct user_iovec v = { (uint64_t)buf, (uint64_t)n };
	struct sock_msg *m;
	struct socket *s;
	struct file *f;
	long r, w;

	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	m = kcalloc(1, sizeof(*m));
	if (!m) {
		fput(f);
		return -ENOMEM;
	}
	m->iov = &v;
	m->iovcnt = 1;
	r = do_recv(f, s, m, (int)flags);
	/* recvfrom(2): a connected stream socket leaves the address alone (namelen 0 from the family). */
	if (r >= 0 && uaddr && m->namelen) {
		w = addr_out((uint64_t)uaddr, (uint64_t)ulen, m->name, m->namelen);
		if (w)
			r = w;
	} else if (r >= 0 && uaddr) {
		int32_t zero = 0;

		if (copy_to_user((uint64_t)ulen, &zero, sizeof(zero)))
			r = -EFAULT;
	}
	kfree(m);
	fput(f);
	return r;
}

/*
 * Reads a user msghdr and its iovec into m (iov in *iov_alloc when it does
 * not fit the caller's stack array). For sendmsg the address is copied in.
 */
static long msg_in(uint64_t umsg, struct user_msghdr *h, struct sock_msg *m, struct user_iovec *stack_iov,
		   struct user_iovec **iov_alloc, bool send)
{
	struct user_iovec *iov = stack_iov;

	*iov_alloc = NULL;
	if (copy_from_user(h, umsg, sizeof(*h)))
		return -EFAULT;
	if (h->iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	if (h->iovlen > IOV_ON_STACK) {
		iov = kmalloc(h->iovlen * sizeof(*iov));
		if (!iov)
			return -ENOMEM;
		*iov_alloc = iov;
	}
	if (h->iovlen && copy_from_user(iov, h->iov, h->iovlen * sizeof(*iov)))
		return -EFAULT;
	/* readv(2): the total length must fit ssize_t. */
	uint64_t total = 0;

	for (size_t i = 0; i < h->iovlen; i++) {
		if (iov[i].len > (uint64_t)INT64_MAX - total)
			return -EINVAL;
		total += iov[i].len;
	}
	m->iov = iov;
	m->iovcnt = (size_t)h->iovlen;
	m->ctl = h->control;
	m->ctl_len = (size_t)h->controllen;
	if (send && h->name && h->namelen) {
		if (h->namelen > SOCKADDR_MAX)
			return -EINVAL;
		if (copy_from_user(m->name, h->name, h->namelen))
			return -EFAULT;
		m->namelen = h->namelen;
	}
	return 0;
}

static long sendmsg_one(struct file *f, struct socket *s, uint64_t umsg, int flags)
{
	struct user_iovec stack_iov[IOV_ON_STACK], *iov_alloc;
	struct user_msghdr h;
	struct sock_msg *m = kcalloc(1, sizeof(*m));
	long r;

	if (!m)
		return -ENOMEM;
	r = msg_in(umsg, &h, m, stack_iov, &iov_alloc, true);
	if (!r)
		r = do_send(f, s, m, flags);
	kfree(iov_alloc);
	kfree(m);
	return r;
}

static long recvmsg_one(struct file *f, struct socket *s, uint64_t umsg, int flags)
{
	struct user_iovec stack_iov[IOV_ON_STACK], *iov_alloc;
	struct user_msghdr h;
	struct sock_msg *m = kcalloc(1, sizeof(*m));
	long r;

	if (!m)
		return -ENOMEM;
	r = msg_in(umsg, &h, m, stack_iov, &iov_alloc, false);
	if (!r)
		r = do_recv(f, s, m, flags);
	if (r >= 0) {
		/* recvmsg(2): msg_namelen, msg_controllen and msg_flags are written back. */
		uint32_t namelen = (uint32_t)m->namelen;

		if (h.name && namelen && copy_to_user(h.name, m->name, MIN(namelen, h.namelen)))
			r = -EFAULT;
		h.namelen = h.name ? namelen : 0;
		h.controllen = m->ctl_used;
		h.flags = m->out_flags;
		if (r >= 0 && (copy_to_user(umsg + offsetof(struct user_msghdr, namelen), &h.namelen,
					    sizeof(h.namelen)) ||
			       copy_to_user(umsg + offsetof(struct user_msghdr, controllen), &h.controllen,
					    sizeof(h.controllen)) ||
			       copy_to_user(umsg + offsetof(struct user_msghdr, flags), &h.flags, sizeof(h.flags))))
			r = -EFAULT;
	}
	kfree(iov_alloc);
	kfree(m);
	return r;
}

long sys_sendmsg(long fd, long umsg, long flags, long a3, long a4, long a5)
{
	struct socket *s;
	struct file *f;
	long r;

	(void)a3, (void)a4, (void)a5;
	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	r = sendmsg_one(f, s, (uint64_t)umsg, (int)flags);
	fput(f);
	return r;
}

long sys_recvmsg(long fd, long umsg, long flags, long a3, long a4, long a5)
{
	struct socket *s;
	struct file *f;
	long r;

	(void)a3, (void)a4, (void)a5;
	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	r = recvmsg_one(f, s, (uint64_t)umsg, (int)flags);
	fput(f);
	return r;
}

/*
 * sendmmsg(2)/recvmmsg(2): one message after another, stopping at the
 * first error; the count done is returned if any was (the error then
 * waits for the next call, as Linux). recvmmsg's timeout is not honoured
 * beyond each message's own blocking.
 */
static long mmsg(long fd, uint64_t uvec, long vlen, int flags, bool send)
{
	struct socket *s;
	struct file *f;
	long r, done = 0;

	if (vlen < 0)
		return -EINVAL;
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	for (; done < vlen; done++) {
		uint64_t um = uvec + (uint64_t)done * sizeof(struct user_mmsghdr);
		uint32_t len;

		r = send ? sendmsg_one(f, s, um, flags) : recvmsg_one(f, s, um, flags);
		if (r < 0)
			break;
		len = (uint32_t)r;
		if (copy_to_user(um + offsetof(struct user_mmsghdr, len), &len, sizeof(len))) {
			r = -EFAULT;
			break;
		}
		/* recvmmsg(2): MSG_WAITFORONE (0x10000) makes every message after the first non-blocking. */
		if (!send && (flags & 0x10000))
			flags |= MSG_DONTWAIT;
	}
	fput(f);
	return done ? done : r;
}

long sys_sendmmsg(long fd, long uvec, long vlen, long flags, long a4, long a5)
{
	(void)a4, (void)a5;
	return mmsg(fd, (uint64_t)uvec, vlen, (int)flags, true);
}

long sys_recvmmsg(long fd, long uvec, long vlen, long flags, long utimeout, long a5)
{
	(void)utimeout, (void)a5;
	return mmsg(fd, (uint64_t)uvec, vlen, (int)flags, false);
}

long sys_shutdown(long fd, long how, long a2, long a3, long a4, long a5)
{
	struct socket *s;
	struct file *f;
	long r;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	r = s->ops->shutdown ? s->ops->shutdown(s, (int)how) : -EOPNOTSUPP;
	fput(f);
	return r;
}

static long getname(long fd, long uaddr, long ulen, bool peer)
{
	uint8_t addr[SOCKADDR_MAX];
	size_t len = sizeof(addr);
	struct socket *s;
	struct file *f;
	long r;

	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	r = s->ops->getname ? s->ops->getname(s, addr, &len, peer) : -EOPNOTSUPP;
	fput(f);
	if (r)
		return r;
	if (!uaddr)
		return -EFAULT;
	return addr_out((uint64_t)uaddr, (uint64_t)ulen, addr, MIN(len, sizeof(addr)));
}

long sys_getsockname(long fd, long uaddr, long ulen, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return getname(fd, uaddr, ulen, false);
}

long sys_getpeername(long fd, long uaddr, long ulen, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return getname(fd, uaddr, ulen, true);
}

/* struct timeval as SO_RCVTIMEO/SO_SNDTIMEO take it on x86_64 (socket(7)). */
struct user_timeval {
	int64_t sec;
	int64_t usec;
};

/* The options of SOL_SOCKET that are the socket's, not the family's: 1 when handled (result in *r). */
static bool generic_setsockopt(struct socket *s, int level, int name, const void *val, size_t len, long *r)
{
	const struct user_timeval *tv = val;

	if (level != SOL_SOCKET || (name != SO_RCVTIMEO && name != SO_SNDTIMEO))
		return false;
	if (len < sizeof(*tv)) {
		*r = -EINVAL;
		return true;
	}
	/* socket(7): usec must be in [0, 1e6); a negative time (Linux: sec < 0) means no timeout. */
	if (tv->usec < 0 || tv->usec >= 1000000) {
		*r = -EDOM;
		return true;
	}
	uint64_t ns = 0;

	if (tv->sec > 0 || tv->usec > 0)
		ns = tv->sec >= (int64_t)(UINT64_MAX / 1000000000ull) - 1 ? 0 :
			(uint64_t)tv->sec * 1000000000ull + (uint64_t)tv->usec * 1000ull;
	if (name == SO_RCVTIMEO)
		s->rcvtimeo_ns = ns;
	else
		s->sndtimeo_ns = ns;
	*r = 0;
	return true;
}

static bool generic_getsockopt(struct socket *s, int level, int name, void *val, size_t *len, long *r)
{
	int v;

	if (level != SOL_SOCKET)
		return false;
	switch (name) {
	case SO_RCVTIMEO:
	case SO_SNDTIMEO: {
		uint64_t ns = name == SO_RCVTIMEO ? s->rcvtimeo_ns : s->sndtimeo_ns;
		struct user_timeval tv = { (int64_t)(ns / 1000000000ull), (int64_t)(ns % 1000000000ull / 1000) };

		memcpy(val, &tv, sizeof(tv));
		*len = sizeof(tv);
		*r = 0;
		return true;
	}
	case SO_TYPE:
		v = s->type;
		break;
	case SO_DOMAIN:
		v = s->family;
		break;
	case SO_PROTOCOL:
		v = s->protocol;
		break;
	default:
		return false;
	}
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	*r = 0;
	return true;
}

long sys_setsockopt(long fd, long level, long name, long uval, long len, long a5)
{
	uint8_t val[OPT_MAX];
	struct socket *s;
	struct file *f;
	long r;

	(void)a5;
	if ((int)len < 0)
		return -EINVAL;
	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	/* Longer values than any option Mote knows are cut: every option reads only its own length. */
	size_t n = MIN((size_t)(int)len, sizeof(val));

	if (n && copy_from_user(val, (uint64_t)uval, n)) {
		fput(f);
		return -EFAULT;
	}
	if (!generic_setsockopt(s, (int)level, (int)name, val, n, &r))
		r = s->ops->setsockopt ? s->ops->setsockopt(s, (int)level, (int)name, val, n) : -ENOPROTOOPT;
	fput(f);
	return r;
}

long sys_getsockopt(long fd, long level, long name, long uval, long ulen, long a5)
{
	uint8_t val[OPT_MAX];
	struct socket *s;
	struct file *f;
	int32_t have;
	size_t len;
	long r;

	(void)a5;
	r = sock_get(fd, &f, &s);
	if (r)
		return r;
	if (copy_from_user(&have, (uint64_t)ulen, sizeof(have))) {
		fput(f);
		return -EFAULT;
	}
	if (have < 0) {
		fput(f);
		return -EINVAL;
	}
	len = sizeof(val);
	memset(val, 0, sizeof(val));
	if (!generic_getsockopt(s, (int)level, (int)name, val, &len, &r))
		r = s->ops->getsockopt ? s->ops->getsockopt(s, (int)level, (int)name, val, &len) :
			-ENOPROTOOPT;
	fput(f);
	if (r)
		return r;
	/* getsockopt(2): the value is cut to the caller's buffer; optlen reports what was written. */
	len = MIN(len, (size_t)have);
	if (copy_to_user((uint64_t)uval, val, len))
		return -EFAULT;
	have = (int32_t)len;
	return copy_to_user((uint64_t)ulen, &have, sizeof(have)) ? -EFAULT : 0;
}
