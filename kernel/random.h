/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel randomness: a ChaCha20 CSPRNG for load addresses, AT_RANDOM, getrandom(2) and /dev/urandom. */
#ifndef KERNEL_RANDOM_H
#define KERNEL_RANDOM_H

#include <mote/types.h>

/* Keys the generator from RDSEED, else RDRAND, else the TSC (and seed); computes nothing yet. */
void random_init(uint64_t seed);
/* Every function below is safe from threads and interrupt handlers alike, and never blocks. */
uint64_t random_u64(void);
void random_bytes(void *buf, size_t n);
/* Mixes bytes from an entropy source (virtio-rng) into a pool that rekeys the generator at its next use. */
void random_add_entropy(const void *buf, size_t n);

/*
 * A private keystream for one long request (getrandom(2), a device read):
 * begin takes one block of the generator for its key, so the bulk is made
 * without the lock; read may be called again and again (each call starts
 * at a fresh block); end wipes the key. random_bytes() is these three.
 */
struct random_stream {
	uint8_t key[32];
	uint64_t blocks;	/* keystream blocks used so far */
};
void random_stream_begin(struct random_stream *s);
void random_stream_read(struct random_stream *s, void *buf, size_t n);
void random_stream_end(struct random_stream *s);

#endif
