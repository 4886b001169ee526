/* SPDX-License-Identifier: BSD-2-Clause */
/* AF_UNIX sockets (unix(7)): stream, datagram and seqpacket; path and abstract names; SCM_RIGHTS and credentials. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "abi/fdtable.h"
#include "abi/usercopy.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "kernel/mutex.h"
#include "lib/list.h"
#include "lib/string.h"
#include "net/socket.h"

/* unix(7): struct sockaddr_un is a sa_family_t and a 108-byte sun_path. */
#define UNIX_NAME_OFF		2
#define UNIX_PATH_MAX		108
#define UNIX_ADDR_MAX		(UNIX_NAME_OFF + UNIX_PATH_MAX)
/* Linux net/unix/af_unix.c unix_autobind: "\0" and five hex digits. */
#define UNIX_AUTOBIND_LEN	(UNIX_NAME_OFF + 1 + 5)

/*
 * Buffer sizes as Linux sets them (socket(7)): net.core.wmem_default and
 * rmem_default, capped for SO_SNDBUF/SO_RCVBUF at wmem_max/rmem_max, which
 * the kernel doubles; SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF (include/net/sock.h)
 * below.
 */
#define UNIX_BUF_DEFAULT	212992
#define UNIX_BUF_MAX		212992
#define UNIX_SNDBUF_MIN		4608
#define UNIX_RCVBUF_MIN		2304
#define UNIX_BUF_FORCE_MAX	(0x7fffffff / 2)
/* unix(7) /proc/sys/net/unix/max_dgram_qlen: datagrams a receiver queues from senders it is not connected to. */
#define UNIX_DGRAM_QLEN		10
/* Linux refuses a datagram longer than sndbuf - 32 with EMSGSIZE (af_unix.c unix_dgram_sendmsg). */
#define UNIX_DGRAM_HEADROOM	32
/*
 * What a queued datagram costs its sender's budget beyond its bytes (Linux
 * charges an skb's truesize): it bounds a flood of empty datagrams.
 */
#define UNIX_MSG_COST		512
/* Linux net.core.optmem_max: a longer control buffer is ENOBUFS (net/core/scm.c). */
#define UNIX_CTL_MAX		20480
/* include/net/scm.h SCM_MAX_FD: descriptors one message may carry. */
#define SCM_MAX_FD		253

/* cmsg(3) on x86_64: struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }, 8-byte aligned. */
struct cmsg_hdr {
	uint64_t len;
	int32_t level;
	int32_t type;
};

#define CMSG_HDR_LEN		sizeof(struct cmsg_hdr)
#define CMSG_DATA_LEN(n)	(CMSG_HDR_LEN + (n))
#define CMSG_SPACE_LEN(n)	(CMSG_HDR_LEN + ALIGN_UP((size_t)(n), (size_t)8))

/* unix(7) struct ucred: SO_PEERCRED and SCM_CREDENTIALS. */
struct unix_cred {
	int32_t pid;
	uint32_t uid, gid;
};

/* A bound name, shared by a socket, its accepted connections and their peers' getpeername. */
struct unix_addr {
	int refs;
	size_t len;			/* as getsockname returns it: sun_family and the name */
	uint8_t bytes[UNIX_ADDR_MAX + 1];
};

/*
 * A queued message: a datagram, or a chunk of a byte stream that later
 * writes of the same sender may grow into (cap). The sender is held so
 * that reading refunds its send budget and wakes it, and so that recvfrom
 * reports its address as it is when read (as Linux does).
 */
struct unix_msg {
	struct list_node link;
	struct unix_sock *from;		/* a reference; NULL once dequeued */
	size_t len;			/* bytes in data */
	size_t cap;			/* room in data */
	size_t off;			/* bytes already read (streams) */
	size_t charge;			/* what is still charged to from->wmem */
	struct file **fds;		/* SCM_RIGHTS: references taken at send */
	unsigned int nfds;
	struct unix_cred cred;
	uint8_t data[];
};

/* Stream chunks: a small one fills a slab slot, a large one whole pages (at most 16). */
#define UNIX_CHUNK_SMALL	(HEAP_SMALL_MAX - sizeof(struct unix_msg))
#define UNIX_CHUNK_MAX		(16 * PAGE_SIZE - sizeof(struct unix_msg))

enum unix_state {
	UNIX_CLOSED,			/* not connected (a datagram socket without a default peer) */
	UNIX_LISTEN,
	UNIX_CONNECTED,
};

/* sk_shutdown bits (include/net/sock.h): what shutdown(2) or the peer's close stopped. */
#define UNIX_SHUT_RCV		1u
#define UNIX_SHUT_SEND		2u
#define UNIX_SHUT_BOTH		3u

/* A socket waiting for room at another (a full datagram queue or accept backlog). */
struct unix_waiter {
	struct list_node link;
	struct unix_sock *u;
};

/*
 * One AF_UNIX socket. It outlives its file while others hold it: a peer,
 * a message it sent, a listener's accept queue. An embryo (a connection
 * not yet accepted) has no socket until accept gives it one.
 */
struct unix_sock {
	int refs;
	int type;
	struct socket *sock;		/* NULL after release, and for an embryo */
	enum unix_state state;
	unsigned int shutdown;		/* UNIX_SHUT_* */
	bool dead;			/* released: nothing reaches it any more */
	int err;			/* sk_err: ECONNRESET, reported once (read, SO_ERROR) */
	struct unix_sock *peer;		/* a reference: the connected peer or default destination */
	struct unix_addr *addr;		/* a reference: its name, NULL while unnamed */
	struct inode *inode;		/* a reference: the socket node of a path name */
	struct list_node bound_link;	/* in unix_bound while it owns its name */
	struct list_node rcvq;		/* struct unix_msg */
	size_t rcv_count, rcv_bytes;	/* messages queued, bytes unread */
	size_t wmem;			/* charged by messages it sent that are still queued */
	size_t outq;			/* their bytes unread (SIOCOUTQ) */
	struct list_node acceptq;	/* embryos (accept_link), oldest first */
	struct list_node accept_link;
	unsigned int nacceptq;
	int backlog;
	struct list_node room_waiters;	/* struct unix_waiter: sockets waiting for room here */
	struct unix_waiter peer_wake;	/* poll: on peer's room_waiters while its queue is full */
	int sndbuf, rcvbuf;
	bool passcred;
	bool has_peercred;
	struct unix_cred peercred;
	uint64_t flags;			/* stored boolean SOL_SOCKET options, bit = option number */
	int priority, rcvlowat;
	int32_t linger[2];		/* struct linger: stored, closing never waits */
};

/*
 * One mutex for every AF_UNIX socket and both name tables. Most operations
 * touch two sockets (sender and receiver, connector and listener) and a
 * table; one lock makes each atomic without an order between sockets.
 * Linux splits it per socket for SMP scaling; a unikernel runs one
 * application on a few CPUs and these sections are short, so the simple
 * lock costs little. It is dropped while sleeping (sock_wait) and is never
 * held across fput() (closing a passed descriptor may release another
 * AF_UNIX socket) or VFS calls that take vfs_lock.
 */
static struct mutex unix_lock = MUTEX_INIT(unix_lock);
/* Sockets that own a name: path ones keyed by their node, abstract ones by (type, name). */
static struct list_node unix_bound = LIST_INIT(unix_bound);
static unsigned int unix_autobind_next;

static const struct sock_ops unix_stream_ops, unix_dgram_ops, unix_seqpacket_ops;

/* The process's credentials: getpid() is 1 (abi/sys_process.c), getuid() and getgid() 0. */
static struct unix_cred unix_cred_now(void)
{
	return (struct unix_cred){ 1, 0, 0 };
}

/* ---------------------------------------------------------------- objects */

static void unix_lock_cb(void *l)
{
	mutex_lock(l);
}

static void unix_unlock_cb(void *l)
{
	mutex_unlock(l);
}

