/* SPDX-License-Identifier: BSD-2-Clause */
/* lwIP's netif over a Mote netdev: frames in (frames out: tx.c), link state, address configuration. */
#include <mote/errno.h>
#include "kernel/completion.h"
#include "kernel/init.h"
#include "kernel/log.h"
#include "kernel/mutex.h"
#include "fs/vfs.h"
#include "lib/format.h"
#include "kernel/semaphore.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "lib/string.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"
#include "net/l4csum.h"
#include "net/lwip/lwip_port.h"
#include "net/lwip/tx.h"
#include "net/netdev.h"
#include "netif/ethernet.h"

#define RX_BURST	32
#define DHCP_WAIT_NS	(10 * NSEC_PER_SEC)	/* slirp answers in milliseconds; a slow DHCP server in seconds */

struct port_netif {
	struct netif nif;
	struct netdev *dev;
	struct semaphore rx_wake;
	struct port_tx tx;
	u16_t tx_flags;			/* the NETIF_CHECKSUM_GEN_* lwIP does itself */
	struct completion addr_ready;	/* the first time an address is set */
	bool fixed;			/* a static address from the command line, not DHCP */
};

/* eth0, eth1, ...: every network device the drivers found, up to this many. */
#define PORT_NETIF_MAX	4
static struct port_netif ports[PORT_NETIF_MAX];
static size_t nports;
static bool started;

static err_t port_linkoutput(struct netif *nif, struct pbuf *p)
{
	return port_tx_frame(&((struct port_netif *)nif->state)->tx, p);
}

/*
 * The core lock, as lwIP's LOCK_TCPIP_CORE and UNLOCK_TCPIP_CORE
 * (lwipopts.h): releasing it first sends what the holder queued on each
 * interface (net/lwip/tx.c), so that frames leave in bursts.
 */
void lwip_port_core_lock(void)
{
	sys_mutex_lock(&lock_tcpip_core);
}

void lwip_port_core_unlock(void)
{
	for (size_t i = 0; i < PORT_NETIF_MAX; i++)
		if (ports[i].tx.n)
			port_tx_flush(&ports[i].tx);
	sys_mutex_unlock(&lock_tcpip_core);
}

static void port_rx_notify(struct netdev *d)
{
	(void)sem_up(&((struct port_netif *)d->rx_notify_arg)->rx_wake);
}

/* Called under the core lock: lwIP sees the device's link state. */
static void sync_link(struct port_netif *pn)
{
	if (pn->dev->link_up && !netif_is_link_up(&pn->nif))
		netif_set_link_up(&pn->nif);
	else if (!pn->dev->link_up && netif_is_link_up(&pn->nif))
		netif_set_link_down(&pn->nif);
}

/*
 * Frames are copied into heap pbufs (one pbuf per frame) and handed to ethernet_input under one core lock
 * per burst. TCP and UDP checksums are checked by lwIP unless the device
 * vouched for this frame (csum_valid); that is decided per frame by
 * switching the netif's CHECK flags, which only this thread reads for
 * input, under the same lock.
 */
static void *port_rx_thread(void *arg)
{
	struct port_netif *pn = arg;
	struct netdev *d = pn->dev;
	struct netbuf *bufs[RX_BURST];
	unsigned int n;

	for (;;) {
		(void)sem_down(&pn->rx_wake);
		do {
			n = d->rx_burst(d, bufs, RX_BURST);
			LOCK_TCPIP_CORE();
			sync_link(pn);
			for (unsigned int i = 0; i < n; i++) {
				struct netbuf *b = bufs[i];
				uint16_t start, offset;
				uint32_t pseudo;
				u16_t flags = pn->tx_flags | NETIF_CHECKSUM_CHECK_IP |
					      NETIF_CHECKSUM_CHECK_ICMP | NETIF_CHECKSUM_CHECK_ICMP6;
				/*
				 * A heap pbuf of the frame's own size, not a pool buffer:
				 * received data waits in its pbuf until the application
				 * reads it, and a fixed pool of full-size buffers ran dry
				 * when many connections each held a few bytes (a flood of
				 * short requests then lost frames, RSTs among them).
				 */
				struct pbuf *p = pbuf_alloc(PBUF_RAW, b->len, PBUF_RAM);

				LINK_STATS_INC(link.recv);
				if (!p) {
					d->stats.rx_dropped++;
					LINK_STATS_INC(link.memerr);
					LINK_STATS_INC(link.drop);
					netbuf_free(b);
					continue;
				}
				(void)pbuf_take(p, b->buf + b->off, b->len);
				if (!b->csum_valid ||
				    !l4csum_place(b->buf + b->off, b->len, &start, &offset, &pseudo))
					flags |= NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP;
				netbuf_free(b);
				NETIF_SET_CHECKSUM_CTRL(&pn->nif, flags);
				if (ethernet_input(p, &pn->nif) != ERR_OK)
					pbuf_free(p);
			}
			NETIF_SET_CHECKSUM_CTRL(&pn->nif, pn->tx_flags | (NETIF_CHECKSUM_ENABLE_ALL & 0xff00));
			UNLOCK_TCPIP_CORE();
		} while (n == RX_BURST);
	}
	return NULL;
}

