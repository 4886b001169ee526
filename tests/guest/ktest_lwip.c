/* SPDX-License-Identifier: BSD-2-Clause */
/* lwIP on eth0 in a booted guest: the address (DHCP or netdev.ip) and an ICMP echo to QEMU's user gateway over a raw pcb. */
#include "kernel/completion.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/prot/icmp.h"
#include "lwip/raw.h"
#include "lwip/tcpip.h"
#include "net/lwip/lwip_port.h"

#define PING_ID		0x4c57	/* "LW" */
#define PING_DATA	32
#define WAIT_NS		(2 * NSEC_PER_SEC)

struct ping {
	struct completion replied;
	u16_t seq;
};

/* Runs in the receive thread under the core lock: claims the echo reply to our id and seq. */
static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct ping *pg = arg;
	struct icmp_echo_hdr h;
	u16_t hlen = (u16_t)(IPH_HL_BYTES((struct ip_hdr *)p->payload));

	(void)pcb;
	(void)addr;
	if (pbuf_copy_partial(p, &h, sizeof(h), hlen) != sizeof(h) || h.type != ICMP_ER ||
	    h.id != lwip_htons(PING_ID) || h.seqno != lwip_htons(pg->seq))
		return 0;
	pbuf_free(p);
	complete(&pg->replied);
	return 1;
}

static bool ping_once(struct raw_pcb *pcb, const ip_addr_t *to, struct ping *pg)
{
	struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + PING_DATA, PBUF_RAM);
	struct icmp_echo_hdr *h;
	err_t e;

	if (!p)
		return false;
	h = p->payload;
	h->type = ICMP_ECHO;
	h->code = 0;
	h->chksum = 0;
	h->id = lwip_htons(PING_ID);
	h->seqno = lwip_htons(pg->seq);
	for (int i = 0; i < PING_DATA; i++)
		((u8_t *)(h + 1))[i] = (u8_t)i;
	h->chksum = inet_chksum(h, p->len);
	LOCK_TCPIP_CORE();
	e = raw_sendto(pcb, p, to);
	UNLOCK_TCPIP_CORE();
	pbuf_free(p);
	return e == ERR_OK &&
	       wait_for_completion_timeout(&pg->replied, time_monotonic_ns() + WAIT_NS) == 0;
}

KTEST(lwip)
{
	int failures = 0, r = lwip_port_start();
	struct netif *nif = lwip_port_netif();
	struct raw_pcb *pcb;
	struct ping pg;
	ip_addr_t gw;
	uint64_t t0;
	bool ok = false;

	KCHECK(r == 0);
	KCHECK(nif != NULL);
	if (!nif)
		return failures;
	KCHECK(netif_is_up(nif) && netif_is_link_up(nif));
	KCHECK(!ip4_addr_isany_val(*netif_ip4_addr(nif)));
	/* The gateway: the one configured, else QEMU's user-mode 10.0.2.2. */
	ip_addr_copy_from_ip4(gw, *netif_ip4_gw(nif));
	if (ip_addr_isany(&gw))
		IP_ADDR4(&gw, 10, 0, 2, 2);
	completion_init(&pg.replied);
	LOCK_TCPIP_CORE();
	pcb = raw_new(IP_PROTO_ICMP);
	if (pcb)
		raw_recv(pcb, ping_recv, &pg);
	UNLOCK_TCPIP_CORE();
	KCHECK(pcb != NULL);
	if (!pcb)
		return failures;
	t0 = time_monotonic_ns();
	/* The first echo may wait for ARP: three tries. */
	for (pg.seq = 1; pg.seq <= 3 && !ok; pg.seq++) {
		completion_reinit(&pg.replied);
		ok = ping_once(pcb, &gw, &pg);
	}
	KCHECK(ok);
	if (ok)
		printk("ktest: lwip: echo reply from %s in %llu us\n", ipaddr_ntoa(&gw),
		       (unsigned long long)((time_monotonic_ns() - t0) / 1000));
	LOCK_TCPIP_CORE();
	raw_remove(pcb);
	UNLOCK_TCPIP_CORE();
	return failures;
}
