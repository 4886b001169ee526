/* SPDX-License-Identifier: BSD-2-Clause */
/* Host side of tests/guest/blk.sh: writes the host pattern into a disk image, or checks the guest's pattern in one. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The patterns of tests/guest/ktest_blk.c: sector s (512 bytes) holds 64
 * little-endian 64-bit words, word i being ((s << 32) | i) ^ 0x6d6f7465
 * when the guest wrote it and ~((s << 32) | i) when the host did.
 */
#define SECTOR 512
#define WORDS (SECTOR / 8)

static uint64_t word(int host, uint64_t s, unsigned int i)
{
	uint64_t v = (s << 32) | i;

	return host ? ~v : v ^ 0x6d6f7465u;
}

/* Byte order spelled out, so the checker does not depend on the host's. */
static void put_le64(unsigned char *p, uint64_t v)
{
	for (int k = 0; k < 8; k++)
		p[k] = (unsigned char)(v >> (8 * k));
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int k = 7; k >= 0; k--)
		v = (v << 8) | p[k];
	return v;
}

int main(int argc, char **argv)
{
	unsigned char sec[SECTOR];
	uint64_t sectors, s, bad = 0;
	FILE *f;
	long size;

	if (argc != 4 || (strcmp(argv[1], "write-host") && strcmp(argv[1], "check-guest"))) {
		fprintf(stderr, "usage: blk_check write-host|check-guest IMAGE SECTORS\n");
		return 2;
	}
	sectors = strtoull(argv[3], NULL, 0);
	if (!strcmp(argv[1], "write-host")) {
		f = fopen(argv[2], "wb");
		if (!f) {
			perror(argv[2]);
			return 2;
		}
		for (s = 0; s < sectors; s++) {
			for (unsigned int i = 0; i < WORDS; i++)
				put_le64(sec + 8 * i, word(1, s, i));
			if (fwrite(sec, SECTOR, 1, f) != 1) {
				perror(argv[2]);
				return 2;
			}
		}
		if (fclose(f)) {
			perror(argv[2]);
			return 2;
		}
		return 0;
	}

	f = fopen(argv[2], "rb");
	if (!f) {
		perror(argv[2]);
		return 2;
	}
	/* The image must be exactly as long as the pattern: the guest must not have grown or cut it. */
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		perror(argv[2]);
		return 2;
	}
	if ((uint64_t)size != sectors * SECTOR) {
		printf("%s: %ld bytes, want %" PRIu64 "\n", argv[2], size, sectors * SECTOR);
		return 1;
	}
	for (s = 0; s < sectors; s++) {
		if (fread(sec, SECTOR, 1, f) != 1) {
			printf("%s: short read at sector %" PRIu64 "\n", argv[2], s);
			return 1;
		}
		for (unsigned int i = 0; i < WORDS; i++) {
			uint64_t got = get_le64(sec + 8 * i);

			if (got != word(0, s, i)) {
				if (bad < 5)
					printf("%s: sector %" PRIu64 " word %u: %#018" PRIx64 ", want %#018" PRIx64 "\n",
					       argv[2], s, i, got, word(0, s, i));
				bad++;
				break;
			}
		}
	}
	fclose(f);
	if (bad) {
		printf("%s: %" PRIu64 " of %" PRIu64 " sectors wrong\n", argv[2], bad, sectors);
		return 1;
	}
	printf("%s: all %" PRIu64 " sectors hold the guest pattern\n", argv[2], sectors);
	return 0;
}
