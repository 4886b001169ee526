/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel randomness for load addresses and AT_RANDOM (a ChaCha20 CSPRNG replaces the mixer later). */
#ifndef KERNEL_RANDOM_H
#define KERNEL_RANDOM_H

#include <mote/types.h>

void random_init(uint64_t seed);
uint64_t random_u64(void);
/* Mixes bytes from an entropy source (virtio-rng) into the state; safe from interrupt handlers. */
void random_add_entropy(const void *buf, size_t n);

#endif
