/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio entropy device: seeds the kernel's randomness; raw reads for tests. */
#ifndef DRIVERS_VIRTIO_VIRTIO_RNG_H
#define DRIVERS_VIRTIO_VIRTIO_RNG_H

#include <mote/types.h>

/*
 * Fills buf with up to n bytes from the first working entropy device and
 * returns how many it got: 0 without a device, fewer than n when the
 * device stopped answering (each request waits at most a second). Sleeps
 * when called with interrupts on; busy-waits (polled queue) when they are off.
 */
size_t virtio_rng_read(void *buf, size_t n);

/* "virtio-mmio v1 (legacy)", "virtio-pci", ... of the device virtio_rng_read uses; NULL without one. */
const char *virtio_rng_transport(void);

#endif
