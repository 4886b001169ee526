/* SPDX-License-Identifier: BSD-2-Clause */
/* Linux ABI costs in guest instructions (TSC under -icount), the same static binary on Mote and on Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <unistd.h>

/*
 * Prints "NAME VALUE insns" lines, or "# NAME failed: why". Under QEMU's
 * -icount shift=0 the guest TSC advances one tick per instruction, so a
 * TSC difference is an instruction count, whichever kernel runs us.
 *
 * The null system call is a loop of getppid() calls timed with rdtsc,
 * minus the same loop without the call (the loop's own cost), so the figure
 * is a whole call of musl's getppid(); the smallest of several batches is
 * kept for the null system call (a batch that took a timer interrupt is
 * then not the smallest), the median for costlier operations.
 *
 * bench/run.sh boots it on Mote and, as init, on Linux; `--exit-vm` (for
 * Linux, where init must not return) ends the VM through QEMU's
 * isa-debug-exit port once the figures are out.
 */

#define BATCH		1000
#define BATCHES		15
#define THREAD_RUNS	101
#define FILE_SIZE	(1 << 20)
#define FILE_RUNS	5
#define FILE_PATH	"/abibench.dat"

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* A value from nowhere, in no instructions: the baseline loop's stand-in for a call. */
static inline int nothing_at_all(void)
{
	int v;

	__asm__ volatile("" : "=a"(v));
	return v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* Instructions of one getppid() call, musl's wrapper included. */
static void bench_getppid(void)
{
	uint64_t best = UINT64_MAX;
	volatile int sink = 0;

	for (int b = 0; b < BATCHES; b++) {
		uint64_t t0, t1, t2;

		t0 = rdtsc();
		for (int i = 0; i < BATCH; i++)
			sink += getppid();
		t1 = rdtsc();
		for (int i = 0; i < BATCH; i++)
			sink += nothing_at_all();
		t2 = rdtsc();
		if (t1 - t0 > t2 - t1 && (t1 - t0) - (t2 - t1) < best)
			best = (t1 - t0) - (t2 - t1);
	}
	printf("syscall.getppid.insns %llu insns\n", (unsigned long long)((best + BATCH / 2) / BATCH));
}

static void *nothing(void *arg)
{
	return arg;
}

static void bench_threads(void)
{
	static uint64_t v[THREAD_RUNS];
	uint64_t overhead;

	overhead = rdtsc();
	overhead = rdtsc() - overhead;
	for (int i = -10; i < THREAD_RUNS; i++) {	/* ten to warm the allocators */
		pthread_t t;
		uint64_t t0 = rdtsc();
		int e = pthread_create(&t, NULL, nothing, NULL);

		if (e || (e = pthread_join(t, NULL))) {
			printf("# thread.pthread_create_join.insns failed: pthread_create: %s\n", strerror(e));
			return;
		}
		if (i >= 0)
			v[i] = rdtsc() - t0 - overhead;
	}
	printf("thread.pthread_create_join.insns %llu insns\n",
	       (unsigned long long)median(v, THREAD_RUNS));
}

/* Write 1 MiB to a new file, read it back: open, write, seek, read, close, unlink. */
static void bench_file(void)
{
	static char buf[FILE_SIZE], back[FILE_SIZE];
	uint64_t v[FILE_RUNS];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 3);
	for (int run = 0; run < FILE_RUNS; run++) {
		uint64_t t0 = rdtsc();
		int fd = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
		size_t done;

		if (fd < 0) {
			printf("# file.write_read_1m.insns failed: open: %s\n", strerror(errno));
			return;
		}
		for (done = 0; done < sizeof(buf);) {
			ssize_t n = write(fd, buf + done, sizeof(buf) - done);

			if (n <= 0) {
				printf("# file.write_read_1m.insns failed: write: %s\n",
				       n ? strerror(errno) : "wrote nothing");
				return;
			}
			done += (size_t)n;
		}
		if (lseek(fd, 0, SEEK_SET) != 0) {
			printf("# file.write_read_1m.insns failed: lseek: %s\n", strerror(errno));
			return;
		}
		for (done = 0; done < sizeof(back);) {
			ssize_t n = read(fd, back + done, sizeof(back) - done);

			if (n <= 0) {
				printf("# file.write_read_1m.insns failed: read: %s\n",
				       n ? strerror(errno) : "end of file before 1 MiB");
				return;
			}
			done += (size_t)n;
		}
		close(fd);
		unlink(FILE_PATH);
		v[run] = rdtsc() - t0;
		if (memcmp(buf, back, sizeof(buf))) {
			printf("# file.write_read_1m.insns failed: read back other bytes\n");
			return;
		}
	}
	printf("file.write_read_1m.insns %llu insns\n", (unsigned long long)median(v, FILE_RUNS));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_getppid();
	bench_threads();
	bench_file();
	printf("abibench: done\n");
	if (argc > 1 && !strcmp(argv[1], "--exit-vm")) {
		/* isa-debug-exit at 0xf4 (tools/mote-run): QEMU exits with (0 << 1) | 1. */
		if (ioperm(0xf4, 1, 1) == 0)
			outb(0, 0xf4);
		printf("abibench: no isa-debug-exit port\n");
	}
	return 0;
}
