/* SPDX-License-Identifier: BSD-2-Clause */
/* Sockets as files: the family-independent layer between the socket syscalls and each address family. */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H

#include <mote/types.h>
#include "fs/poll.h"
#include "kernel/waitq.h"

struct file;
struct poll_table;

/* Linux include/linux/socket.h: address families. */
#define AF_UNSPEC	0
#define AF_UNIX		1
#define AF_INET		2
#define AF_INET6	10
#define AF_NETLINK	16
#define AF_PACKET	17

/* Linux include/linux/net.h: socket types, and the flags socket(2) takes in type. */
#define SOCK_STREAM	1
#define SOCK_DGRAM	2
#define SOCK_RAW	3
#define SOCK_SEQPACKET	5
#define SOCK_TYPE_MASK	0xf
#define SOCK_NONBLOCK	00004000	/* O_NONBLOCK */
#define SOCK_CLOEXEC	02000000	/* O_CLOEXEC */

/* Linux include/linux/socket.h: send/recv flags. */
#define MSG_OOB		0x1
#define MSG_PEEK	0x2
#define MSG_DONTROUTE	0x4
#define MSG_CTRUNC	0x8
#define MSG_TRUNC	0x20
#define MSG_DONTWAIT	0x40
#define MSG_EOR		0x80
#define MSG_WAITALL	0x100
#define MSG_NOSIGNAL	0x4000
#define MSG_MORE	0x8000
#define MSG_CMSG_CLOEXEC 0x40000000

/* shutdown(2) */
#define SHUT_RD		0
#define SHUT_WR		1
#define SHUT_RDWR	2

/* Linux include/uapi/asm-generic/socket.h (x86_64): SOL_SOCKET options. */
#define SOL_SOCKET	1
#define SO_DEBUG	1
#define SO_REUSEADDR	2
#define SO_TYPE		3
#define SO_ERROR	4
#define SO_DONTROUTE	5
#define SO_BROADCAST	6
#define SO_SNDBUF	7
#define SO_RCVBUF	8
#define SO_KEEPALIVE	9
#define SO_OOBINLINE	10
#define SO_NO_CHECK	11
#define SO_PRIORITY	12
#define SO_LINGER	13
#define SO_REUSEPORT	15
#define SO_PASSCRED	16
#define SO_PEERCRED	17
#define SO_RCVLOWAT	18
#define SO_SNDLOWAT	19
#define SO_RCVTIMEO	20		/* SO_RCVTIMEO_OLD: struct timeval of 64-bit fields on x86_64 */
#define SO_SNDTIMEO	21
#define SO_ACCEPTCONN	30
#define SO_SNDBUFFORCE	32
#define SO_RCVBUFFORCE	33
#define SO_PROTOCOL	38
#define SO_DOMAIN	39

/* Linux include/linux/socket.h: protocol levels. */
#define SOL_IP		0
#define SOL_TCP		6
#define SOL_UDP		17
#define SOL_IPV6	41

/* Linux include/linux/socket.h: control messages. */
#define SCM_RIGHTS	1
#define SCM_CREDENTIALS	2

/* Linux include/uapi/asm-generic/ioctls.h and sockios.h. */
#define FIONREAD	0x541B
#define FIONBIO		0x5421
#define SIOCINQ		FIONREAD
#define SIOCOUTQ	0x5411

/* Linux include/linux/socket.h: struct sockaddr_storage is 128 bytes. */
#define SOCKADDR_MAX	128
/* Linux include/net/sock.h: SOMAXCONN since 5.4 (listen's backlog is capped to it). */
#define SOMAXCONN	4096

/* The user's struct iovec (readv(2)). */
struct user_iovec {
	uint64_t base;
	uint64_t len;
};

/*
 * A message being sent or received, after the syscall layer has read the
 * user's struct msghdr: the data's iovec (its elements name user memory,
 * or kernel memory when `kernel`), the address (a kernel copy, at most
 * SOCKADDR_MAX bytes) and the control buffer (user memory). The iterator
 * state (iov_idx, iov_off) advances with every copy.
 */
struct sock_msg {
	const struct user_iovec *iov;
	size_t iovcnt;
	size_t iov_idx;			/* the element the next copy starts in */
	size_t iov_off;			/* and the offset inside it */
	bool kernel;			/* iov bases are kernel addresses */
	/* sendmsg: the destination (namelen 0: none); recvmsg: set to the source by the family. */
	uint8_t name[SOCKADDR_MAX];
	size_t namelen;
	/* The user's control buffer: sendmsg reads ctl_len bytes; recvmsg writes at most ctl_len and sets ctl_used. */
	uint64_t ctl;
	size_t ctl_len;
	size_t ctl_used;
	int out_flags;			/* recvmsg: MSG_TRUNC, MSG_CTRUNC, MSG_EOR */
};

/* Copies n bytes out of (into) the message's iovec and advances it: 0 or -EFAULT. */
int sock_msg_copy_in(struct sock_msg *m, void *dst, size_t n);
int sock_msg_copy_out(struct sock_msg *m, const void *src, size_t n);
/* Bytes left in the iovec after the iterator. */
size_t sock_msg_left(const struct sock_msg *m);
/* Skips n bytes (a datagram's truncated tail is not copied). */
void sock_msg_skip(struct sock_msg *m, size_t n);

