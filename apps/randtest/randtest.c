/* SPDX-License-Identifier: BSD-2-Clause */
/* Checks getrandom(2) from a musl program: bytes, statistics, flags, bad buffers; the exit status counts failures. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Linux include/uapi/linux/random.h; older musl headers lack GRND_INSECURE. */
#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

#define PAGE 4096

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("randtest: %s:%d: check failed: %s\n",	\
			       __FILE__, __LINE__, #cond);		\
			failures++;					\
		}							\
	} while (0)

/* The raw call, so that flags and lengths reach the kernel exactly as given; -errno on failure. */
static long grnd(void *buf, size_t n, unsigned long flags)
{
	long r = syscall(SYS_getrandom, buf, n, flags);

	return r < 0 ? -errno : r;
}

static void hex(const char *label, const uint8_t *p, size_t n)
{
	printf("randtest: %s ", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static int all_same(const uint8_t *p, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (p[i] != p[0])
			return 0;
	return 1;
}

/* Two reads give full, different, non-constant buffers, at every size class the kernel treats apart. */
static void test_bytes(void)
{
	static const size_t sizes[] = { 1, 8, 16, 31, 32, 33, 64, 100, 255, 256, 257, 1000, 4096, 5000 };
	static uint8_t a[5000], b[5000];

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];

		/* A canary past the end: the kernel writes exactly n bytes. */
		memset(a, 0x5c, sizeof(a));
		memset(b, 0x5c, sizeof(b));
		CHECK(grnd(a, n, 0) == (long)n);
		CHECK(grnd(b, n, 0) == (long)n);
		if (n < sizeof(a)) {
			CHECK(a[n] == 0x5c);
			CHECK(b[n] == 0x5c);
		}
		if (n >= 8) {
			CHECK(memcmp(a, b, n) != 0);
			CHECK(!all_same(a, n));
		}
		if (n >= 16 && memcmp(a, b, n) == 0)
			printf("randtest: two %zu-byte reads were equal\n", n);
	}
	CHECK(grnd(a, 64, 0) == 64 && grnd(b, 64, 0) == 64);
	CHECK(memcmp(a, b, 64) != 0);
	hex("sample", a, 16);
}

/*
 * 64 KiB: every byte value appears, and the counts pass a chi-square test
 * (255 degrees of freedom: mean 255, standard deviation 22.6; the bounds
 * are beyond four standard deviations, so a good generator fails about once
 * in 10^4 runs, while a stuck bit or a short cycle fails at once).
 */
static void test_statistics(void)
{
	size_t n = 64 * 1024;
	uint8_t *p = malloc(n);
	unsigned counts[256] = { 0 }, missing = 0, bits[8] = { 0 };
	double chi2 = 0, expect = n / 256.0;

	CHECK(p != NULL);
	if (!p)
		return;
	CHECK(grnd(p, n, 0) == (long)n);
	for (size_t i = 0; i < n; i++) {
		counts[p[i]]++;
		for (int b = 0; b < 8; b++)
			bits[b] += (p[i] >> b) & 1;
	}
	for (int v = 0; v < 256; v++) {
		missing += counts[v] == 0;
		chi2 += (counts[v] - expect) * (counts[v] - expect) / expect;
	}
	printf("randtest: 64 KiB: chi-square %.1f, %u byte values missing\n", chi2, missing);
	CHECK(missing == 0);
	CHECK(chi2 > 160 && chi2 < 360);
	/* Each bit is set in half the bytes, give or take 4.5 standard deviations (128). */
	for (int b = 0; b < 8; b++)
		CHECK(bits[b] > n / 2 - 580 && bits[b] < n / 2 + 580);
	free(p);
}

