/* SPDX-License-Identifier: BSD-2-Clause */
/* libctest, unistd area: working directory, access, pipes, descriptors, file I/O, links, sysconf, uname. */
#include "harness.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

static int getcwd_chdir(void)
{
	char cwd[PATH_MAX], buf[PATH_MAX], want[PATH_MAX + 8];

	REQUIRE(getcwd(cwd, sizeof(cwd)) == cwd);
	REQUIREF(cwd[0] == '/', "getcwd gave \"%s\"", cwd);
	REQUIRE(mkdir("sub", 0755) == 0);
	REQUIRE(chdir("sub") == 0);
	REQUIRE(getcwd(buf, sizeof(buf)) == buf);
	snprintf(want, sizeof(want), "%s/sub", cwd);
	REQUIREF(!strcmp(buf, want), "getcwd gave \"%s\", want \"%s\"", buf, want);
	REQUIRE(chdir("..") == 0);
	REQUIRE(getcwd(buf, sizeof(buf)) == buf);
	REQUIREF(!strcmp(buf, cwd), "after .. getcwd gave \"%s\", want \"%s\"", buf, cwd);
	REQUIRE(chdir(want) == 0);
	REQUIRE(getcwd(buf, sizeof(buf)) == buf && !strcmp(buf, want));
	return 0;
}

static int getcwd_erange(void)
{
	char buf[2];

	errno = 0;
	REQUIRE(getcwd(buf, sizeof(buf)) == NULL);
	REQUIREF(errno == ERANGE, "errno %s, want ERANGE", lt_errname(errno));
	return 0;
}

static int getcwd_alloc(void)
{
	char buf[PATH_MAX], *p;

	REQUIRE(getcwd(buf, sizeof(buf)) == buf);
	p = getcwd(NULL, 0);
	REQUIRE(p != NULL);
	REQUIREF(!strcmp(p, buf), "getcwd(NULL, 0) gave \"%s\", want \"%s\"", p, buf);
	free(p);
	return 0;
}

static int chdir_errors(void)
{
	REQUIRE_ERR(chdir("missing"), ENOENT);
	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE_ERR(chdir("f"), ENOTDIR);
	REQUIRE_ERR(chdir(""), ENOENT);
	return 0;
}

static int fchdir_parent(void)
{
	char cwd[PATH_MAX], buf[PATH_MAX];
	int fd;

	REQUIRE(getcwd(cwd, sizeof(cwd)) == cwd);
	REQUIRE(mkdir("d", 0755) == 0);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	REQUIRE(fd >= 0);
	REQUIRE(chdir("d") == 0);
	REQUIRE(fchdir(fd) == 0);
	REQUIRE(getcwd(buf, sizeof(buf)) == buf);
	REQUIREF(!strcmp(buf, cwd), "after fchdir getcwd gave \"%s\", want \"%s\"", buf, cwd);
	REQUIRE(lt_write_file("f", "x", 1) == 0);
	fd = open("f", O_RDONLY);
	REQUIRE_ERR(fchdir(fd), ENOTDIR);
	return 0;
}

static int access_modes(void)
{
	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE(chmod("f", 0644) == 0);
	REQUIRE(access("f", F_OK) == 0);
	REQUIRE(access("f", R_OK | W_OK) == 0);
	/* Not even root may execute a file without an execute bit. */
	REQUIRE_ERR(access("f", X_OK), EACCES);
	REQUIRE(chmod("f", 0755) == 0);
	REQUIRE(access("f", X_OK) == 0);
	REQUIRE(access(".", X_OK) == 0);
	REQUIRE_ERR(access("missing", F_OK), ENOENT);
	REQUIRE_ERR(access("f/x", F_OK), ENOTDIR);
	REQUIRE_ERR(access("f", 0x40), EINVAL);
	return 0;
}

