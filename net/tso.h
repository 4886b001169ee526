/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP segmentation offload, the sending side: which consecutive segments of one connection join into one large frame, and that frame's headers. */
#ifndef NET_TSO_H
#define NET_TSO_H

#include <mote/types.h>

/*
 * A stack that builds MSS-sized segments (lwIP) can still hand the device
 * a few large frames instead of many small ones: consecutive segments of
 * one connection are joined into one frame whose headers are the first
 * segment's, and the device cuts it again into segments of the first
 * one's payload size (virtio 1.2 §5.1.6.2, VIRTIO_NET_F_HOST_TSO4/6).
 * That is what the device would have sent anyway, with one descriptor,
 * one notification and one trip through the host's stack per frame.
 *
 * The joined frame's headers carry the newest acknowledgment and window
 * of its segments (both only move forward) and the PSH and FIN of its
 * last; the device gives FIN and PSH to the last segment only, as a
 * sender's segmentation does (Linux tcp_gso_segment).
 */
#define TSO_NONE	0
#define TSO_TCPV4	1	/* virtio's VIRTIO_NET_HDR_GSO_TCPV4 */
#define TSO_TCPV6	4	/* ... VIRTIO_NET_HDR_GSO_TCPV6 */

/* The header bytes tso_parse needs at most: Ethernet, IPv6 and a TCP header with all options. */
#define TSO_HDR_MAX	(14 + 40 + 60)

/* One TCP segment frame as tso_parse found it. */
struct tso_seg {
	uint8_t type;		/* TSO_TCPV4 or TSO_TCPV6 */
	uint8_t tcp_flags;
	uint16_t l4_off;	/* where the TCP header starts */
	uint16_t hdr_len;	/* Ethernet + IP + TCP headers: where the payload starts */
	uint32_t seq;
	uint32_t payload;	/* bytes after hdr_len */
};

/* A frame being joined: what the next segment must match. */
struct tso_frame {
	struct tso_seg first;
	uint32_t next_seq;	/* the sequence number a following segment must have */
	uint32_t payload;	/* payload bytes so far */
	uint32_t max_len;	/* the longest frame the device takes */
	unsigned int segs;
	bool closed;		/* a short segment or a FIN ended it */
};

/*
 * Whether the frame f (len bytes, of which the first `avail` are at hand,
 * the headers among them) is a TCP segment that may be part of a joined
 * frame: Ethernet II, IPv4 without options and not a fragment, or IPv6
 * with TCP as its next header; data; ACK set; none of SYN, RST, URG, ECE
 * or CWR (a device that did not negotiate ECN may not segment those,
 * virtio 1.2 §5.1.6.2.1). Fills s when so.
 */
bool tso_parse(const uint8_t *f, size_t avail, size_t len, struct tso_seg *s);

/* Starts a frame with segment s (the frame's bytes hold s as it is); frames up to max_len bytes. */
void tso_start(struct tso_frame *t, const struct tso_seg *s, uint32_t max_len);

/*
 * Whether segment s (header bytes h) may be appended to frame t (header
 * bytes fh): t not closed, s of the same connection with the same IP and
 * TCP header fields apart from those that differ per segment (IPv4 id,
 * lengths, checksums, acknowledgment, window, PSH, FIN), next in
 * sequence, no longer than the first segment, and the result within
 * t->max_len.
 */
bool tso_can_append(const struct tso_frame *t, const uint8_t *fh, const uint8_t *h, const struct tso_seg *s);

/* Records s as appended (its payload copied after the frame's by the caller); fh takes s's ACK, window, PSH and FIN. */
void tso_append(struct tso_frame *t, uint8_t *fh, const uint8_t *h, const struct tso_seg *s);

/* Sets the IP length fields in fh for the whole frame (and the IPv4 header checksum); returns the frame's length. */
size_t tso_finish(const struct tso_frame *t, uint8_t *fh);

#endif
