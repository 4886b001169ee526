/* SPDX-License-Identifier: BSD-2-Clause */
/* ChaCha20 (RFC 8439 §2.1-§2.4): quarter round, block function, keystream. */
#include "lib/chacha20.h"
#include "lib/string.h"

static inline uint32_t load_le32(const uint8_t *p)
{
	/* Byte by byte, so that it is right on any host; gcc and clang make it one load on x86. */
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#define ROTL32(v, n)	(((v) << (n)) | ((v) >> (32 - (n))))

/* RFC 8439 §2.1: the quarter round on four state words. */
#define QUARTERROUND(a, b, c, d)					\
	do {								\
		a += b; d ^= a; d = ROTL32(d, 16);			\
		c += d; b ^= c; b = ROTL32(b, 12);			\
		a += b; d ^= a; d = ROTL32(d, 8);			\
		c += d; b ^= c; b = ROTL32(b, 7);			\
	} while (0)

void chacha20_block(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
		    const uint8_t nonce[CHACHA20_NONCE_SIZE], uint8_t out[CHACHA20_BLOCK_SIZE])
{
	/* RFC 8439 §2.3: "expand 32-byte k", the key, the block counter, the nonce. */
	const uint32_t k0 = load_le32(key), k1 = load_le32(key + 4), k2 = load_le32(key + 8),
		k3 = load_le32(key + 12), k4 = load_le32(key + 16), k5 = load_le32(key + 20),
		k6 = load_le32(key + 24), k7 = load_le32(key + 28);
	const uint32_t n0 = load_le32(nonce), n1 = load_le32(nonce + 4), n2 = load_le32(nonce + 8);
	uint32_t x0 = 0x61707865, x1 = 0x3320646e, x2 = 0x79622d32, x3 = 0x6b206574;
	uint32_t x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
	uint32_t x12 = counter, x13 = n0, x14 = n1, x15 = n2;

	/*
	 * Scalars, not an array: the 16 words then live in registers (all
	 * but a few of them), and every input is in hand before out, which
	 * may be the key, is written.
	 */
	for (int i = 0; i < 10; i++) {
		/* A column round, then a diagonal round. */
		QUARTERROUND(x0, x4, x8, x12);
		QUARTERROUND(x1, x5, x9, x13);
		QUARTERROUND(x2, x6, x10, x14);
		QUARTERROUND(x3, x7, x11, x15);
		QUARTERROUND(x0, x5, x10, x15);
		QUARTERROUND(x1, x6, x11, x12);
		QUARTERROUND(x2, x7, x8, x13);
		QUARTERROUND(x3, x4, x9, x14);
	}
	/* The input added back in, serialized little-endian. */
	store_le32(out, x0 + 0x61707865);
	store_le32(out + 4, x1 + 0x3320646e);
	store_le32(out + 8, x2 + 0x79622d32);
	store_le32(out + 12, x3 + 0x6b206574);
	store_le32(out + 16, x4 + k0);
	store_le32(out + 20, x5 + k1);
	store_le32(out + 24, x6 + k2);
	store_le32(out + 28, x7 + k3);
	store_le32(out + 32, x8 + k4);
	store_le32(out + 36, x9 + k5);
	store_le32(out + 40, x10 + k6);
	store_le32(out + 44, x11 + k7);
	store_le32(out + 48, x12 + counter);
	store_le32(out + 52, x13 + n0);
	store_le32(out + 56, x14 + n1);
	store_le32(out + 60, x15 + n2);
}

uint32_t chacha20_keystream(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
			   const uint8_t nonce[CHACHA20_NONCE_SIZE], uint8_t *out, size_t n)
{
	uint8_t tail[CHACHA20_BLOCK_SIZE];

	/* RFC 8439 §2.4: successive blocks under one key and nonce, the counter counting up. */
	for (; n >= CHACHA20_BLOCK_SIZE; n -= CHACHA20_BLOCK_SIZE, out += CHACHA20_BLOCK_SIZE)
		chacha20_block(key, counter++, nonce, out);
	if (n) {
		/* "If there is extra keystream from the last block, it is discarded." */
		chacha20_block(key, counter++, nonce, tail);
		memcpy(out, tail, n);
		chacha20_wipe(tail, sizeof(tail));
	}
	return counter;
}

void chacha20_wipe(void *p, size_t n)
{
	memset(p, 0, n);
	/* The asm "reads" the zeroed memory, so the stores are not dead. */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