/* Sleeps with unix_lock dropped: 0 when woken, -EAGAIN at the deadline (SO_RCVTIMEO/SO_SNDTIMEO, socket(7)). */
static int unix_wait(struct unix_sock *u, uint64_t deadline)
{
	return sock_wait(u->sock, deadline, unix_unlock_cb, unix_lock_cb, &unix_lock) ? -EAGAIN : 0;
}

static void unix_wake(struct unix_sock *u, unsigned int events)
{
	if (u->sock)
		sock_wake(u->sock, events);
}

static struct unix_sock *unix_sock_new(int type)
{
	struct unix_sock *u = kcalloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->refs = 1;
	u->type = type;
	list_init(&u->bound_link);
	list_init(&u->rcvq);
	list_init(&u->acceptq);
	list_init(&u->accept_link);
	list_init(&u->room_waiters);
	list_init(&u->peer_wake.link);
	u->peer_wake.u = u;
	u->sndbuf = UNIX_BUF_DEFAULT;
	u->rcvbuf = UNIX_BUF_DEFAULT;
	u->rcvlowat = 1;
	return u;
}

static struct unix_sock *unix_get(struct unix_sock *u)
{
	u->refs++;
	return u;
}

static void unix_addr_put(struct unix_addr *a)
{
	if (a && --a->refs == 0)
		kfree(a);
}

/* Drops a reference; the last frees it (unix_close has emptied it before). */
static void unix_put(struct unix_sock *u)
{
	if (--u->refs)
		return;
	unix_addr_put(u->addr);
	kfree(u);
}

static struct unix_addr *unix_addr_new(const uint8_t *bytes, size_t len)
{
	struct unix_addr *a = kmalloc(sizeof(*a));

	if (!a)
		return NULL;
	a->refs = 1;
	a->len = len;
	memcpy(a->bytes, bytes, len);
	a->bytes[len] = 0;
	return a;
}

/* Wakes every socket waiting for room at u: the queue shrank, the backlog freed a slot, or u went away. */
static void unix_room_wake(struct unix_sock *u)
{
	struct list_node *pos, *tmp;

	list_for_each_safe(pos, tmp, &u->room_waiters) {
		struct unix_waiter *w = list_entry(pos, struct unix_waiter, link);

		list_remove(&w->link);
		unix_wake(w->u, POLLOUT | POLLWRNORM | POLLWRBAND);
	}
}

/* Gives a sender back budget its queued bytes held. */
static void unix_refund(struct unix_sock *from, size_t charge, size_t bytes)
{
	from->wmem -= charge;
	from->outq -= bytes;
	unix_wake(from, POLLOUT | POLLWRNORM | POLLWRBAND);
}

/* Takes msg off u's queue: its sender gets its budget back and is let go. The caller frees msg. */
static void unix_msg_dequeue(struct unix_sock *u, struct unix_msg *msg)
{
	size_t unread = msg->len - msg->off;

	list_remove(&msg->link);
	u->rcv_count--;
	u->rcv_bytes -= unread;
	unix_refund(msg->from, msg->charge, unread);
	msg->charge = 0;
	unix_put(msg->from);
	msg->from = NULL;
	unix_room_wake(u);
}

/*
 * Frees a dequeued message, or puts it on `grave` when it still holds
 * descriptors: those are dropped by unix_bury after unix_lock is released.
 */
static void unix_msg_drop(struct unix_msg *msg, struct list_node *grave)
{
	if (msg->nfds)
		list_push_back(grave, &msg->link);
	else
		kfree(msg);
}

static void unix_fds_put(struct file **fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		fput(fds[i]);
	kfree(fds);
}

/* Without unix_lock: drops the descriptors of messages that died queued, and the messages. */
static void unix_bury(struct list_node *grave)
{
	struct list_node *pos;

	while ((pos = list_pop_front(grave))) {
		struct unix_msg *msg = list_entry(pos, struct unix_msg, link);

		unix_fds_put(msg->fds, msg->nfds);
		kfree(msg);
	}
}

/* Changes a datagram socket's default destination (NULL: none), taking over the caller's reference. */
static void unix_dgram_set_peer(struct unix_sock *u, struct unix_sock *other)
{
	struct unix_sock *old = u->peer;

	list_remove(&u->peer_wake.link);
	u->peer = other;
	u->state = other ? UNIX_CONNECTED : UNIX_CLOSED;
	if (old)
		unix_put(old);
	unix_wake(u, POLLOUT | POLLWRNORM | POLLWRBAND);
}

/*
 * The socket is gone (its file released, or an embryo whose listener
 * closed): its name is free again (a path's node stays in the file
 * system, as on Linux), pending connections close, queued messages are
 * dropped (their senders refunded), waiters for room are woken to find
 * it dead, and a connected stream or seqpacket peer sees both directions
 * shut: end of file, and EPIPE on writing. Closing with data unread, or
 * never accepted, resets the connection: the peer's next read after its
 * queued data is ECONNRESET (Linux unix_release_sock).
 */
static void unix_close(struct unix_sock *u, bool embryo, struct list_node *grave)
{
	struct unix_sock *peer = u->peer;
	bool reset = embryo || !list_empty(&u->rcvq);
	struct list_node *pos;

	u->dead = true;
	u->shutdown = UNIX_SHUT_BOTH;
	list_remove(&u->bound_link);
	if (u->inode) {
		iput(u->inode);
		u->inode = NULL;
	}
	while ((pos = list_pop_front(&u->acceptq))) {
		struct unix_sock *e = list_entry(pos, struct unix_sock, accept_link);

		u->nacceptq--;
		unix_close(e, true, grave);
		unix_put(e);
	}
	list_remove(&u->peer_wake.link);
	while (!list_empty(&u->rcvq)) {
		struct unix_msg *msg = list_entry(u->rcvq.next, struct unix_msg, link);

		unix_msg_dequeue(u, msg);
		unix_msg_drop(msg, grave);
	}
	unix_room_wake(u);
	if (peer) {
		u->peer = NULL;
		if (u->type != SOCK_DGRAM) {
			peer->shutdown = UNIX_SHUT_BOTH;
			if (reset)
				peer->err = ECONNRESET;
			unix_wake(peer, POLLIN | POLLRDNORM | POLLRDHUP | POLLHUP | POLLOUT | POLLWRNORM |
				  (reset ? POLLERR : 0));
		}
		unix_put(peer);
	}
}

/* ---------------------------------------------------------------- names */

static uint16_t unix_family_of(const void *addr)
{
	uint16_t fam;

	memcpy(&fam, addr, sizeof(fam));
	return fam;
}

/* unix(7)/connect(2): a name is longer than sun_family, fits sockaddr_un and says AF_UNIX; else EINVAL. */
static int unix_check_addr(const void *addr, size_t len)
{
	if (len <= UNIX_NAME_OFF || len > UNIX_ADDR_MAX)
		return -EINVAL;
	return unix_family_of(addr) == AF_UNIX ? 0 : -EINVAL;
}

static bool unix_is_abstract(const uint8_t *addr)
{
	return addr[UNIX_NAME_OFF] == 0;
}

/* A path name as a C string: sun_path up to its first NUL or the address's end. */
static size_t unix_path_of(const uint8_t *addr, size_t len, char *path)
{
	memcpy(path, addr + UNIX_NAME_OFF, len - UNIX_NAME_OFF);
	path[len - UNIX_NAME_OFF] = 0;
	return strlen(path);
}

/*
 * Without unix_lock: the node a path name leads to (a reference, symlinks
 * followed as connect(2) does), or NULL for an abstract name. The walk's
 * errors are the caller's (ENOENT, ENOTDIR, ELOOP, ...).
 */
