/* SPDX-License-Identifier: BSD-2-Clause */
/* <stdlib.h> for lwIP's sources: only atoi, which netif_find uses on interface numbers. */
#ifndef NET_LWIP_INCLUDE_STDLIB_H
#define NET_LWIP_INCLUDE_STDLIB_H

static inline int atoi(const char *s)
{
	int v = 0;

	while (*s >= '0' && *s <= '9' && v < 100000)
		v = v * 10 + (*s++ - '0');
	return v;
}

#endif