static err_t port_netif_init(struct netif *nif)
{
	struct port_netif *pn = nif->state;
	struct netdev *d = pn->dev;

	nif->name[0] = 'e';
	nif->name[1] = 't';
	nif->mtu = d->mtu;
	nif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(nif->hwaddr, d->mac, ETH_HWADDR_LEN);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
	nif->output = etharp_output;
	nif->output_ip6 = ethip6_output;
	nif->linkoutput = port_linkoutput;
	pn->tx_flags = NETIF_CHECKSUM_GEN_IP | NETIF_CHECKSUM_GEN_ICMP | NETIF_CHECKSUM_GEN_ICMP6;
	if (!(d->features & NETDEV_F_TX_CSUM))
		pn->tx_flags |= NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_UDP;
	NETIF_SET_CHECKSUM_CTRL(nif, pn->tx_flags | (NETIF_CHECKSUM_ENABLE_ALL & 0xff00));
	return ERR_OK;
}

static void port_status_changed(struct netif *nif)
{
	struct port_netif *pn = nif->state;

	if (!ip4_addr_isany_val(*netif_ip4_addr(nif)))
		complete_all(&pn->addr_ready);
}

/* A dotted quad, each part 0-255 in decimal, ending at `end` (a strict inet_pton, not inet_aton). */
static bool parse_ip4(const char *s, const char *end, ip4_addr_t *out)
{
	uint32_t v = 0;

	for (int part = 0; part < 4; part++) {
		unsigned int x = 0, digits = 0;

		while (s < end && *s >= '0' && *s <= '9' && digits < 4) {
			x = x * 10 + (unsigned int)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || x > 255)
			return false;
		v = v << 8 | x;
		if (part < 3 && (s >= end || *s++ != '.'))
			return false;
	}
	if (s != end)
		return false;
	ip4_addr_set_u32(out, lwip_htonl(v));
	return true;
}

/*
 * One address parameter of an interface: netdev.KEY= for eth0 (the
 * command line Unikraft users know), netdev.ethN.KEY= for every
 * interface (eth0 included). false when absent or malformed (named).
 */
static bool parse_param(const char *dev, const char *key, ip4_addr_t *addr, int *prefix)
{
	char name[40];
	const char *s, *slash;

	fmt_snprintf(name, sizeof(name), "netdev.%s.%s", dev, key);
	s = cmdline_get(&kernel_cmdline, name);
	if (!s && !strcmp(dev, "eth0")) {
		fmt_snprintf(name, sizeof(name), "netdev.%s", key);
		s = cmdline_get(&kernel_cmdline, name);
	}
	if (!s)
		return false;
	slash = strchr(s, '/');
	if (prefix) {
		int p = 0;

		if (!slash || !slash[1])
			goto bad;
		for (const char *c = slash + 1; *c; c++) {
			if (*c < '0' || *c > '9' || (p = p * 10 + (*c - '0')) > 32)
				goto bad;
		}
		*prefix = p;
	} else if (slash) {
		goto bad;
	}
	if (!parse_ip4(s, slash ? slash : s + strlen(s), addr))
		goto bad;
	return true;
bad:
	pr_warn("%s=%s: not %s; ignored\n", name, s, prefix ? "ADDR/PREFIX (e.g. 10.0.2.15/24)" : "an IPv4 address");
	return false;
}

/*
 * A static IPv6 address beside SLAAC's: netdev.ip6=ADDR[/64] for eth0,
 * netdev.ethN.ip6= for any. lwIP takes every address as a /64 (its
 * on-link test compares 64 bits, RFC 4291 §2.5.4), so another prefix
 * length is refused rather than silently treated as /64.
 */
