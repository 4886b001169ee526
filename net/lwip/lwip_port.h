/* SPDX-License-Identifier: BSD-2-Clause */
/* The lwIP port's interface to the rest of the kernel: bring the first network device up. */
#ifndef NET_LWIP_LWIP_PORT_H
#define NET_LWIP_LWIP_PORT_H

#include <mote/types.h>

struct netif;

/*
 * Starts lwIP and configures eth0 from the kernel command line
 * (netdev.ip=ADDR/PREFIX netdev.gw=ADDR netdev.dns=ADDR; DHCP without
 * netdev.ip), waiting a bounded time for a lease. Does nothing and
 * returns -ENODEV when there is no network device; 0 once eth0 is up
 * (a lease may still be missing: -ETIMEDOUT, DHCP keeps trying).
 */
int lwip_port_start(void);

/* Starts lwIP's core and thread (and the loopback interface) once; what sockets need even without a NIC. 0. */
int lwip_port_core_start(void);
/* Whether lwIP's core has started (nothing is counted before). */
bool lwip_port_core_running(void);

/* /proc/net/snmp's text (Linux's format, lwIP's counters) into buf: its length, cut at size. */
size_t lwip_port_snmp(char *buf, size_t size);

/* eth0's netif once lwip_port_start has run, else NULL. */
struct netif *lwip_port_netif(void);

#endif