struct socket;

/*
 * What an address family does. Addresses and option values are kernel
 * copies (the syscall layer copies them in and out, at most SOCKADDR_MAX
 * bytes for addresses and 256 for options). `nonblock` is the file's
 * O_NONBLOCK (or MSG_DONTWAIT in flags for send/recv). Blocking calls
 * honour sock->rcvtimeo_ns / sndtimeo_ns (-EAGAIN when they expire, as
 * Linux) and return -EINTR never (Mote does not interrupt sleeps yet).
 * Any op may be NULL: the call then fails with -EOPNOTSUPP.
 */
struct sock_ops {
	int (*bind)(struct socket *s, const void *addr, size_t len);
	int (*listen)(struct socket *s, int backlog);
	/* A new socket (made with sock_alloc) for the next connection; *peer gets its address when asked. */
	int (*accept)(struct socket *s, struct socket **out, bool nonblock, void *peer, size_t *peerlen);
	int (*connect)(struct socket *s, const void *addr, size_t len, bool nonblock);
	/* Bytes sent, or -errno (-EPIPE: the caller raises nothing, Mote has no SIGPIPE yet). */
	long (*sendmsg)(struct socket *s, struct sock_msg *m, int flags);
	/* Bytes received (a datagram's whole length with MSG_TRUNC in flags), or -errno. */
	long (*recvmsg)(struct socket *s, struct sock_msg *m, int flags);
	int (*shutdown)(struct socket *s, int how);
	/* *len holds the buffer's size on entry and the address's full length on return. */
	int (*getname)(struct socket *s, void *addr, size_t *len, bool peer);
	int (*setsockopt)(struct socket *s, int level, int name, const void *val, size_t len);
	/* *len holds the buffer's size on entry and the value's length on return. */
	int (*getsockopt)(struct socket *s, int level, int name, void *val, size_t *len);
	/* Events ready now; subscribes pt to s->ph first (see file_ops.poll). */
	unsigned int (*poll)(struct socket *s, struct poll_table *pt);
	/* Family ioctls (FIONREAD, SIOCOUTQ...): -ENOTTY when unknown. */
	long (*ioctl)(struct socket *s, unsigned int cmd, uint64_t arg);
	/* The last file reference is gone: close (lingering as SO_LINGER says) and free priv. */
	void (*release)(struct socket *s);
};

/* An address family: makes sockets of its types. */
struct sock_family {
	int family;
	/* Fills s->ops and s->priv for (type, protocol): 0, -EPROTONOSUPPORT, -ESOCKTNOSUPPORT, -ENOMEM. */
	int (*create)(struct socket *s, int type, int protocol);
	/* socketpair(2): connects two sockets made by create; NULL: -EOPNOTSUPP. */
	int (*pair)(struct socket *a, struct socket *b);
};

struct socket {
	int family, type, protocol;
	const struct sock_ops *ops;
	void *priv;			/* the family's */
	struct file *file;		/* the file that owns it (no reference: the file owns the socket) */
	/*
	 * Readiness: the family calls sock_wake() after every change that may
	 * make an event true; blocked callers sleep on wq, pollers on ph.
	 */
	struct pollhead ph;
	struct waitq wq;
	uint64_t wake_seq;		/* bumped by every sock_wake (under wq.lock): see sock_wait */
	uint64_t rcvtimeo_ns, sndtimeo_ns;	/* SO_RCVTIMEO / SO_SNDTIMEO: 0 waits for ever */
};

/*
 * A new socket of family/type/protocol in a new file (one reference;
 * O_NONBLOCK from flags). 0 with *out set, or -EAFNOSUPPORT, the family's
 * error, -ENOMEM, -ENFILE.
 */
int sock_create(int family, int type, int protocol, uint32_t flags, struct socket **out);
/* A socket made by a family itself (accept): like sock_create, but ops/priv are the caller's to set. */
int sock_alloc(struct socket *parent, uint32_t flags, struct socket **out);
/* The socket an open file is, or NULL. */
struct socket *file_socket(struct file *f);
/* The family registered for AF_*, or NULL. */
const struct sock_family *sock_family_find(int family);

/* Wakes every thread blocked on the socket and notifies pollers of events. */
void sock_wake(struct socket *s, unsigned int events);
/*
 * Sleeps on s->wq until woken or until the deadline (0: none). `unlock` /
 * `relock` drop and retake the caller's lock around the sleep. Call it
 * with that lock held and the condition just checked under it; every
 * sock_wake made after the check (under the same lock) ends or prevents
 * the sleep. 0, or -ETIMEDOUT.
 */
int sock_wait(struct socket *s, uint64_t deadline_ns, void (*unlock)(void *), void (*relock)(void *),
	      void *lock);
/* The deadline for a blocking call from a SO_*TIMEO value (0: none). */
uint64_t sock_deadline(uint64_t timeo_ns);

/* Address families compiled in (net/unix.c, net/lwip/inet.c). */
extern const struct sock_family unix_family;
extern const struct sock_family inet_family;
extern const struct sock_family inet6_family;

#endif
