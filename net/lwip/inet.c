/* SPDX-License-Identifier: BSD-2-Clause */
/* AF_INET sockets (TCP and UDP) on lwIP's raw API, called under the core lock in the caller's own thread. */
#include <mote/errno.h>
#include "abi/usercopy.h"
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "lib/string.h"
#include "lwip/ip4_addr.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"
#include "net/lwip/lwip_port.h"
#include "net/socket.h"

/*
 * How it works. Every call takes lwIP's core lock (LOCK_TCPIP_CORE) in
 * the calling thread and uses the raw API directly: no mailbox, no
 * thread switch (unlike lwIP's sockets.c). lwIP calls back (data in,
 * data acknowledged, connection accepted or failed) with the same lock
 * held, from the receive thread or the tcpip thread's timers; the
 * callbacks only queue and wake (sock_wake). A caller that must wait
 * sleeps on its socket's wait queue with the core lock dropped.
 *
 * An inet_sock outlives nothing it points to: lwIP's pcb goes away on
 * its own when the connection fails (the err callback clears ours), and
 * on close we detach from the pcb (arg and callbacks NULL) before
 * freeing, so a late callback finds nothing. A connection accepted by
 * lwIP but not yet by the application is an inet_sock without a socket
 * on its listener's queue.
 */

/* Linux include/uapi/linux/in.h and tcp.h: option levels and names. */
#define IPPROTO_IP	0
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17
#define IP_TOS		1
#define IP_TTL		2
#define IP_RECVERR	11
#define IP_MTU_DISCOVER	10
#define IPPROTO_IPV6	41
#define IPV6_UNICAST_HOPS 16
#define IPV6_MTU_DISCOVER 23
#define IPV6_RECVERR	25
#define IPV6_V6ONLY	26
#define IPV6_TCLASS	67
#define TCP_NODELAY	1
#define TCP_MAXSEG	2
#define TCP_CORK	3
#define TCP_KEEPIDLE	4
#define TCP_KEEPINTVL	5
#define TCP_KEEPCNT	6
#define TCP_DEFER_ACCEPT 9
#define TCP_QUICKACK	12
#define TCP_USER_TIMEOUT 18

/* socket(7): the smallest buffer sizes Linux grants (SOCK_MIN_SNDBUF, SOCK_MIN_RCVBUF on 64-bit). */
#define SNDBUF_MIN	4608
#define RCVBUF_MIN	2304
/* A UDP socket queues received datagrams up to this many bytes (Linux's rmem_default is 208 KiB). */
#define UDP_RCVBUF_DEFAULT	(208 * 1024)
/* udp(7): the largest payload of an IPv4 datagram. */
#define UDP_MAX_PAYLOAD	65507
/* lwIP's tcp_write and tcp_recved take 16-bit lengths. */
#define TCP_CHUNK	0xffff

enum inet_state {
	INET_FRESH,		/* made, maybe bound */
	INET_LISTEN,
	INET_CONNECTING,
	INET_CONNECTED,
	INET_CLOSED,		/* the connection is over (reset, failed, or lwIP freed the pcb) */
};

struct dgram {
	struct dgram *next;
	struct pbuf *p;
	ip_addr_t from;
	u16_t port;
};

struct inet_sock {
	struct socket *sock;		/* NULL while on a listener's accept queue */
	int type;
	enum inet_state state;
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
	} pcb;
	int err;			/* pending error for SO_ERROR and the next call (positive errno) */
	bool eof;			/* the peer's FIN arrived */
	bool shut_rd, shut_wr;
	bool was_connected;		/* once connected: a send after the end is EPIPE, not ENOTCONN */
	/*
	 * TCP: received bytes not yet read, as lwIP delivered them: pbufs
	 * linked through next, counted in rx_bytes. The chain's tot_len is
	 * not kept (it is 16 bits and a window holds more): only each pbuf's
	 * own len is used.
	 */
	struct pbuf *rx, *rx_tail;
	size_t rx_bytes;
	/* TCP listener: connections accepted by lwIP, waiting for accept(2). */
	struct inet_sock *q_head, *q_tail, *q_next;
	/* UDP: received datagrams. */
	struct dgram *dq_head, *dq_tail;
	size_t dq_bytes;
	/* Options. */
	int sndbuf, rcvbuf;		/* as getsockopt reports them (Linux doubles what is set) */
	bool sndbuf_set;		/* SO_SNDBUF was given: accepted connections take it too */
	bool v6only;			/* IPV6_V6ONLY: an AF_INET6 socket that takes no IPv4 */
	bool nodelay;			/* a listener's TCP_NODELAY, for the sockets it accepts */
	bool linger_on;
	int linger_sec;
};

static const struct sock_ops inet_tcp_ops, inet_udp_ops;

/* Every TCP write is first copied from the application into this buffer: lwIP's tcp_write reads with memcpy. */
static uint8_t tx_bounce[TCP_CHUNK];

static void core_unlock(void *unused)
{
	(void)unused;
	UNLOCK_TCPIP_CORE();
}

static void core_relock(void *unused)
{
	(void)unused;
	LOCK_TCPIP_CORE();
}

/* Sleeps until woken or the deadline; the core lock is held around it. 0 or -EAGAIN (timed out). */
static int inet_wait(struct inet_sock *is, uint64_t deadline)
{
	return sock_wait(is->sock, deadline, core_unlock, core_relock, NULL) ? -EAGAIN : 0;
}

static void inet_wake(struct inet_sock *is, unsigned int events)
{
	if (is && is->sock)
		sock_wake(is->sock, events);
}

/* lwIP's err_t as an errno for a socket call (lwIP's own sockets' table, decided case by case here). */
static int lwip_errno(err_t e)
{
	switch (e) {
	case ERR_OK:		return 0;
	case ERR_MEM:		return ENOMEM;
	case ERR_BUF:		return ENOBUFS;
	case ERR_TIMEOUT:	return ETIMEDOUT;
	case ERR_RTE:		return EHOSTUNREACH;
	case ERR_INPROGRESS:	return EINPROGRESS;
	case ERR_VAL:		return EINVAL;
	case ERR_WOULDBLOCK:	return EWOULDBLOCK;
	case ERR_USE:		return EADDRINUSE;
	case ERR_ALREADY:	return EALREADY;
	case ERR_ISCONN:	return EISCONN;
	case ERR_CONN:		return ENOTCONN;
	case ERR_IF:		return ENETUNREACH;
	case ERR_ABRT:		return ECONNABORTED;
	case ERR_RST:		return ECONNRESET;
	case ERR_CLSD:		return ENOTCONN;
	case ERR_ARG:		return EINVAL;
	default:		return EIO;
	}
}

/* ---------------------------------------------------------------- addresses */

/* Linux include/uapi/linux/in.h: struct sockaddr_in. */
struct sockaddr_in_k {
	uint16_t family;
	uint16_t port;			/* network order */
	uint32_t addr;			/* network order */
	uint8_t zero[8];
};

/* Linux include/uapi/linux/in6.h: struct sockaddr_in6. */
struct sockaddr_in6_k {
	uint16_t family;
	uint16_t port;			/* network order */
	uint32_t flowinfo;
	uint32_t addr[4];		/* network order */
	uint32_t scope_id;		/* the interface of a link-local address (its index) */
};

/*
 * An address from the application, for a socket of `family`. An AF_INET6
 * socket takes IPv4 peers as v4-mapped addresses (::ffff:a.b.c.d, RFC
 * 4291 §2.5.5.2), the way Linux dual-stack sockets do (ipv6(7)).
 */
