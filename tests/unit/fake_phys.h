/* SPDX-License-Identifier: BSD-2-Clause */
/* Fake 1 MiB guest-physical memory for host tests: a bootinfo_phys_fn over it, store and checksum helpers. */
#ifndef TESTS_UNIT_FAKE_PHYS_H
#define TESTS_UNIT_FAKE_PHYS_H

#include <stdint.h>
#include <string.h>

#include <mote/bootinfo.h>
#include <mote/types.h>

/* [0, MEM_SIZE) is readable, nothing else; main() allocates @mem. */
#define MEM_SIZE	(1u << 20)
static uint8_t *mem;

/* bootinfo_phys_fn: NULL for any range not wholly inside the fake memory. */
static inline const void *fake_phys(void *ctx, paddr_t addr, uint64_t len)
{
	(void)ctx;
	if (addr > MEM_SIZE || len > MEM_SIZE - addr)
		return NULL;
	return mem + addr;
}

static inline void put8(uint64_t a, uint8_t v) { mem[a] = v; }
static inline void put16(uint64_t a, uint16_t v) { memcpy(mem + a, &v, 2); }
static inline void put32(uint64_t a, uint32_t v) { memcpy(mem + a, &v, 4); }
static inline void put64(uint64_t a, uint64_t v) { memcpy(mem + a, &v, 8); }
/* Stores @s with its terminating NUL. */
static inline void puts_at(uint64_t a, const char *s) { memcpy(mem + a, s, strlen(s) + 1); }

/* Byte sum of [a, a + len), as firmware table checksums use. */
static inline uint8_t sum(uint64_t a, uint64_t len)
{
	uint8_t s = 0;

	for (uint64_t i = 0; i < len; i++)
		s = (uint8_t)(s + mem[a + i]);
	return s;
}

#endif
