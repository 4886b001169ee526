/* SPDX-License-Identifier: BSD-2-Clause */
/* Mote's lwIP patches (net/lwip/patches) on the raw API: TIME-WAIT reuse both ways, SO_REUSEPORT, the per-pcb send buffer. */
#include <mote/errno.h>
#include "kernel/completion.h"
#include "kernel/init.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "lib/cmdline.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"
#include "net/lwip/lwip_port.h"

/*
 * The suites that talk to the host (tests/guest/lwip_reuse.sh makes the
 * tap and runs the host's side) take their parameters from the command
 * line: reuse.port (the guest's listening port, or the host server's),
 * reuse.host (the host's address), reuse.lport (the guest client's fixed
 * local port) and reuse.count (connections or datagrams).
 */
#define DEFAULT_COUNT	20
#define MAX_COUNT	200
#define WAIT_NS		((uint64_t)20 * NSEC_PER_SEC)	/* for the host's whole run */
#define STEP_NS		((uint64_t)5 * NSEC_PER_SEC)	/* for one connection's steps */
#define POLL_NS		((uint64_t)5 * 1000 * 1000)	/* 5 ms between looks at state lwIP has no event for */

static int param_int(const char *key, int dflt)
{
	uint64_t v;
	int r = cmdline_get_u64(&kernel_cmdline, key, &v);

	if (r == -ENOENT)
		return dflt;
	if (r != 0 || v > 65535) {
		printk("ktest: lwip_reuse: %s=%s: not a number up to 65535\n", key,
		       cmdline_get(&kernel_cmdline, key));
		return -1;
	}
	return (int)v;
}

static bool param_addr(const char *key, ip_addr_t *out)
{
	const char *s = cmdline_get(&kernel_cmdline, key);

	if (!s || !ipaddr_aton(s, out)) {
		printk("ktest: lwip_reuse: %s=%s: not an IPv4 address\n", key, s ? s : "(missing)");
		return false;
	}
	return true;
}

/* TIME-WAIT pcbs on local port lport (and remote port rport, unless 0). Core lock held. */
static int timewait_count(u16_t lport, u16_t rport)
{
	int n = 0;

	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
		if (p->local_port == lport && (!rport || p->remote_port == rport))
			n++;
	return n;
}

/* Waits (polling: lwIP has no event for it) until a TIME-WAIT pcb holds this 4-tuple's ports. */
static bool wait_timewait(u16_t lport, u16_t rport, uint64_t deadline)
{
	for (;;) {
		int n;

		LOCK_TCPIP_CORE();
		n = timewait_count(lport, rport);
		UNLOCK_TCPIP_CORE();
		if (n > 0)
			return true;
		if (time_monotonic_ns() > deadline)
			return false;
		sched_sleep_ns(POLL_NS);
	}
}

/* Our own address on eth0, for the host's script to wait on. */
static bool net_up(const char *suite)
{
	struct netif *nif;

	if (lwip_port_start() != 0 || !(nif = lwip_port_netif()) ||
	    ip4_addr_isany_val(*netif_ip4_addr(nif))) {
		printk("ktest: %s: eth0 has no address (netdev.ip=ADDR/PREFIX)\n", suite);
		return false;
	}
	return true;
}

/* A listener on port with the given SOF_ options, or NULL (err set). Core lock held. */
static struct tcp_pcb *listen_on(u16_t port, u8_t opts, err_t *err)
{
	struct tcp_pcb *pcb = tcp_new(), *l;

	if (!pcb) {
		*err = ERR_MEM;
		return NULL;
	}
	ip_set_option(pcb, opts);
	*err = tcp_bind(pcb, IP_ADDR_ANY, port);
	if (*err != ERR_OK) {
		tcp_abort(pcb);
		return NULL;
	}
	l = tcp_listen_with_backlog_and_err(pcb, 8, err);
	if (!l)
		tcp_abort(pcb);
	return l;
}

/* ---------------------------------------------------------------- 1. a SYN reopens TIME-WAIT */