static int addr_from_user(int family, const void *buf, size_t len, ip_addr_t *ip, u16_t *port)
{
	const struct sockaddr_in_k *sin = buf;
	const struct sockaddr_in6_k *sin6 = buf;

	if (family == AF_INET) {
		if (len < sizeof(*sin))
			return -EINVAL;
		if (sin->family != AF_INET)
			return -EAFNOSUPPORT;
		ip_addr_set_ip4_u32(ip, sin->addr);
		*port = lwip_ntohs(sin->port);
		return 0;
	}
#if LWIP_IPV6
	if (len < sizeof(*sin6))
		return -EINVAL;
	if (sin6->family != AF_INET6)
		return -EAFNOSUPPORT;
	*port = lwip_ntohs(sin6->port);
	if (!sin6->addr[0] && !sin6->addr[1] && sin6->addr[2] == PP_HTONL(0xffff)) {
		ip_addr_set_ip4_u32(ip, sin6->addr[3]);
		return 0;
	}
	IP_ADDR6(ip, sin6->addr[0], sin6->addr[1], sin6->addr[2], sin6->addr[3]);
	if (ip6_addr_has_scope(ip_2_ip6(ip), IP6_UNKNOWN)) {
		/* A link-local address names its link: scope_id, or eth0 when it is 0. */
		struct netif *nif = sin6->scope_id ? netif_get_by_index((u8_t)sin6->scope_id) : lwip_port_netif();

		if (!nif)
			return sin6->scope_id ? -ENODEV : -EINVAL;
		ip6_addr_set_zone(ip_2_ip6(ip), netif_get_index(nif));
	}
	return 0;
#else
	(void)sin6;
	return -EAFNOSUPPORT;
#endif
}

static void addr_to_user(int family, void *buf, size_t *len, const ip_addr_t *ip, u16_t port)
{
	if (family == AF_INET) {
		struct sockaddr_in_k sin = { .family = AF_INET, .port = lwip_htons(port) };

		sin.addr = ip && IP_IS_V4(ip) ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
		memcpy(buf, &sin, MIN(*len, sizeof(sin)));
		*len = sizeof(sin);
		return;
	}
#if LWIP_IPV6
	struct sockaddr_in6_k sin6 = { .family = AF_INET6, .port = lwip_htons(port) };

	if (ip && IP_IS_V4(ip) && !ip_addr_isany(ip)) {
		sin6.addr[2] = PP_HTONL(0xffff);
		sin6.addr[3] = ip4_addr_get_u32(ip_2_ip4(ip));
	} else if (ip && IP_IS_V6(ip)) {
		memcpy(sin6.addr, ip_2_ip6(ip)->addr, sizeof(sin6.addr));
		if (ip6_addr_has_zone(ip_2_ip6(ip)))
			sin6.scope_id = ip6_addr_zone(ip_2_ip6(ip));
	}
	memcpy(buf, &sin6, MIN(*len, sizeof(sin6)));
	*len = sizeof(sin6);
#endif
}

/* connect(2) to the unspecified address reaches this host (ip(7), ipv6(7)). */
static void any_to_loopback(ip_addr_t *ip)
{
	if (ip_addr_isany(ip))
		ip_addr_set_loopback(IP_IS_V6(ip), ip);
}

/* bind(2): EADDRNOTAVAIL for an address that is not this machine's (any, loopback, or an interface's). */
static bool addr_is_local(const ip_addr_t *ip)
{
	struct netif *nif;

	if (ip_addr_isany(ip) || ip_addr_isloopback(ip))
		return true;
	NETIF_FOREACH(nif) {
		if (IP_IS_V4(ip) && ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(nif)))
			return true;
#if LWIP_IPV6
		if (IP_IS_V6(ip) && netif_get_ip6_addr_match(nif, ip_2_ip6(ip)) >= 0)
			return true;
#endif
	}
	return false;
}

/* ---------------------------------------------------------------- creation */

static struct inet_sock *inet_alloc(int type)
{
	struct inet_sock *is = kcalloc(1, sizeof(*is));

	if (!is)
		return NULL;
	is->type = type;
	/*
	 * socket(7): getsockopt reports twice the usable size (Linux books
	 * its overhead in the other half); a TCP socket's usable send
	 * buffer is lwIP's whole TCP_SND_BUF until SO_SNDBUF lowers it.
	 */
	is->sndbuf = type == SOCK_STREAM ? 2 * TCP_SND_BUF : 2 * UDP_MAX_PAYLOAD;
	is->rcvbuf = type == SOCK_STREAM ? 2 * TCP_WND : UDP_RCVBUF_DEFAULT;
	return is;
}

static void tcp_attach(struct inet_sock *is, struct tcp_pcb *pcb);
static void apply_sndbuf(struct inet_sock *is);
static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port);

