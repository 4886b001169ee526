/* SPDX-License-Identifier: BSD-2-Clause */
/* lwIP's configuration for Mote: threads with core locking, raw API only, sized for throughput over virtio-net. */
#ifndef NET_LWIP_LWIPOPTS_H
#define NET_LWIP_LWIPOPTS_H

/*
 * Threads, not a main loop: the tcpip thread runs lwIP's timers, and
 * callers (the receive thread, the socket layer to come) take the core
 * lock and call the raw API directly instead of posting a message and
 * waiting for the tcpip thread, which would cost two thread switches
 * per call.
 */
#define NO_SYS				0
#define LWIP_TCPIP_CORE_LOCKING		1
/* Releasing the core lock sends the frames queued while it was held (net/lwip/netif.c, tx.c). */
void lwip_port_core_lock(void);
void lwip_port_core_unlock(void);
#define LOCK_TCPIP_CORE()		lwip_port_core_lock()
#define UNLOCK_TCPIP_CORE()		lwip_port_core_unlock()
/* Received frames are processed on the receive thread under the core lock: no mailbox hop per packet. */
#define LWIP_TCPIP_CORE_LOCKING_INPUT	1
#define SYS_LIGHTWEIGHT_PROT		1
#define TCPIP_THREAD_NAME		"tcpip"
#define TCPIP_THREAD_STACKSIZE		(16 * 1024)
#define TCPIP_THREAD_PRIO		17	/* above THREAD_PRIO_DEFAULT: timers fire while the app computes */
/* Only callbacks and timeouts go through it once core locking is on. */
#define TCPIP_MBOX_SIZE			64

/* Issue 7: the socket layer is ours; lwIP's sockets.c and netconn are not built. */
#define LWIP_SOCKET			0
#define LWIP_NETCONN			0
#define LWIP_RAW			1

#define LWIP_IPV4			1
/*
 * IPv6 beside IPv4: link-local and SLAAC addresses (RFC 4862) from router
 * advertisements, neighbour discovery, MLD. No duplicate address
 * detection: a VMM hands each NIC its own MAC, and DAD would hold every
 * address back for a second at boot (RFC 4862 §5.4 allows 0 attempts).
 */
#define LWIP_IPV6			1
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS	0
#define LWIP_IPV6_AUTOCONFIG		1
#define LWIP_IPV6_MLD			1
#define LWIP_ND6_NUM_NEIGHBORS		16
#define LWIP_ND6_NUM_DESTINATIONS	16
/* Reassembly keeps its bookkeeping beside, not inside, the 8-byte fragment header: pointers are 64-bit here. */
#define IPV6_FRAG_COPYHEADER		1
#define LWIP_ARP			1
#define LWIP_ETHERNET			1
#define LWIP_ICMP			1
#define LWIP_UDP			1
#define LWIP_TCP			1
#define LWIP_DHCP			1
/* No ARP probe of the offered address: VMMs and clouds hand out unique ones, and the probe costs a second of boot. */
#define DHCP_DOES_ARP_CHECK		0
#define LWIP_DNS			1
#define DNS_MAX_SERVERS			2
#define LWIP_IGMP			0
#define LWIP_AUTOIP			0
#define IP_REASSEMBLY			1
#define IP_FRAG				1

#define LWIP_NETIF_STATUS_CALLBACK	1
#define LWIP_NETIF_LINK_CALLBACK	1
#define LWIP_NETIF_HOSTNAME		0
/* 127.0.0.1 and the machine's own addresses reach its own sockets (loopback is a real interface, lo). */
#define LWIP_NETIF_LOOPBACK		1
#define LWIP_HAVE_LOOPIF		1
#define LWIP_LOOPBACK_MAX_PBUFS		0
/* Checksums are generated and checked per netif: off where the device offers the offload. */
#define LWIP_CHECKSUM_CTRL_PER_NETIF	1

/*
 * Memory. PBUF_RAM pbufs (what TCP builds its segments in) and lwIP's
 * other variable allocations come from the kernel heap rather than a
 * second heap carved out at boot: the heap's slabs are already fast and
 * memory not used by the network stays the application's.
 */