struct server {
	struct completion accepted;	/* one event per connection (or datagram) */
	int count;
	u16_t first_port;
	bool same_port;			/* every connection came from first_port */
	int counts[2];			/* per member of a SO_REUSEPORT pair */
	bool bad_write;
};

/* A listener's (or UDP pcb's) callback argument: its server and which member it is. */
struct member {
	struct server *s;
	int which;
};

/*
 * Each connection gets one line and is closed at once, by us: so we are the
 * side that closes first and hold the connection in TIME-WAIT (RFC 9293
 * 3.6) when the client's FIN comes.
 */
static err_t server_accept(void *arg, struct tcp_pcb *npcb, err_t err)
{
	struct member *m = arg;
	struct server *s = m->s;
	char line[16];

	if (err != ERR_OK || !npcb)
		return ERR_VAL;
	s->counts[m->which]++;
	if (s->count == 0)
		s->first_port = npcb->remote_port;
	else if (npcb->remote_port != s->first_port)
		s->same_port = false;
	s->count++;
	tcp_arg(npcb, NULL);
	fmt_snprintf(line, sizeof(line), "hello %c\n", "AB"[m->which]);
	if (tcp_write(npcb, line, (u16_t)strlen(line), TCP_WRITE_FLAG_COPY) != ERR_OK)
		s->bad_write = true;
	if (tcp_close(npcb) != ERR_OK) {
		tcp_abort(npcb);
		complete(&s->accepted);
		return ERR_ABRT;
	}
	complete(&s->accepted);
	return ERR_OK;
}

/* Waits for n connections (or datagrams) before the deadline: how many came. */
static int server_wait(struct server *s, int n, uint64_t deadline)
{
	int got = 0;

	while (got < n && wait_for_completion_timeout(&s->accepted, deadline) == 0)
		got++;
	return got;
}

/*
 * ktest=lwip_tw_server reuse.port=P [reuse.count=N]: the host connects N
 * times from one local port; each connection must be accepted although the
 * previous one is in TIME-WAIT here (patch 0001).
 */
KTEST(lwip_tw_server)
{
	int failures = 0, port = param_int("reuse.port", -1), count = param_int("reuse.count", DEFAULT_COUNT);
	struct server s = { .same_port = true };
	struct member m = { &s, 0 };
	struct tcp_pcb *l;
	err_t err;
	int got, tw;

	KCHECK(port > 0 && count > 0 && count <= MAX_COUNT);
	if (failures || !net_up("lwip_tw_server"))
		return failures + 1;
	completion_init(&s.accepted);
	LOCK_TCPIP_CORE();
	l = listen_on((u16_t)port, 0, &err);
	if (l) {
		tcp_arg(l, &m);
		tcp_accept(l, server_accept);
	}
	UNLOCK_TCPIP_CORE();
	KCHECK(l != NULL);
	if (!l)
		return failures;
	printk("ktest: lwip_tw_server: listening on port %d\n", port);
	got = server_wait(&s, count, time_monotonic_ns() + WAIT_NS);
	KCHECK(got == count);
	KCHECK(s.same_port);
	KCHECK(!s.bad_write);
	/* The last connection is in TIME-WAIT once the client's FIN is in; the earlier ones were replaced. */
	if (got > 0)
		KCHECK(wait_timewait((u16_t)port, s.first_port, time_monotonic_ns() + STEP_NS));
	LOCK_TCPIP_CORE();
	tw = timewait_count((u16_t)port, s.first_port);
	tcp_close(l);
	UNLOCK_TCPIP_CORE();
	KCHECK(tw == 1);
	printk("ktest: lwip_tw_server: %d of %d connections accepted from port %u, %d in TIME-WAIT\n",
	       got, count, s.first_port, tw);
	return failures;
}

/* ---------------------------------------------------------------- 2. connect over TIME-WAIT */

struct client {
	struct completion connected;
	err_t err;			/* from the error callback */
	bool failed;
};

static err_t client_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct client *c = arg;

	(void)pcb;
	c->err = err;
	complete(&c->connected);
	return ERR_OK;
}

static void client_error(void *arg, err_t err)
{
	struct client *c = arg;

	c->err = err;
	c->failed = true;
	complete(&c->connected);
}