static int inet_create(struct socket *s, int type, int protocol)
{
	struct inet_sock *is;

	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return type == SOCK_RAW ? -EPROTONOSUPPORT : -ESOCKTNOSUPPORT;
	if (protocol && !(type == SOCK_STREAM && protocol == IPPROTO_TCP) &&
	    !(type == SOCK_DGRAM && protocol == IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	if (lwip_port_core_start())
		return -EAFNOSUPPORT;
	/* ipv6(7): an AF_INET6 socket also talks IPv4 (v4-mapped addresses) until IPV6_V6ONLY. */
	u8_t ip_type = s->family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY;

	is = inet_alloc(type);
	if (!is)
		return -ENOMEM;
	LOCK_TCPIP_CORE();
	if (type == SOCK_STREAM) {
		is->pcb.tcp = tcp_new_ip_type(ip_type);
		if (is->pcb.tcp)
			tcp_attach(is, is->pcb.tcp);
	} else {
		is->pcb.udp = udp_new_ip_type(ip_type);
		if (is->pcb.udp)
			udp_recv(is->pcb.udp, udp_recv_cb, is);
	}
	UNLOCK_TCPIP_CORE();
	if (!is->pcb.tcp && !is->pcb.udp) {
		kfree(is);
		return -ENOMEM;		/* lwIP's pool of PCBs is used up (socket(2) names ENOBUFS or ENOMEM) */
	}
	s->protocol = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	s->priv = is;
	is->sock = s;
	s->ops = type == SOCK_STREAM ? &inet_tcp_ops : &inet_udp_ops;
	return 0;
}

const struct sock_family inet_family = {
	.family = AF_INET,
	.create = inet_create,
};

#if LWIP_IPV6
const struct sock_family inet6_family = {
	.family = AF_INET6,
	.create = inet_create,
};
#else
static int inet6_refuse(struct socket *s, int type, int protocol)
{
	(void)s, (void)type, (void)protocol;
	return -EAFNOSUPPORT;
}

const struct sock_family inet6_family = {
	.family = AF_INET6,
	.create = inet6_refuse,
};
#endif

/* Binding "::" on a dual-stack socket binds both families' any address. */
static const ip_addr_t *bind_any(struct socket *s, struct inet_sock *is, const ip_addr_t *ip)
{
#if LWIP_IPV6
	if (s->family == AF_INET6 && !is->v6only && IP_IS_V6(ip) && ip_addr_isany(ip))
		return IP_ANY_TYPE;
#else
	(void)s, (void)is;
#endif
	return ip;
}

/* ---------------------------------------------------------------- TCP callbacks (core lock held) */

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct inet_sock *is = arg;

	(void)err;
	if (!is) {
		/* Closed by the application: what still arrives is acknowledged and dropped. */
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {
		is->eof = true;
		inet_wake(is, POLLIN | POLLRDNORM | POLLRDHUP);
		return ERR_OK;
	}
	if (is->shut_rd) {
		/* shutdown(SHUT_RD): Linux discards what arrives afterwards; the window stays open. */
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	is->rx_bytes += p->tot_len;
	if (is->rx)
		is->rx_tail->next = p;
	else
		is->rx = p;
	while (p->next)
		p = p->next;
	is->rx_tail = p;
	inet_wake(is, POLLIN | POLLRDNORM);
	return ERR_OK;
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb, (void)len;
	inet_wake(arg, POLLOUT | POLLWRNORM);
	return ERR_OK;
}

/* The pcb is gone (reset, aborted, timed out): lwIP has freed it. */
static void tcp_err_cb(void *arg, err_t err)
{
	struct inet_sock *is = arg;

	if (!is)
		return;
	/* connect(2): a reset while connecting is ECONNREFUSED; a connection that timed out is ETIMEDOUT. */
	if (is->state == INET_CONNECTING)
		is->err = err == ERR_RST ? ECONNREFUSED : err == ERR_ABRT ? ETIMEDOUT : lwip_errno(err);
	else
		is->err = err == ERR_ABRT ? ETIMEDOUT : lwip_errno(err);
	is->pcb.tcp = NULL;
	is->state = INET_CLOSED;
	inet_wake(is, POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP);
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *is = arg;

	(void)pcb, (void)err;
	if (!is)
		return ERR_OK;
	is->state = INET_CONNECTED;
	is->was_connected = true;
	inet_wake(is, POLLOUT | POLLWRNORM);
	return ERR_OK;
}

static void tcp_attach(struct inet_sock *is, struct tcp_pcb *pcb)
{
	tcp_arg(pcb, is);
	tcp_recv(pcb, tcp_recv_cb);
	tcp_sent(pcb, tcp_sent_cb);
	tcp_err(pcb, tcp_err_cb);
}

/* Detaches a connection's pcb from is: late callbacks see no socket. */
static void tcp_detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, tcp_recv_cb);	/* with arg NULL: acknowledge and drop */
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct inet_sock *ls = arg, *is;

	if (err != ERR_OK || !newpcb)
		return ERR_VAL;
	/* The backlog is lwIP's (TCP_LISTEN_BACKLOG): beyond it SYNs are dropped and clients retry, as on Linux. */
	if (!ls || !(is = inet_alloc(SOCK_STREAM))) {
		tcp_abort(newpcb);
		return ERR_ABRT;
	}
	is->state = INET_CONNECTED;
	is->was_connected = true;
	is->pcb.tcp = newpcb;
	is->sndbuf = ls->sndbuf;
	is->sndbuf_set = ls->sndbuf_set;
	is->rcvbuf = ls->rcvbuf;
	tcp_attach(is, newpcb);
	apply_sndbuf(is);
	if (ls->nodelay)
		tcp_nagle_disable(newpcb);	/* tcp(7): TCP_NODELAY is inherited by accepted sockets */
	if (ls->q_tail)
		ls->q_tail->q_next = is;
	else
		ls->q_head = is;
	ls->q_tail = is;
	inet_wake(ls, POLLIN | POLLRDNORM);
	return ERR_OK;
}

/* ---------------------------------------------------------------- TCP operations */

static int tcp_bind_op(struct socket *s, const void *addr, size_t len)
{
	struct inet_sock *is = s->priv;
	ip_addr_t ip;
	u16_t port;
	int r = addr_from_user(s->family, addr, len, &ip, &port);
	err_t e;

	if (r)
		return r;
	LOCK_TCPIP_CORE();
	if (!is->pcb.tcp || is->state != INET_FRESH || is->pcb.tcp->local_port) {
		r = -EINVAL;		/* bind(2): already bound */
	} else if (!addr_is_local(&ip)) {
		r = -EADDRNOTAVAIL;
	} else {
		e = tcp_bind(is->pcb.tcp, bind_any(s, is, &ip), port);
		r = e == ERR_OK ? 0 : -lwip_errno(e);
	}
	UNLOCK_TCPIP_CORE();
	return r;
}

static int tcp_listen_op(struct socket *s, int backlog)
{
	struct inet_sock *is = s->priv;
	struct tcp_pcb *lpcb;
	err_t e = ERR_OK;
	int r = 0;

	/*
	 * lwIP keeps the backlog (TCP_LISTEN_BACKLOG): connections handshaking
	 * or waiting for accept(2), at most 255 (a byte); SYNs beyond it are
	 * dropped, so that clients retry as they do against a full Linux queue.
	 */
	if (backlog < 1)
		backlog = 1;
	if (backlog > 255)
		backlog = 255;
	LOCK_TCPIP_CORE();
	if (is->state == INET_LISTEN) {
		tcp_backlog_set(is->pcb.tcp, (u8_t)backlog);
	} else if (is->state != INET_FRESH || !is->pcb.tcp) {
		r = -EINVAL;
	} else {
		/* listen(2): an unbound socket is bound to an ephemeral port first. */
		if (!is->pcb.tcp->local_port)
			e = tcp_bind(is->pcb.tcp, s->family == AF_INET ? IP4_ADDR_ANY : IP_ANY_TYPE, 0);
		if (e == ERR_OK) {
			is->nodelay = tcp_nagle_disabled(is->pcb.tcp);	/* the listening pcb has no flags */
			lpcb = tcp_listen_with_backlog_and_err(is->pcb.tcp, (u8_t)backlog, &e);
			if (lpcb) {
				/* The connection pcb was freed by lwIP and replaced by a smaller listening one. */
				is->pcb.tcp = lpcb;
				tcp_arg(lpcb, is);
				tcp_accept(lpcb, tcp_accept_cb);
				is->state = INET_LISTEN;
			}
		}
		if (e != ERR_OK)
			r = -lwip_errno(e);
	}
	UNLOCK_TCPIP_CORE();
	return r;
}

static int tcp_accept_op(struct socket *s, struct socket **out, bool nonblock, void *peer, size_t *peerlen)
{
	struct inet_sock *ls = s->priv, *is;
	uint64_t deadline = sock_deadline(s->rcvtimeo_ns);
	struct socket *ns;
	int r;

	/* The socket for the new connection is made first: failing after taking it off the queue would lose it. */
	r = sock_alloc(s, 0, &ns);
	if (r)
		return r;
	LOCK_TCPIP_CORE();
	for (;;) {
		if (ls->state != INET_LISTEN) {
			r = -EINVAL;
			break;
		}
		is = ls->q_head;
		if (is) {
			ls->q_head = is->q_next;
			if (!ls->q_head)
				ls->q_tail = NULL;
			is->q_next = NULL;
			break;
		}
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		r = inet_wait(ls, deadline);
		if (r)
			break;
	}
	if (!r) {
		is->sock = ns;
		ns->priv = is;
		ns->ops = &inet_tcp_ops;
		if (is->pcb.tcp)
			tcp_backlog_accepted(is->pcb.tcp);	/* it leaves the listener's backlog */
		if (is->pcb.tcp)
			addr_to_user(s->family, peer, peerlen, &is->pcb.tcp->remote_ip, is->pcb.tcp->remote_port);
		else
			addr_to_user(s->family, peer, peerlen, NULL, 0);	/* reset before it was accepted: reads report it */
	}
	UNLOCK_TCPIP_CORE();
	if (r) {
		fput(ns->file);
		return r;
	}
	*out = ns;
	return 0;
}

static int tcp_connect_op(struct socket *s, const void *addr, size_t len, bool nonblock)
{
	struct inet_sock *is = s->priv;
	uint64_t deadline = sock_deadline(s->sndtimeo_ns);
	ip_addr_t ip;
	u16_t port;
	err_t e;
	int r;

	if (len >= 2 && ((const struct sockaddr_in_k *)addr)->family == AF_UNSPEC)
		return -EOPNOTSUPP;	/* dissolving a TCP association (connect(2) AF_UNSPEC) is not supported */
	r = addr_from_user(s->family, addr, len, &ip, &port);
	if (r)
		return r;
	LOCK_TCPIP_CORE();
	switch (is->state) {
	case INET_LISTEN:
		r = -EISCONN;
		goto out;
	case INET_CONNECTED:
		r = -EISCONN;
		goto out;
	case INET_CONNECTING:
		if (nonblock) {
			r = -EALREADY;
			goto out;
		}
		break;
	case INET_CLOSED:
		/* A connection that failed reports its error once (connect(2) after EINPROGRESS). */
		r = is->err ? -is->err : -EISCONN;
		is->err = 0;
		goto out;
	case INET_FRESH:
		any_to_loopback(&ip);
		e = tcp_connect(is->pcb.tcp, &ip, port, tcp_connected_cb);
		if (e != ERR_OK) {
			r = -lwip_errno(e);
			goto out;
		}
		is->state = INET_CONNECTING;
		if (nonblock) {
			r = -EINPROGRESS;
			goto out;
		}
		break;
	}
	while (is->state == INET_CONNECTING) {
		if (inet_wait(is, deadline)) {
			r = -EINPROGRESS;	/* connect(2) with SO_SNDTIMEO: the attempt goes on */
			goto out;
		}
	}
	if (is->state == INET_CONNECTED) {
		r = 0;
	} else {
		r = -(is->err ? is->err : ECONNREFUSED);
		is->err = 0;
	}
out:
	UNLOCK_TCPIP_CORE();
	return r;
}

/*
 * Send room left: lwIP's buffer within the connection's SO_SNDBUF
 * (tcp_set_sndbuf, net/lwip/patches/0004) and its segment queue.
 * lwIP's tcp_write takes at most 64 KiB at once.
 */
static size_t tcp_room(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->pcb.tcp;

	if (tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 1)
		return 0;
	return MIN((size_t)tcp_sndbuf_space(pcb), (size_t)TCP_CHUNK);
}

/* Applies SO_SNDBUF (Linux's doubled figure in is->sndbuf) to a connection's pcb. */
static void apply_sndbuf(struct inet_sock *is)
{
	if (is->pcb.tcp && is->state != INET_LISTEN && is->sndbuf_set)
		is->sndbuf = 2 * (int)tcp_set_sndbuf(is->pcb.tcp, (u32_t)is->sndbuf / 2);
}

static long tcp_sendmsg_op(struct socket *s, struct sock_msg *m, int flags)
{
	struct inet_sock *is = s->priv;
	uint64_t deadline = sock_deadline(s->sndtimeo_ns);
	size_t left = sock_msg_left(m), done = 0;
	long r = 0;

	if (m->namelen && is->state != INET_CONNECTED)
		return -EPIPE;		/* tcp(7): sendto's address is ignored; not connected is EPIPE, as send */
	LOCK_TCPIP_CORE();
	while (done < left) {
		if (is->err) {
			r = -is->err;
			is->err = 0;
			break;
		}
		if (is->state != INET_CONNECTED || is->shut_wr || !is->pcb.tcp) {
			/* Linux (sk_stream_wait_connect): EPIPE on a stream socket that is not connected. */
			r = is->state == INET_CONNECTING ? -EAGAIN : -EPIPE;
			if (is->state == INET_CONNECTING && !(flags & MSG_DONTWAIT)) {
				if (inet_wait(is, deadline))
					break;
				r = 0;
				continue;
			}
			break;
		}
		size_t room = tcp_room(is);

		if (!room) {
			if (flags & MSG_DONTWAIT) {
				r = -EAGAIN;
				break;
			}
			tcp_output(is->pcb.tcp);
			if (inet_wait(is, deadline)) {
				r = -EAGAIN;
				break;
			}
			continue;
		}
		size_t k = MIN(MIN(room, left - done), sizeof(tx_bounce));

		if (sock_msg_copy_in(m, tx_bounce, k)) {
			r = -EFAULT;
			break;
		}
		u8_t wflags = TCP_WRITE_FLAG_COPY;

		if (done + k < left || (flags & MSG_MORE))
			wflags |= TCP_WRITE_FLAG_MORE;
		err_t e = tcp_write(is->pcb.tcp, tx_bounce, (u16_t)k, wflags);

		if (e == ERR_MEM) {
			/* Out of segments or pbufs for now: undo the copy's advance and wait for acknowledgements. */
			m->iov_idx = 0, m->iov_off = 0;
			sock_msg_skip(m, done);
			if (flags & MSG_DONTWAIT) {
				r = -EAGAIN;
				break;
			}
			tcp_output(is->pcb.tcp);
			if (inet_wait(is, deadline)) {
				r = -EAGAIN;
				break;
			}
			continue;
		}
		if (e != ERR_OK) {
			r = -lwip_errno(e);
			break;
		}
		done += k;
	}
	if (is->pcb.tcp && done && !(flags & MSG_MORE))
		tcp_output(is->pcb.tcp);
	UNLOCK_TCPIP_CORE();
	return done ? (long)done : r;
}

static size_t rx_len(const struct inet_sock *is)
{
	return is->rx_bytes;
}

/* Drops the first n received bytes (read or discarded) and reopens the window by as much. */
static void rx_consume(struct inet_sock *is, size_t n)
{
	size_t left = n;

	while (left && is->rx) {
		struct pbuf *q = is->rx;

		if (q->len > left) {
			(void)pbuf_remove_header(q, left);
			left = 0;
			break;
		}
		left -= q->len;
		is->rx = q->next;
		q->next = NULL;
		q->tot_len = q->len;
		pbuf_free(q);
	}
	if (!is->rx)
		is->rx_tail = NULL;
	is->rx_bytes -= n - left;
	for (left = n; is->pcb.tcp && left;) {
		u16_t k = (u16_t)MIN(left, (size_t)TCP_CHUNK);

		tcp_recved(is->pcb.tcp, k);
		left -= k;
	}
}

/* Copies up to n received bytes out (consuming them unless peek): the count, or -EFAULT. */
static long rx_copy(struct inet_sock *is, struct sock_msg *m, size_t n, bool peek)
{
	size_t done = 0;
	struct pbuf *q = is->rx;

	while (q && done < n) {
		size_t k = MIN((size_t)q->len, n - done);

		if (sock_msg_copy_out(m, q->payload, k))
			return done ? (long)done : -EFAULT;
		done += k;
		if (k < q->len)
			break;
		q = q->next;
	}
	if (!peek && done)
		rx_consume(is, done);
	return (long)done;
}

static long tcp_recvmsg_op(struct socket *s, struct sock_msg *m, int flags)
{
	struct inet_sock *is = s->priv;
	uint64_t deadline = sock_deadline(s->rcvtimeo_ns);
	size_t want = sock_msg_left(m), done = 0;
	long r = 0;

	if (flags & MSG_OOB)
		return -EINVAL;		/* no urgent data is kept (tcp(7): EINVAL when none is pending) */
	if (!want)
		return 0;
	LOCK_TCPIP_CORE();
	for (;;) {
		if (rx_len(is)) {
			r = rx_copy(is, m, want - done, flags & MSG_PEEK);
			if (r < 0)
				break;
			done += (size_t)r;
			r = 0;
			if (done == want || !(flags & MSG_WAITALL) || (flags & MSG_PEEK))
				break;
			continue;
		}
		if (done && !(flags & MSG_WAITALL))
			break;
		if (is->shut_rd || is->eof)
			break;
		if (is->err) {
			if (!done) {
				r = -is->err;
				/* A reset is reported once; reads after it see the end (tcp(7), like Linux). */
				is->err = 0;
			}
			break;
		}
		if (is->state == INET_CLOSED)
			break;
		if (is->state != INET_CONNECTED) {
			r = is->state == INET_CONNECTING ? -EAGAIN : -ENOTCONN;
			if (is->state == INET_CONNECTING && !(flags & MSG_DONTWAIT)) {
				if (inet_wait(is, deadline)) {
					r = -EAGAIN;
					break;
				}
				continue;
			}
			break;
		}
		if (flags & MSG_DONTWAIT) {
			r = -EAGAIN;
			break;
		}
		if (inet_wait(is, deadline)) {
			r = -EAGAIN;
			break;
		}
	}
	UNLOCK_TCPIP_CORE();
	return done ? (long)done : r;
}

static int tcp_shutdown_op(struct socket *s, int how)
{
	struct inet_sock *is = s->priv;
	int r = 0;

	LOCK_TCPIP_CORE();
	if (is->state == INET_LISTEN) {
		/* Linux lets SHUT_RD (or RDWR) on a listener stop it; accept then fails with EINVAL. */
		if (how == SHUT_WR) {
			r = -ENOTCONN;
		} else {
			is->shut_rd = true;
			inet_wake(is, POLLIN | POLLHUP);
		}
	} else if (is->state != INET_CONNECTED && !(is->state == INET_CLOSED && is->was_connected)) {
		r = -ENOTCONN;
	} else {
		if (how != SHUT_WR && !is->shut_rd) {
			is->shut_rd = true;
			/* Unread data is dropped; its window reopens. */
			rx_consume(is, is->rx_bytes);
		}
		if (how != SHUT_RD && !is->shut_wr) {
			is->shut_wr = true;
			if (is->pcb.tcp) {
				err_t e = tcp_shutdown(is->pcb.tcp, 0, 1);

				if (e != ERR_OK)
					r = -lwip_errno(e);
			}
		}
		inet_wake(is, POLLIN | POLLOUT | POLLRDHUP);
	}
	UNLOCK_TCPIP_CORE();
	return r;
}

static int tcp_getname_op(struct socket *s, void *addr, size_t *len, bool peer)
{
	struct inet_sock *is = s->priv;
	struct tcp_pcb *pcb;
	int r = 0;

	LOCK_TCPIP_CORE();
	pcb = is->pcb.tcp;
	if (peer) {
		if (is->state != INET_CONNECTED || !pcb)
			r = -ENOTCONN;
		else
			addr_to_user(s->family, addr, len, &pcb->remote_ip, pcb->remote_port);
	} else if (pcb) {
		addr_to_user(s->family, addr, len, &pcb->local_ip, pcb->local_port);
	} else {
		addr_to_user(s->family, addr, len, NULL, 0);
	}
	UNLOCK_TCPIP_CORE();
	return r;
}

static unsigned int tcp_poll_op(struct socket *s, struct poll_table *pt)
{
	struct inet_sock *is = s->priv;
	unsigned int ev = 0;

	poll_subscribe(pt, &s->ph);
	LOCK_TCPIP_CORE();
	switch (is->state) {
	case INET_LISTEN:
		if (is->q_head || is->shut_rd)
			ev |= POLLIN | POLLRDNORM;
		break;
	case INET_FRESH:
		/* Linux: a socket that is not connected is writable and hung up. */
		ev |= POLLOUT | POLLWRNORM | POLLHUP;
		break;
	case INET_CONNECTING:
		break;
	case INET_CONNECTED:
	case INET_CLOSED:
		if (rx_len(is) || is->eof || is->shut_rd)
			ev |= POLLIN | POLLRDNORM;
		if (is->eof || is->shut_rd)
			ev |= POLLRDHUP;
		if (is->state == INET_CLOSED || (is->eof && is->shut_wr))
			ev |= POLLHUP | POLLIN | POLLRDNORM;
		if (is->state == INET_CLOSED || is->shut_wr ||
		    (is->pcb.tcp && tcp_room(is) >= MIN((size_t)TCP_SNDLOWAT, (size_t)tcp_get_sndbuf(is->pcb.tcp) / 2)))
			ev |= POLLOUT | POLLWRNORM;
		break;
	}
	if (is->err)
		ev |= POLLERR;
	UNLOCK_TCPIP_CORE();
	return ev;
}

static long tcp_ioctl_op(struct socket *s, unsigned int cmd, uint64_t arg)
{
	struct inet_sock *is = s->priv;
	int v;

	LOCK_TCPIP_CORE();
	switch (cmd) {
	case FIONREAD:
		v = is->state == INET_LISTEN ? -1 : (int)rx_len(is);
		break;
	case SIOCOUTQ:
		v = is->pcb.tcp && is->state != INET_LISTEN ?
			(int)(tcp_get_sndbuf(is->pcb.tcp) - tcp_sndbuf_space(is->pcb.tcp)) : 0;
		break;
	default:
		UNLOCK_TCPIP_CORE();
		return -ENOTTY;
	}
	UNLOCK_TCPIP_CORE();
	if (v < 0)
		return -EINVAL;		/* tcp(7): SIOCINQ on a listening socket */
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

/* ---------------------------------------------------------------- options */

struct linger_k {
	int32_t onoff;
	int32_t linger;
};

/* An int option's value: Linux's socket and TCP levels want a whole int; the IP levels also take one byte. */
static int opt_int(int level, const void *val, size_t len, int *out)
{
	if (len < sizeof(int)) {
		if (len == 0 || (level != IPPROTO_IP && level != IPPROTO_IPV6))
			return -EINVAL;
		*out = *(const uint8_t *)val;
		return 0;
	}
	memcpy(out, val, sizeof(int));
	return 0;
}

static void put_int(void *val, size_t *len, int v)
{
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
}

/* The ip_pcb fields (so_options, tos, ttl) that both pcb kinds start with. */
static struct ip_pcb *ip_pcb_of(struct inet_sock *is)
{
	return is->type == SOCK_STREAM ? (struct ip_pcb *)(void *)is->pcb.tcp :
		(struct ip_pcb *)(void *)is->pcb.udp;
}

static int inet_setsockopt(struct socket *s, int level, int name, const void *val, size_t len)
{
	struct inet_sock *is = s->priv;
	struct ip_pcb *ipcb;
	int v = 0, r = 0;

	if (name == SO_LINGER && level == SOL_SOCKET) {
		struct linger_k l;

		if (len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		is->linger_on = l.onoff != 0;
		is->linger_sec = l.linger < 0 ? 0 : l.linger;
		return 0;
	}
	r = opt_int(level, val, len, &v);
	if (r)
		return r;
	LOCK_TCPIP_CORE();
	ipcb = ip_pcb_of(is);
	if (!ipcb) {
		/* The connection is gone (reset): Linux still takes options on such a socket, to no effect. */
		UNLOCK_TCPIP_CORE();
		return 0;
	}
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR:
		case SO_REUSEPORT:
		case SO_KEEPALIVE:
		case SO_BROADCAST: {
			u8_t bit = name == SO_KEEPALIVE ? SOF_KEEPALIVE : name == SO_BROADCAST ? SOF_BROADCAST :
#ifdef SOF_REUSEPORT
				name == SO_REUSEPORT ? SOF_REUSEPORT :
#endif
				SOF_REUSEADDR;

			if (v)
				ip_set_option(ipcb, bit);
			else
				ip_reset_option(ipcb, bit);
			break;
		}
		case SO_SNDBUF:
		case SO_SNDBUFFORCE:
			/* socket(7): the kernel doubles the value (for its bookkeeping) and getsockopt returns that. */
			is->sndbuf = MAX(SNDBUF_MIN, v > INT32_MAX / 2 ? INT32_MAX : v * 2);
			if (is->type == SOCK_STREAM) {
				is->sndbuf_set = true;
				apply_sndbuf(is);	/* the size lwIP granted, doubled (at most 2 x TCP_SND_BUF) */
			}
			break;
		case SO_RCVBUF:
		case SO_RCVBUFFORCE:
			is->rcvbuf = MAX(RCVBUF_MIN, v > INT32_MAX / 2 ? INT32_MAX : v * 2);
			break;
		case SO_DEBUG:
		case SO_DONTROUTE:
		case SO_OOBINLINE:
		case SO_NO_CHECK:
		case SO_PRIORITY:
		case SO_RCVLOWAT:
		case SO_PASSCRED:
			break;		/* accepted; no effect on lwIP */
		default:
			r = -ENOPROTOOPT;
		}
	} else if (level == IPPROTO_IP) {
		switch (name) {
		case IP_TOS:
			ipcb->tos = (u8_t)v;
			break;
		case IP_TTL:
			if (v == -1)
				v = 64;
			if (v < 1 || v > 255)
				r = -EINVAL;
			else
				ipcb->ttl = (u8_t)v;
			break;
		case IP_RECVERR:
		case IP_MTU_DISCOVER:
			break;
		default:
			r = -ENOPROTOOPT;
		}
#if LWIP_IPV6
	} else if (level == IPPROTO_IPV6 && s->family == AF_INET6) {
		switch (name) {
		case IPV6_V6ONLY:
			/* ipv6(7): only before the socket is bound; the pcb's addresses take the family. */
			if (is->type == SOCK_STREAM ? is->pcb.tcp->local_port : is->pcb.udp->local_port) {
				r = -EINVAL;
				break;
			}
			is->v6only = v != 0;
			if (is->type == SOCK_STREAM) {
				IP_SET_TYPE_VAL(is->pcb.tcp->local_ip, v ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY);
				IP_SET_TYPE_VAL(is->pcb.tcp->remote_ip, v ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY);
			} else {
				IP_SET_TYPE_VAL(is->pcb.udp->local_ip, v ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY);
				IP_SET_TYPE_VAL(is->pcb.udp->remote_ip, v ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY);
			}
			break;
		case IPV6_UNICAST_HOPS:
			if (v == -1)
				v = 64;
			if (v < 0 || v > 255)
				r = -EINVAL;
			else
				ipcb->ttl = (u8_t)v;
			break;
		case IPV6_TCLASS:
			ipcb->tos = (u8_t)v;
			break;
		case IPV6_RECVERR:
		case IPV6_MTU_DISCOVER:
			break;
		default:
			r = -ENOPROTOOPT;
		}
#endif
	} else if (level == IPPROTO_TCP && is->type == SOCK_STREAM) {
		struct tcp_pcb *pcb = is->pcb.tcp;

		switch (name) {
		case TCP_NODELAY:
			if (is->state == INET_LISTEN) {
				/*
				 * Kept on the socket for accepted ones to inherit: a
				 * listening pcb (struct tcp_pcb_listen) has no flags
				 * field, so lwIP's nagle macros must not touch it.
				 */
				is->nodelay = v != 0;
			} else if (v) {
				tcp_nagle_disable(pcb);
				tcp_output(pcb);
			} else {
				tcp_nagle_enable(pcb);
			}
			break;
		case TCP_KEEPIDLE:
			if (v < 1 || v > 32767)
				r = -EINVAL;
			else if (is->state != INET_LISTEN)
				pcb->keep_idle = (u32_t)v * 1000;
			break;
		case TCP_KEEPINTVL:
#if LWIP_TCP_KEEPALIVE
			if (v < 1 || v > 32767)
				r = -EINVAL;
			else if (is->state != INET_LISTEN)
				pcb->keep_intvl = (u32_t)v * 1000;
#endif
			break;
		case TCP_KEEPCNT:
#if LWIP_TCP_KEEPALIVE
			if (v < 1 || v > 127)
				r = -EINVAL;
			else if (is->state != INET_LISTEN)
				pcb->keep_cnt = (u32_t)v;
#endif
			break;
		case TCP_MAXSEG:
		case TCP_CORK:
		case TCP_DEFER_ACCEPT:
		case TCP_QUICKACK:
		case TCP_USER_TIMEOUT:
			break;		/* accepted; lwIP has no knob for them */
		default:
			r = -ENOPROTOOPT;
		}
	} else {
		r = -ENOPROTOOPT;
	}
	UNLOCK_TCPIP_CORE();
	return r;
}

static int inet_getsockopt(struct socket *s, int level, int name, void *val, size_t *len)
{
	struct inet_sock *is = s->priv;
	struct ip_pcb *ipcb;
	int r = 0;

	LOCK_TCPIP_CORE();
	ipcb = ip_pcb_of(is);
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_ERROR:
			put_int(val, len, is->err);
			is->err = 0;
			break;
		case SO_ACCEPTCONN:
			put_int(val, len, is->state == INET_LISTEN);
			break;
		case SO_REUSEADDR:
			put_int(val, len, ipcb && ip_get_option(ipcb, SOF_REUSEADDR) ? 1 : 0);
			break;
		case SO_REUSEPORT:
#ifdef SOF_REUSEPORT
			put_int(val, len, ipcb && ip_get_option(ipcb, SOF_REUSEPORT) ? 1 : 0);
#else
			put_int(val, len, ipcb && ip_get_option(ipcb, SOF_REUSEADDR) ? 1 : 0);
#endif
			break;
		case SO_KEEPALIVE:
			put_int(val, len, ipcb && ip_get_option(ipcb, SOF_KEEPALIVE) ? 1 : 0);
			break;
		case SO_BROADCAST:
			put_int(val, len, ipcb && ip_get_option(ipcb, SOF_BROADCAST) ? 1 : 0);
			break;
		case SO_SNDBUF:
			put_int(val, len, is->sndbuf);
			break;
		case SO_RCVBUF:
			put_int(val, len, is->rcvbuf);
			break;
		case SO_LINGER: {
			struct linger_k l = { is->linger_on, is->linger_sec };

			memcpy(val, &l, sizeof(l));
			*len = sizeof(l);
			break;
		}
		case SO_RCVLOWAT:
		case SO_SNDLOWAT:
			put_int(val, len, 1);
			break;
		case SO_DEBUG:
		case SO_DONTROUTE:
		case SO_OOBINLINE:
		case SO_NO_CHECK:
		case SO_PRIORITY:
		case SO_PASSCRED:
			put_int(val, len, 0);
			break;
		default:
			r = -ENOPROTOOPT;
		}
	} else if (level == IPPROTO_IP) {
		switch (name) {
		case IP_TOS:
			put_int(val, len, ipcb ? ipcb->tos : 0);
			break;
		case IP_TTL:
			put_int(val, len, ipcb ? ipcb->ttl : 64);
			break;
		default:
			r = -ENOPROTOOPT;
		}
#if LWIP_IPV6
	} else if (level == IPPROTO_IPV6 && s->family == AF_INET6) {
		switch (name) {
		case IPV6_V6ONLY:
			put_int(val, len, is->v6only);
			break;
		case IPV6_UNICAST_HOPS:
			put_int(val, len, ipcb ? ipcb->ttl : 64);
			break;
		case IPV6_TCLASS:
			put_int(val, len, ipcb ? ipcb->tos : 0);
			break;
		default:
			r = -ENOPROTOOPT;
		}
#endif
	} else if (level == IPPROTO_TCP && is->type == SOCK_STREAM) {
		struct tcp_pcb *pcb = is->pcb.tcp;

		switch (name) {
		case TCP_NODELAY:
			put_int(val, len, is->state == INET_LISTEN ? is->nodelay :
				pcb && tcp_nagle_disabled(pcb) ? 1 : 0);
			break;
		case TCP_MAXSEG:
			put_int(val, len, pcb && is->state == INET_CONNECTED ? pcb->mss : TCP_MSS);
			break;
		case TCP_KEEPIDLE:
			put_int(val, len, pcb && is->state != INET_LISTEN ? (int)(pcb->keep_idle / 1000) :
				(int)(TCP_KEEPIDLE_DEFAULT / 1000));
			break;
#if LWIP_TCP_KEEPALIVE
		case TCP_KEEPINTVL:
			put_int(val, len, pcb && is->state != INET_LISTEN ? (int)(pcb->keep_intvl / 1000) :
				(int)(TCP_KEEPINTVL_DEFAULT / 1000));
			break;
		case TCP_KEEPCNT:
			put_int(val, len, pcb && is->state != INET_LISTEN ? (int)pcb->keep_cnt :
				(int)TCP_KEEPCNT_DEFAULT);
			break;
#endif
		case TCP_CORK:
		case TCP_DEFER_ACCEPT:
		case TCP_QUICKACK:
		case TCP_USER_TIMEOUT:
			put_int(val, len, 0);
			break;
		default:
			r = -ENOPROTOOPT;
		}
	} else {
		r = -ENOPROTOOPT;
	}
	UNLOCK_TCPIP_CORE();
	return r;
}

