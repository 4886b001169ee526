/* SPDX-License-Identifier: BSD-2-Clause */
/* Checks the initrd's files, /dev and /proc from a musl program: one line per check, the failures as exit status. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

static int passed, failed;

/* One line per check: "ok - what" or "FAIL - what: why". */
static void __attribute__((format(printf, 2, 3))) check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf(ok ? "ok - " : "FAIL - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
}

/* The condition first, then the message's arguments, which may show what the condition read. */
#define CHECK(cond, ...)			\
	do {					\
		int check_ok_ = (cond);		\
		check(check_ok_, __VA_ARGS__);	\
	} while (0)

/* The whole file (up to size - 1 bytes, NUL-terminated): its length, or -errno. */
static long slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = 0;
	close(fd);
	return n < 0 ? -errno : (long)len;
}

static int file_is(const char *path, const char *want)
{
	static char buf[16384];
	long n = slurp(path, buf, sizeof(buf));

	return n == (long)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

static int link_is(const char *path, const char *want)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return 0;
	buf[n] = 0;
	return strcmp(buf, want) == 0;
}

static int dir_has(const char *path, const char *name)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, name) == 0)
			found = 1;
	closedir(d);
	return found;
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* ---------------------------------------------------------------- the initrd (tests/guest/initrd) */

