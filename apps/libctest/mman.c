/* SPDX-License-Identifier: BSD-2-Clause */
/* libctest, mman area: anonymous and file mappings, protection, unmapping, mremap, madvise, msync, mlock, memfd. */
#include "harness.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096

/* A file of SIZE bytes of BYTE; returns its descriptor opened read-write, or -1. */
static int filled_file(const char *name, size_t size, int byte)
{
	static char buf[PAGE];
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);

	memset(buf, byte, sizeof(buf));
	for (size_t done = 0; fd >= 0 && done < size; done += PAGE) {
		size_t n = size - done < PAGE ? size - done : PAGE;

		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int anon_rw(void)
{
	enum { SIZE = 1 << 20 };
	unsigned char *p;

	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	REQUIRE(((uintptr_t)p & (PAGE - 1)) == 0);
	for (size_t i = 0; i < SIZE; i += 512)
		REQUIREF(p[i] == 0, "fresh anonymous byte %zu is %02x", i, p[i]);
	for (size_t i = 0; i < SIZE; i++)
		p[i] = (unsigned char)(i ^ (i >> 8));
	for (size_t i = 0; i < SIZE; i++)
		REQUIRE(p[i] == (unsigned char)(i ^ (i >> 8)));
	REQUIRE(munmap(p, SIZE) == 0);
	return 0;
}

static int file_shared_writeback(void)
{
	char *p, c;
	int fd;

	fd = filled_file("f", 2 * PAGE, 'a');
	REQUIRE(fd >= 0);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	REQUIRE(p != MAP_FAILED);
	REQUIRE(p[0] == 'a' && p[2 * PAGE - 1] == 'a');
	p[100] = 'Z';
	p[PAGE + 7] = 'Y';
	REQUIRE(pread(fd, &c, 1, 100) == 1);
	REQUIREF(c == 'Z', "a store through a shared mapping is not in the file (read '%c')", c);
	REQUIRE(munmap(p, 2 * PAGE) == 0);
	REQUIRE(pread(fd, &c, 1, PAGE + 7) == 1 && c == 'Y');
	REQUIRE(lt_file_size("f") == 2 * PAGE);
	return 0;
}

static int file_shared_sees_write(void)
{
	char *p;
	int fd;

	fd = filled_file("f", PAGE, 'a');
	REQUIRE(fd >= 0);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	REQUIRE(p != MAP_FAILED);
	REQUIRE(p[200] == 'a');
	REQUIRE(pwrite(fd, "Q", 1, 200) == 1);
	REQUIREF(p[200] == 'Q', "a write(2) is not seen through a shared mapping ('%c')", p[200]);
	REQUIRE(munmap(p, PAGE) == 0);
	return 0;
}

static int file_private_cow(void)
{
	char *p, c;
	int fd;

	fd = filled_file("f", PAGE, 'a');
	REQUIRE(fd >= 0);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	REQUIRE(p != MAP_FAILED);
	p[0] = 'P';
	REQUIRE(p[0] == 'P' && p[1] == 'a');
	REQUIRE(pread(fd, &c, 1, 0) == 1);
	REQUIREF(c == 'a', "a private mapping's store reached the file");
	REQUIRE(munmap(p, PAGE) == 0);
	REQUIRE(pread(fd, &c, 1, 0) == 1 && c == 'a');
	return 0;
}

static int file_tail_and_offset(void)
{
	unsigned char *p;
	int fd;

	fd = filled_file("f", 2 * PAGE + 100, 'b');
	REQUIRE(fd >= 0);
	REQUIRE(pwrite(fd, "second", 6, PAGE) == 6);
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
	REQUIRE(p != MAP_FAILED);
	REQUIREF(!memcmp(p, "second", 6), "mapping at offset 4096 starts with \"%.6s\"", (char *)p);
	/* Past the end of the file, the last page reads as zeros. */
	REQUIRE(p[PAGE + 99] == 'b');
	for (int i = 100; i < PAGE; i++)
		REQUIREF(p[PAGE + i] == 0, "byte %d past the end of the file is %02x", i - 100, p[PAGE + i]);
	REQUIRE(munmap(p, 2 * PAGE) == 0);
	return 0;
}

static int mprotect_roundtrip(void)
{
	char *p;

	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	memset(p, 'm', 4 * PAGE);
	REQUIRE(mprotect(p + PAGE, PAGE, PROT_READ) == 0);
	REQUIRE(p[PAGE] == 'm');
	REQUIRE(mprotect(p + PAGE, PAGE, PROT_NONE) == 0);
	REQUIRE(mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE) == 0);
	REQUIREF(p[PAGE] == 'm' && p[2 * PAGE - 1] == 'm', "contents lost across PROT_NONE");
	p[PAGE] = 'n';
	REQUIRE_ERR(mprotect(p, PAGE, 0x1000), EINVAL);
	REQUIRE(munmap(p, 4 * PAGE) == 0);
	REQUIRE_ERR(mprotect(p, PAGE, PROT_READ), ENOMEM);
	return 0;
}

