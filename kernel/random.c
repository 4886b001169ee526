/* SPDX-License-Identifier: BSD-2-Clause */
/* random_u64(): RDRAND where the CPU has it, else a SplitMix64 stream seeded from RDSEED or the TSC. */
#include "arch/x86_64/cpu.h"
#include "kernel/random.h"

static uint64_t state;

void random_init(uint64_t seed)
{
	uint64_t s;

	if (cpu_rdseed64(&s) || cpu_rdrand64(&s))
		seed ^= s;
	state = seed ^ rdtsc();
}

uint64_t random_u64(void)
{
	uint64_t z;

	if (cpu_rdrand64(&z))
		return z;
	/* SplitMix64 (Steele, Lea, Flood 2014): fine for layout randomisation, not for keys. */
	z = (state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
