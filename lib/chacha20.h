/* SPDX-License-Identifier: BSD-2-Clause */
/* The ChaCha20 block function and keystream (RFC 8439 §2.3, §2.4), for the kernel's CSPRNG. */
#ifndef LIB_CHACHA20_H
#define LIB_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

#define CHACHA20_KEY_SIZE	32
#define CHACHA20_NONCE_SIZE	12
#define CHACHA20_BLOCK_SIZE	64

/*
 * One 64-byte keystream block for (key, block counter, nonce), serialized
 * little-endian (RFC 8439 §2.3). Every input is read before out is written,
 * so out may overlap key or nonce: a generator keeps its key in the first
 * half of its output block and rekeys in place.
 */
void chacha20_block(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
		    const uint8_t nonce[CHACHA20_NONCE_SIZE], uint8_t out[CHACHA20_BLOCK_SIZE]);

/*
 * The ChaCha20 keystream (RFC 8439 §2.4) from block `counter` on, n bytes
 * of it into out (which must not overlap key or nonce); encryption is
 * this XORed into the plaintext. The rest of a final partial block is
 * discarded. Returns the counter of the next unused block (it wraps after
 * 2^32 blocks, 256 GiB: the caller then changes the nonce).
 */
uint32_t chacha20_keystream(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
			   const uint8_t nonce[CHACHA20_NONCE_SIZE], uint8_t *out, size_t n);

/* Zeroes key material; unlike a plain memset of a dying buffer, the compiler may not drop it. */
void chacha20_wipe(void *p, size_t n);

#endif