/* ---------------------------------------------------------------- closing */

/* Frees what was received and never read (the pcb is gone or being closed). */
static void rx_free(struct inet_sock *is)
{
	while (is->rx) {
		struct pbuf *q = is->rx;

		is->rx = q->next;
		q->next = NULL;
		q->tot_len = q->len;
		pbuf_free(q);
	}
	is->rx_tail = NULL;
	is->rx_bytes = 0;
}

/* Frees a connection that never reached the application (on a listener's queue when it closes). */
static void tcp_drop_queued(struct inet_sock *is)
{
	if (is->pcb.tcp) {
		tcp_detach(is->pcb.tcp);
		tcp_abort(is->pcb.tcp);
	}
	rx_free(is);
	kfree(is);
}

static void tcp_release_op(struct socket *s)
{
	struct inet_sock *is = s->priv;
	struct tcp_pcb *pcb;

	LOCK_TCPIP_CORE();
	pcb = is->pcb.tcp;
	if (is->state == INET_LISTEN) {
		while (is->q_head) {
			struct inet_sock *q = is->q_head;

			is->q_head = q->q_next;
			tcp_drop_queued(q);
		}
		if (pcb) {
			tcp_arg(pcb, NULL);
			tcp_accept(pcb, NULL);
			tcp_close(pcb);
		}
	} else if (pcb) {
		/*
		 * tcp(7)/RFC 2525 §2.17: closing with unread data resets the
		 * connection; SO_LINGER with a zero time too (socket(7)).
		 * Otherwise a graceful close: lwIP sends what is queued and the
		 * FIN, and keeps the pcb through FIN_WAIT and TIME_WAIT alone.
		 */
		bool reset = rx_len(is) || (is->linger_on && is->linger_sec == 0);

		if (!reset && is->linger_on && is->state == INET_CONNECTED) {
			/* SO_LINGER with a time: close waits until the data is acknowledged, or the time is up. */
			uint64_t deadline = sock_deadline((uint64_t)is->linger_sec * 1000000000ull);

			tcp_output(pcb);
			while (is->pcb.tcp && (is->pcb.tcp->unsent || is->pcb.tcp->unacked))
				if (inet_wait(is, deadline))
					break;
			pcb = is->pcb.tcp;
		}
		if (pcb) {
			tcp_detach(pcb);
			if (reset || tcp_close(pcb) != ERR_OK)
				tcp_abort(pcb);
		}
	}
	rx_free(is);
	is->pcb.tcp = NULL;
	UNLOCK_TCPIP_CORE();
	kfree(is);
}

