/* SPDX-License-Identifier: BSD-2-Clause */
/* /proc/net/snmp from lwIP's counters: what was received, sent, and dropped as malformed, per protocol. */
#include "lib/format.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"
#include "net/lwip/lwip_port.h"

/*
 * Linux's /proc/net/snmp is pairs of lines, names then values, per
 * protocol (Linux net/ipv4/proc.c; netstat -s reads it). lwIP counts
 * less finely: a field it has no counter for reads 0, and its per-
 * protocol error counters map as follows (lwIP's stats.h):
 *   Ip InHdrErrors   = bad header checksum + bad length + bad options
 *   Ip InUnknownProtos = protocol errors, InDiscards = every IP drop
 *   Tcp/Udp InCsumErrors = checksum errors, InErrs/InErrors = all drops
 * A line "Link:" (not Linux's) counts Ethernet and ARP frames lwIP
 * dropped: runts and unknown types.
 */
size_t lwip_port_snmp(char *buf, size_t size)
{
	struct stats_ s = { 0 };
	size_t n = 0;

	/* Reading the counters does not start the stack: before it runs, all are 0. */
	if (lwip_port_core_running()) {
		LOCK_TCPIP_CORE();
		s = lwip_stats;
		UNLOCK_TCPIP_CORE();
	}
#define OUT(...) (n += (size_t)fmt_snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__))
	OUT("Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos "
	    "InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs "
	    "ReasmFails FragOKs FragFails FragCreates\n");
	OUT("Ip: 2 64 %u %u 0 0 %u %u %u %u 0 %u 0 %u 0 %u 0 0 %u\n",
	    (unsigned int)s.ip.recv, (unsigned int)(s.ip.chkerr + s.ip.lenerr + s.ip.opterr),
	    (unsigned int)s.ip.proterr, (unsigned int)s.ip.drop,
	    (unsigned int)(s.ip.recv > s.ip.drop ? s.ip.recv - s.ip.drop : 0), (unsigned int)s.ip.xmit,
	    (unsigned int)s.ip.rterr, (unsigned int)s.ip_frag.recv, (unsigned int)s.ip_frag.drop,
	    (unsigned int)s.ip_frag.xmit);
	OUT("Icmp: InMsgs InErrors InCsumErrors OutMsgs OutErrors\n");
	OUT("Icmp: %u %u %u %u %u\n", (unsigned int)s.icmp.recv, (unsigned int)s.icmp.drop,
	    (unsigned int)s.icmp.chkerr, (unsigned int)s.icmp.xmit, (unsigned int)s.icmp.err);
	OUT("Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets "
	    "CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n");
	OUT("Tcp: 1 200 120000 -1 0 0 0 0 0 %u %u 0 %u 0 %u\n", (unsigned int)s.tcp.recv,
	    (unsigned int)s.tcp.xmit, (unsigned int)s.tcp.drop, (unsigned int)s.tcp.chkerr);
	OUT("Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors "
	    "IgnoredMulti MemErrors\n");
	OUT("Udp: %u %u %u %u 0 0 %u 0 %u\n", (unsigned int)s.udp.recv, (unsigned int)s.udp.proterr,
	    (unsigned int)s.udp.drop, (unsigned int)s.udp.xmit, (unsigned int)s.udp.chkerr,
	    (unsigned int)s.udp.memerr);
	OUT("Link: InFrames InDrops InLenErrors InProtoErrors ArpIn ArpDrops\n");
	OUT("Link: %u %u %u %u %u %u\n", (unsigned int)s.link.recv, (unsigned int)s.link.drop,
	    (unsigned int)s.link.lenerr, (unsigned int)s.link.proterr, (unsigned int)s.etharp.recv,
	    (unsigned int)s.etharp.drop);
#undef OUT
	return n < size ? n : size;
}