static int pipe_rw(void)
{
	int p[2];
	char buf[8];

	REQUIRE(pipe(p) == 0);
	REQUIRE(p[0] >= 0 && p[1] >= 0 && p[0] != p[1]);
	REQUIRE(write(p[1], "abc", 3) == 3);
	REQUIRE(write(p[1], "de", 2) == 2);
	REQUIRE(read(p[0], buf, sizeof(buf)) == 5);
	REQUIREF(!memcmp(buf, "abcde", 5), "read \"%.5s\"", buf);
	REQUIRE_ERR(write(p[0], "x", 1), EBADF);
	REQUIRE_ERR(read(p[1], buf, 1), EBADF);
	return 0;
}

static int pipe_eof(void)
{
	int p[2];
	char buf[4];

	REQUIRE(pipe(p) == 0);
	REQUIRE(write(p[1], "z", 1) == 1);
	REQUIRE(close(p[1]) == 0);
	REQUIRE(read(p[0], buf, sizeof(buf)) == 1 && buf[0] == 'z');
	REQUIRE(read(p[0], buf, sizeof(buf)) == 0);
	REQUIRE(read(p[0], buf, sizeof(buf)) == 0);
	return 0;
}

static int pipe_epipe(void)
{
	int p[2];
	void (*old)(int);
	ssize_t n;
	int e;

	old = signal(SIGPIPE, SIG_IGN);
	REQUIRE(old != SIG_ERR);
	REQUIRE(pipe(p) == 0);
	REQUIRE(close(p[0]) == 0);
	errno = 0;
	n = write(p[1], "x", 1);
	e = errno;
	signal(SIGPIPE, old);
	REQUIREF(n == -1 && e == EPIPE, "write without a reader returned %zd errno %s, want -1 EPIPE", n,
		 lt_errname(e));
	return 0;
}

