/* SPDX-License-Identifier: BSD-2-Clause */
/* File-system checks through musl: names, data, directories, links, descriptors and the errno of bad inputs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(name, cond) do {							\
	if (cond) {								\
		passed++;							\
		printf("ok   %s\n", name);					\
	} else {								\
		failed++;							\
		printf("FAIL %s (line %d, errno %d %s)\n", name, __LINE__, errno,	\
		       strerror(errno));					\
	}									\
} while (0)

/* -1 with the expected errno */
#define CHECK_ERR(name, expr, err) do {						\
	errno = 0;								\
	long r_ = (long)(expr);							\
	int e_ = errno;								\
	if (r_ == -1 && e_ == (err)) {						\
		passed++;							\
		printf("ok   %s\n", name);					\
	} else {								\
		failed++;							\
		printf("FAIL %s (line %d): returned %ld, errno %d (%s), want %d (%s)\n", \
		       name, __LINE__, r_, e_, strerror(e_), err, strerror(err)); \
	}									\
} while (0)

/* A kernel-half address: never the application's. */
#define KERNEL_PTR ((void *)0xffffffff80100000ul)

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, strlen(data));
	close(fd);
	return n == (ssize_t)strlen(data) ? 0 : -1;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

static void basic_files(void)
{
	char buf[256];
	struct stat st;
	int fd;

	CHECK("mkdir /tmp", mkdir("/tmp", 01777) == 0 || errno == EEXIST);
	CHECK("create and write", write_file("/tmp/a", "hello, file\n") == 0);
	CHECK("read back", read_file("/tmp/a", buf, sizeof(buf)) == 12 && !strcmp(buf, "hello, file\n"));
	CHECK("stat size", stat("/tmp/a", &st) == 0 && st.st_size == 12 && S_ISREG(st.st_mode));
	CHECK("stat mode honours umask", (st.st_mode & 0777) == 0644);
	CHECK("rename", rename("/tmp/a", "/tmp/b") == 0);
	CHECK_ERR("old name gone", open("/tmp/a", O_RDONLY), ENOENT);
	CHECK("new name reads", read_file("/tmp/b", buf, sizeof(buf)) == 12);
	CHECK("unlink", unlink("/tmp/b") == 0);
	CHECK_ERR("unlinked is gone", stat("/tmp/b", &st), ENOENT);

	fd = open("/tmp/excl", O_CREAT | O_EXCL | O_WRONLY, 0600);
	CHECK("O_EXCL creates", fd >= 0);
	close(fd);
	CHECK_ERR("O_EXCL on existing", open("/tmp/excl", O_CREAT | O_EXCL | O_WRONLY, 0600), EEXIST);
	CHECK("write then O_TRUNC", write_file("/tmp/excl", "xyz") == 0 &&
	      (fd = open("/tmp/excl", O_WRONLY | O_TRUNC)) >= 0 && fstat(fd, &st) == 0 && st.st_size == 0);
	close(fd);

	fd = open("/tmp/app", O_CREAT | O_WRONLY | O_APPEND, 0644);
	CHECK("O_APPEND appends", fd >= 0 && write(fd, "ab", 2) == 2 && lseek(fd, 0, SEEK_SET) == 0 &&
	      write(fd, "cd", 2) == 2 && fstat(fd, &st) == 0 && st.st_size == 4);
	close(fd);
	CHECK("O_APPEND content", read_file("/tmp/app", buf, sizeof(buf)) == 4 && !strcmp(buf, "abcd"));

	/* an open file outlives its name */
	fd = open("/tmp/app", O_RDWR);
	CHECK("unlink while open", fd >= 0 && unlink("/tmp/app") == 0);
	CHECK("read after unlink", pread(fd, buf, 4, 0) == 4 && !memcmp(buf, "abcd", 4));
	close(fd);
}