static int unix_resolve(const uint8_t *addr, size_t len, struct inode **inode)
{
	char path[UNIX_PATH_MAX + 1];
	struct dentry *d;
	int r;

	*inode = NULL;
	if (unix_is_abstract(addr))
		return 0;
	unix_path_of(addr, len, path);
	vfs_lock();
	r = vfs_walk(NULL, path, WALK_FOLLOW, &d, NULL, NULL);
	if (!r) {
		if (d->inode)
			*inode = iget(d->inode);
		else
			r = -ENOENT;
		dput(d);
	}
	vfs_unlock();
	return r;
}

static struct unix_sock *unix_find_abstract(const uint8_t *addr, size_t len, int type)
{
	struct list_node *pos;

	for (pos = unix_bound.next; pos != &unix_bound; pos = pos->next) {
		struct unix_sock *b = list_entry(pos, struct unix_sock, bound_link);

		/* Linux hashes abstract names with the socket type: each type has its own namespace. */
		if (!b->inode && b->type == type && b->addr->len == len &&
		    !memcmp(b->addr->bytes + UNIX_NAME_OFF, addr + UNIX_NAME_OFF, len - UNIX_NAME_OFF))
			return b;
	}
	return NULL;
}

/*
 * The socket bound at a resolved name (a reference). A path node no
 * socket is bound to (or not a socket at all) is ECONNREFUSED, one of
 * another type EPROTOTYPE (Linux af_unix.c unix_find_bsd).
 */
static int unix_lookup(const uint8_t *addr, size_t len, struct inode *inode, int type, struct unix_sock **out)
{
	struct unix_sock *b = NULL;
	struct list_node *pos;

	if (inode) {
		for (pos = unix_bound.next; pos != &unix_bound; pos = pos->next) {
			struct unix_sock *c = list_entry(pos, struct unix_sock, bound_link);

			if (c->inode == inode) {
				b = c;
				break;
			}
		}
		if (b && b->type != type)
			return -EPROTOTYPE;
	} else {
		b = unix_find_abstract(addr, len, type);
	}
	if (!b)
		return -ECONNREFUSED;
	*out = unix_get(b);
	return 0;
}

static void unix_publish(struct unix_sock *u, struct unix_addr *a, struct inode *inode)
{
	u->addr = a;
	u->inode = inode;
	list_push_back(&unix_bound, &u->bound_link);
}

/* unix(7) autobind: a free abstract name of five hex digits. */
static int unix_autobind(struct unix_sock *u)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t name[UNIX_AUTOBIND_LEN];
	uint16_t fam = AF_UNIX;
	struct unix_addr *a;

	for (unsigned int tries = 0; tries <= 0xfffff; tries++) {
		unsigned int v = unix_autobind_next++ & 0xfffff;

		memcpy(name, &fam, sizeof(fam));
		name[UNIX_NAME_OFF] = 0;
		for (int i = 0; i < 5; i++)
			name[UNIX_NAME_OFF + 1 + i] = (uint8_t)hex[(v >> (4 * (4 - i))) & 0xf];
		if (unix_find_abstract(name, sizeof(name), u->type))
			continue;
		a = unix_addr_new(name, sizeof(name));
		if (!a)
			return -ENOMEM;
		unix_publish(u, a, NULL);
		return 0;
	}
	return -ENOSPC;
}

/*
 * bind(2) to a path: a socket node made with the umask applied
 * (S_IFSOCK | 0777 & ~umask, as Linux unix_bind_bsd); EADDRINUSE when the
 * name exists, whatever it is. The VFS calls run without unix_lock.
 */
static int unix_bind_path(struct unix_sock *u, const uint8_t *addr, size_t len)
{
	char path[UNIX_PATH_MAX + 1];
	uint8_t bytes[UNIX_ADDR_MAX + 1];
	struct inode *inode = NULL;
	struct unix_addr *a;
	struct dentry *d;
	size_t plen;
	int r;

	plen = unix_path_of(addr, len, path);
	/* getsockname gives the path with its NUL (Linux unix_mkname_bsd: offsetof + strlen + 1). */
	memcpy(bytes, addr, UNIX_NAME_OFF);
	memcpy(bytes + UNIX_NAME_OFF, path, plen + 1);
	a = unix_addr_new(bytes, UNIX_NAME_OFF + plen + 1);
	if (!a)
		return -ENOMEM;
	r = vfs_mknod(NULL, path, S_IFSOCK | 0777, 0);
	if (r) {
		kfree(a);
		return r == -EEXIST ? -EADDRINUSE : r;
	}
	vfs_lock();
	r = vfs_walk(NULL, path, 0, &d, NULL, NULL);
	if (!r) {
		/* Replaced between the two calls by something else: that name is taken. */
		if (d->inode && (d->inode->mode & S_IFMT) == S_IFSOCK)
			inode = iget(d->inode);
		else
			r = -EADDRINUSE;
		dput(d);
	}
	vfs_unlock();
	if (r) {
		kfree(a);
		return r;
	}
	mutex_lock(&unix_lock);
	if (u->addr) {
		/*
		 * Linux unix_bind_bsd makes the node before it checks the
		 * socket: binding a bound socket to its own name is
		 * EADDRINUSE, to a new one EINVAL with the new node removed.
		 */
		mutex_unlock(&unix_lock);
		iput(inode);
		vfs_unlink(NULL, path, false);
		kfree(a);
		return -EINVAL;
	}
	unix_publish(u, a, inode);
	mutex_unlock(&unix_lock);
	return 0;
}

static int unix_bind(struct socket *s, const void *addr, size_t len)
{
	struct unix_sock *u = s->priv;
	struct unix_addr *a;
	int r;

	/* unix(7): an address of just sun_family autobinds (a bound socket keeps its name: Linux returns 0). */
	if (len == UNIX_NAME_OFF && unix_family_of(addr) == AF_UNIX) {
		mutex_lock(&unix_lock);
		r = u->addr ? 0 : unix_autobind(u);
		mutex_unlock(&unix_lock);
		return r;
	}
	r = unix_check_addr(addr, len);
	if (r)
		return r;
	if (!unix_is_abstract(addr))
		return unix_bind_path(u, addr, len);
	a = unix_addr_new(addr, len);
	if (!a)
		return -ENOMEM;
	mutex_lock(&unix_lock);
	if (u->addr)
		r = -EINVAL;
	else if (unix_find_abstract(addr, len, u->type))
		r = -EADDRINUSE;
	else
		unix_publish(u, a, NULL);
	mutex_unlock(&unix_lock);
	if (r)
		kfree(a);
	return r;
}

/* An address as getsockname returns it: just sun_family (length 2) while unnamed (unix(7)). */
static void unix_name_copy(const struct unix_addr *a, void *buf, size_t *len)
{
	uint16_t fam = AF_UNIX;
	size_t full = a ? a->len : UNIX_NAME_OFF;

	if (a)
		memcpy(buf, a->bytes, MIN(full, *len));
	else
		memcpy(buf, &fam, MIN(full, *len));
	*len = full;
}

static int unix_getname(struct socket *s, void *addr, size_t *len, bool peer)
{
	struct unix_sock *u = s->priv;
	int r = 0;

	mutex_lock(&unix_lock);
	if (!peer)
		unix_name_copy(u->addr, addr, len);
	else if (u->peer)
		unix_name_copy(u->peer->addr, addr, len);
	else
		r = -ENOTCONN;
	mutex_unlock(&unix_lock);
	return r;
}

/* ---------------------------------------------------------------- control messages */

/* What a message carries beside its bytes. */
struct unix_scm {
	struct file **fds;
	unsigned int nfds;
	struct unix_cred cred;
};

