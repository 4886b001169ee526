/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio console device: an additional kernel console; what tests ask of it. */
#ifndef DRIVERS_VIRTIO_VIRTIO_CONSOLE_H
#define DRIVERS_VIRTIO_VIRTIO_CONSOLE_H

#include <mote/types.h>

struct virtio_console_stats {
	uint64_t sent;		/* bytes the device took (used transmit buffers) */
	uint64_t dropped;	/* bytes given up on: no free buffer while the device stopped taking data */
	uint64_t received;	/* bytes passed to console_input() */
};

/* "virtio-mmio v1 (legacy)", "virtio-pci", ... of the first console device; NULL without one. */
const char *virtio_console_transport(void);

/*
 * Waits (busy, bounded by timeout_ns) until every buffer written to the
 * first console device was used, then fills *st (may be NULL). Returns 0,
 * -ENODEV without a device, -ETIMEDOUT when buffers remain in flight.
 */
int virtio_console_flush(uint64_t timeout_ns, struct virtio_console_stats *st);

#endif