/* A connection from lport (0: any) with SOF_ options to host:port, established, or NULL. */
static struct tcp_pcb *client_connect(struct client *c, u8_t opts, u16_t lport, const ip_addr_t *host,
				      u16_t port, err_t *err)
{
	struct tcp_pcb *pcb;

	completion_reinit(&c->connected);
	c->failed = false;
	c->err = ERR_OK;
	LOCK_TCPIP_CORE();
	pcb = tcp_new();
	*err = pcb ? ERR_OK : ERR_MEM;
	if (pcb) {
		ip_set_option(pcb, opts);
		tcp_arg(pcb, c);
		tcp_err(pcb, client_error);
		if (lport)
			*err = tcp_bind(pcb, IP_ADDR_ANY, lport);
		if (*err == ERR_OK)
			*err = tcp_connect(pcb, host, port, client_connected);
		if (*err != ERR_OK) {
			tcp_abort(pcb);
			pcb = NULL;
		}
	}
	UNLOCK_TCPIP_CORE();
	if (!pcb)
		return NULL;
	if (wait_for_completion_timeout(&c->connected, time_monotonic_ns() + STEP_NS) != 0) {
		LOCK_TCPIP_CORE();
		tcp_abort(pcb);
		UNLOCK_TCPIP_CORE();
		*err = ERR_TIMEOUT;
		return NULL;
	}
	if (c->failed || c->err != ERR_OK) {
		*err = c->err;
		return NULL;	/* the error callback means lwIP freed it */
	}
	return pcb;
}