static const struct sock_ops inet_tcp_ops = {
	.bind = tcp_bind_op,
	.listen = tcp_listen_op,
	.accept = tcp_accept_op,
	.connect = tcp_connect_op,
	.sendmsg = tcp_sendmsg_op,
	.recvmsg = tcp_recvmsg_op,
	.shutdown = tcp_shutdown_op,
	.getname = tcp_getname_op,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.poll = tcp_poll_op,
	.ioctl = tcp_ioctl_op,
	.release = tcp_release_op,
};

/* ---------------------------------------------------------------- UDP */

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	struct inet_sock *is = arg;
	struct dgram *d;

	(void)pcb;
	/* udp(7): datagrams beyond the receive buffer are dropped (Linux counts them as RcvbufErrors). */
	if (!is || is->shut_rd || is->dq_bytes + p->tot_len > (size_t)is->rcvbuf ||
	    !(d = kmalloc(sizeof(*d)))) {
		pbuf_free(p);
		return;
	}
	d->next = NULL;
	d->p = p;
	ip_addr_copy(d->from, *addr);
	d->port = port;
	if (is->dq_tail)
		is->dq_tail->next = d;
	else
		is->dq_head = d;
	is->dq_tail = d;
	is->dq_bytes += p->tot_len;
	inet_wake(is, POLLIN | POLLRDNORM);
}