static void data_ops(void)
{
	static char big[3 * 4096 + 100];
	char buf[64];
	struct iovec iov[3];
	struct stat st;
	int fd = open("/tmp/data", O_CREAT | O_RDWR | O_TRUNC, 0644);

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	CHECK("write across pages", write(fd, big, sizeof(big)) == (ssize_t)sizeof(big));
	memset(big, 0, sizeof(big));
	CHECK("lseek to 0", lseek(fd, 0, SEEK_SET) == 0);
	CHECK("read across pages", read(fd, big, sizeof(big)) == (ssize_t)sizeof(big));
	{
		int ok = 1;

		for (size_t i = 0; i < sizeof(big); i++)
			ok &= big[i] == (char)(i * 7 + 3);
		CHECK("contents intact", ok);
	}
	CHECK("read at EOF is 0", read(fd, buf, sizeof(buf)) == 0);
	CHECK("SEEK_END", lseek(fd, 0, SEEK_END) == (off_t)sizeof(big));
	CHECK("SEEK_CUR", lseek(fd, -100, SEEK_CUR) == (off_t)(sizeof(big) - 100));
	CHECK_ERR("negative seek", lseek(fd, -1, SEEK_SET), EINVAL);
	CHECK_ERR("bad whence", lseek(fd, 0, 42), EINVAL);
	CHECK("pwrite does not move", pwrite(fd, "PQ", 2, 5) == 2 && lseek(fd, 0, SEEK_CUR) == (off_t)(sizeof(big) - 100));
	CHECK("pread", pread(fd, buf, 2, 5) == 2 && buf[0] == 'P' && buf[1] == 'Q');
	iov[0] = (struct iovec){ "one ", 4 };
	iov[1] = (struct iovec){ "two ", 4 };
	iov[2] = (struct iovec){ "three", 5 };
	CHECK("writev", lseek(fd, 0, SEEK_SET) == 0 && writev(fd, iov, 3) == 13);
	{
		char a[4], b[9];
		struct iovec r[2] = { { a, 4 }, { b, 9 } };

		CHECK("readv", lseek(fd, 0, SEEK_SET) == 0 && readv(fd, r, 2) == 13 &&
		      !memcmp(a, "one ", 4) && !memcmp(b, "two three", 9));
	}
	CHECK("ftruncate shrinks", ftruncate(fd, 10) == 0 && fstat(fd, &st) == 0 && st.st_size == 10);
	CHECK("ftruncate grows with zeros", ftruncate(fd, 5000) == 0 && pread(fd, buf, 4, 4500) == 4 &&
	      !buf[0] && !buf[1] && !buf[2] && !buf[3]);
	/* a sparse file: a hole reads as zeros and takes no blocks */
	close(fd);
	fd = open("/tmp/sparse", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK("write far out", pwrite(fd, "end", 3, 10 << 20) == 3);
	CHECK("sparse size", fstat(fd, &st) == 0 && st.st_size == (10 << 20) + 3);
	CHECK("sparse blocks", st.st_blocks <= 16);
	CHECK("hole reads zeros", pread(fd, buf, 8, 5 << 20) == 8 && !memcmp(buf, "\0\0\0\0\0\0\0\0", 8));
	close(fd);
	unlink("/tmp/sparse");
	unlink("/tmp/data");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void directories(void)
{
	char buf[PATH_MAX], *names[64];
	struct stat st;
	DIR *d;
	struct dirent *e;
	int n = 0, dots = 0;

	CHECK("mkdir", mkdir("/tmp/d", 0755) == 0);
	CHECK_ERR("mkdir existing", mkdir("/tmp/d", 0755), EEXIST);
	CHECK("nested mkdir", mkdir("/tmp/d/e", 0755) == 0);
	for (int i = 0; i < 40; i++) {
		char p[64];

		snprintf(p, sizeof(p), "/tmp/d/f%02d", 39 - i);
		write_file(p, "x");
	}
	d = opendir("/tmp/d");
	CHECK("opendir", d != NULL);
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
			dots++;
			continue;
		}
		if (n < 64)
			names[n++] = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	CHECK("readdir sees . and ..", dots == 2);
	CHECK("readdir sees all 41 entries", n == 41);
	CHECK("readdir names (any order)", n == 41 && !strcmp(names[0], "e") && !strcmp(names[1], "f00") &&
	      !strcmp(names[40], "f39"));
	for (int i = 0; i < n; i++)
		free(names[i]);
	/* removing entries while reading must not skip any (rm -r does this) */
	d = opendir("/tmp/d");
	n = 0;
	while (d && (e = readdir(d))) {
		char p[300];

		if (e->d_name[0] != 'f')
			continue;
		snprintf(p, sizeof(p), "/tmp/d/%s", e->d_name);
		n += unlink(p) == 0;
	}
	if (d)
		closedir(d);
	CHECK("unlink during readdir removes all", n == 40);
	CHECK_ERR("rmdir non-empty", rmdir("/tmp/d"), ENOTEMPTY);
	CHECK_ERR("rmdir a file", (write_file("/tmp/d/file", "1"), rmdir("/tmp/d/file")), ENOTDIR);
	CHECK_ERR("unlink a directory", unlink("/tmp/d/e"), EISDIR);
	CHECK("rmdir", rmdir("/tmp/d/e") == 0);
	CHECK_ERR("rename dir into itself", rename("/tmp/d", "/tmp/d/sub"), EINVAL);
	CHECK("rename dir", rename("/tmp/d", "/tmp/d2") == 0 && stat("/tmp/d2/file", &st) == 0);
	CHECK("getcwd at /", getcwd(buf, sizeof(buf)) && !strcmp(buf, "/"));
	CHECK("chdir", chdir("/tmp/d2") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/d2"));
	CHECK("relative open", read_file("file", buf, sizeof(buf)) == 1);
	CHECK("chdir ..", chdir("..") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp"));
	CHECK("dot-dot at root stays", chdir("/../..") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/"));
	CHECK_ERR("getcwd ERANGE", (long)getcwd(buf, 1) - (long)getcwd(buf, 1) - 1, ERANGE);
	CHECK_ERR("chdir to a file", chdir("/tmp/d2/file"), ENOTDIR);
	CHECK_ERR("path through a file", open("/tmp/d2/file/x", O_RDONLY), ENOTDIR);
	CHECK_ERR("O_DIRECTORY on a file", open("/tmp/d2/file", O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERR("write-open a directory", open("/tmp/d2", O_WRONLY), EISDIR);
	unlink("/tmp/d2/file");
	CHECK("rmdir renamed", rmdir("/tmp/d2") == 0);
}

static void links(void)
{
	char buf[PATH_MAX];
	struct stat st, st2;
	int n;

	write_file("/tmp/target", "target data");
	CHECK("symlink", symlink("/tmp/target", "/tmp/sl") == 0);
	CHECK("read through symlink", read_file("/tmp/sl", buf, sizeof(buf)) == 11);
	n = (int)readlink("/tmp/sl", buf, sizeof(buf));
	CHECK("readlink", n == 11 && !memcmp(buf, "/tmp/target", 11));
	CHECK("lstat sees the link", lstat("/tmp/sl", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 11);
	CHECK("stat follows", stat("/tmp/sl", &st) == 0 && S_ISREG(st.st_mode));
	CHECK_ERR("O_NOFOLLOW on a symlink", open("/tmp/sl", O_RDONLY | O_NOFOLLOW), ELOOP);
	CHECK_ERR("readlink of a file", readlink("/tmp/target", buf, sizeof(buf)), EINVAL);
	CHECK("relative symlink", symlink("target", "/tmp/rel") == 0 && read_file("/tmp/rel", buf, sizeof(buf)) == 11);
	CHECK("symlink loop", symlink("/tmp/loop2", "/tmp/loop1") == 0 && symlink("/tmp/loop1", "/tmp/loop2") == 0);
	CHECK_ERR("loop gives ELOOP", open("/tmp/loop1", O_RDONLY), ELOOP);
	CHECK_ERR("dangling symlink", (symlink("/tmp/none", "/tmp/dang"), open("/tmp/dang", O_RDONLY)), ENOENT);
	CHECK("symlink to dir in path", symlink("/tmp", "/tmp/tl") == 0 && stat("/tmp/tl/target", &st) == 0);
	CHECK("hard link", link("/tmp/target", "/tmp/hl") == 0 && stat("/tmp/hl", &st) == 0 && st.st_nlink == 2);
	CHECK("same inode", stat("/tmp/target", &st2) == 0 && st.st_ino == st2.st_ino);
	CHECK("unlink one link", unlink("/tmp/target") == 0 && read_file("/tmp/hl", buf, sizeof(buf)) == 11 &&
	      stat("/tmp/hl", &st) == 0 && st.st_nlink == 1);
	CHECK_ERR("link to existing", link("/tmp/hl", "/tmp/rel"), EEXIST);
	CHECK_ERR("hard link a directory", link("/tmp", "/tmp/dirlink"), EPERM);
	CHECK("rename over existing", write_file("/tmp/r1", "1") == 0 && write_file("/tmp/r2", "22") == 0 &&
	      rename("/tmp/r1", "/tmp/r2") == 0 && read_file("/tmp/r2", buf, sizeof(buf)) == 1);
	CHECK_ERR("renameat2 NOREPLACE", (write_file("/tmp/r3", "3"),
		  syscall(SYS_renameat2, AT_FDCWD, "/tmp/r3", AT_FDCWD, "/tmp/r2", 1)), EEXIST);
	unlink("/tmp/sl"), unlink("/tmp/rel"), unlink("/tmp/loop1"), unlink("/tmp/loop2");
	unlink("/tmp/dang"), unlink("/tmp/tl"), unlink("/tmp/hl"), unlink("/tmp/r2"), unlink("/tmp/r3");
}

static void descriptors(void)
{
	char buf[16];
	int fd = open("/tmp/fds", O_CREAT | O_RDWR | O_TRUNC, 0644), fd2, fd3;

	CHECK("write", write(fd, "0123456789", 10) == 10);
	fd2 = dup(fd);
	CHECK("dup shares the offset", fd2 > fd && lseek(fd2, 2, SEEK_SET) == 2 && lseek(fd, 0, SEEK_CUR) == 2);
	CHECK("dup2 onto chosen fd", dup2(fd, 40) == 40 && read(40, buf, 2) == 2 && !memcmp(buf, "23", 2));
	CHECK("dup2 same fd", dup2(40, 40) == 40);
	CHECK_ERR("dup3 same fd", dup3(40, 40, 0), EINVAL);
	CHECK("dup3 O_CLOEXEC", dup3(fd, 41, O_CLOEXEC) == 41 && fcntl(41, F_GETFD) == FD_CLOEXEC);
	CHECK("F_SETFD", fcntl(41, F_SETFD, 0) == 0 && fcntl(41, F_GETFD) == 0);
	fd3 = fcntl(fd, F_DUPFD, 50);
	CHECK("F_DUPFD min", fd3 == 50);
	CHECK("F_DUPFD_CLOEXEC", fcntl(fd, F_DUPFD_CLOEXEC, 0) > 0);
	CHECK("F_GETFL access mode", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
	CHECK("F_SETFL O_NONBLOCK", fcntl(fd, F_SETFL, O_NONBLOCK) == 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) &&
	      (fcntl(fd2, F_GETFL) & O_NONBLOCK));
	CHECK("F_SETFL keeps access mode", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
	CHECK("close", close(fd2) == 0 && close(40) == 0 && close(41) == 0 && close(50) == 0);
	CHECK_ERR("close twice", close(50), EBADF);
	CHECK_ERR("read bad fd", read(1000, buf, 1), EBADF);
	CHECK_ERR("write negative fd", write(-1, buf, 1), EBADF);
	CHECK_ERR("fcntl bad fd", fcntl(999, F_GETFD), EBADF);
	CHECK_ERR("dup2 beyond limit", dup2(fd, 1 << 20), EBADF);
	CHECK("lowest free fd reused", close(fd) == 0 && open("/tmp/fds", O_RDONLY) == fd);
	CHECK_ERR("write to read-only fd", write(fd, "x", 1), EBADF);
	close(fd);
	fd = open("/tmp/fds", O_WRONLY);
	CHECK_ERR("read from write-only fd", read(fd, buf, 1), EBADF);
	close(fd);
	unlink("/tmp/fds");
}

static void at_calls(void)
{
	char buf[64];
	struct stat st;
	int dfd;

	mkdir("/tmp/at", 0755);
	dfd = open("/tmp/at", O_RDONLY | O_DIRECTORY);
	CHECK("open dir fd", dfd >= 0);
	CHECK("openat relative", close(openat(dfd, "f", O_CREAT | O_WRONLY, 0600)) == 0 &&
	      stat("/tmp/at/f", &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK("mkdirat", mkdirat(dfd, "sub", 0700) == 0 && stat("/tmp/at/sub", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK("fstatat", fstatat(dfd, "f", &st, 0) == 0 && S_ISREG(st.st_mode));
	CHECK("fstatat AT_EMPTY_PATH", fstatat(dfd, "", &st, AT_EMPTY_PATH) == 0 && S_ISDIR(st.st_mode));
	CHECK("symlinkat + readlinkat", symlinkat("f", dfd, "l") == 0 && readlinkat(dfd, "l", buf, sizeof(buf)) == 1);
	CHECK("renameat", renameat(dfd, "f", dfd, "g") == 0 && faccessat(dfd, "g", F_OK, 0) == 0);
	CHECK("linkat", linkat(dfd, "g", dfd, "h", 0) == 0 && fstatat(dfd, "h", &st, 0) == 0 && st.st_nlink == 2);
	CHECK("unlinkat", unlinkat(dfd, "h", 0) == 0 && unlinkat(dfd, "g", 0) == 0 && unlinkat(dfd, "l", 0) == 0);
	CHECK("unlinkat AT_REMOVEDIR", unlinkat(dfd, "sub", AT_REMOVEDIR) == 0);
	CHECK_ERR("openat on a file fd", (write_file("/tmp/atf", "1"),
		  openat(open("/tmp/atf", O_RDONLY), "x", O_RDONLY)), ENOTDIR);
	CHECK_ERR("openat bad dirfd", openat(12345, "x", O_RDONLY), EBADF);
	CHECK("absolute path ignores dirfd", openat(12345, "/tmp/atf", O_RDONLY) >= 0);
	CHECK("fchdir", fchdir(dfd) == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/at") && chdir("/") == 0);
	CHECK("statx", syscall(SYS_statx, AT_FDCWD, "/tmp/atf", 0, 0x7ff, buf) == -1 ? 0 : 1);
	CHECK("access F_OK", access("/tmp/atf", F_OK) == 0);
	CHECK_ERR("access missing", access("/tmp/nope", F_OK), ENOENT);
	CHECK_ERR("access X_OK no exec bit", access("/tmp/atf", X_OK), EACCES);
	CHECK("chmod + X_OK", chmod("/tmp/atf", 0755) == 0 && access("/tmp/atf", X_OK) == 0);
	CHECK("umask", umask(077) == 022 && umask(022) == 077);
	close(dfd);
}

static void bad_inputs(void)
{
	char buf[8];
	struct stat st;
	int fd = open("/tmp/bad", O_CREAT | O_RDWR | O_TRUNC, 0644);

	CHECK_ERR("open with NULL path", syscall(SYS_open, NULL, O_RDONLY), EFAULT);
	CHECK_ERR("open with kernel path", syscall(SYS_open, KERNEL_PTR, O_RDONLY), EFAULT);
	CHECK_ERR("read into kernel memory", read(fd, KERNEL_PTR, 8) < 0 ? -1 : (write(fd, "12345678", 8),
		  lseek(fd, 0, SEEK_SET), read(fd, KERNEL_PTR, 8)), EFAULT);
	CHECK_ERR("write from unmapped memory", write(fd, (void *)16, 8), EFAULT);
	CHECK_ERR("stat into NULL", syscall(SYS_stat, "/tmp/bad", NULL), EFAULT);
	CHECK_ERR("fstat into kernel", syscall(SYS_fstat, fd, KERNEL_PTR), EFAULT);
	CHECK_ERR("empty path", open("", O_RDONLY), ENOENT);
	CHECK_ERR("missing dir in path", open("/nodir/x", O_RDONLY), ENOENT);
	CHECK_ERR("create in missing dir", open("/nodir/x", O_CREAT | O_WRONLY, 0644), ENOENT);
	memset(buf, 'a', sizeof(buf));
	{
		char longname[300];

		memset(longname, 'n', sizeof(longname));
		longname[0] = '/';
		longname[299] = 0;
		CHECK_ERR("name too long", open(longname, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	}
	CHECK_ERR("bad open flags O_RDWR|O_WRONLY", open("/tmp/bad", O_RDWR | O_WRONLY), EINVAL);
	CHECK_ERR("getdents on a file", syscall(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR);
	{
		int dfd = open("/", O_RDONLY | O_DIRECTORY);

		CHECK_ERR("getdents buffer too small", syscall(SYS_getdents64, dfd, buf, 8), EINVAL);
		close(dfd);
	}
	CHECK_ERR("ftruncate negative", ftruncate(fd, -1), EINVAL);
	CHECK_ERR("readv negative count", readv(fd, NULL, -1), EINVAL);
	CHECK_ERR("lseek on console (a tty) is ESPIPE", lseek(1, 0, SEEK_CUR), ESPIPE);
	CHECK("kernel survives", fstat(fd, &st) == 0);
	close(fd);
	unlink("/tmp/bad");
}

static void mappings(void)
{
	int fd = open("/tmp/map", O_CREAT | O_RDWR | O_TRUNC, 0644);
	char *p, *q, buf[16];

	CHECK("size the file", ftruncate(fd, 8192) == 0 && pwrite(fd, "filedata", 8, 4096) == 8);
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("mmap shared", p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK("mapping sees file data", !memcmp(p + 4096, "filedata", 8));
	memcpy(p, "viamap", 6);
	CHECK("write through shared mapping reaches the file", pread(fd, buf, 6, 0) == 6 && !memcmp(buf, "viamap", 6));
	CHECK("write to file reaches the mapping", pwrite(fd, "XY", 2, 4096) == 2 && p[4096] == 'X');
	q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
	CHECK("mmap private at offset", q != MAP_FAILED && q[0] == 'X');
	if (q != MAP_FAILED) {
		q[0] = 'Z';
		CHECK("private write stays private", pread(fd, buf, 1, 4096) == 1 && buf[0] == 'X');
		munmap(q, 4096);
	}
	CHECK("munmap", munmap(p, 8192) == 0);
	close(fd);
	/* mapping survives close and unlink */
	fd = open("/tmp/map", O_RDONLY);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	unlink("/tmp/map");
	CHECK("mapping outlives close and unlink", p != MAP_FAILED && !memcmp(p, "viamap", 6));
	CHECK_ERR("mmap bad fd", (long)mmap(NULL, 4096, PROT_READ, MAP_SHARED, 999, 0), EBADF);
	CHECK_ERR("mmap unaligned offset", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE,
		  open("/", O_RDONLY), 1), EINVAL);
	fd = open("/tmp/ro", O_CREAT | O_RDONLY, 0644);
	CHECK_ERR("shared writable map of read-only fd", (long)mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_SHARED, fd, 0), EACCES);
	close(fd);
	unlink("/tmp/ro");
}

static void stdio_files(void)
{
	FILE *f = fopen("/tmp/stdio.txt", "w");
	char line[64];
	int n = 0;

	CHECK("fopen w", f != NULL);
	if (!f)
		return;
	for (int i = 0; i < 100; i++)
		fprintf(f, "line %d\n", i);
	CHECK("fclose", fclose(f) == 0);
	f = fopen("/tmp/stdio.txt", "r");
	while (f && fgets(line, sizeof(line), f))
		n++;
	CHECK("fgets reads 100 lines", n == 100);
	if (f)
		fclose(f);
	CHECK("remove", remove("/tmp/stdio.txt") == 0);
}

int main(void)
{
	umask(022);
	basic_files();
	data_ops();
	directories();
	links();
	descriptors();
	at_calls();
	bad_inputs();
	mappings();
	stdio_files();
	printf("filetest: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