/* Our close, first: lwIP keeps the pcb through FIN-WAIT and TIME-WAIT; it calls nothing of ours any more. */
static void client_close(struct tcp_pcb *pcb)
{
	LOCK_TCPIP_CORE();
	tcp_arg(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_recv(pcb, NULL);
	if (tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
	UNLOCK_TCPIP_CORE();
}

/*
 * ktest=lwip_tw_client reuse.host=ADDR reuse.port=P reuse.lport=L
 * [reuse.count=N]: N connections from local port L (SOF_REUSEADDR) to the
 * host's server, each closed by us first, so each new one finds the
 * previous one in TIME-WAIT here (patch 0002).
 */
KTEST(lwip_tw_client)
{
	int failures = 0, port = param_int("reuse.port", -1), lport = param_int("reuse.lport", -1);
	int count = param_int("reuse.count", DEFAULT_COUNT), ok = 0;
	struct client c;
	ip_addr_t host;

	KCHECK(port > 0 && lport > 0 && count > 0 && count <= MAX_COUNT);
	KCHECK(param_addr("reuse.host", &host));
	if (failures || !net_up("lwip_tw_client"))
		return failures + 1;
	completion_init(&c.connected);
	for (int i = 0; i < count; i++) {
		char line[32];
		struct tcp_pcb *pcb;
		err_t err;

		pcb = client_connect(&c, SOF_REUSEADDR, (u16_t)lport, &host, (u16_t)port, &err);
		if (!pcb) {
			/* lwIP's err_t: -8 ERR_USE (lwIP 2.1.3 on a 4-tuple in TIME-WAIT), -3 ERR_TIMEOUT, -14 ERR_RST */
			printk("ktest: lwip_tw_client: connection %d from port %d failed: err_t %d\n", i + 1,
			       lport, err);
			KCHECK(pcb != NULL);
			break;
		}
		fmt_snprintf(line, sizeof(line), "ping %d\n", i + 1);
		LOCK_TCPIP_CORE();
		err = tcp_write(pcb, line, (u16_t)strlen(line), TCP_WRITE_FLAG_COPY);
		UNLOCK_TCPIP_CORE();
		KCHECK(err == ERR_OK);
		client_close(pcb);
		if (!wait_timewait((u16_t)lport, (u16_t)port, time_monotonic_ns() + STEP_NS)) {
			printk("ktest: lwip_tw_client: connection %d never reached TIME-WAIT\n", i + 1);
			KCHECK(false);
			break;
		}
		ok++;
	}
	LOCK_TCPIP_CORE();
	KCHECK(timewait_count((u16_t)lport, (u16_t)port) == 1);
	UNLOCK_TCPIP_CORE();
	printk("ktest: lwip_tw_client: %d of %d connections from port %d\n", ok, count, lport);
	return failures;
}

/* ---------------------------------------------------------------- 3. SO_REUSEPORT */

static void udp_count(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	struct member *m = arg;

	(void)pcb;
	(void)addr;
	(void)port;
	pbuf_free(p);
	m->s->counts[m->which]++;
	m->s->count++;
	complete(&m->s->accepted);
}

/* Binding rules only, no traffic: what may share a port (patch 0003; SOF_REUSEADDR as lwIP had it). */
KTEST(lwip_reuse_bind)
{
	int failures = 0;
	struct tcp_pcb *a, *b, *c;
	struct udp_pcb *ua, *ub, *uc;
	err_t err;

	/* Binding needs no address: the core is enough (started even without a device). */
	(void)lwip_port_start();
	LOCK_TCPIP_CORE();
	/* Two TCP listeners with SOF_REUSEPORT share a port... */
	a = listen_on(7001, SOF_REUSEPORT, &err);
	KCHECK(a != NULL);
	b = listen_on(7001, SOF_REUSEPORT, &err);
	KCHECK(b != NULL);
	/* ...but one without it may not join them, nor one with SOF_REUSEADDR only. */
	c = listen_on(7001, 0, &err);
	KCHECK(c == NULL && err == ERR_USE);
	c = listen_on(7001, SOF_REUSEADDR, &err);
	KCHECK(c == NULL && err == ERR_USE);
	/* Without SOF_REUSEPORT on the first, the second is refused even with it. */
	c = listen_on(7002, 0, &err);
	KCHECK(c != NULL);
	KCHECK(listen_on(7002, SOF_REUSEPORT, &err) == NULL && err == ERR_USE);
	/* SOF_REUSEADDR on both lets both bind, but only one listen (lwIP's rule, unchanged). */
	KCHECK(listen_on(7003, SOF_REUSEADDR, &err) != NULL);
	KCHECK(listen_on(7003, SOF_REUSEADDR, &err) == NULL && err == ERR_USE);
	/* Both options: both listen. */
	KCHECK(listen_on(7004, SOF_REUSEADDR | SOF_REUSEPORT, &err) != NULL);
	KCHECK(listen_on(7004, SOF_REUSEADDR | SOF_REUSEPORT, &err) != NULL);

	/* UDP: the same rules for binding. */
	ua = udp_new();
	ub = udp_new();
	uc = udp_new();
	KCHECK(ua && ub && uc);
	if (ua && ub && uc) {
		ip_set_option(ua, SOF_REUSEPORT);
		ip_set_option(ub, SOF_REUSEPORT);
		KCHECK(udp_bind(ua, IP_ADDR_ANY, 7001) == ERR_OK);
		KCHECK(udp_bind(ub, IP_ADDR_ANY, 7001) == ERR_OK);
		KCHECK(udp_bind(uc, IP_ADDR_ANY, 7001) == ERR_USE);
		ip_set_option(uc, SOF_REUSEADDR);
		KCHECK(udp_bind(uc, IP_ADDR_ANY, 7001) == ERR_USE);
	}
	UNLOCK_TCPIP_CORE();
	printk("ktest: lwip_reuse_bind: done\n");
	return failures;
}

/*
 * ktest=lwip_reuseport reuse.port=P [reuse.count=N]: two TCP listeners
 * and two UDP pcbs with SOF_REUSEPORT on port P; the host makes N
 * connections and sends N datagrams, each from a port of its own, and both
 * members of each pair must get some (patch 0003).
 */
KTEST(lwip_reuseport)
{
	int failures = 0, port = param_int("reuse.port", -1), count = param_int("reuse.count", DEFAULT_COUNT);
	struct server tcp = { .same_port = true }, udp = { .same_port = true };
	struct member tm[2] = { { &tcp, 0 }, { &tcp, 1 } }, um[2] = { { &udp, 0 }, { &udp, 1 } };
	struct tcp_pcb *l[2];
	struct udp_pcb *u[2];
	uint64_t deadline;
	err_t err;
	int got;

	KCHECK(port > 0 && count > 1 && count <= MAX_COUNT);
	if (failures || !net_up("lwip_reuseport"))
		return failures + 1;
	completion_init(&tcp.accepted);
	completion_init(&udp.accepted);
	LOCK_TCPIP_CORE();
	for (int i = 0; i < 2; i++) {
		l[i] = listen_on((u16_t)port, SOF_REUSEPORT, &err);
		if (l[i]) {
			tcp_arg(l[i], &tm[i]);
			tcp_accept(l[i], server_accept);
		}
		u[i] = udp_new();
		if (u[i]) {
			ip_set_option(u[i], SOF_REUSEPORT);
			if (udp_bind(u[i], IP_ADDR_ANY, (u16_t)port) == ERR_OK) {
				udp_recv(u[i], udp_count, &um[i]);
			} else {
				udp_remove(u[i]);
				u[i] = NULL;
			}
		}
	}
	UNLOCK_TCPIP_CORE();
	KCHECK(l[0] && l[1] && u[0] && u[1]);
	if (failures)
		return failures;
	printk("ktest: lwip_reuseport: listening on port %d\n", port);
	deadline = time_monotonic_ns() + WAIT_NS;
	got = server_wait(&tcp, count, deadline);
	KCHECK(got == count);
	KCHECK(tcp.counts[0] > 0 && tcp.counts[1] > 0);
	got = server_wait(&udp, count, deadline);
	KCHECK(got == count);
	KCHECK(udp.counts[0] > 0 && udp.counts[1] > 0);
	LOCK_TCPIP_CORE();
	for (int i = 0; i < 2; i++) {
		tcp_close(l[i]);
		udp_remove(u[i]);
	}
	UNLOCK_TCPIP_CORE();
	printk("ktest: lwip_reuseport: tcp %d+%d of %d connections, udp %d+%d of %d datagrams\n",
	       tcp.counts[0], tcp.counts[1], count, udp.counts[0], udp.counts[1], count);
	return failures;
}

/* ---------------------------------------------------------------- 4. SO_SNDBUF */

static u8_t sndbuf_data[8192];

/*
 * The accounting of tcp_set_sndbuf (patch 0004) on one connection: with
 * reuse.host and reuse.port, to the host's sink, whose ACKs give the space
 * back; without them, to an address nobody answers on, so that the SYN is
 * never answered and the connection stays in SYN-SENT (where tcp_write
 * already queues data).
 */
KTEST(lwip_sndbuf)
{
	int failures = 0, port = param_int("reuse.port", 0);
	bool live = cmdline_get(&kernel_cmdline, "reuse.host") != NULL;
	struct client c;
	struct tcp_pcb *pcb;
	ip_addr_t host;
	err_t err;
	uint64_t deadline;
	u16_t lport;

	for (size_t i = 0; i < sizeof(sndbuf_data); i++)
		sndbuf_data[i] = (u8_t)i;
	if (!net_up("lwip_sndbuf"))
		return 1;
	completion_init(&c.connected);
	if (live) {
		KCHECK(port > 0 && param_addr("reuse.host", &host));
		if (failures)
			return failures;
		pcb = client_connect(&c, 0, 0, &host, (u16_t)port, &err);
		KCHECK(pcb != NULL);
		if (!pcb)
			return failures;
	} else {
		/* Host 99 of eth0's subnet, where nobody answers ARP (the case gives the NIC no peer). */
		struct netif *nif = lwip_port_netif();

		ip_addr_set_ip4_u32_val(host, (ip4_addr_get_u32(netif_ip4_addr(nif)) &
					       ip4_addr_get_u32(netif_ip4_netmask(nif))) | PP_HTONL(99));
		LOCK_TCPIP_CORE();
		pcb = tcp_new();
		if (pcb) {
			tcp_arg(pcb, &c);
			tcp_err(pcb, client_error);
			err = tcp_connect(pcb, &host, 9, client_connected);
			KCHECK(err == ERR_OK);
			KCHECK(pcb->state == SYN_SENT);
		}
		UNLOCK_TCPIP_CORE();
		KCHECK(pcb != NULL);
		if (failures)
			return failures;
	}

	LOCK_TCPIP_CORE();
	/* The default: TCP_SND_BUF, which tcp_sndbuf shows 16 bits wide. */
	KCHECK(tcp_get_sndbuf(pcb) == TCP_SND_BUF);
	KCHECK(tcp_sndbuf_space(pcb) == TCP_SND_BUF);
	KCHECK(tcp_sndbuf(pcb) == LWIP_MIN(TCP_SND_BUF, 0xffff));
	/* Clamped to [two segments, TCP_SND_BUF]. */
	KCHECK(tcp_set_sndbuf(pcb, 1) == 2 * TCP_MSS);
	KCHECK(tcp_set_sndbuf(pcb, 0xffffffffu) == TCP_SND_BUF);
	KCHECK(tcp_set_sndbuf(pcb, 8192) == 8192);
	KCHECK(tcp_get_sndbuf(pcb) == 8192);
	KCHECK(tcp_sndbuf(pcb) == 8192);
	/* Filled to the limit, and not one byte more. */
	KCHECK(tcp_write(pcb, sndbuf_data, 5000, 0) == ERR_OK);
	KCHECK(tcp_sndbuf(pcb) == 8192 - 5000);
	KCHECK(tcp_write(pcb, sndbuf_data, 8192 - 5000 + 1, 0) == ERR_MEM);
	KCHECK(tcp_write(pcb, sndbuf_data, 8192 - 5000, 0) == ERR_OK);
	KCHECK(tcp_sndbuf(pcb) == 0);
	KCHECK(tcp_write(pcb, sndbuf_data, 1, 0) == ERR_MEM);
	/* Below what is queued: nothing is free until ACKs bring the queue under it. */
	KCHECK(tcp_set_sndbuf(pcb, 4096) == 4096);
	KCHECK(tcp_sndbuf(pcb) == 0);
	/* Raised again: the difference is free at once. */
	KCHECK(tcp_set_sndbuf(pcb, 12288) == 12288);
	KCHECK(tcp_sndbuf(pcb) == 12288 - 8192);
	KCHECK(tcp_set_sndbuf(pcb, 4096) == 4096);
	if (live)
		tcp_output(pcb);
	UNLOCK_TCPIP_CORE();

	if (live) {
		/* The ACKs give the space back (tcp_receive adds to snd_buf) up to the limit, not beyond. */
		deadline = time_monotonic_ns() + STEP_NS;
		for (;;) {
			bool drained;

			LOCK_TCPIP_CORE();
			drained = pcb->unacked == NULL && pcb->unsent == NULL;
			UNLOCK_TCPIP_CORE();
			if (drained || time_monotonic_ns() > deadline)
				break;
			sched_sleep_ns(POLL_NS);
		}
		LOCK_TCPIP_CORE();
		KCHECK(pcb->unacked == NULL && pcb->unsent == NULL);
		KCHECK(tcp_sndbuf(pcb) == 4096);
		KCHECK(pcb->snd_buf == TCP_SND_BUF);
		/* And the limit holds for the next round. */
		KCHECK(tcp_write(pcb, sndbuf_data, 4096, 0) == ERR_OK);
		KCHECK(tcp_write(pcb, sndbuf_data, 1, 0) == ERR_MEM);
		tcp_output(pcb);
		lport = pcb->local_port;
		UNLOCK_TCPIP_CORE();
		client_close(pcb);
		/* Everything is out once the sink, having read it all, closed too. */
		KCHECK(wait_timewait(lport, (u16_t)port, time_monotonic_ns() + STEP_NS));
	} else {
		LOCK_TCPIP_CORE();
		tcp_abort(pcb);
		UNLOCK_TCPIP_CORE();
	}
	printk("ktest: lwip_sndbuf: %s, limit 8192 then 4096 held\n", live ? "connected, drained by ACKs" : "in SYN-SENT");
	return failures;
}
