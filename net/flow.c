/* SPDX-License-Identifier: BSD-2-Clause */
/* Flow hashing over Ethernet, IPv4/IPv6 and TCP/UDP headers, for spreading frames over transmit queues. */
#include "net/flow.h"

#define ETH_HLEN		14
#define ETH_P_IP		0x0800
#define ETH_P_IPV6		0x86dd
#define ETH_P_8021Q		0x8100	/* IEEE 802.1Q tag */
#define ETH_P_8021AD		0x88a8	/* IEEE 802.1ad outer tag */
#define VLAN_HLEN		4
#define IPV4_HLEN_MIN		20
#define IPV4_FRAG_MASK		0x3fff	/* RFC 791: the MF flag and the fragment offset */
#define IPV6_HLEN		40
#define IPPROTO_TCP		6
#define IPPROTO_UDP		17
#define IPPROTO_SCTP		132
#define IPPROTO_UDPLITE		136

/* 2^32 divided by the golden ratio, made odd: multiplying by it moves every input bit into the high bits. */
#define FLOW_MUL		0x9e3779b1u

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return be16(p) << 16 | be16(p + 2);
}

static uint32_t mix(uint32_t h, uint32_t w)
{
	h = (h ^ w) * FLOW_MUL;
	return h ^ (h >> 15);
}

/* Protocols whose first four bytes are the source and destination ports. */
static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_UDPLITE;
}

uint32_t net_flow_hash(const uint8_t *frame, size_t len)
{
	size_t off = ETH_HLEN;
	uint32_t type, h;
	const uint8_t *l4 = NULL;
	uint8_t proto = 0;

	if (len < ETH_HLEN)
		return 0;
	type = be16(frame + 12);
	/* Up to two VLAN tags (802.1ad outside 802.1Q): the flow is the packet's, not the tag's. */
	for (int tags = 0; tags < 2 && (type == ETH_P_8021Q || type == ETH_P_8021AD); tags++) {
		if (len < off + VLAN_HLEN)
			return mix(0, type);
		type = be16(frame + off + 2);
		off += VLAN_HLEN;
	}
	h = mix(0, type);
	if (type == ETH_P_IP && len >= off + IPV4_HLEN_MIN) {
		const uint8_t *ip = frame + off;
		size_t ihl = (size_t)(ip[0] & 0x0f) * 4;

		proto = ip[9];
		h = mix(mix(mix(h, proto), be32(ip + 12)), be32(ip + 16));
		/* Fragments: ports only in the first one, so none are hashed for any of them. */
		if (ihl >= IPV4_HLEN_MIN && !(be16(ip + 6) & IPV4_FRAG_MASK) && len >= off + ihl + 4)
			l4 = ip + ihl;
	} else if (type == ETH_P_IPV6 && len >= off + IPV6_HLEN) {
		const uint8_t *ip = frame + off;

		/* Extension headers (and so fragments) are not walked: such packets hash without ports. */
		proto = ip[6];
		h = mix(h, proto);
		for (int i = 8; i < IPV6_HLEN; i += 4)
			h = mix(h, be32(ip + i));
		if (len >= off + IPV6_HLEN + 4)
			l4 = ip + IPV6_HLEN;
	}
	if (l4 && has_ports(proto))
		h = mix(h, be32(l4));
	/* A last multiply for the high bits net_flow_queue() reads; the shift folds them into the low ones. */
	h *= FLOW_MUL;
	return h ^ (h >> 16);
}