static void initrd(void)
{
	struct stat st = { 0 };
	char buf[32];
	int fd;

	CHECK(file_is("/etc/motd", "hello from the initrd\n"), "initrd: /etc/motd has its contents");
	CHECK(stat("/etc/motd", &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0400) &&
	      !(st.st_mode & 0111), "initrd: /etc/motd is a regular file, readable, not executable (mode %o)",
	      st.st_mode);
	CHECK(stat("/bin/hello.sh", &st) == 0 && (st.st_mode & 0111) == 0111,
	      "initrd: /bin/hello.sh is executable (mode %o)", st.st_mode);
	CHECK(lstat("/etc/link", &st) == 0 && S_ISLNK(st.st_mode) && link_is("/etc/link", "motd"),
	      "initrd: /etc/link is a symlink to motd");
	CHECK(file_is("/etc/link", "hello from the initrd\n"), "initrd: reading through /etc/link");
	CHECK(stat("/a/b", &st) == 0 && S_ISDIR(st.st_mode), "initrd: /a/b is a directory");
	CHECK(file_is("/a/b/c/deep.txt", "deep\n"), "initrd: /a/b/c/deep.txt has its contents");
	CHECK(stat("/empty", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0, "initrd: /empty is empty");
	CHECK(stat("/data/lines.txt", &st) == 0 && st.st_size == 10000,
	      "initrd: /data/lines.txt is 10000 bytes (%lld)", (long long)st.st_size);
	fd = open("/data/lines.txt", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	CHECK(fd >= 0 && pread(fd, buf, 10, 9990) == 10 && strcmp(buf, "line 0999\n") == 0 &&
	      pread(fd, buf, 10, 5000) == 10 && strcmp(buf, "line 0500\n") == 0,
	      "initrd: /data/lines.txt read across its pages");
	close(fd);
	CHECK(dir_has("/etc", "motd") && dir_has("/etc", "link") && dir_has("/", "a"),
	      "initrd: readdir lists the unpacked names");
}

/* ---------------------------------------------------------------- /dev */

static void dev(void)
{
	char buf[4096], r1[32], r2[32];
	struct stat st = { 0 };
	struct termios t;
	struct winsize ws = { 0 };
	int fd, ok;

	fd = open("/dev/null", O_RDWR);
	CHECK(fd >= 0 && write(fd, "abcde", 5) == 5 && read(fd, buf, sizeof(buf)) == 0,
	      "dev: /dev/null swallows writes and reads end of file");
	close(fd);
	CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
	      minor(st.st_rdev) == 3 && (st.st_mode & 0777) == 0666,
	      "dev: /dev/null is char device 1,3 mode 666 (%u,%u %o)", major(st.st_rdev),
	      minor(st.st_rdev), st.st_mode & 0777);

	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 'x', sizeof(buf));
	ok = fd >= 0 && read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf);
	for (size_t i = 0; ok && i < sizeof(buf); i++)
		ok = buf[i] == 0;
	CHECK(ok, "dev: /dev/zero reads zeros");
	close(fd);

	fd = open("/dev/full", O_RDWR);
	errno = 0;
	CHECK(fd >= 0 && write(fd, "x", 1) == -1 && errno == ENOSPC, "dev: /dev/full refuses writes with ENOSPC");
	buf[0] = 'x';
	CHECK(fd >= 0 && read(fd, buf, 16) == 16 && buf[0] == 0, "dev: /dev/full reads zeros");
	close(fd);

	fd = open("/dev/urandom", O_RDWR);
	ok = fd >= 0 && read(fd, r1, sizeof(r1)) == sizeof(r1) && read(fd, r2, sizeof(r2)) == sizeof(r2);
	CHECK(ok && memcmp(r1, r2, sizeof(r1)) != 0, "dev: /dev/urandom gives different bytes each read");
	CHECK(fd >= 0 && write(fd, "entropy", 7) == 7, "dev: /dev/urandom accepts writes");
	close(fd);
	fd = open("/dev/random", O_RDONLY);
	CHECK(fd >= 0 && read(fd, r1, 16) == 16, "dev: /dev/random reads");
	close(fd);
	CHECK(stat("/dev/urandom", &st) == 0 && st.st_rdev == makedev(1, 9) &&
	      stat("/dev/random", &st) == 0 && st.st_rdev == makedev(1, 8),
	      "dev: random and urandom are 1,8 and 1,9");

	fd = open("/dev/console", O_WRONLY);
	CHECK(fd >= 0 && write(fd, "fstest: written to /dev/console\n", 32) == 32, "dev: /dev/console is writable");
	errno = 0;
	CHECK(fd >= 0 && lseek(fd, 0, SEEK_SET) == -1 && errno == ESPIPE, "dev: lseek on the console is ESPIPE");
	close(fd);
	CHECK(stat("/dev/tty", &st) == 0 && st.st_rdev == makedev(5, 0) && stat("/dev/console", &st) == 0 &&
	      st.st_rdev == makedev(5, 1), "dev: tty and console are 5,0 and 5,1");
	CHECK(isatty(0) && isatty(1) && isatty(2), "dev: fds 0, 1 and 2 are terminals");
	CHECK(tcgetattr(1, &t) == 0 && (t.c_lflag & ICANON) && t.c_cc[VINTR] == 3,
	      "dev: tcgetattr gives a canonical tty with ^C as VINTR");
	CHECK(tcsetattr(1, TCSANOW, &t) == 0, "dev: tcsetattr is accepted");
	CHECK(ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col == 80 && ws.ws_row == 24,
	      "dev: the window is 80x24 (%ux%u)", ws.ws_col, ws.ws_row);
	CHECK(tcgetpgrp(0) == 1, "dev: the foreground process group is 1");
	fd = open("/dev/null", O_RDONLY);
	errno = 0;
	CHECK(fd >= 0 && !isatty(fd) && errno == ENOTTY, "dev: /dev/null is not a terminal");
	close(fd);
	CHECK(link_is("/dev/stdin", "/proc/self/fd/0") && link_is("/dev/stdout", "/proc/self/fd/1") &&
	      link_is("/dev/stderr", "/proc/self/fd/2") && link_is("/dev/fd", "/proc/self/fd"),
	      "dev: stdin, stdout, stderr and fd link into /proc/self/fd");
	fd = open("/dev/stdout", O_WRONLY);
	CHECK(fd >= 0 && write(fd, "fstest: written to /dev/stdout\n", 31) == 31,
	      "dev: /dev/stdout opens the console through /proc");
	close(fd);
	CHECK(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 01777,
	      "dev: /dev/shm is a sticky world-writable directory");
}

