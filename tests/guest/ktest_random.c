/* SPDX-License-Identifier: BSD-2-Clause */
/* The kernel CSPRNG in a booted guest: output, streams, entropy from interrupt handlers, and its cost. */
#include "arch/x86_64/cpu.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/random.h"
#include "kernel/time.h"
#include "kernel/timer.h"
#include "lib/chacha20.h"
#include "lib/string.h"

#define MS (1000 * 1000ull)

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* What a timer callback (interrupt context) got and did. */
static volatile int irq_done;
static uint8_t irq_bytes[48];
static uint64_t irq_word;

static void on_timer(struct timer *t, void *arg)
{
	static const char noise[] = "entropy from an interrupt handler, longer than the 32-byte pool";

	(void)t, (void)arg;
	random_add_entropy(noise, sizeof(noise));
	random_bytes(irq_bytes, sizeof(irq_bytes));
	irq_word = random_u64();
	irq_done = 1;
}

KTEST(random)
{
	int failures = 0;
	static uint8_t a[1100], b[1100];
	static const size_t sizes[] = { 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 1000, 1024 };
	uint64_t w[64], flags;
	struct random_stream s;
	struct timer t;

	/* random_u64: 64 draws, no two alike (a repeat by chance: 2^-53). */
	for (int i = 0; i < 64; i++) {
		w[i] = random_u64();
		for (int j = 0; j < i; j++)
			KCHECK(w[i] != w[j]);
	}
	/* random_bytes writes exactly n bytes, fresh ones each time, through both paths. */
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];

		memset(a, 0xee, sizeof(a));
		memset(b, 0xee, sizeof(b));
		random_bytes(a, n);
		random_bytes(b, n);
		KCHECK(a[n] == 0xee && b[n] == 0xee);
		if (n >= 8)
			KCHECK(memcmp(a, b, n) != 0);
	}
	random_bytes(a, 0);

	/*
	 * A stream continues block after block; at 2^32 blocks its counter
	 * wraps and the nonce's first word counts on (RFC 8439 §2.3 has a
	 * 32-bit counter), which is checked against the block function.
	 */
	random_stream_begin(&s);
	KCHECK(!all_zero(s.key, sizeof(s.key)));
	random_stream_read(&s, a, 100);
	random_stream_read(&s, b, 100);
	KCHECK(s.blocks == 4);
	KCHECK(memcmp(a, b, 100) != 0);
	s.blocks = 0xffffffffull;
	random_stream_read(&s, a, 128);
	{
		uint8_t nonce[CHACHA20_NONCE_SIZE] = { 0 }, want[128];

		chacha20_block(s.key, 0xffffffffu, nonce, want);
		nonce[0] = 1;
		chacha20_block(s.key, 0, nonce, want + 64);
		KCHECK(memcmp(a, want, 128) == 0);
	}
	KCHECK(s.blocks == 0x100000001ull);
	random_stream_end(&s);
	KCHECK(all_zero(s.key, sizeof(s.key)));

	/* Entropy (more than the pool holds, so it is compressed too) is taken, and output goes on. */
	memset(a, 0x11, 200);
	random_add_entropy(a, 200);
	random_add_entropy(a, 0);
	w[0] = random_u64();
	w[1] = random_u64();
	KCHECK(w[0] != w[1]);

	/* With interrupts off, as an interrupt handler would call it. */
	flags = irq_save();
	w[2] = random_u64();
	random_bytes(b, 40);
	irq_restore(flags);
	KCHECK(w[2] != w[1] && !all_zero(b, 40));

	/* From a timer callback, which runs in interrupt context, while this thread also draws. */
	timer_init(&t, on_timer, NULL);
	timer_arm(&t, time_monotonic_ns() + 5 * MS);
	for (uint64_t end = time_monotonic_ns() + 2000 * MS; !irq_done && time_monotonic_ns() < end;)
		random_bytes(a, 100);
	timer_cancel(&t);
	KCHECK(irq_done);
	KCHECK(!all_zero(irq_bytes, sizeof(irq_bytes)) && irq_word != 0);
	return failures;
}

/* Instructions per random_u64 and per byte of a 4 KiB random_bytes (a getrandom-sized read), under -icount. */
KTEST(bench_random)
{
	static uint8_t buf[4096];
	uint64_t best_u64 = ~0ull, best_4k = ~0ull;

	for (int run = 0; run < 5; run++) {
		uint64_t t0 = rdtsc(), t1;

		for (int i = 0; i < 64; i++)
			(void)random_u64();
		t1 = rdtsc();
		best_u64 = MIN(best_u64, t1 - t0);
		t0 = rdtsc();
		random_bytes(buf, sizeof(buf));
		t1 = rdtsc();
		best_4k = MIN(best_4k, t1 - t0);
	}
	printk("bench: random.u64.insns %lu\n", (best_u64 + 32) / 64);
	printk("bench: random.bytes.insns_per_byte %lu.%02lu\n", best_4k / sizeof(buf),
	       best_4k % sizeof(buf) * 100 / sizeof(buf));
	return 0;
}