static int udp_bind_op(struct socket *s, const void *addr, size_t len)
{
	struct inet_sock *is = s->priv;
	ip_addr_t ip;
	u16_t port;
	int r = addr_from_user(s->family, addr, len, &ip, &port);
	err_t e;

	if (r)
		return r;
	LOCK_TCPIP_CORE();
	if (is->pcb.udp->local_port) {
		r = -EINVAL;
	} else if (!addr_is_local(&ip)) {
		r = -EADDRNOTAVAIL;
	} else {
		e = udp_bind(is->pcb.udp, bind_any(s, is, &ip), port);
		r = e == ERR_OK ? 0 : -lwip_errno(e);
	}
	UNLOCK_TCPIP_CORE();
	return r;
}

static int udp_connect_op(struct socket *s, const void *addr, size_t len, bool nonblock)
{
	struct inet_sock *is = s->priv;
	ip_addr_t ip;
	u16_t port;
	err_t e;
	int r;

	(void)nonblock;
	LOCK_TCPIP_CORE();
	/* connect(2): AF_UNSPEC dissolves a datagram socket's association. */
	if (len >= 2 && ((const struct sockaddr_in_k *)addr)->family == AF_UNSPEC) {
		udp_disconnect(is->pcb.udp);
		is->state = INET_FRESH;
		UNLOCK_TCPIP_CORE();
		return 0;
	}
	r = addr_from_user(s->family, addr, len, &ip, &port);
	if (!r) {
		any_to_loopback(&ip);
		e = udp_connect(is->pcb.udp, &ip, port);
		if (e == ERR_OK)
			is->state = INET_CONNECTED;
		else
			r = -lwip_errno(e);
	}
	UNLOCK_TCPIP_CORE();
	return r;
}