#define MEM_LIBC_MALLOC			1
#define mem_clib_malloc			kmalloc
#define mem_clib_free			kfree
#define mem_clib_calloc			lwip_port_calloc
#define MEM_ALIGNMENT			8
/* lwIP's (empty, with MEM_LIBC_MALLOC) mem_init would clash with the kernel's memory set-up of that name. */
#define mem_init			lwip_mem_init
#define MEMP_MEM_MALLOC			0	/* fixed pools: O(1) and no heap lock for PCBs and segments */

/*
 * TCP sized for a virtio link: at 10 Gbit/s and a 100-200 us round trip
 * the bandwidth-delay product is 125-250 KiB, so a 64 KiB window (the
 * most without scaling) would cap one flow at a quarter of that. A
 * 256 KiB window with scale 3 covers it; the window is advertised only
 * as receive buffers exist, see the pbuf pool below.
 */
#define TCP_MSS				1460	/* 1500-byte MTU minus 20 bytes of IPv4 and 20 of TCP */
#define LWIP_WND_SCALE			1
#define TCP_RCV_SCALE			3
#define TCP_WND				(128 * TCP_MSS)		/* 182 KiB */
#define TCP_SND_BUF			(128 * TCP_MSS)
/* Writable again (poll, the sent callback) once a quarter of the buffer is free; lwIP keeps this below 64 KiB. */
#define TCP_SNDLOWAT			(32 * TCP_MSS)
/* Segments queued for sending: a full send buffer in MSS-sized segments, twice over for small writes. */
#define TCP_SND_QUEUELEN		(2 * TCP_SND_BUF / TCP_MSS)
#define MEMP_NUM_TCP_SEG		TCP_SND_QUEUELEN
#define TCP_OVERSIZE			TCP_MSS		/* tcp_write fills one pbuf per segment: one buffer per frame */
#define LWIP_TCP_TIMESTAMPS		0
#define TCP_QUEUE_OOSEQ			1
#define LWIP_TCP_SACK_OUT		1
/*
 * Connections: a server keeps one pcb per open connection and per
 * connection in TIME_WAIT (lwIP reuses the oldest TIME_WAIT pcb when the
 * pool runs out). 256 pcbs are about 50 KiB.
 */
#define MEMP_NUM_TCP_PCB		256
#define MEMP_NUM_TCP_PCB_LISTEN		16
/* listen(2)'s backlog: lwIP counts connections not yet accepted and drops SYNs beyond it (Linux's behaviour). */
#define TCP_LISTEN_BACKLOG		1
#define TCP_DEFAULT_LISTEN_BACKLOG	255
/* TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT per socket (tcp(7)). */
#define LWIP_TCP_KEEPALIVE		1
#define MEMP_NUM_UDP_PCB		16
#define MEMP_NUM_RAW_PCB		4
#define MEMP_NUM_PBUF			256	/* PBUF_REF/ROM: zero-copy tcp_write of application data */
#define MEMP_NUM_SYS_TIMEOUT		(LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)

/*
 * Receive buffers are heap pbufs of each frame's size (net/lwip/netif.c),
 * not pool buffers: data waits in them until read, and small segments
 * held by many connections must not use up a fixed pool. The window
 * (above) bounds what one connection can make the guest hold. The pool
 * stays for what lwIP itself allocates from it (a few buffers).
 */
#define PBUF_POOL_BUFSIZE		1536
#define PBUF_POOL_SIZE			16
/* lwIP checks TCP_WND against the pool's size, which no longer holds received data: the check does not apply. */
#define LWIP_DISABLE_TCP_SANITY_CHECKS	1

/* Counters per protocol (received, sent, dropped as malformed): /proc/net/snmp (net/lwip/stats.c). */
#define LWIP_STATS			1
#define LINK_STATS			1
#define MEM_STATS			0
#define MEMP_STATS			0
#define SYS_STATS			0
#define LWIP_STATS_DISPLAY		0
#define LWIP_PERF			0

/*
 * Needed by Mote's lwIP patches (net/lwip/patches, applied by
 * scripts/fetch-lwip). SO_REUSE compiles in SOF_REUSEADDR (tcp_bind and
 * udp_bind let two pcbs that both set it share a port; tcp_connect then
 * replaces a TIME-WAIT connection on its 4-tuple, patch 0002) and
 * SOF_REUSEPORT (patch 0003). SO_REUSE_RXTOALL gives a broadcast or
 * multicast datagram to every UDP pcb sharing its port, as Linux does.
 */
#define SO_REUSE			1
#define SO_REUSE_RXTOALL		1

#endif