/* SCM_RIGHTS at send: a reference on each file, EBADF for a descriptor not open (unix(7)). */
static int unix_scm_rights(struct unix_scm *scm, const uint8_t *data, size_t n)
{
	struct file **fds;

	if (!n)
		return 0;
	if (scm->nfds + n > SCM_MAX_FD)
		return -EINVAL;
	fds = krealloc(scm->fds, (scm->nfds + n) * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	scm->fds = fds;
	for (size_t i = 0; i < n; i++) {
		int32_t fd;
		struct file *f;

		memcpy(&fd, data + i * sizeof(fd), sizeof(fd));
		f = fd_get(fd);
		if (!f)
			return -EBADF;
		fds[scm->nfds++] = f;
	}
	return 0;
}

/* Without unix_lock: drops what a message that was not sent (or not received whole) still holds. */
static void unix_scm_drop(struct unix_scm *scm)
{
	unix_fds_put(scm->fds, scm->nfds);
	scm->fds = NULL;
	scm->nfds = 0;
}

/*
 * Reads sendmsg's control buffer (cmsg(3), Linux net/core/scm.c
 * __scm_send): a header whose length is short or runs past the buffer is
 * EINVAL; SOL_SOCKET takes SCM_RIGHTS and SCM_CREDENTIALS (the process
 * is root, so any credentials are allowed) and nothing else; other levels
 * are skipped.
 */
static int unix_scm_in(struct sock_msg *m, struct unix_scm *scm)
{
	size_t off = 0;
	uint8_t *buf;
	int r = 0;

	scm->fds = NULL;
	scm->nfds = 0;
	scm->cred = unix_cred_now();
	if (m->ctl_len < CMSG_HDR_LEN)
		return 0;
	if (m->ctl_len > UNIX_CTL_MAX)
		return -ENOBUFS;
	buf = kmalloc(m->ctl_len);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, m->ctl, m->ctl_len)) {
		kfree(buf);
		return -EFAULT;
	}
	while (m->ctl_len - off >= CMSG_HDR_LEN) {
		struct cmsg_hdr h;
		size_t dlen;

		memcpy(&h, buf + off, sizeof(h));
		if (h.len < CMSG_HDR_LEN || h.len > m->ctl_len - off) {
			r = -EINVAL;
			break;
		}
		dlen = (size_t)h.len - CMSG_HDR_LEN;
		if (h.level == SOL_SOCKET) {
			if (h.type == SCM_RIGHTS)
				r = unix_scm_rights(scm, buf + off + CMSG_HDR_LEN, dlen / sizeof(int32_t));
			else if (h.type == SCM_CREDENTIALS && dlen == sizeof(scm->cred))
				memcpy(&scm->cred, buf + off + CMSG_HDR_LEN, sizeof(scm->cred));
			else
				r = -EINVAL;
			if (r)
				break;
		}
		if (ALIGN_UP((size_t)h.len, (size_t)8) >= m->ctl_len - off)
			break;
		off += ALIGN_UP((size_t)h.len, (size_t)8);
	}
	kfree(buf);
	if (r)
		unix_scm_drop(scm);
	return r;
}

/* Room left in recvmsg's control buffer. */
static size_t unix_ctl_room(const struct sock_msg *m)
{
	return m->ctl && m->ctl_len > m->ctl_used ? m->ctl_len - m->ctl_used : 0;
}

/* Linux net/core/scm.c put_cmsg: a message cut to the room left sets MSG_CTRUNC. */
static void unix_put_cmsg(struct sock_msg *m, int level, int type, const void *data, size_t len)
{
	size_t room = unix_ctl_room(m), cmlen = CMSG_DATA_LEN(len);
	struct cmsg_hdr h;

	if (room < CMSG_HDR_LEN) {
		m->out_flags |= MSG_CTRUNC;
		return;
	}
	if (room < cmlen) {
		m->out_flags |= MSG_CTRUNC;
		cmlen = room;
	}
	h = (struct cmsg_hdr){ cmlen, level, type };
	if (copy_to_user(m->ctl + m->ctl_used, &h, sizeof(h)) ||
	    copy_to_user(m->ctl + m->ctl_used + CMSG_HDR_LEN, data, cmlen - CMSG_HDR_LEN))
		return;
	m->ctl_used += MIN(CMSG_SPACE_LEN(len), room);
}

/*
 * Without unix_lock: installs received descriptors (Linux scm_detach_fds):
 * as many as fit the control buffer and the fd table; the rest are
 * closed and MSG_CTRUNC says so.
 */
static void unix_fds_out(struct sock_msg *m, struct unix_scm *scm, bool cloexec)
{
	size_t room = unix_ctl_room(m);
	size_t max = room > CMSG_HDR_LEN ? (room - CMSG_HDR_LEN) / sizeof(int32_t) : 0;
	uint64_t at = m->ctl + m->ctl_used;
	unsigned int i, n = (unsigned int)MIN(max, (size_t)scm->nfds);
	struct cmsg_hdr h;

	for (i = 0; i < n; i++) {
		int32_t fd = fd_install(scm->fds[i], 0, cloexec);

		if (fd < 0)
			break;
		scm->fds[i] = NULL;
		if (copy_to_user(at + CMSG_HDR_LEN + i * sizeof(fd), &fd, sizeof(fd))) {
			fd_close(fd);
			break;
		}
	}
	if (i) {
		h = (struct cmsg_hdr){ CMSG_DATA_LEN(i * sizeof(int32_t)), SOL_SOCKET, SCM_RIGHTS };
		if (!copy_to_user(at, &h, sizeof(h)))
			m->ctl_used += MIN(CMSG_SPACE_LEN(i * sizeof(int32_t)), room);
	}
	if (i < scm->nfds) {
		m->out_flags |= MSG_CTRUNC;
		for (unsigned int j = i; j < scm->nfds; j++)
			fput(scm->fds[j]);
	}
	kfree(scm->fds);
	scm->fds = NULL;
	scm->nfds = 0;
}

/* Without unix_lock: what recvmsg hands over beside the data, credentials first (as Linux scm_recv). */
static void unix_scm_out(struct sock_msg *m, struct unix_scm *scm, bool passcred, int flags)
{
	if (passcred)
		unix_put_cmsg(m, SOL_SOCKET, SCM_CREDENTIALS, &scm->cred, sizeof(scm->cred));
	if (scm->nfds)
		unix_fds_out(m, scm, flags & MSG_CMSG_CLOEXEC);
}

/* MSG_PEEK: the descriptors stay queued; the receiver gets new references to the same files. */
static void unix_scm_dup(const struct unix_msg *msg, struct unix_scm *scm)
{
	scm->fds = kmalloc(msg->nfds * sizeof(*scm->fds));
	if (!scm->fds)
		return;
	for (unsigned int i = 0; i < msg->nfds; i++)
		scm->fds[i] = fget(msg->fds[i]);
	scm->nfds = msg->nfds;
}

/* Moves a message's descriptors to the receiver. */
static void unix_scm_take(struct unix_msg *msg, struct unix_scm *scm)
{
	scm->fds = msg->fds;
	scm->nfds = msg->nfds;
	msg->fds = NULL;
	msg->nfds = 0;
}

/* recvfrom's address: the sender's name as it is now (Linux unix_copy_addr); nothing while unnamed. */
static void unix_name_from(const struct unix_sock *from, struct sock_msg *m)
{
	if (from && from->addr) {
		memcpy(m->name, from->addr->bytes, from->addr->len);
		m->namelen = from->addr->len;
	}
}

/* ---------------------------------------------------------------- connections */

static int unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = s->priv;
	int r = 0;

	mutex_lock(&unix_lock);
	/* Linux unix_listen: no listening without a name, nor on a connected socket. */
	if (!u->addr || (u->state != UNIX_CLOSED && u->state != UNIX_LISTEN)) {
		r = -EINVAL;
	} else {
		if ((unsigned int)backlog > SOMAXCONN)
			backlog = SOMAXCONN;
		if (backlog > u->backlog)
			unix_room_wake(u);
		u->backlog = backlog;
		u->state = UNIX_LISTEN;
		/* SO_PEERCRED of a listening socket is its own process's (unix(7)). */
		u->has_peercred = true;
		u->peercred = unix_cred_now();
	}
	mutex_unlock(&unix_lock);
	return r;
}

static const struct sock_ops *unix_ops_for(int type)
{
	return type == SOCK_STREAM ? &unix_stream_ops :
	       type == SOCK_SEQPACKET ? &unix_seqpacket_ops : &unix_dgram_ops;
}