static bool parse_ip6_param(const char *dev, ip6_addr_t *addr)
{
	char name[40], text[48];
	const char *s, *slash;
	size_t n;

	fmt_snprintf(name, sizeof(name), "netdev.%s.ip6", dev);
	s = cmdline_get(&kernel_cmdline, name);
	if (!s && !strcmp(dev, "eth0")) {
		fmt_snprintf(name, sizeof(name), "netdev.ip6");
		s = cmdline_get(&kernel_cmdline, name);
	}
	if (!s)
		return false;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (slash && strcmp(slash, "/64")) {
		pr_warn("%s=%s: only /64 prefixes are supported; ignored\n", name, s);
		return false;
	}
	if (n == 0 || n >= sizeof(text))
		goto bad;
	memcpy(text, s, n);
	text[n] = 0;
	if (!ip6addr_aton(text, addr) || ip6_addr_ismulticast(addr) || ip6_addr_isany(addr) ||
	    ip6_addr_isloopback(addr))
		goto bad;
	return true;
bad:
	pr_warn("%s=%s: not a unicast IPv6 address (e.g. fd00::2/64); ignored\n", name, s);
	return false;
}

/* An IPv6 address as RFC 5952 §4 writes it: lowercase, the longest run of two or more zero groups as "::". */
static void ip6_text(const ip6_addr_t *a, char *out, size_t size)
{
	uint16_t g[8];
	int best = -1, best_len = 1, n = 0;
	size_t k = 0;

	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(lwip_ntohl(a->addr[i / 2]) >> (i % 2 ? 0 : 16));
	for (int i = 0; i < 8; i++) {
		n = g[i] ? 0 : n + 1;
		if (n > best_len) {
			best_len = n;
			best = i - n + 1;
		}
	}
	for (int i = 0; i < 8 && k < size; i++) {
		if (i == best) {
			k += (size_t)fmt_snprintf(out + k, size - k, "::");
			i += best_len - 1;
			continue;
		}
		k += (size_t)fmt_snprintf(out + k, size - k, "%s%x", k && out[k - 1] != ':' ? ":" : "", g[i]);
	}
}

static int prefix_len(const ip4_addr_t *mask)
{
	uint32_t m = lwip_ntohl(ip4_addr_get_u32(mask));
	int n = 0;

	for (; m; m <<= 1)
		n++;
	return n;
}

static void tcpip_ready(void *arg)
{
	complete(arg);
}

static bool core_started;

bool lwip_port_core_running(void)
{
	return READ_ONCE(core_started);
}

int lwip_port_core_start(void)
{
	static struct mutex once = MUTEX_INIT(once);
	struct completion ready;

	if (READ_ONCE(core_started))
		return 0;
	mutex_lock(&once);
	if (!core_started) {
		/* tcpip_init runs lwip_init, which adds the loopback interface (127.0.0.1, LWIP_HAVE_LOOPIF). */
		completion_init(&ready);
		tcpip_init(tcpip_ready, &ready);
		(void)wait_for_completion(&ready);
		WRITE_ONCE(core_started, true);
	}
	mutex_unlock(&once);
	return 0;
}

/*
 * musl's resolver reads /etc/resolv.conf (resolv.conf(5)); without one it
 * asks 127.0.0.1. When the initrd brought none, the DNS servers DHCP or
 * netdev.dns= gave are written there, as a Linux DHCP client does.
 */
static void write_resolv_conf(void)
{
	char buf[96], a[16];
	size_t n = 0;
	long r;

	r = kernel_read_file("/etc/resolv.conf", buf, 1);
	if (r != -ENOENT)
		return;
	LOCK_TCPIP_CORE();
	for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
		const ip_addr_t *dns = dns_getserver(i);

		if (ip_addr_isany(dns) || !IP_IS_V4(dns))
			continue;
		ip4addr_ntoa_r(ip_2_ip4(dns), a, sizeof(a));
		n += (size_t)fmt_snprintf(buf + n, sizeof(buf) - n, "nameserver %s\n", a);
	}
	UNLOCK_TCPIP_CORE();
	if (!n)
		return;
	r = vfs_mkdir(vfs_root(), "/etc", 0755);
	if (r && r != -EEXIST)
		return;
	r = kernel_write_file("/etc/resolv.conf", buf, n, 0644);
	if (r)
		pr_warn("/etc/resolv.conf: cannot write it (%ld)\n", r);
}