/* ---------------------------------------------------------------- /proc */

static char text[65536];

static int maps_cover(const char *maps, uintptr_t addr, const char *perms)
{
	for (const char *l = maps; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		unsigned long lo, hi;
		char p[5];

		if (sscanf(l, "%lx-%lx %4s", &lo, &hi, p) == 3 && addr >= lo && addr < hi)
			return strcmp(p, perms) == 0;
	}
	return 0;
}

static void proc(void)
{
	char buf[256], id[40], *s;
	long n;
	int fd, pfd[2], fields;
	double up, idle;
	unsigned long kb = 0;
	struct stat st;

	CHECK(link_is("/proc/self", "1"), "proc: /proc/self links to 1");
	n = slurp("/proc/self/maps", text, sizeof(text));
	CHECK(n > 0 && strstr(text, "[stack]") != NULL, "proc: /proc/self/maps has the stack");
	CHECK(maps_cover(text, (uintptr_t)&proc, "r-xp"), "proc: /proc/self/maps has the executable's code (r-xp)");
	CHECK(maps_cover(text, (uintptr_t)text, "rw-p"), "proc: /proc/self/maps has its data (rw-p)");
	CHECK(link_is("/proc/self/exe", "/fstest"), "proc: /proc/self/exe is /fstest");
	CHECK(link_is("/proc/self/cwd", "/"), "proc: /proc/self/cwd is /");

	fd = open("/etc/motd", O_RDONLY);
	snprintf(buf, sizeof(buf), "%d", fd);
	CHECK(fd > 2 && dir_has("/proc/self/fd", "0") && dir_has("/proc/self/fd", "1") &&
	      dir_has("/proc/self/fd", "2") && dir_has("/proc/self/fd", buf),
	      "proc: /proc/self/fd lists 0, 1, 2 and the open file %d", fd);
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
	CHECK(link_is(buf, "/etc/motd"), "proc: %s links to /etc/motd", buf);
	CHECK(file_is(buf, "hello from the initrd\n"), "proc: %s opens the file", buf);
	close(fd);
	CHECK(!exists(buf), "proc: %s is gone once closed", buf);
	CHECK(link_is("/proc/self/fd/0", "/dev/console"), "proc: fd 0 is /dev/console");
	if (pipe(pfd) == 0) {
		char l[64];
		ssize_t k;

		snprintf(buf, sizeof(buf), "/proc/self/fd/%d", pfd[0]);
		k = readlink(buf, l, sizeof(l) - 1);
		l[k > 0 ? k : 0] = 0;
		CHECK(strncmp(l, "pipe:[", 6) == 0, "proc: a pipe's fd links to %s", l);
		close(pfd[0]);
		close(pfd[1]);
	} else {
		CHECK(0, "proc: pipe: %s", strerror(errno));
	}
	fd = eventfd(0, 0);
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
	CHECK(fd >= 0 && link_is(buf, "anon_inode:[eventfd]"), "proc: an eventfd links to anon_inode:[eventfd]");
	close(fd);

	n = slurp("/proc/meminfo", text, sizeof(text));
	s = strstr(text, "MemTotal:");
	CHECK(n > 0 && s && sscanf(s, "MemTotal: %lu kB", &kb) == 1 && kb > 16 * 1024 && kb <= 64 * 1024,
	      "proc: /proc/meminfo MemTotal is plausible for 64 MiB (%lu kB)", kb);
	s = strstr(text, "MemFree:");
	CHECK(s && sscanf(s, "MemFree: %lu kB", &kb) == 1 && kb > 1024, "proc: MemFree %lu kB", kb);
	fd = open("/proc/meminfo", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	CHECK(fd >= 0 && pread(fd, buf, 20, 3) == 20 && memcmp(buf, text + 3, 20) == 0 &&
	      lseek(fd, 5, SEEK_SET) == 5 && read(fd, buf, 4) == 4 && memcmp(buf, text + 5, 4) == 0,
	      "proc: pread and lseek on /proc/meminfo");
	close(fd);

	/* The stack's counters in Linux's layout (the default build has lwIP; a socket starts it). */
	n = slurp("/proc/net/snmp", text, sizeof(text));
	CHECK(n > 0 && strncmp(text, "Ip: Forwarding DefaultTTL InReceives InHdrErrors", 48) == 0 &&
	      strstr(text, "\nTcp: RtoAlgorithm") && strstr(text, "\nUdp: InDatagrams"),
	      "proc: /proc/net/snmp has Ip, Tcp and Udp counters");

	n = slurp("/proc/cpuinfo", text, sizeof(text));
	CHECK(n > 0 && strstr(text, "processor\t: 0\n") && strstr(text, "\nflags\t\t: ") &&
	      strstr(text, " fpu "), "proc: /proc/cpuinfo has processor 0 and its flags");
	n = slurp("/proc/uptime", text, sizeof(text));
	CHECK(n > 0 && sscanf(text, "%lf %lf", &up, &idle) == 2 && up > 0 && up < 3600,
	      "proc: /proc/uptime parses (%.20s)", strtok(text, "\n") ? text : "");
	n = slurp("/proc/version", text, sizeof(text));
	CHECK(n > 0 && strncmp(text, "Linux version ", 14) == 0, "proc: /proc/version");

	n = slurp("/proc/self/stat", text, sizeof(text));
	fields = 0;
	for (char *t = strtok(text, " \n"); t; t = strtok(NULL, " \n"))
		fields++;
	CHECK(n > 0 && strncmp(text, "1", 2) == 0 && fields == 52, "proc: /proc/self/stat has 52 fields (%d)",
	      fields);
	n = slurp("/proc/self/stat", text, sizeof(text));
	CHECK(n > 0 && strncmp(text, "1 (fstest) R 0 ", 15) == 0, "proc: /proc/self/stat is pid 1, fstest, running");
	n = slurp("/proc/self/status", text, sizeof(text));
	CHECK(n > 0 && strstr(text, "Name:\tfstest\n") && strstr(text, "\nPid:\t1\n") &&
	      strstr(text, "\nVmRSS:\t") && strstr(text, "\nThreads:\t"), "proc: /proc/self/status");
	n = slurp("/proc/self/cmdline", text, sizeof(text));
	CHECK(n == 7 && memcmp(text, "fstest", 7) == 0, "proc: /proc/self/cmdline is fstest\\0");
	n = slurp("/proc/mounts", text, sizeof(text));
	CHECK(n > 0 && strstr(text, "rootfs / rootfs rw 0 0\n") && strstr(text, " /proc proc ") &&
	      strstr(text, " /dev devtmpfs "), "proc: /proc/mounts lists /, /dev and /proc");
	n = slurp("/proc/sys/kernel/random/boot_id", text, sizeof(text));
	memcpy(id, text, sizeof(id));
	CHECK(n == 37 && text[8] == '-' && text[14] == '4' && slurp("/proc/sys/kernel/random/boot_id", text,
	      sizeof(text)) == 37 && memcmp(id, text, 37) == 0, "proc: boot_id is a UUID that stays");
	slurp("/proc/sys/kernel/random/uuid", text, sizeof(text));
	CHECK(memcmp(id, text, 37) != 0 && strlen(text) == 37, "proc: uuid is a fresh UUID");
	CHECK(dir_has("/proc", "self") && dir_has("/proc", "meminfo") && dir_has("/proc/self", "maps") &&
	      !dir_has("/proc", "nonexistent"), "proc: readdir of /proc and /proc/self");
	errno = 0;
	CHECK(open("/proc/nonexistent", O_RDONLY) == -1 && errno == ENOENT, "proc: a missing name is ENOENT");
	errno = 0;
	CHECK(open("/proc/meminfo", O_WRONLY) == -1 && errno == EACCES, "proc: /proc/meminfo is read-only");
	CHECK(stat("/proc/self/fd", &st) == 0 && S_ISDIR(st.st_mode), "proc: /proc/self/fd is a directory");
}

/* ---------------------------------------------------------------- other archives */

/* The archive tests/guest/mkinitrd.sh makes with exact modes, mtimes and hard links. */
static void attrs(void)
{
	struct stat st = { 0 }, st2 = { 0 };

	CHECK(stat("/attrs/exact", &st) == 0 && (st.st_mode & 07777) == 0640 && st.st_mtime == 1000000000,
	      "attrs: /attrs/exact has mode 640 and mtime 1000000000 (%o, %lld)", st.st_mode & 07777,
	      (long long)st.st_mtime);
	CHECK(stat("/attrs/dir", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750 &&
	      st.st_mtime == 1200000000, "attrs: /attrs/dir has mode 750 and mtime 1200000000 (%o, %lld)",
	      st.st_mode & 07777, (long long)st.st_mtime);
	CHECK(stat("/attrs/dir/setuid", &st) == 0 && (st.st_mode & 07777) == 04755,
	      "attrs: the setuid bit is kept (%o)", st.st_mode & 07777);
	CHECK(stat("/attrs/hard1", &st) == 0 && stat("/attrs/hard2", &st2) == 0 && st.st_ino == st2.st_ino &&
	      st.st_nlink == 2 && file_is("/attrs/hard1", "linked\n"),
	      "attrs: hard1 and hard2 are one file with two links (%lu, %lu, %lu)", (unsigned long)st.st_ino,
	      (unsigned long)st2.st_ino, (unsigned long)st.st_nlink);
	CHECK(lstat("/attrs/abs", &st) == 0 && link_is("/attrs/abs", "/attrs/exact"),
	      "attrs: a symlink with an absolute target");
	CHECK(file_is("/dev/fromcpio", "into devfs\n"), "attrs: a file under dev/ lands in devfs");
}

/* A malformed archive: the entries before the bad one are there, the rest are not. */
static void partial(bool x_there)
{
	CHECK(file_is("/etc/a", "first\n"), "partial: /etc/a, before the bad entry, is there");
	if (x_there)
		CHECK(file_is("/etc/x", "cross\n"), "partial: /etc/x, before the bad entry, is there");
	else
		CHECK(!exists("/etc/x"), "partial: /etc/x, the bad entry, is not there");
	CHECK(!exists("/etc/z"), "partial: /etc/z, after the bad entry, is not there");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "all";

	/* Line-buffered like a terminal's stdout, so a check's line is out before the next one runs. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "cat") == 0) {
		/* Not a check: prints files (or a link's target), to look at /proc by hand. */
		for (int i = 2; i < argc; i++) {
			ssize_t k = readlink(argv[i], text, sizeof(text) - 1);
			long n;

			if (k >= 0) {
				printf("%s -> %.*s\n", argv[i], (int)k, text);
				continue;
			}
			n = slurp(argv[i], text, sizeof(text));
			if (n >= 0)
				fwrite(text, 1, (size_t)n, stdout);
			else
				printf("%s: %s\n", argv[i], strerror((int)-n));
		}
		return 0;
	}
	if (strcmp(mode, "attrs") == 0) {
		attrs();
	} else if (strcmp(mode, "bad-size") == 0) {
		partial(false);
	} else if (strcmp(mode, "truncated") == 0) {
		partial(true);
	} else {
		initrd();
		dev();
		proc();
	}
	printf("fstest: %d passed, %d failed\n", passed, failed);
	return failed > 100 ? 100 : failed;
}