static int unix_accept(struct socket *s, struct socket **out, bool nonblock, void *peer, size_t *peerlen)
{
	struct unix_sock *u = s->priv, *e;
	uint64_t deadline = sock_deadline(s->rcvtimeo_ns);
	struct socket *ns;
	int r;

	mutex_lock(&unix_lock);
	for (;;) {
		if (u->state != UNIX_LISTEN) {
			r = -EINVAL;
			goto out;
		}
		if (!list_empty(&u->acceptq))
			break;
		/* Linux unix_accept: a listener shut for reading accepts no more (EINVAL), blocked callers too. */
		if (u->shutdown & UNIX_SHUT_RCV) {
			r = -EINVAL;
			goto out;
		}
		if (nonblock) {
			r = -EAGAIN;
			goto out;
		}
		r = unix_wait(u, deadline);
		if (r)
			goto out;
	}
	/* The file first: when it cannot be made the connection stays queued for the next accept. */
	r = sock_alloc(s, 0, &ns);
	if (r)
		goto out;
	e = list_entry(list_pop_front(&u->acceptq), struct unix_sock, accept_link);
	u->nacceptq--;
	unix_room_wake(u);
	/* The accept queue's reference becomes the socket's. */
	ns->ops = unix_ops_for(e->type);
	ns->priv = e;
	e->sock = ns;
	if (peer && peerlen)
		unix_name_copy(e->peer ? e->peer->addr : NULL, peer, peerlen);
	*out = ns;
out:
	mutex_unlock(&unix_lock);
	return r;
}

/*
 * connect(2) on a stream or seqpacket socket: a new socket (an embryo)
 * joins the listener's accept queue already connected to this one, so
 * data may flow before accept (as on Linux). A full backlog blocks, or
 * is EAGAIN without blocking (unix(7)).
 */
static int unix_stream_connect(struct socket *s, const void *addr, size_t len, bool nonblock)
{
	struct unix_sock *u = s->priv, *other = NULL, *e;
	struct unix_waiter w = { .u = u };
	uint64_t deadline = sock_deadline(s->sndtimeo_ns);
	struct inode *inode;
	int r;

	r = unix_check_addr(addr, len);
	if (r)
		return r;
	r = unix_resolve(addr, len, &inode);
	if (r)
		return r;
	list_init(&w.link);
	mutex_lock(&unix_lock);
	e = unix_sock_new(u->type);
	if (!e)
		r = -ENOMEM;
	else if (u->state != UNIX_CLOSED)
		r = u->state == UNIX_CONNECTED ? -EISCONN : -EINVAL;
	else if (u->passcred && !u->addr)
		r = unix_autobind(u);
	if (!r)
		r = unix_lookup(addr, len, inode, u->type, &other);
	while (!r) {
		if (other->dead || other->state != UNIX_LISTEN || (other->shutdown & UNIX_SHUT_RCV)) {
			r = -ECONNREFUSED;
			break;
		}
		/* Another thread may have connected this socket while this one slept. */
		if (u->state != UNIX_CLOSED) {
			r = u->state == UNIX_CONNECTED ? -EISCONN : -EINVAL;
			break;
		}
		/* Linux unix_recvq_full: a backlog of n holds n + 1 connections. */
		if (other->nacceptq <= (unsigned int)other->backlog)
			break;
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		list_push_back(&other->room_waiters, &w.link);
		r = unix_wait(u, deadline);
		list_remove(&w.link);
	}
	if (!r) {
		e->state = UNIX_CONNECTED;
		e->peer = unix_get(u);
		e->addr = other->addr;
		e->addr->refs++;
		e->passcred = other->passcred;
		e->has_peercred = true;
		e->peercred = unix_cred_now();
		u->peer = unix_get(e);
		u->state = UNIX_CONNECTED;
		u->has_peercred = true;
		u->peercred = other->peercred;
		list_push_back(&other->acceptq, &e->accept_link);
		other->nacceptq++;
		unix_wake(other, POLLIN | POLLRDNORM);
		e = NULL;
	}
	if (e)
		unix_put(e);
	if (other)
		unix_put(other);
	if (inode)
		iput(inode);
	mutex_unlock(&unix_lock);
	return r;
}

/* Linux unix_may_send: a socket connected elsewhere takes datagrams from its peer only (EPERM). */
static bool unix_may_send(const struct unix_sock *u, const struct unix_sock *other)
{
	return !other->peer || other->peer == u;
}

/* connect(2) on a datagram socket sets (or with AF_UNSPEC clears) the default destination. */
static int unix_dgram_connect(struct socket *s, const void *addr, size_t len, bool nonblock)
{
	struct unix_sock *u = s->priv, *other = NULL;
	struct inode *inode;
	int r;

	(void)nonblock;
	if (len < UNIX_NAME_OFF)
		return -EINVAL;
	if (unix_family_of(addr) == AF_UNSPEC) {
		mutex_lock(&unix_lock);
		unix_dgram_set_peer(u, NULL);
		mutex_unlock(&unix_lock);
		return 0;
	}
	r = unix_check_addr(addr, len);
	if (r)
		return r;
	r = unix_resolve(addr, len, &inode);
	if (r)
		return r;
	mutex_lock(&unix_lock);
	if (u->passcred && !u->addr)
		r = unix_autobind(u);
	if (!r)
		r = unix_lookup(addr, len, inode, SOCK_DGRAM, &other);
	if (!r && !unix_may_send(u, other))
		r = -EPERM;
	if (!r) {
		unix_dgram_set_peer(u, other);
		other = NULL;
	}
	if (other)
		unix_put(other);
	if (inode)
		iput(inode);
	mutex_unlock(&unix_lock);
	return r;
}

/*
 * shutdown(2): this side stops receiving, sending or both; on a
 * connection the peer sees the mirror (its writes get EPIPE after our
 * SHUT_RD, its reads end of file after our SHUT_WR), as Linux unix_shutdown.
 */
static int unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = s->priv;
	unsigned int mode, peer_mode = 0;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	mode = (unsigned int)how + 1;
	mutex_lock(&unix_lock);
	u->shutdown |= mode;
	unix_wake(u, POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT | (u->shutdown == UNIX_SHUT_BOTH ? POLLHUP : 0));
	unix_room_wake(u);
	if (u->type != SOCK_DGRAM && u->peer) {
		if (mode & UNIX_SHUT_RCV)
			peer_mode |= UNIX_SHUT_SEND;
		if (mode & UNIX_SHUT_SEND)
			peer_mode |= UNIX_SHUT_RCV;
		u->peer->shutdown |= peer_mode;
		unix_wake(u->peer, POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT |
			  (u->peer->shutdown == UNIX_SHUT_BOTH ? POLLHUP : 0));
	}
	mutex_unlock(&unix_lock);
	return 0;
}

/* ---------------------------------------------------------------- streams */

/*
 * Queues up to n bytes for other: into the last chunk this socket sent
 * when it has room and no descriptors ride on either, else a new chunk
 * (which takes the descriptors). Bytes queued, or -errno.
 */
static long unix_stream_queue(struct unix_sock *u, struct unix_sock *other, struct sock_msg *m, size_t n,
			      struct unix_scm *scm)
{
	struct unix_msg *msg = NULL;
	size_t total;

