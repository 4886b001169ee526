/* SPDX-License-Identifier: BSD-2-Clause */
/* Where an Ethernet frame's TCP or UDP checksum lies, and its pseudo-header sum (see net/l4csum.h). */
#include "net/l4csum.h"

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

bool l4csum_place(const uint8_t *f, size_t len, uint16_t *start, uint16_t *offset, uint32_t *pseudo)
{
	const uint8_t *ip = f + ETH_HLEN;
	size_t hlen, l4len;
	uint8_t proto;
	uint32_t sum = 0;

	if (len >= ETH_HLEN + 20 && be16(f + 12) == ETH_P_IP && (ip[0] >> 4) == 4) {
		hlen = (size_t)(ip[0] & 0xf) * 4;
		if (hlen < 20 || len < ETH_HLEN + hlen + 8 || (be16(ip + 6) & 0x3fff) != 0 ||
		    be16(ip + 2) < hlen)
			return false;
		proto = ip[9];
		l4len = be16(ip + 2) - hlen;
		for (int i = 12; i < 20; i += 2)
			sum += be16(ip + i);
	} else if (len >= ETH_HLEN + 40 && be16(f + 12) == ETH_P_IPV6 && (ip[0] >> 4) == 6) {
		hlen = 40;
		proto = ip[6];
		l4len = be16(ip + 4);
		if (len < ETH_HLEN + hlen + 8)
			return false;
		for (int i = 8; i < 40; i += 2)
			sum += be16(ip + i);
	} else {
		return false;
	}
	*start = (uint16_t)(ETH_HLEN + hlen);
	if (proto == IPPROTO_TCP && len >= ETH_HLEN + hlen + 20)
		*offset = 16;
	else if (proto == IPPROTO_UDP)
		*offset = 6;
	else
		return false;
	*pseudo = sum + proto + (uint32_t)l4len;
	return true;
}