static long udp_sendmsg_op(struct socket *s, struct sock_msg *m, int flags)
{
	struct inet_sock *is = s->priv;
	size_t len = sock_msg_left(m);
	ip_addr_t ip = { 0 };
	u16_t port = 0;
	struct pbuf *p;
	err_t e;
	int r;

	(void)flags;
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (m->namelen) {
		r = addr_from_user(s->family, m->name, m->namelen, &ip, &port);
		if (r)
			return r;
		any_to_loopback(&ip);
	}
	/* The payload is copied in with the lock dropped: the pbuf is ours until udp_send takes it. */
	LOCK_TCPIP_CORE();
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	UNLOCK_TCPIP_CORE();
	if (!p)
		return -ENOBUFS;
	if (len && sock_msg_copy_in(m, p->payload, len)) {
		LOCK_TCPIP_CORE();
		pbuf_free(p);
		UNLOCK_TCPIP_CORE();
		return -EFAULT;
	}
	LOCK_TCPIP_CORE();
	if (is->shut_wr) {
		e = ERR_CLSD;
		r = -EPIPE;
	} else if (m->namelen) {
		e = udp_sendto(is->pcb.udp, p, &ip, port);
		r = 0;
	} else if (is->state == INET_CONNECTED) {
		e = udp_send(is->pcb.udp, p);
		r = 0;
	} else {
		e = ERR_CONN;
		r = -EDESTADDRREQ;
	}
	pbuf_free(p);
	UNLOCK_TCPIP_CORE();
	if (r)
		return r;
	if (e != ERR_OK)
		return e == ERR_MEM || e == ERR_BUF ? -ENOBUFS : -lwip_errno(e);
	return (long)len;
}