	if (!list_empty(&other->rcvq))
		msg = list_entry(other->rcvq.prev, struct unix_msg, link);
	if (msg && msg->from == u && !msg->nfds && !scm->nfds && msg->cap > msg->len) {
		n = MIN(n, msg->cap - msg->len);
		if (sock_msg_copy_in(m, msg->data + msg->len, n))
			return -EFAULT;
		msg->len += n;
	} else {
		n = MIN(n, UNIX_CHUNK_MAX);
		total = sizeof(*msg) + n;
		total = total <= HEAP_SMALL_MAX ? HEAP_SMALL_MAX : ALIGN_UP(total, (size_t)PAGE_SIZE);
		msg = kmalloc(total);
		if (!msg)
			return -ENOBUFS;
		if (sock_msg_copy_in(m, msg->data, n)) {
			kfree(msg);
			return -EFAULT;
		}
		msg->len = n;
		msg->cap = total - sizeof(*msg);
		msg->off = 0;
		msg->charge = 0;
		msg->from = unix_get(u);
		msg->cred = scm->cred;
		msg->fds = scm->fds;
		msg->nfds = scm->nfds;
		scm->fds = NULL;
		scm->nfds = 0;
		list_push_back(&other->rcvq, &msg->link);
		other->rcv_count++;
	}
	msg->charge += n;
	u->wmem += n;
	u->outq += n;
	other->rcv_bytes += n;
	return (long)n;
}

/*
 * Stream send: as much as the send buffer takes, waiting for room unless
 * non-blocking; a non-blocking or timed-out send returns what it queued.
 * EPIPE once this side shut writing or the peer stopped reading.
 */
static long unix_stream_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct unix_sock *u = s->priv, *other;
	uint64_t deadline = sock_deadline(s->sndtimeo_ns);
	size_t len = sock_msg_left(m), sent = 0;
	bool nonblock = flags & MSG_DONTWAIT;
	struct unix_scm scm;
	long r = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	/* Linux unix_stream_sendmsg: a destination is EISCONN when connected, else EOPNOTSUPP. */
	if (m->namelen) {
		mutex_lock(&unix_lock);
		r = u->state == UNIX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
		mutex_unlock(&unix_lock);
		return r;
	}
	r = unix_scm_in(m, &scm);
	if (r)
		return r;
	mutex_lock(&unix_lock);
	other = u->peer;
	if (u->state != UNIX_CONNECTED || !other) {
		r = -ENOTCONN;
		goto out;
	}
	/* The peer's close or SHUT_RD shut our sending too (unix_shutdown, unix_close). */
	if (u->shutdown & UNIX_SHUT_SEND) {
		r = -EPIPE;
		goto out;
	}
	while (sent < len) {
		size_t room;

		if ((u->shutdown & UNIX_SHUT_SEND) || other->dead || (other->shutdown & UNIX_SHUT_RCV)) {
			r = -EPIPE;
			break;
		}
		room = u->wmem < (size_t)u->sndbuf ? (size_t)u->sndbuf - u->wmem : 0;
		if (!room) {
			if (nonblock) {
				r = -EAGAIN;
				break;
			}
			r = unix_wait(u, deadline);
			if (r)
				break;
			continue;
		}
		r = unix_stream_queue(u, other, m, MIN(len - sent, room), &scm);
		if (r < 0)
			break;
		sent += (size_t)r;
		unix_wake(other, POLLIN | POLLRDNORM);
	}
	if (sent)
		r = (long)sent;
out:
	mutex_unlock(&unix_lock);
	unix_scm_drop(&scm);
	return r;
}

/*
 * Stream receive: whatever is queued up to the buffer's size, waiting
 * for the first byte (or, with MSG_WAITALL, for all of them) unless
 * non-blocking; 0 at end of file. A read stops after the chunk that
 * brought descriptors, so they arrive with their own bytes (Linux
 * unix_stream_read_generic). MSG_PEEK leaves everything queued.
 */
static long unix_stream_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct unix_sock *u = s->priv;
	uint64_t deadline = sock_deadline(s->rcvtimeo_ns);
	bool peek = flags & MSG_PEEK, nonblock = flags & MSG_DONTWAIT, waitall = flags & MSG_WAITALL;
	size_t want = sock_msg_left(m), copied = 0, skip = 0;
	struct unix_scm scm = { NULL, 0, { 0, 0, 0 } };
	bool passcred = false, got_fds = false;
	long r = 0;

	/*
	 * Out-of-band data is not kept (a send with MSG_OOB is EOPNOTSUPP), so
	 * none is ever pending: EINVAL, as Linux (CONFIG_AF_UNIX_OOB) answers then.
	 */
	if (flags & MSG_OOB)
		return -EINVAL;
	m->namelen = 0;
	mutex_lock(&unix_lock);
	/* Linux: reading a stream socket that is not connected (or listens) is EINVAL. */
	if (u->state != UNIX_CONNECTED) {
		r = -EINVAL;
		goto out;
	}
	passcred = u->passcred;
	while (copied < want && !got_fds) {
		struct unix_msg *msg = NULL;
		struct list_node *pos;
		size_t at = skip, k;

		/* The chunk holding the next unread (or, peeking, not yet peeked) byte. */
		for (pos = u->rcvq.next; pos != &u->rcvq; pos = pos->next) {
			struct unix_msg *c = list_entry(pos, struct unix_msg, link);

			if (at < c->len - c->off) {
				msg = c;
				break;
			}
			at -= c->len - c->off;
		}
		if (!msg) {
			if (copied && (!waitall || peek))
				break;
			if (!copied && u->err) {
				r = -u->err;
				u->err = 0;
				break;
			}
			if (u->shutdown & UNIX_SHUT_RCV)
				break;
			if (nonblock) {
				r = -EAGAIN;
				break;
			}
			r = unix_wait(u, deadline);
			if (r)
				break;
			continue;
		}
		if (!copied) {
			unix_name_from(msg->from, m);
			scm.cred = msg->cred;
		}
		k = MIN(msg->len - msg->off - at, want - copied);
		if (sock_msg_copy_out(m, msg->data + msg->off + at, k)) {
			r = -EFAULT;
			break;
		}
		copied += k;
		if (peek) {
			skip += k;
			if (msg->nfds) {
				unix_scm_dup(msg, &scm);
				got_fds = true;
			}
			continue;
		}
		msg->off += k;
		msg->charge -= k;
		u->rcv_bytes -= k;
		unix_refund(msg->from, k, k);
		if (msg->nfds) {
			unix_scm_take(msg, &scm);
			got_fds = true;
		}
		if (msg->off == msg->len) {
			unix_msg_dequeue(u, msg);
			kfree(msg);
		}
	}
	if (copied)
		r = (long)copied;
out:
	mutex_unlock(&unix_lock);
	if (r >= 0)
		unix_scm_out(m, &scm, passcred, flags);
	unix_scm_drop(&scm);
	return r;
}

/* ---------------------------------------------------------------- datagrams and seqpackets */

/*
 * Datagram (and seqpacket) send, in Linux unix_dgram_sendmsg's order:
 * EMSGSIZE beyond the send buffer, a wait for send budget, the
 * destination (ENOTCONN without one; ECONNREFUSED when it is gone, which
 * also drops it as default peer; EPERM when connected elsewhere; EPIPE
 * when it shut reading), then a wait for room in a receiver that is not
 * connected back (max_dgram_qlen).
 */