static int munmap_hole(void)
{
	char *p, *q;

	p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	memset(p, 'h', 3 * PAGE);
	REQUIRE(munmap(p + PAGE, PAGE) == 0);
	REQUIRE(p[0] == 'h' && p[2 * PAGE] == 'h');
	errno = 0;
	q = mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	REQUIREF(q == MAP_FAILED && errno == EEXIST, "MAP_FIXED_NOREPLACE over a mapping gave %p errno %s",
		 (void *)q, lt_errname(errno));
	q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	REQUIREF(q == p + PAGE, "MAP_FIXED_NOREPLACE into the hole gave %p, want %p", (void *)q, (void *)(p + PAGE));
	REQUIREF(q[0] == 0, "the page mapped again kept its old contents");
	/* MAP_FIXED replaces what is there. */
	q = mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	REQUIRE(q == p && p[0] == 0 && p[2 * PAGE] == 'h');
	REQUIRE(munmap(p, 3 * PAGE) == 0);
	REQUIRE_ERR(munmap(p + 1, PAGE), EINVAL);
	REQUIRE(munmap(p, 3 * PAGE) == 0);
	return 0;
}

static int mremap_grow(void)
{
	char *p, *q;

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	memcpy(p, "keep me", 8);
	p[PAGE - 1] = 'e';
	q = mremap(p, PAGE, 256 * PAGE, MREMAP_MAYMOVE);
	REQUIRE(q != MAP_FAILED);
	REQUIREF(!strcmp(q, "keep me") && q[PAGE - 1] == 'e', "mremap lost the contents");
	for (int i = PAGE; i < 256 * PAGE; i += PAGE)
		REQUIREF(q[i] == 0, "grown page %d is not zero", i / PAGE);
	memset(q + PAGE, 'g', 255 * PAGE);
	REQUIRE(munmap(q, 256 * PAGE) == 0);
	return 0;
}