static long udp_recvmsg_op(struct socket *s, struct sock_msg *m, int flags)
{
	struct inet_sock *is = s->priv;
	uint64_t deadline = sock_deadline(s->rcvtimeo_ns);
	struct dgram *d;
	long r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	LOCK_TCPIP_CORE();
	while (!(d = is->dq_head)) {
		if (is->shut_rd) {
			UNLOCK_TCPIP_CORE();
			return 0;
		}
		if ((flags & MSG_DONTWAIT) || inet_wait(is, deadline)) {
			UNLOCK_TCPIP_CORE();
			return -EAGAIN;
		}
	}
	size_t want = sock_msg_left(m), len = d->p->tot_len, n = MIN(want, len), done = 0;

	r = 0;
	for (struct pbuf *q = d->p; q && done < n; q = q->next) {
		size_t k = MIN((size_t)q->len, n - done);

		if (sock_msg_copy_out(m, q->payload, k)) {
			r = -EFAULT;
			break;
		}
		done += k;
	}
	m->namelen = sizeof(m->name);
	addr_to_user(s->family, m->name, &m->namelen, &d->from, d->port);
	/* recv(2): a datagram is consumed whole, even when the buffer took only part of it. */
	if (!(flags & MSG_PEEK)) {
		is->dq_head = d->next;
		if (!is->dq_head)
			is->dq_tail = NULL;
		is->dq_bytes -= d->p->tot_len;
		pbuf_free(d->p);
		kfree(d);
	}
	UNLOCK_TCPIP_CORE();
	if (r)
		return r;
	if (len > want)
		m->out_flags |= MSG_TRUNC;
	/* recv(2): with MSG_TRUNC the real length is returned even when the buffer was shorter. */
	return (long)((flags & MSG_TRUNC) ? len : n);
}

static int udp_shutdown_op(struct socket *s, int how)
{
	struct inet_sock *is = s->priv;

	if (is->state != INET_CONNECTED)
		return -ENOTCONN;
	LOCK_TCPIP_CORE();
	if (how != SHUT_WR)
		is->shut_rd = true;
	if (how != SHUT_RD)
		is->shut_wr = true;
	UNLOCK_TCPIP_CORE();
	sock_wake(s, POLLIN | POLLOUT | POLLHUP);
	return 0;
}

static int udp_getname_op(struct socket *s, void *addr, size_t *len, bool peer)
{
	struct inet_sock *is = s->priv;
	struct udp_pcb *pcb = is->pcb.udp;
	int r = 0;

	LOCK_TCPIP_CORE();
	if (peer) {
		if (is->state != INET_CONNECTED)
			r = -ENOTCONN;
		else
			addr_to_user(s->family, addr, len, &pcb->remote_ip, pcb->remote_port);
	} else {
		addr_to_user(s->family, addr, len, &pcb->local_ip, pcb->local_port);
	}
	UNLOCK_TCPIP_CORE();
	return r;
}

static unsigned int udp_poll_op(struct socket *s, struct poll_table *pt)
{
	struct inet_sock *is = s->priv;
	unsigned int ev = POLLOUT | POLLWRNORM;

	poll_subscribe(pt, &s->ph);
	LOCK_TCPIP_CORE();
	if (is->dq_head || is->shut_rd)
		ev |= POLLIN | POLLRDNORM;
	if (is->shut_rd && is->shut_wr)
		ev |= POLLHUP;
	UNLOCK_TCPIP_CORE();
	return ev;
}

static long udp_ioctl_op(struct socket *s, unsigned int cmd, uint64_t arg)
{
	struct inet_sock *is = s->priv;
	int v;

	LOCK_TCPIP_CORE();
	switch (cmd) {
	case FIONREAD:
		/* udp(7): SIOCINQ is the size of the next datagram. */
		v = is->dq_head ? is->dq_head->p->tot_len : 0;
		break;
	case SIOCOUTQ:
		v = 0;		/* sent at once: nothing waits in a send queue */
		break;
	default:
		UNLOCK_TCPIP_CORE();
		return -ENOTTY;
	}
	UNLOCK_TCPIP_CORE();
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static void udp_release_op(struct socket *s)
{
	struct inet_sock *is = s->priv;

	LOCK_TCPIP_CORE();
	udp_remove(is->pcb.udp);
	while (is->dq_head) {
		struct dgram *d = is->dq_head;

		is->dq_head = d->next;
		pbuf_free(d->p);
		kfree(d);
	}
	UNLOCK_TCPIP_CORE();
	kfree(is);
}

static const struct sock_ops inet_udp_ops = {
	.bind = udp_bind_op,
	.connect = udp_connect_op,
	.sendmsg = udp_sendmsg_op,
	.recvmsg = udp_recvmsg_op,
	.shutdown = udp_shutdown_op,
	.getname = udp_getname_op,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.poll = udp_poll_op,
	.ioctl = udp_ioctl_op,
	.release = udp_release_op,
};
