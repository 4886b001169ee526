/* SPDX-License-Identifier: BSD-2-Clause */
/* random_u64(): RDRAND where the CPU has it, else a SplitMix64 stream seeded from RDSEED, the TSC and devices. */
#include "arch/x86_64/cpu.h"
#include "kernel/random.h"
#include "kernel/spinlock.h"

static uint64_t state;
/* Entropy arrives from interrupt handlers: state changes with interrupts off. */
static struct spinlock lock = SPINLOCK_INIT;

void random_init(uint64_t seed)
{
	uint64_t s;

	if (cpu_rdseed64(&s) || cpu_rdrand64(&s))
		seed ^= s;
	state = seed ^ rdtsc();
}

void random_add_entropy(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint64_t flags = spin_lock_irqsave(&lock);

	/* Each 8-byte word is folded in through a multiply-rotate, so every input bit moves many state bits. */
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;

		for (size_t k = 0; k < 8 && i + k < n; k++)
			w |= (uint64_t)p[i + k] << (8 * k);
		state = (state ^ w) * 0x9fb21c651e98df25ull;
		state ^= state >> 29;
	}
	spin_unlock_irqrestore(&lock, flags);
}

uint64_t random_u64(void)
{
	uint64_t z, flags;

	if (cpu_rdrand64(&z))
		return z;
	/* SplitMix64 (Steele, Lea, Flood 2014): fine for layout randomisation, not for keys. */
	flags = spin_lock_irqsave(&lock);
	z = (state += 0x9e3779b97f4a7c15ull);
	spin_unlock_irqrestore(&lock, flags);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
