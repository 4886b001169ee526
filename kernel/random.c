/* SPDX-License-Identifier: BSD-2-Clause */
/* The kernel CSPRNG: ChaCha20 with fast key erasure, keyed from RDSEED/RDRAND/TSC, rekeyed by device entropy. */
#include "arch/x86_64/cpu.h"
#include "kernel/log.h"
#include "kernel/random.h"
#include "kernel/spinlock.h"
#include "lib/chacha20.h"
#include "lib/string.h"

#define KEY		CHACHA20_KEY_SIZE
#define KEY_WORDS	(KEY / 8)
#define BLOCK_WORDS	(CHACHA20_BLOCK_SIZE / 8)
#define OUT		(CHACHA20_BLOCK_SIZE - KEY)	/* output bytes per block */

/*
 * Fast key erasure (D. J. Bernstein, "Fast-key-erasure random-number
 * generators", 2017): each block the generator makes begins with its next
 * key, written over the key that made it, so nothing left in memory can
 * reproduce output already handed out. The block's first KEY bytes are the
 * key, the rest output; of that, the last `avail` 8-byte words are not yet
 * handed out (handed-out words are zeroed). Each key makes one block, so
 * the block counter and nonce can stay zero.
 *
 * Device entropy is XORed into pool (at pool_pos; when full, the pool is
 * first compressed through ChaCha20 keyed by itself, so no input cancels
 * an earlier one) and into the key before the next block: interrupt
 * handlers do a few XORs in the common case.
 */
static struct {
	struct spinlock lock;	/* irqsave: entropy and requests come from interrupt handlers too */
	uint8_t avail;
	uint8_t pool_pos;
	bool pending;		/* pool holds entropy not yet in the key */
	union {
		uint8_t b[CHACHA20_BLOCK_SIZE];
		uint64_t w[BLOCK_WORDS];
	} blk;
	uint8_t pool[KEY];
} rng;

static const uint8_t zero_nonce[CHACHA20_NONCE_SIZE];

void random_init(uint64_t seed)
{
	bool hw = true;

	/* Straight into the key: no copy of it is left on the stack. */
	for (size_t i = 0; i < KEY_WORDS; i++)
		if (!cpu_rdseed64(&rng.blk.w[i]) && !cpu_rdrand64(&rng.blk.w[i])) {
			rng.blk.w[i] = 0;
			hw = false;
		}
	rng.blk.w[0] ^= seed;
	rng.blk.w[1] ^= rdtsc();
	/* No block yet: the first request makes it, so a boot that asks for nothing pays nothing. */
	rng.avail = 0;
	if (!hw)
		pr_warn("random: no RDSEED or RDRAND; keyed from the TSC until a device adds entropy\n");
}

/*
 * The block function spills key words into its stack frame (136 bytes
 * with gcc, 160 with clang). This frame, entered from the same caller,
 * covers 208 bytes there, so the erased key leaves no copy on the stack.
 */
static __attribute__((noinline)) void rng_scrub_stack(void)
{
	uint64_t frame[24];

	memset64(frame, 0, sizeof(frame) / 8);	/* an asm with a memory clobber: never elided */
}

/* With the lock held: a new block, the pool folded into its key first. */
static void rng_refill(void)
{
	if (rng.pending) {
		for (size_t i = 0; i < KEY; i++)
			rng.blk.b[i] ^= rng.pool[i];
		memset(rng.pool, 0, KEY);
		rng.pool_pos = 0;
		rng.pending = false;
	}
	chacha20_block(rng.blk.b, 0, zero_nonce, rng.blk.b);
	rng_scrub_stack();
	rng.avail = OUT / 8;
}

uint64_t random_u64(void)
{
	uint64_t flags = spin_lock_irqsave(&rng.lock), v;
	size_t i;

	if (!rng.avail || rng.pending)
		rng_refill();
	i = BLOCK_WORDS - rng.avail--;
	v = rng.blk.w[i];
	rng.blk.w[i] = 0;
	spin_unlock_irqrestore(&rng.lock, flags);
	return v;
}

/* n <= OUT bytes, in whole words, from the buffered block or (fresh, or too few left) a new one. */
static void rng_take(void *buf, size_t n, bool fresh)
{
	uint64_t flags = spin_lock_irqsave(&rng.lock);
	size_t words = (n + 7) / 8;
	uint64_t *p;

	if (fresh || rng.avail < words || rng.pending)
		rng_refill();
	p = &rng.blk.w[BLOCK_WORDS - rng.avail];
	memcpy(buf, p, n);
	memset(p, 0, words * 8);
	rng.avail = (uint8_t)(rng.avail - words);
	spin_unlock_irqrestore(&rng.lock, flags);
}

void random_stream_begin(struct random_stream *s)
{
	/* A whole fresh block: its output half becomes the stream's key, handed to nobody else. */
	rng_take(s->key, OUT, true);
	s->blocks = 0;
}

void random_stream_read(struct random_stream *s, void *buf, size_t n)
{
	uint8_t nonce[CHACHA20_NONCE_SIZE] = { 0 }, *out = buf;

	while (n) {
		/* The 32-bit counter covers 256 GiB; the nonce's first word counts those spans. */
		uint32_t ctr = (uint32_t)s->blocks, span = (uint32_t)(s->blocks >> 32);
		uint64_t room = (((uint64_t)1 << 32) - ctr) * CHACHA20_BLOCK_SIZE;
		size_t len = n < room ? n : (size_t)room;

		memcpy(nonce, &span, sizeof(span));
		chacha20_keystream(s->key, ctr, nonce, out, len);
		s->blocks += (len + CHACHA20_BLOCK_SIZE - 1) / CHACHA20_BLOCK_SIZE;
		out += len;
		n -= len;
	}
}

void random_stream_end(struct random_stream *s)
{
	chacha20_wipe(s, sizeof(*s));
}

void random_bytes(void *buf, size_t n)
{
	struct random_stream s;

	if (n <= OUT) {
		rng_take(buf, n, false);
		return;
	}
	random_stream_begin(&s);
	random_stream_read(&s, buf, n);
	random_stream_end(&s);
}

void random_add_entropy(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint64_t flags = spin_lock_irqsave(&rng.lock);

	for (size_t i = 0; i < n; i++) {
		if (rng.pool_pos == KEY) {
			uint8_t blk[CHACHA20_BLOCK_SIZE];

			/* Counter 1: never an input the generator itself uses. */
			chacha20_block(rng.pool, 1, zero_nonce, blk);
			memcpy(rng.pool, blk, KEY);
			chacha20_wipe(blk, sizeof(blk));
			rng.pool_pos = 0;
		}
		rng.pool[rng.pool_pos++] ^= p[i];
	}
	if (n)
		rng.pending = true;
	spin_unlock_irqrestore(&rng.lock, flags);
}