/* Adds the interface for netdev d (core lock not held): 0, or -errno with a message. */
static int port_add(struct port_netif *pn, struct netdev *d, bool first)
{
	ip4_addr_t ip, mask, gw, dns;
	ip6_addr_t ip6;
	int prefix = 0;
	bool have_gw, have_ip6;
	struct thread *t;

	pn->dev = d;
	port_tx_init(&pn->tx, d);
	sem_init(&pn->rx_wake, 0);
	completion_init(&pn->addr_ready);
	pn->fixed = parse_param(d->name, "ip", &ip, &prefix);
	have_gw = parse_param(d->name, "gw", &gw, NULL);
	have_ip6 = parse_ip6_param(d->name, &ip6);
	if (!pn->fixed) {
		ip4_addr_set_zero(&ip);
		ip4_addr_set_zero(&mask);
	} else {
		ip4_addr_set_u32(&mask, prefix ? lwip_htonl(~0u << (32 - prefix)) : 0);
	}
	if (!have_gw || !pn->fixed)
		ip4_addr_set_zero(&gw);

	LOCK_TCPIP_CORE();
	if (!netif_add(&pn->nif, &ip, &mask, &gw, pn, port_netif_init, tcpip_input)) {
		UNLOCK_TCPIP_CORE();
		pr_err("%s: lwIP refused the interface\n", d->name);
		return -EINVAL;
	}
	/* The default route goes through eth0, or the first interface given a gateway. */
	if (first || (have_gw && netif_default && ip4_addr_isany_val(*netif_ip4_gw(netif_default))))
		netif_set_default(&pn->nif);
	netif_set_status_callback(&pn->nif, port_status_changed);
	/* IPv6: a link-local address from the MAC (RFC 4862 §5.3), and global ones from router advertisements. */
	netif_create_ip6_linklocal_address(&pn->nif, 1);
	netif_set_ip6_autoconfig_enabled(&pn->nif, 1);
	if (have_ip6) {
		s8_t idx;
		char a6[48];

		/* Preferred at once: no duplicate address detection (lwipopts.h says why). */
		ip6_text(&ip6, a6, sizeof(a6));
		if (netif_add_ip6_address(&pn->nif, &ip6, &idx) == ERR_OK) {
			netif_ip6_addr_set_state(&pn->nif, idx, IP6_ADDR_PREFERRED);
			pr_info("%s: %s/64 (static)\n", d->name, a6);
		} else {
			pr_warn("%s: no room for the IPv6 address %s\n", d->name, a6);
		}
	}
	netif_set_up(&pn->nif);
	sync_link(pn);
	if (parse_param(d->name, "dns", &dns, NULL)) {
		ip_addr_t server;

		ip_addr_copy_from_ip4(server, dns);
		dns_setserver(first ? 0 : 1, &server);
	}
	if (!pn->fixed)
		(void)dhcp_start(&pn->nif);
	UNLOCK_TCPIP_CORE();

	t = thread_create("net-rx", port_rx_thread, pn, 0, TCPIP_THREAD_PRIO);
	if (!t) {
		pr_err("%s: no memory for the receive thread\n", d->name);
		return -ENOMEM;
	}
	(void)thread_detach(t);
	netdev_set_rx_notify(d, port_rx_notify, pn);
	return 0;
}

/* Waits (bounded) for a DHCP lease, then says what the interface got. -ETIMEDOUT without one. */
static int port_report(struct port_netif *pn, uint64_t deadline)
{
	ip4_addr_t ip, mask, gw;
	char a[16], g[16];

	if (!pn->fixed && wait_for_completion_timeout(&pn->addr_ready, deadline)) {
		pr_warn("%s: no DHCP lease after %llu s; still asking\n", pn->dev->name,
			(unsigned long long)(DHCP_WAIT_NS / NSEC_PER_SEC));
		return -ETIMEDOUT;
	}
	LOCK_TCPIP_CORE();
	ip = *netif_ip4_addr(&pn->nif);
	mask = *netif_ip4_netmask(&pn->nif);
	gw = *netif_ip4_gw(&pn->nif);
	UNLOCK_TCPIP_CORE();
	ip4addr_ntoa_r(&ip, a, sizeof(a));
	ip4addr_ntoa_r(&gw, g, sizeof(g));
	pr_info("%s: %s/%d gw %s (%s)\n", pn->dev->name, a, prefix_len(&mask), g,
		pn->fixed ? "static" : "dhcp");
	return 0;
}

int lwip_port_start(void)
{
	char name[8];
	size_t n = 0;
	uint64_t deadline;
	int r = 0;

	if (started)
		return 0;
	/* Without a NIC the core starts with the first AF_INET socket (loopback): a boot that opens none never pays. */
	if (!netdev_find("eth0"))
		return -ENODEV;
	(void)lwip_port_core_start();
	for (size_t i = 0; i < PORT_NETIF_MAX; i++) {
		struct netdev *d;

		fmt_snprintf(name, sizeof(name), "eth%zu", i);
		d = netdev_find(name);
		if (!d)
			break;
		if (port_add(&ports[n], d, n == 0) == 0)
			n++;
	}
	nports = n;
	started = true;
	/* Every interface asks for its lease at once; the wait is bounded once for all. */
	deadline = time_monotonic_ns() + DHCP_WAIT_NS;
	for (size_t i = 0; i < n; i++)
		if (port_report(&ports[i], deadline))
			r = -ETIMEDOUT;
	write_resolv_conf();
	return n ? r : -ENODEV;
}

struct netif *lwip_port_netif(void)
{
	return started && nports ? &ports[0].nif : NULL;
}