static void test_flags(void)
{
	uint8_t buf[256];

	CHECK(grnd(buf, 64, GRND_NONBLOCK) == 64);
	CHECK(grnd(buf, 64, GRND_RANDOM) == 64);
	CHECK(grnd(buf, 64, GRND_RANDOM | GRND_NONBLOCK) == 64);
	CHECK(grnd(buf, 64, GRND_INSECURE) == 64);
	CHECK(grnd(buf, 64, GRND_INSECURE | GRND_NONBLOCK) == 64);
	CHECK(grnd(buf, 64, GRND_INSECURE | GRND_RANDOM) == -EINVAL);
	CHECK(grnd(buf, 64, 0x8) == -EINVAL);
	CHECK(grnd(buf, 64, 0x80000000u) == -EINVAL);
	/* flags is an unsigned int: the register's upper half is ignored, as on Linux. */
	CHECK(grnd(buf, 64, 0x100000000ul | GRND_NONBLOCK) == 64);
	/* Bad flags win over a bad buffer. */
	CHECK(grnd(NULL, 16, 0x8) == -EINVAL);
	/* musl's wrappers. */
	CHECK(getrandom(buf, 16, GRND_NONBLOCK) == 16);
	CHECK(getentropy(buf, 256) == 0);
	CHECK(getentropy(buf, 257) == -1 && errno == EIO);
}

static void test_bad_buffers(void)
{
	/*
	 * Low in the address space, so that 32 MiB from it stay in the lower
	 * half (the mmap area here starts just below the stack).
	 */
	uint8_t *p = mmap((void *)0x200000000ul, 3 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	CHECK(grnd(NULL, 16, 0) == -EFAULT);
	CHECK(grnd(NULL, 100000, 0) == -EFAULT);
	CHECK(grnd((void *)0xffffffff80100000ul, 16, 0) == -EFAULT);	/* the kernel's image */
	CHECK(grnd((void *)0xffff800000000000ul, 4096, 0) == -EFAULT);	/* the direct map */
	CHECK(grnd((void *)0x00007ffffffff000ul, 8192, 0) == -EFAULT);	/* runs out of the lower half */
	/* Zero bytes: nothing to check, nothing to fault. */
	CHECK(grnd(NULL, 0, 0) == 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	/* The third page made read-only: a read into it stops at its start, with the count so far. */
	CHECK(mprotect(p + 2 * PAGE, PAGE, PROT_READ) == 0);
	CHECK(grnd(p + 2 * PAGE - 100, 300, 0) == 100);
	CHECK(grnd(p + 2 * PAGE - 5000, 6000, 0) == 5000);
	CHECK(grnd(p + 2 * PAGE, 16, 0) == -EFAULT);
	CHECK(grnd(p + 2 * PAGE, 1000, 0) == -EFAULT);
	/* An unmapped page does the same. */
	CHECK(munmap(p + 2 * PAGE, PAGE) == 0);
	CHECK(grnd(p + PAGE + 7, 5000, 0) == PAGE - 7);
	/*
	 * A huge count is cut to 33554431 bytes before the range is checked
	 * (getrandom(2)), so it too returns what fits before the hole.
	 */
	CHECK(grnd(p, (size_t)-1, 0) == 2 * PAGE);
	CHECK(grnd(p + 1, 1ul << 40, GRND_NONBLOCK) == 2 * PAGE - 1);
	munmap(p, 2 * PAGE);
}

/* The cap itself: a 32 MiB buffer gets 33554431 bytes, the last byte left alone. */
static void test_cap(void)
{
	size_t n = 32u << 20;
	uint8_t *p = mmap(NULL, n + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	p[n - 1] = 0xa7;
	p[n] = 0xa7;
	CHECK(grnd(p, n + PAGE, 0) == 33554431);
	CHECK(p[n - 1] == 0xa7 && p[n] == 0xa7);
	CHECK(!all_same(p + n - 4096, 4095));
	printf("randtest: 32 MiB read capped at 33554431 bytes\n");
	munmap(p, n + PAGE);
}

int main(int argc, char **argv)
{
	const uint8_t *at_random = (const uint8_t *)getauxval(AT_RANDOM);

	CHECK(at_random != NULL);
	if (at_random) {
		CHECK(!all_same(at_random, 16));
		hex("at_random", at_random, 16);
	}
	test_bytes();
	test_statistics();
	test_flags();
	test_bad_buffers();
	if (argc > 1 && strcmp(argv[1], "cap") == 0)
		test_cap();
	printf("randtest: %d failed\n", failures);
	return failures;
}