static int pipe2_flags(void)
{
	int p[2], fl;
	char c;

	REQUIRE(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
	REQUIRE(fcntl(p[0], F_GETFD) & FD_CLOEXEC);
	REQUIRE(fcntl(p[1], F_GETFD) & FD_CLOEXEC);
	fl = fcntl(p[0], F_GETFL);
	REQUIREF(fl != -1 && (fl & O_NONBLOCK), "F_GETFL 0x%x", fl);
	REQUIREF((fl & O_ACCMODE) == O_RDONLY, "read end F_GETFL 0x%x", fl);
	REQUIREF((fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY, "write end not O_WRONLY");
	REQUIRE_ERR(read(p[0], &c, 1), EAGAIN);
	REQUIRE_ERR(pipe2(p, 0x12345678), EINVAL);
	return 0;
}

static int lowest_free_fd(void)
{
	int fd = 0;

	while (fcntl(fd, F_GETFD) != -1)
		fd++;
	return fd;
}

static int dup_shares_offset(void)
{
	int fd, d, want;

	fd = open("f", O_RDWR | O_CREAT, 0644);
	REQUIRE(fd >= 0);
	want = lowest_free_fd();
	d = dup(fd);
	REQUIREF(d == want, "dup gave %d, lowest free %d", d, want);
	REQUIRE(write(fd, "hello", 5) == 5);
	REQUIREF(lseek(d, 0, SEEK_CUR) == 5, "offset through the duplicate %ld", (long)lseek(d, 0, SEEK_CUR));
	REQUIRE(lseek(d, 1, SEEK_SET) == 1);
	REQUIRE(lseek(fd, 0, SEEK_CUR) == 1);
	REQUIRE(!(fcntl(d, F_GETFD) & FD_CLOEXEC));
	REQUIRE_ERR(dup(-1), EBADF);
	return 0;
}

static int dup2_targets(void)
{
	int fd, other;
	char buf[4];

	REQUIRE(lt_write_file("a", "A", 1) == 0);
	REQUIRE(lt_write_file("b", "B", 1) == 0);
	fd = open("a", O_RDONLY);
	other = open("b", O_RDONLY);
	REQUIRE(fd >= 0 && other >= 0);
	REQUIRE(dup2(fd, fd) == fd);
	REQUIRE(dup2(fd, 100) == 100);
	REQUIRE(read(100, buf, 1) == 1 && buf[0] == 'A');
	/* An open target is closed first, silently. */
	REQUIRE(dup2(fd, other) == other);
	REQUIRE(pread(other, buf, 1, 0) == 1);
	REQUIREF(buf[0] == 'A', "dup2 onto an open descriptor still reads '%c'", buf[0]);
	REQUIRE_ERR(dup2(fd, -1), EBADF);
	REQUIRE_ERR(dup2(999, 101), EBADF);
	return 0;
}

static int dup3_flags(void)
{
	int fd;

	fd = open(".", O_RDONLY | O_DIRECTORY);
	REQUIRE(fd >= 0);
	REQUIRE_ERR(dup3(fd, fd, 0), EINVAL);
	REQUIRE(dup3(fd, 101, O_CLOEXEC) == 101);
	REQUIRE(fcntl(101, F_GETFD) == FD_CLOEXEC);
	REQUIRE(dup3(fd, 101, 0) == 101);
	REQUIREF(fcntl(101, F_GETFD) == 0, "dup3 without O_CLOEXEC kept the flag");
	return 0;
}

static int isatty_file(void)
{
	int fd;

	REQUIRE(lt_write_file("f", "x", 1) == 0);
	fd = open("f", O_RDONLY);
	REQUIRE(fd >= 0);
	errno = 0;
	REQUIRE(isatty(fd) == 0);
	REQUIREF(errno == ENOTTY, "errno %s, want ENOTTY", lt_errname(errno));
	return 0;
}

static int isatty_pipe(void)
{
	int p[2];

	REQUIRE(pipe(p) == 0);
	errno = 0;
	REQUIRE(isatty(p[0]) == 0);
	REQUIREF(errno == ENOTTY, "errno %s, want ENOTTY", lt_errname(errno));
	errno = 0;
	REQUIRE(isatty(999) == 0);
	REQUIREF(errno == EBADF, "bad descriptor: errno %s, want EBADF", lt_errname(errno));
	return 0;
}

static int ttyname_notty(void)
{
	char buf[64];
	int fd;

	REQUIRE(lt_write_file("f", "x", 1) == 0);
	fd = open("f", O_RDONLY);
	REQUIRE(fd >= 0);
	REQUIRE_RC(ttyname_r(fd, buf, sizeof(buf)), ENOTTY);
	REQUIRE_RC(ttyname_r(999, buf, sizeof(buf)), EBADF);
	return 0;
}

static int sysconf_pagesize(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	REQUIREF(ps == 4096, "sysconf(_SC_PAGESIZE) = %ld", ps);
	REQUIRE(getpagesize() == 4096);
	REQUIREF(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ = %lu", getauxval(AT_PAGESZ));
	return 0;
}

static int sysconf_nprocs(void)
{
	long onln = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t set;

	REQUIREF(onln >= 1, "_SC_NPROCESSORS_ONLN = %ld", onln);
	REQUIREF(conf >= onln, "_SC_NPROCESSORS_CONF = %ld < ONLN %ld", conf, onln);
	REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
	REQUIREF(CPU_COUNT(&set) == onln, "affinity has %d CPUs, ONLN %ld", CPU_COUNT(&set), onln);
	return 0;
}

static int sysconf_open_max(void)
{
	struct rlimit rl;
	long om = sysconf(_SC_OPEN_MAX);

	REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	REQUIREF(om == (long)rl.rlim_cur, "_SC_OPEN_MAX %ld, RLIMIT_NOFILE %ld", om, (long)rl.rlim_cur);
	REQUIREF(om >= 20, "_SC_OPEN_MAX %ld", om);
	return 0;
}

static int sysconf_memory(void)
{
	long phys = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES);

	REQUIREF(phys > 0, "_SC_PHYS_PAGES = %ld", phys);
	REQUIREF(avail > 0 && avail <= phys, "_SC_AVPHYS_PAGES = %ld of %ld", avail, phys);
	REQUIREF(sysconf(_SC_CLK_TCK) == 100, "_SC_CLK_TCK = %ld", sysconf(_SC_CLK_TCK));
	return 0;
}

static int gethostname_uname(void)
{
	char name[HOST_NAME_MAX + 1];
	struct utsname u;

	memset(name, 'x', sizeof(name));
	REQUIRE(gethostname(name, sizeof(name)) == 0);
	REQUIRE(memchr(name, 0, sizeof(name)) != NULL);
	REQUIRE(uname(&u) == 0);
	REQUIREF(name[0] != 0, "empty host name");
	REQUIREF(!strcmp(name, u.nodename), "gethostname \"%s\", nodename \"%s\"", name, u.nodename);
	return 0;
}

static int uname_fields(void)
{
	struct utsname u;

	REQUIRE(uname(&u) == 0);
	REQUIREF(!strcmp(u.sysname, "Linux"), "sysname \"%s\"", u.sysname);
	REQUIREF(!strcmp(u.machine, "x86_64"), "machine \"%s\"", u.machine);
	REQUIREF(u.release[0] >= '1' && u.release[0] <= '9' && strchr(u.release, '.'), "release \"%s\"",
		 u.release);
	REQUIREF(u.version[0] != 0, "empty version");
	return 0;
}

static int getpid_gettid(void)
{
	pid_t pid = getpid();
	long tid = syscall(SYS_gettid);

	REQUIREF(pid > 0, "getpid %d", (int)pid);
	REQUIREF(tid == pid, "the main thread's tid %ld, pid %d", tid, (int)pid);
	REQUIRE(gettid() == pid);
	REQUIRE(getppid() >= 0);
	return 0;
}

static int pread_pwrite(void)
{
	int fd;
	char buf[8];

	fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(write(fd, "0123456789", 10) == 10);
	REQUIRE(lseek(fd, 2, SEEK_SET) == 2);
	REQUIRE(pwrite(fd, "AB", 2, 100) == 2);
	REQUIRE(lseek(fd, 0, SEEK_CUR) == 2);
	REQUIRE(pread(fd, buf, 3, 99) == 3);
	REQUIREF(buf[0] == 0 && buf[1] == 'A' && buf[2] == 'B', "pread %02x %02x %02x", buf[0], buf[1], buf[2]);
	REQUIRE(lseek(fd, 0, SEEK_CUR) == 2);
	REQUIRE(pread(fd, buf, 8, 200) == 0);
	REQUIRE_ERR(pread(fd, buf, 1, -1), EINVAL);
	return 0;
}

static int readv_writev(void)
{
	int fd;
	char a[3], b[5], c[16];
	struct iovec out[3] = { { "abc", 3 }, { "", 0 }, { "defgh", 5 } };
	struct iovec in[2] = { { a, sizeof(a) }, { b, sizeof(b) } };

	fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(writev(fd, out, 3) == 8);
	REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
	REQUIRE(readv(fd, in, 2) == 8);
	REQUIRE(!memcmp(a, "abc", 3) && !memcmp(b, "defgh", 5));
	REQUIRE(pread(fd, c, sizeof(c), 0) == 8 && !memcmp(c, "abcdefgh", 8));
	return 0;
}

static int truncate_extend_shrink(void)
{
	int fd;
	char buf[4096];

	fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(write(fd, "0123456789", 10) == 10);
	REQUIRE(ftruncate(fd, 4096) == 0);
	REQUIRE(lt_file_size("f") == 4096);
	REQUIRE(pread(fd, buf, sizeof(buf), 0) == 4096);
	for (int i = 10; i < 4096; i++)
		REQUIREF(buf[i] == 0, "byte %d after extending is %02x", i, buf[i]);
	REQUIRE(truncate("f", 5) == 0);
	REQUIRE(lt_file_size("f") == 5);
	REQUIRE(ftruncate(fd, 8) == 0);
	REQUIRE(pread(fd, buf, sizeof(buf), 0) == 8);
	REQUIREF(!memcmp(buf, "01234\0\0\0", 8), "shrunk then extended file reads back wrong");
	REQUIRE_ERR(ftruncate(fd, -1), EINVAL);
	return 0;
}

static int link_nlink(void)
{
	struct stat st;
	char buf[8];

	REQUIRE(lt_write_file("a", "data", 4) == 0);
	REQUIRE(link("a", "b") == 0);
	REQUIRE(stat("a", &st) == 0);
	REQUIREF(st.st_nlink == 2, "nlink %lu after link", (unsigned long)st.st_nlink);
	REQUIRE(unlink("a") == 0);
	REQUIRE(stat("b", &st) == 0);
	REQUIREF(st.st_nlink == 1, "nlink %lu after unlink", (unsigned long)st.st_nlink);
	REQUIRE(lt_read_file("b", buf, sizeof(buf)) == 4 && !memcmp(buf, "data", 4));
	REQUIRE_ERR(link("missing", "c"), ENOENT);
	REQUIRE_ERR(link("b", "b"), EEXIST);
	REQUIRE(mkdir("d", 0755) == 0);
	REQUIRE_ERR(link("d", "e"), EPERM);
	return 0;
}

static int symlink_readlink(void)
{
	char buf[32];
	ssize_t n;

	REQUIRE(symlink("target-name", "l") == 0);
	memset(buf, 'X', sizeof(buf));
	n = readlink("l", buf, sizeof(buf));
	REQUIREF(n == 11, "readlink returned %zd", n);
	REQUIRE(!memcmp(buf, "target-name", 11) && buf[11] == 'X');
	n = readlink("l", buf, 4);
	REQUIREF(n == 4 && !memcmp(buf, "targ", 4), "readlink into 4 bytes returned %zd", n);
	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE_ERR(readlink("f", buf, sizeof(buf)), EINVAL);
	REQUIRE_ERR(symlink("x", "f"), EEXIST);
	/* A dangling link opens as ENOENT. */
	REQUIRE_ERR(open("l", O_RDONLY), ENOENT);
	return 0;
}

static int fsync_kinds(void)
{
	int fd, p[2];

	fd = open("f", O_RDWR | O_CREAT, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(write(fd, "x", 1) == 1);
	REQUIRE(fsync(fd) == 0);
	REQUIRE(fdatasync(fd) == 0);
	REQUIRE(pipe(p) == 0);
	REQUIRE_ERR(fsync(p[0]), EINVAL);
	REQUIRE_ERR(fsync(999), EBADF);
	return 0;
}

static int close_ebadf(void)
{
	int fd = open(".", O_RDONLY | O_DIRECTORY);

	REQUIRE(fd >= 0);
	REQUIRE(close(fd) == 0);
	REQUIRE_ERR(close(fd), EBADF);
	REQUIRE_ERR(close(-1), EBADF);
	REQUIRE_ERR(fcntl(fd, F_GETFD), EBADF);
	return 0;
}

static int lseek_errors(void)
{
	int fd, p[2];

	REQUIRE(pipe(p) == 0);
	REQUIRE_ERR(lseek(p[0], 0, SEEK_CUR), ESPIPE);
	fd = open("f", O_RDWR | O_CREAT, 0644);
	REQUIRE(fd >= 0);
	REQUIRE_ERR(lseek(fd, 0, 99), EINVAL);
	REQUIRE_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
	REQUIRE(lseek(fd, 1000, SEEK_SET) == 1000);
	REQUIRE(write(fd, "x", 1) == 1);
	REQUIRE(lseek(fd, 0, SEEK_END) == 1001);
	REQUIRE(lseek(fd, -1, SEEK_END) == 1000);
	return 0;
}

static int access_mode_ebadf(void)
{
	int r, w;
	char c;

	REQUIRE(lt_write_file("f", "x", 1) == 0);
	r = open("f", O_RDONLY);
	w = open("f", O_WRONLY);
	REQUIRE(r >= 0 && w >= 0);
	REQUIRE_ERR(write(r, "y", 1), EBADF);
	REQUIRE_ERR(read(w, &c, 1), EBADF);
	REQUIRE_ERR(ftruncate(r, 0), EINVAL);
	return 0;
}

static int open_errors(void)
{
	REQUIRE(mkdir("d", 0755) == 0);
	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE_ERR(open("d", O_WRONLY), EISDIR);
	REQUIRE_ERR(open("f", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	REQUIRE_ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	REQUIRE_ERR(open("missing/f", O_CREAT | O_WRONLY, 0644), ENOENT);
	REQUIRE_ERR(open("f/g", O_CREAT | O_WRONLY, 0644), ENOTDIR);
	REQUIRE_ERR(open("", O_RDONLY), ENOENT);
	return 0;
}

static int openat_dirfd(void)
{
	int dfd, fd;
	struct stat st;

	REQUIRE(mkdir("d", 0755) == 0);
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	fd = openat(dfd, "inner", O_CREAT | O_WRONLY, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(write(fd, "abc", 3) == 3);
	REQUIRE(lt_file_size("d/inner") == 3);
	REQUIRE(fstatat(dfd, "inner", &st, 0) == 0 && st.st_size == 3);
	REQUIRE(mkdirat(dfd, "sub", 0755) == 0);
	REQUIRE(stat("d/sub", &st) == 0 && S_ISDIR(st.st_mode));
	REQUIRE(unlinkat(dfd, "inner", 0) == 0);
	REQUIRE_ERR(unlinkat(dfd, "sub", 0), EISDIR);
	REQUIRE(unlinkat(dfd, "sub", AT_REMOVEDIR) == 0);
	REQUIRE_ERR(openat(fd, "x", O_RDONLY), ENOTDIR);
	return 0;
}

static int rename_replace(void)
{
	char buf[8];

	REQUIRE(lt_write_file("a", "new", 3) == 0);
	REQUIRE(lt_write_file("b", "old!", 4) == 0);
	REQUIRE(rename("a", "b") == 0);
	REQUIRE_ERR(access("a", F_OK), ENOENT);
	REQUIRE(lt_read_file("b", buf, sizeof(buf)) == 3 && !memcmp(buf, "new", 3));
	REQUIRE(mkdir("d1", 0755) == 0);
	REQUIRE(mkdir("d2", 0755) == 0);
	REQUIRE(lt_write_file("d2/x", "x", 1) == 0);
	REQUIRE_ERR(rename("d1", "d2"), ENOTEMPTY);
	REQUIRE_ERR(rename("b", "d1"), EISDIR);
	REQUIRE_ERR(rename("d1", "b"), ENOTDIR);
	REQUIRE_ERR(rename("d1", "d1/inside"), EINVAL);
	REQUIRE(rename("d1", "d3") == 0);
	return 0;
}

static int fcntl_flags(void)
{
	int fd, fl;

	REQUIRE(lt_write_file("f", "12345", 5) == 0);
	fd = open("f", O_RDWR);
	REQUIRE(fd >= 0);
	fl = fcntl(fd, F_GETFL);
	REQUIREF((fl & O_ACCMODE) == O_RDWR && !(fl & O_APPEND), "F_GETFL 0x%x", fl);
	REQUIRE(fcntl(fd, F_SETFL, fl | O_APPEND) == 0);
	REQUIRE(fcntl(fd, F_GETFL) & O_APPEND);
	REQUIRE(write(fd, "6", 1) == 1);
	REQUIREF(lt_file_size("f") == 6, "O_APPEND set by F_SETFL wrote at offset 0 (size %ld)",
		 lt_file_size("f"));
	REQUIRE(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0);
	REQUIRE(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	return 0;
}

static int fcntl_dupfd(void)
{
	int fd, d;

	fd = open(".", O_RDONLY | O_DIRECTORY);
	REQUIRE(fd >= 0);
	d = fcntl(fd, F_DUPFD, 40);
	REQUIREF(d == 40, "F_DUPFD 40 gave %d", d);
	d = fcntl(fd, F_DUPFD, 40);
	REQUIREF(d == 41, "second F_DUPFD 40 gave %d", d);
	d = fcntl(fd, F_DUPFD_CLOEXEC, 50);
	REQUIRE(d == 50 && fcntl(d, F_GETFD) == FD_CLOEXEC);
	REQUIRE_ERR(fcntl(fd, F_DUPFD, -1), EINVAL);
	return 0;
}

static int fcntl_record_lock(void)
{
	int fd;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };

	fd = open("f", O_RDWR | O_CREAT, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(fcntl(fd, F_SETLK, &fl) == 0);
	/* A process's own locks never conflict with it. */
	fl.l_type = F_WRLCK;
	REQUIRE(fcntl(fd, F_GETLK, &fl) == 0);
	REQUIREF(fl.l_type == F_UNLCK, "F_GETLK l_type %d", fl.l_type);
	REQUIRE(lockf(fd, F_TLOCK, 0) == 0);
	REQUIRE(lockf(fd, F_ULOCK, 0) == 0);
	fl.l_type = F_UNLCK;
	REQUIRE(fcntl(fd, F_SETLK, &fl) == 0);
	return 0;
}

static int flock_whole(void)
{
	int fd;

	fd = open("f", O_RDWR | O_CREAT, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(flock(fd, LOCK_EX | LOCK_NB) == 0);
	REQUIRE(flock(fd, LOCK_SH) == 0);
	REQUIRE(flock(fd, LOCK_UN) == 0);
	REQUIRE_ERR(flock(999, LOCK_EX), EBADF);
	return 0;
}

static int mkdir_rmdir(void)
{
	struct stat st;

	REQUIRE(mkdir("d", 0755) == 0);
	REQUIRE_ERR(mkdir("d", 0755), EEXIST);
	REQUIRE(lt_write_file("d/f", "x", 1) == 0);
	REQUIRE_ERR(rmdir("d"), ENOTEMPTY);
	REQUIRE_ERR(rmdir("d/f"), ENOTDIR);
	REQUIRE_ERR(unlink("d"), EISDIR);
	REQUIRE(unlink("d/f") == 0);
	REQUIRE(rmdir("d") == 0);
	REQUIRE_ERR(stat("d", &st), ENOENT);
	REQUIRE_ERR(rmdir("."), EINVAL);
	REQUIRE_ERR(mkdir("missing/d", 0755), ENOENT);
	return 0;
}

static const struct lt_check unistd_checks[] = {
	{ "getcwd_chdir", getcwd_chdir },
	{ "getcwd_erange", getcwd_erange },
	{ "getcwd_alloc", getcwd_alloc },
	{ "chdir_errors", chdir_errors },
	{ "fchdir", fchdir_parent },
	{ "access", access_modes },
	{ "pipe_rw", pipe_rw },
	{ "pipe_eof", pipe_eof },
	{ "pipe_epipe", pipe_epipe },
	{ "pipe2_flags", pipe2_flags },
	{ "dup", dup_shares_offset },
	{ "dup2", dup2_targets },
	{ "dup3", dup3_flags },
	{ "isatty_file", isatty_file },
	{ "isatty_pipe", isatty_pipe },
	{ "ttyname_notty", ttyname_notty },
	{ "sysconf_pagesize", sysconf_pagesize },
	{ "sysconf_nprocs", sysconf_nprocs },
	{ "sysconf_open_max", sysconf_open_max },
	{ "sysconf_memory", sysconf_memory },
	{ "gethostname", gethostname_uname },
	{ "uname", uname_fields },
	{ "getpid_gettid", getpid_gettid },
	{ "pread_pwrite", pread_pwrite },
	{ "readv_writev", readv_writev },
	{ "truncate", truncate_extend_shrink },
	{ "link", link_nlink },
	{ "symlink_readlink", symlink_readlink },
	{ "fsync", fsync_kinds },
	{ "close_ebadf", close_ebadf },
	{ "lseek_errors", lseek_errors },
	{ "rdonly_wronly_ebadf", access_mode_ebadf },
	{ "open_errors", open_errors },
	{ "openat_dirfd", openat_dirfd },
	{ "rename", rename_replace },
	{ "fcntl_flags", fcntl_flags },
	{ "fcntl_dupfd", fcntl_dupfd },
	{ "fcntl_lock", fcntl_record_lock },
	{ "flock", flock_whole },
	{ "mkdir_rmdir", mkdir_rmdir },
};
LT_AREA(unistd);
