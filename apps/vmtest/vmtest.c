/* SPDX-License-Identifier: BSD-2-Clause */
/* The mmap family from a musl program: each mode checks one behaviour; the exit status counts failures. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("vmtest: %s:%d: check failed: %s\n",	\
			       __FILE__, __LINE__, #cond);		\
			failures++;					\
		}							\
	} while (0)

#define MiB (1ul << 20)

static unsigned long free_kib(void)
{
	struct sysinfo si;

	if (sysinfo(&si) != 0)
		return 0;
	return si.freeram * si.mem_unit / 1024;
}

/* 1 GiB of address space in a small guest: only the touched pages cost memory. */
static void sparse(void)
{
	size_t len = 1024 * MiB;
	unsigned long before = free_kib(), after;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	for (size_t off = 0; off < len; off += 16 * MiB) {
		CHECK(p[off] == 0);
		p[off] = 1;
	}
	after = free_kib();
	printf("vmtest: 64 pages touched in 1 GiB cost %lu KiB\n", before - after);
	CHECK(before > after && before - after < 2048);	/* 256 KiB of pages plus page tables */
	CHECK(munmap(p, len) == 0);
	CHECK(free_kib() + 64 >= before);	/* given back, up to page-table pages kept */
}

static void fixed_replace(void)
{
	char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *q;

	CHECK(p != MAP_FAILED);
	memset(p, 0x55, 4 * 4096);
	q = mmap(p + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p + 4096);
	CHECK(q[0] == 0 && q[4095] == 0);		/* the new mapping, zero */
	CHECK(p[0] == 0x55 && p[2 * 4096] == 0x55);	/* its neighbours untouched */
	CHECK(mmap(p, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
	      MAP_FAILED && errno == EEXIST);
	CHECK(munmap(p, 4 * 4096) == 0);
}

static void remap(void)
{
	size_t small = 3 * 4096, big = 64 * 4096;
	char *p = mmap(NULL, small, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *q;

	CHECK(p != MAP_FAILED);
	for (size_t i = 0; i < small; i++)
		p[i] = (char)i;
	/* Block the space after it, so growing must move. */
	CHECK(mmap(p + small, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED);
	CHECK(mremap(p, small, big, 0) == MAP_FAILED && errno == ENOMEM);
	q = mremap(p, small, big, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q != p);
	for (size_t i = 0; i < small; i++)
		if (q[i] != (char)i) {
			CHECK(q[i] == (char)i);
			break;
		}
	CHECK(q[big - 1] == 0);
	/* Shrink, then grow in place again (the space after it is free now). */
	CHECK(mremap(q, big, 4096, 0) == q);
	CHECK(mremap(q, 4096, 2 * 4096, 0) == q);
	CHECK(q[0] == 0 && q[4096] == 0);
	munmap(q, 2 * 4096);
	munmap(p + small, 4096);
}

static void dontneed(void)
{
	char *p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(p, 7, 8 * 4096);
	CHECK(madvise(p + 4096, 2 * 4096, MADV_DONTNEED) == 0);
	CHECK(p[0] == 7 && p[4096] == 0 && p[3 * 4096 - 1] == 0 && p[3 * 4096] == 7);
	munmap(p, 8 * 4096);
}

static void protect_none(void)
{
	char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(p, 9, 2 * 4096);
	CHECK(mprotect(p, 4096, PROT_NONE) == 0);
	CHECK(mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0);
	CHECK(p[0] == 9 && p[4095] == 9);	/* contents survive PROT_NONE */
	/* A range with an unmapped page in it: ENOMEM, as Linux says. */
	CHECK(munmap(p + 4096, 4096) == 0);
	CHECK(mprotect(p, 2 * 4096, PROT_READ) == -1 && errno == ENOMEM);
	munmap(p, 2 * 4096);
}

static void partial_unmap(void)
{
	char *p = mmap(NULL, 6 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(p, 3, 6 * 4096);
	CHECK(munmap(p + 2 * 4096, 2 * 4096) == 0);	/* a hole in the middle: one mapping becomes two */
	CHECK(p[0] == 3 && p[2 * 4096 - 1] == 3 && p[4 * 4096] == 3 && p[6 * 4096 - 1] == 3);
	/* The hole is free again. */
	CHECK(mmap(p + 2 * 4096, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		   -1, 0) == p + 2 * 4096);
	munmap(p, 6 * 4096);
}

/* Asking for more than there is fails with ENOMEM, and everything still works after. */
static void out_of_memory(void)
{
	size_t len = 512 * MiB;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	char *small;

	CHECK(p == MAP_FAILED && errno == ENOMEM);
	small = malloc(1 << 20);
	CHECK(small != NULL);
	if (small)
		memset(small, 1, 1 << 20);
	free(small);
}

static void maps(void)
{
	/* Not through procfs yet: the kernel prints them with a fault report. */
	char *p = malloc(100000);

	CHECK(p != NULL);
	free(p);
}

static volatile int depth_limit = 1 << 30;

/* 64 KiB a frame until the 8 MiB stack runs into its guard gap. */
static int recurse(int n)
{
	volatile char big[64 * 1024];

	big[0] = (char)n;
	if (n > depth_limit)
		return 0;
	return recurse(n + 1) + big[0];
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "all";

	if (strcmp(mode, "protfault") == 0) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		p[0] = 1;
		mprotect(p, 4096, PROT_READ);
		printf("vmtest: writing to read-only %p\n", (void *)p);
		fflush(stdout);
		p[0] = 2;	/* must fault: exit 139 */
		return 0;
	}
	if (strcmp(mode, "holefault") == 0) {
		char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		munmap(p + 4096, 4096);
		printf("vmtest: reading the hole at %p\n", (void *)(p + 4096));
		fflush(stdout);
		return p[4096];	/* must fault */
	}
	if (strcmp(mode, "stackoverflow") == 0)
		return recurse(1);
	sparse();
	fixed_replace();
	remap();
	dontneed();
	protect_none();
	partial_unmap();
	out_of_memory();
	maps();
	printf("vmtest: %d failed\n", failures);
	return failures;
}