static long unix_dgram_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct unix_sock *u = s->priv, *other = NULL;
	struct unix_waiter w = { .u = u };
	uint64_t deadline = sock_deadline(s->sndtimeo_ns);
	bool nonblock = flags & MSG_DONTWAIT;
	/* Linux unix_seqpacket_sendmsg: a seqpacket socket ignores any destination given. */
	bool named = m->namelen && u->type == SOCK_DGRAM;
	size_t len = sock_msg_left(m);
	struct unix_msg *msg = NULL;
	struct inode *inode = NULL;
	struct unix_scm scm;
	long r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (named) {
		r = unix_check_addr(m->name, m->namelen);
		if (r)
			return r;
	}
	if (len > (size_t)READ_ONCE(u->sndbuf) - UNIX_DGRAM_HEADROOM)
		return -EMSGSIZE;
	r = unix_scm_in(m, &scm);
	if (r)
		return r;
	if (named) {
		r = unix_resolve(m->name, m->namelen, &inode);
		if (r)
			goto out_unlocked;
	}
	/* The bytes are copied before taking the lock: a fault then costs nobody else a wait. */
	msg = kmalloc(sizeof(*msg) + len);
	if (!msg) {
		r = -ENOBUFS;
		goto out_unlocked;
	}
	if (sock_msg_copy_in(m, msg->data, len)) {
		r = -EFAULT;
		goto out_unlocked;
	}
	list_init(&w.link);
	mutex_lock(&unix_lock);
	if (u->type == SOCK_SEQPACKET && u->state != UNIX_CONNECTED) {
		r = -ENOTCONN;
		goto out;
	}
	if (!named && !u->peer) {
		r = -ENOTCONN;
		goto out;
	}
	if (u->passcred && !u->addr) {
		r = unix_autobind(u);
		if (r)
			goto out;
	}
	for (;;) {
		if (u->shutdown & UNIX_SHUT_SEND) {
			r = -EPIPE;
			goto out;
		}
		if (u->wmem < (size_t)u->sndbuf)
			break;
		if (nonblock) {
			r = -EAGAIN;
			goto out;
		}
		r = unix_wait(u, deadline);
		if (r)
			goto out;
	}
	if (named) {
		r = unix_lookup(m->name, m->namelen, inode, SOCK_DGRAM, &other);
		if (r)
			goto out;
	} else if (u->peer) {
		other = unix_get(u->peer);
	} else {
		r = -ENOTCONN;
		goto out;
	}
	for (;;) {
		if (other->dead) {
			/* Linux: the first send to a dead default peer is refused and forgets it. */
			if (other == u->peer && u->type == SOCK_DGRAM)
				unix_dgram_set_peer(u, NULL);
			r = u->type == SOCK_DGRAM ? -ECONNREFUSED : -EPIPE;
			goto out;
		}
		if (!unix_may_send(u, other)) {
			r = -EPERM;
			goto out;
		}
		if (other->shutdown & UNIX_SHUT_RCV) {
			r = -EPIPE;
			goto out;
		}
		if (other->peer == u || other->rcv_count <= UNIX_DGRAM_QLEN)
			break;
		if (nonblock) {
			r = -EAGAIN;
			goto out;
		}
		list_push_back(&other->room_waiters, &w.link);
		r = unix_wait(u, deadline);
		list_remove(&w.link);
		if (r)
			goto out;
	}
	msg->from = unix_get(u);
	msg->len = len;
	msg->cap = len;
	msg->off = 0;
	msg->charge = len + UNIX_MSG_COST;
	msg->cred = scm.cred;
	msg->fds = scm.fds;
	msg->nfds = scm.nfds;
	scm.fds = NULL;
	scm.nfds = 0;
	u->wmem += msg->charge;
	u->outq += len;
	list_push_back(&other->rcvq, &msg->link);
	other->rcv_count++;
	other->rcv_bytes += len;
	unix_wake(other, POLLIN | POLLRDNORM);
	msg = NULL;
	r = (long)len;
out:
	if (other)
		unix_put(other);
	mutex_unlock(&unix_lock);
out_unlocked:
	if (inode)
		iput(inode);
	kfree(msg);
	unix_scm_drop(&scm);
	return r;
}

/*
 * Datagram (and seqpacket) receive: one message; a longer one than the
 * buffer is cut (MSG_TRUNC in out_flags) and its rest dropped, and with
 * MSG_TRUNC in flags its whole length is returned (recv(2)). 0 once
 * reading is shut and nothing is queued.
 */
static long unix_dgram_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct unix_sock *u = s->priv;
	uint64_t deadline = sock_deadline(s->rcvtimeo_ns);
	bool peek = flags & MSG_PEEK, nonblock = flags & MSG_DONTWAIT;
	struct unix_scm scm = { NULL, 0, { 0, 0, 0 } };
	size_t left = sock_msg_left(m), k;
	bool passcred = false, have = false;
	struct unix_msg *msg;
	long r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	m->namelen = 0;
	mutex_lock(&unix_lock);
	/* Linux unix_seqpacket_recvmsg: ENOTCONN unless connected. */
	if (u->type == SOCK_SEQPACKET && u->state != UNIX_CONNECTED) {
		r = -ENOTCONN;
		goto out;
	}
	while (list_empty(&u->rcvq)) {
		if (u->err) {
			r = -u->err;
			u->err = 0;
			goto out;
		}
		if (u->shutdown & UNIX_SHUT_RCV) {
			r = 0;
			goto out;
		}
		if (nonblock) {
			r = -EAGAIN;
			goto out;
		}
		r = unix_wait(u, deadline);
		if (r)
			goto out;
	}
	msg = list_entry(u->rcvq.next, struct unix_msg, link);
	k = MIN(msg->len, left);
	if (sock_msg_copy_out(m, msg->data, k)) {
		r = -EFAULT;
		goto out;
	}
	unix_name_from(msg->from, m);
	if (k < msg->len)
		m->out_flags |= MSG_TRUNC;
	r = (flags & MSG_TRUNC) ? (long)msg->len : (long)k;
	passcred = u->passcred;
	scm.cred = msg->cred;
	have = true;
	if (peek) {
		if (msg->nfds)
			unix_scm_dup(msg, &scm);
	} else {
		unix_scm_take(msg, &scm);
		unix_msg_dequeue(u, msg);
		kfree(msg);
	}
out:
	mutex_unlock(&unix_lock);
	if (have)
		unix_scm_out(m, &scm, passcred, flags);
	unix_scm_drop(&scm);
	return r;
}

/* ---------------------------------------------------------------- readiness, ioctls, options */

/*
 * Linux unix_poll and unix_dgram_poll: POLLERR while a reset is pending,
 * POLLHUP when both directions are
 * shut (or a connection-mode socket is not connected), POLLIN and
 * POLLRDHUP once reading is shut, POLLIN with data or a connection to
 * accept, POLLOUT while at most a quarter of the send buffer is queued
 * (not listening), and for a datagram socket not while its peer's queue
 * is full (the socket then waits for room there).
 */
static unsigned int unix_poll(struct socket *s, struct poll_table *pt)
{
	struct unix_sock *u = s->priv;
	unsigned int ev = 0;
	bool writable;

	poll_subscribe(pt, &s->ph);
	mutex_lock(&unix_lock);
	if (u->err)
		ev |= POLLERR;
	if (u->shutdown == UNIX_SHUT_BOTH)
		ev |= POLLHUP;
	if (u->shutdown & UNIX_SHUT_RCV)
		ev |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (!list_empty(&u->rcvq) || !list_empty(&u->acceptq))
		ev |= POLLIN | POLLRDNORM;
	if (u->type != SOCK_DGRAM && u->state == UNIX_CLOSED)
		ev |= POLLHUP;
	writable = u->state != UNIX_LISTEN && u->wmem * 4 <= (size_t)u->sndbuf;
	if (writable && u->type == SOCK_DGRAM && u->peer && u->peer->peer != u &&
	    u->peer->rcv_count > UNIX_DGRAM_QLEN) {
		if (!list_linked(&u->peer_wake.link))
			list_push_back(&u->peer->room_waiters, &u->peer_wake.link);
		writable = false;
	}
	if (writable)
		ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
	mutex_unlock(&unix_lock);
	return ev;
}

/* SIOCINQ: bytes unread (a datagram socket: the next datagram's size); SIOCOUTQ: bytes sent and unread. */
static long unix_ioctl(struct socket *s, unsigned int cmd, uint64_t arg)
{
	struct unix_sock *u = s->priv;
	int n;

	mutex_lock(&unix_lock);
	switch (cmd) {
	case SIOCINQ:
		if (u->state == UNIX_LISTEN) {
			mutex_unlock(&unix_lock);
			return -EINVAL;
		}
		if (u->type != SOCK_DGRAM)
			n = (int)u->rcv_bytes;
		else
			n = list_empty(&u->rcvq) ? 0 :
			    (int)list_entry(u->rcvq.next, struct unix_msg, link)->len;
		break;
	case SIOCOUTQ:
		n = (int)u->outq;
		break;
	default:
		mutex_unlock(&unix_lock);
		return -ENOTTY;
	}
	mutex_unlock(&unix_lock);
	return copy_to_user(arg, &n, sizeof(n)) ? -EFAULT : 0;
}