static int mremap_shrink(void)
{
	char *p, *q;

	p = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	memset(p, 's', 16 * PAGE);
	q = mremap(p, 16 * PAGE, 4 * PAGE, 0);
	REQUIREF(q == p, "shrinking moved the mapping");
	REQUIRE(q[4 * PAGE - 1] == 's');
	/* The released tail is free for a fixed mapping. */
	q = mmap(p + 8 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	REQUIREF(q == p + 8 * PAGE, "the tail is still mapped");
	REQUIRE(munmap(p, 16 * PAGE) == 0);
	errno = 0;
	q = mremap(p + 1, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	REQUIREF(q == MAP_FAILED && errno == EINVAL, "unaligned mremap: errno %s", lt_errname(errno));
	return 0;
}

static int madvise_dontneed(void)
{
	char *p;

	p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	memset(p, 'd', 8 * PAGE);
	REQUIRE(madvise(p, 4 * PAGE, MADV_DONTNEED) == 0);
	REQUIREF(p[0] == 0 && p[4 * PAGE - 1] == 0, "private anonymous page kept its data after MADV_DONTNEED");
	REQUIRE(p[4 * PAGE] == 'd');
	REQUIRE(madvise(p, 8 * PAGE, MADV_WILLNEED) == 0);
	REQUIRE(posix_madvise(p, 8 * PAGE, POSIX_MADV_SEQUENTIAL) == 0);
	REQUIRE_ERR(madvise(p, PAGE, 12345), EINVAL);
	REQUIRE(munmap(p, 8 * PAGE) == 0);
	return 0;
}

static int msync_file(void)
{
	char *p, c;
	int fd;

	fd = filled_file("f", PAGE, 'a');
	REQUIRE(fd >= 0);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	REQUIRE(p != MAP_FAILED);
	p[10] = 'S';
	REQUIRE(msync(p, PAGE, MS_SYNC) == 0);
	REQUIRE(pread(fd, &c, 1, 10) == 1 && c == 'S');
	REQUIRE(msync(p, PAGE, MS_ASYNC) == 0);
	REQUIRE(msync(p, PAGE, MS_INVALIDATE) == 0);
	REQUIRE_ERR(msync(p, PAGE, MS_SYNC | MS_ASYNC), EINVAL);
	REQUIRE_ERR(msync(p + 1, PAGE, MS_SYNC), EINVAL);
	REQUIRE(munmap(p, PAGE) == 0);
	REQUIRE_ERR(msync(p, PAGE, MS_SYNC), ENOMEM);
	return 0;
}

static int mmap_errors(void)
{
	int ro, fd;
	void *p;

	fd = filled_file("f", PAGE, 'a');
	REQUIRE(fd >= 0);
	ro = open("f", O_RDONLY);
	REQUIRE(ro >= 0);
#define MMAP_ERR(len, prot, flags, fdn, off, err) do {					\
		errno = 0;								\
		p = mmap(NULL, len, prot, flags, fdn, off);				\
		REQUIREF(p == MAP_FAILED && errno == (err), "mmap(%s) gave %p errno %s, want %s", \
			 #len ", " #prot ", " #flags ", " #fdn ", " #off, p, lt_errname(errno), #err); \
	} while (0)
	MMAP_ERR(0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, EINVAL);
	MMAP_ERR(PAGE, PROT_READ, MAP_PRIVATE, fd, 1, EINVAL);
	MMAP_ERR(PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0, EINVAL);
	MMAP_ERR(PAGE, PROT_READ, MAP_PRIVATE, 999, 0, EBADF);
	MMAP_ERR(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0, EACCES);
	MMAP_ERR(PAGE, PROT_READ, MAP_PRIVATE, open(".", O_RDONLY | O_DIRECTORY), 0, ENODEV);
#undef MMAP_ERR
	/* Read-only descriptors still map privately for writing. */
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	REQUIRE(p != MAP_FAILED);
	REQUIRE(munmap(p, PAGE) == 0);
	return 0;
}

static int mlock_pages(void)
{
	char *p;

	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	REQUIRE(mlock(p, 2 * PAGE) == 0);
	REQUIRE(p[0] == 0);
	p[PAGE] = 1;
	REQUIRE(munlock(p, 2 * PAGE) == 0);
	REQUIRE(munmap(p, 2 * PAGE) == 0);
	return 0;
}

static int memfd_mapped(void)
{
	char *p, buf[8];
	int fd;

	fd = memfd_create("libctest", MFD_CLOEXEC);
	REQUIREF(fd >= 0, "memfd_create failed [errno %s]", lt_errname(errno));
	REQUIRE(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	REQUIRE(ftruncate(fd, 2 * PAGE) == 0);
	REQUIRE(pwrite(fd, "memfd", 5, PAGE) == 5);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	REQUIRE(p != MAP_FAILED);
	REQUIRE(!memcmp(p + PAGE, "memfd", 5) && p[0] == 0);
	memcpy(p, "back", 4);
	REQUIRE(pread(fd, buf, 4, 0) == 4 && !memcmp(buf, "back", 4));
	REQUIRE(munmap(p, 2 * PAGE) == 0);
	return 0;
}

static const struct lt_check mman_checks[] = {
	{ "anon_rw", anon_rw },
	{ "file_shared_writeback", file_shared_writeback },
	{ "file_shared_sees_write", file_shared_sees_write },
	{ "file_private_cow", file_private_cow },
	{ "file_tail_offset", file_tail_and_offset },
	{ "mprotect", mprotect_roundtrip },
	{ "munmap_fixed", munmap_hole },
	{ "mremap_grow", mremap_grow },
	{ "mremap_shrink", mremap_shrink },
	{ "madvise", madvise_dontneed },
	{ "msync", msync_file },
	{ "mmap_errors", mmap_errors },
	{ "mlock", mlock_pages },
	{ "memfd", memfd_mapped },
};
LT_AREA(mman);
