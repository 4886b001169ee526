/* SPDX-License-Identifier: BSD-2-Clause */
/* Exercises the minimal syscall path from a musl program; the exit status is the number of failed checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("abitest: %s:%d: check failed: %s\n",	\
			       __FILE__, __LINE__, #cond);		\
			failures++;					\
		}							\
	} while (0)

/* musl's sbrk() refuses any increment: use the raw system call, as allocators do. */
static void test_brk(void)
{
	char *start = (char *)syscall(SYS_brk, 0), *end;

	CHECK(start != NULL);
	end = (char *)syscall(SYS_brk, start + 3 * 4096 + 100);
	CHECK(end == start + 3 * 4096 + 100);
	memset(start, 0xab, 3 * 4096 + 100);
	CHECK(start[3 * 4096 + 99] == (char)0xab);
	CHECK((char *)syscall(SYS_brk, start) == start);
	/* Below the start: refused, the break stays. */
	CHECK((char *)syscall(SYS_brk, start - 4096) == start);
	/* Grown again, the memory reads zero. */
	end = (char *)syscall(SYS_brk, start + 8192);
	CHECK(end == start + 8192 && start[4096] == 0);
	syscall(SYS_brk, start);
}

static void test_mmap(void)
{
	size_t len = 64 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	/* Sparse touches: pages appear zero-filled on first touch. */
	for (size_t off = 0; off < len; off += 8 << 20) {
		CHECK(p[off] == 0);
		p[off] = 1;
	}
	CHECK(munmap(p, len) == 0);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0) == MAP_FAILED);
}

static void test_malloc(void)
{
	/* musl's malloc: small from brk, large from mmap. */
	char *small = malloc(100), *big = malloc(1 << 20);

	CHECK(small && big);
	if (small && big) {
		memset(small, 1, 100);
		memset(big, 2, 1 << 20);
		CHECK(big[(1 << 20) - 1] == 2);
	}
	free(small);
	free(big);
}

static void test_identity(void)
{
	struct utsname u;

	CHECK(getpid() == 1);
	CHECK(getppid() == 0);
	CHECK(getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0);
	CHECK(uname(&u) == 0);
	CHECK(strcmp(u.sysname, "Linux") == 0);
	CHECK(strcmp(u.machine, "x86_64") == 0);
}

static void test_time(void)
{
	struct timespec a, b, r;

	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	for (volatile int i = 0; i < 100000; i++)
		;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
	CHECK(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec > a.tv_nsec));
	CHECK(clock_gettime(CLOCK_REALTIME, &a) == 0);
	CHECK(a.tv_sec > 1600000000);
	CHECK(clock_getres(CLOCK_MONOTONIC, &r) == 0);
	CHECK(clock_gettime(12345, &a) == -1 && errno == EINVAL);
	CHECK(time(NULL) > 1600000000);
}

static void test_io(void)
{
	struct iovec iov[2] = { { "abitest: ", 9 }, { "writev ok\n", 10 } };

	CHECK(writev(1, iov, 2) == 19);
	/* Bad pointers come back as EFAULT, not a crash. */
	CHECK(syscall(SYS_write, 1, (void *)16, 10) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_write, 1, (void *)0xffff800000000000ul, 10) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_uname, (void *)0x1000) == -1 && errno == EFAULT);
	CHECK(write(42, "x", 1) == -1 && errno == EBADF);
	/* fd 1 is the console, a terminal: TIOCGWINSZ into a bad pointer is EFAULT, as on Linux. */
	CHECK(syscall(SYS_ioctl, 1, 0x5413 /* TIOCGWINSZ */, 0) == -1 && errno == EFAULT);
}

static void test_misc(void)
{
	unsigned long fs = 0;

	/* Not implemented yet: ENOSYS, not a crash. */
	CHECK(syscall(SYS_setns, 0, 0) == -1 && errno == ENOSYS);
	CHECK(syscall(100000) == -1 && errno == ENOSYS);
	CHECK(syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs) == 0);
	CHECK(fs != 0);	/* musl set up TLS through ARCH_SET_FS */
}

int main(int argc, char **argv, char **envp)
{
	CHECK(argc >= 1 && argv[0] != NULL);
	CHECK(envp[0] != NULL);
	test_brk();
	test_mmap();
	test_malloc();
	test_identity();
	test_time();
	test_io();
	test_misc();
	printf("abitest: %d failed\n", failures);
	return failures;
}