/* socket(7) SO_SNDBUF/SO_RCVBUF: the value is capped, doubled and floored as Linux sock_setsockopt does. */
static int unix_buf_size(int v, uint32_t max, int min, bool force)
{
	uint32_t val = force && v < 0 ? 0 : (uint32_t)v;

	if (val > max)
		val = max;
	return MAX((int)(val * 2), min);
}

/* SOL_SOCKET options stored as a flag and reported back, without further effect. */
static bool unix_flag_opt(int name)
{
	return name == SO_DEBUG || name == SO_REUSEADDR || name == SO_DONTROUTE || name == SO_BROADCAST ||
	       name == SO_KEEPALIVE || name == SO_OOBINLINE || name == SO_REUSEPORT;
}

static int unix_setsockopt(struct socket *s, int level, int name, const void *val, size_t len)
{
	struct unix_sock *u = s->priv;
	int v, r = 0;

	/* Linux: AF_UNIX has no options beyond SOL_SOCKET (no setsockopt op: EOPNOTSUPP). */
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (name == SO_LINGER) {
		if (len < sizeof(u->linger))
			return -EINVAL;
		mutex_lock(&unix_lock);
		memcpy(u->linger, val, sizeof(u->linger));
		mutex_unlock(&unix_lock);
		return 0;
	}
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	mutex_lock(&unix_lock);
	switch (name) {
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
		u->sndbuf = unix_buf_size(v, name == SO_SNDBUF ? UNIX_BUF_MAX : UNIX_BUF_FORCE_MAX,
					  UNIX_SNDBUF_MIN, name == SO_SNDBUFFORCE);
		/* A larger buffer may let blocked writers go on. */
		unix_wake(u, POLLOUT | POLLWRNORM | POLLWRBAND);
		break;
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
		u->rcvbuf = unix_buf_size(v, name == SO_RCVBUF ? UNIX_BUF_MAX : UNIX_BUF_FORCE_MAX,
					  UNIX_RCVBUF_MIN, name == SO_RCVBUFFORCE);
		break;
	case SO_PASSCRED:
		u->passcred = v != 0;
		break;
	case SO_PRIORITY:
		u->priority = v;
		break;
	case SO_RCVLOWAT:
		/* Stored (Linux: a negative value is INT_MAX, 0 is 1); reads still return from the first byte. */
		u->rcvlowat = v < 0 ? 0x7fffffff : (v ? v : 1);
		break;
	default:
		if (unix_flag_opt(name)) {
			if (v)
				u->flags |= 1ull << name;
			else
				u->flags &= ~(1ull << name);
		} else {
			r = -ENOPROTOOPT;
		}
		break;
	}
	mutex_unlock(&unix_lock);
	return r;
}

static int unix_getsockopt(struct socket *s, int level, int name, void *val, size_t *len)
{
	struct unix_sock *u = s->priv;
	struct unix_cred cred;
	int v = 0, r = 0;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	mutex_lock(&unix_lock);
	switch (name) {
	case SO_ACCEPTCONN:
		v = u->state == UNIX_LISTEN;
		break;
	case SO_ERROR:
		/* socket(7): reading the pending error clears it. */
		v = u->err;
		u->err = 0;
		break;
	case SO_SNDBUF:
		v = u->sndbuf;
		break;
	case SO_RCVBUF:
		v = u->rcvbuf;
		break;
	case SO_PASSCRED:
		v = u->passcred;
		break;
	case SO_PRIORITY:
		v = u->priority;
		break;
	case SO_RCVLOWAT:
		v = u->rcvlowat;
		break;
	case SO_SNDLOWAT:
		v = 1;
		break;
	case SO_PEERCRED:
		/* Linux cred_to_ucred: no peer is pid 0, uid and gid -1. */
		cred = u->has_peercred ? u->peercred : (struct unix_cred){ 0, 0xffffffffu, 0xffffffffu };
		memcpy(val, &cred, sizeof(cred));
		*len = sizeof(cred);
		mutex_unlock(&unix_lock);
		return 0;
	case SO_LINGER:
		memcpy(val, u->linger, sizeof(u->linger));
		*len = sizeof(u->linger);
		mutex_unlock(&unix_lock);
		return 0;
	default:
		if (unix_flag_opt(name))
			v = (u->flags >> name) & 1;
		else
			r = -ENOPROTOOPT;
		break;
	}
	mutex_unlock(&unix_lock);
	if (r)
		return r;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

/* ---------------------------------------------------------------- the family */

static void unix_release(struct socket *s)
{
	struct unix_sock *u = s->priv;
	struct list_node grave;

	if (!u)
		return;
	list_init(&grave);
	mutex_lock(&unix_lock);
	u->sock = NULL;
	unix_close(u, false, &grave);
	unix_put(u);
	mutex_unlock(&unix_lock);
	s->priv = NULL;
	unix_bury(&grave);
}

static const struct sock_ops unix_stream_ops = {
	.bind = unix_bind,
	.listen = unix_listen,
	.accept = unix_accept,
	.connect = unix_stream_connect,
	.sendmsg = unix_stream_sendmsg,
	.recvmsg = unix_stream_recvmsg,
	.shutdown = unix_shutdown,
	.getname = unix_getname,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.poll = unix_poll,
	.ioctl = unix_ioctl,
	.release = unix_release,
};

/* Connections with message boundaries: the stream's connection handling, the datagram's messages. */
static const struct sock_ops unix_seqpacket_ops = {
	.bind = unix_bind,
	.listen = unix_listen,
	.accept = unix_accept,
	.connect = unix_stream_connect,
	.sendmsg = unix_dgram_sendmsg,
	.recvmsg = unix_dgram_recvmsg,
	.shutdown = unix_shutdown,
	.getname = unix_getname,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.poll = unix_poll,
	.ioctl = unix_ioctl,
	.release = unix_release,
};

/* No listen or accept: the socket layer answers EOPNOTSUPP, as Linux's sock_no_listen. */
static const struct sock_ops unix_dgram_ops = {
	.bind = unix_bind,
	.connect = unix_dgram_connect,
	.sendmsg = unix_dgram_sendmsg,
	.recvmsg = unix_dgram_recvmsg,
	.shutdown = unix_shutdown,
	.getname = unix_getname,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.poll = unix_poll,
	.ioctl = unix_ioctl,
	.release = unix_release,
};

static int unix_create(struct socket *s, int type, int protocol)
{
	struct unix_sock *u;

	if (protocol != 0 && protocol != AF_UNIX)	/* Linux takes PF_UNIX too */
		return -EPROTONOSUPPORT;
	/* Linux unix_create: SOCK_RAW is taken as SOCK_DGRAM. */
	if (type == SOCK_RAW)
		type = s->type = SOCK_DGRAM;
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	u = unix_sock_new(type);
	if (!u)
		return -ENOMEM;
	u->sock = s;
	s->priv = u;
	s->ops = unix_ops_for(type);
	return 0;
}

/* socketpair(2): two sockets connected to each other, whatever their type; each one's SO_PEERCRED is set. */
static int unix_pair(struct socket *a, struct socket *b)
{
	struct unix_sock *ua = a->priv, *ub = b->priv;

	mutex_lock(&unix_lock);
	ua->peer = unix_get(ub);
	ub->peer = unix_get(ua);
	ua->state = UNIX_CONNECTED;
	ub->state = UNIX_CONNECTED;
	ua->has_peercred = true;
	ub->has_peercred = true;
	ua->peercred = unix_cred_now();
	ub->peercred = unix_cred_now();
	mutex_unlock(&unix_lock);
	return 0;
}

const struct sock_family unix_family = {
	.family = AF_UNIX,
	.create = unix_create,
	.pair = unix_pair,
};
