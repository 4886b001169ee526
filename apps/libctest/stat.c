/* SPDX-License-Identifier: BSD-2-Clause */
/* libctest, stat area: the stat family, modes and umask, timestamps, file-system figures. */
#include "harness.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

static int stat_regular(void)
{
	struct stat st;
	int fd;

	umask(0);
	fd = open("f", O_CREAT | O_WRONLY, 0640);
	REQUIRE(fd >= 0);
	REQUIRE(write(fd, "hello", 5) == 5);
	REQUIRE(stat("f", &st) == 0);
	REQUIREF(S_ISREG(st.st_mode), "mode 0%o", (unsigned)st.st_mode);
	REQUIREF((st.st_mode & 07777) == 0640, "permissions 0%o, want 0640", (unsigned)(st.st_mode & 07777));
	REQUIREF(st.st_size == 5, "size %ld", (long)st.st_size);
	REQUIREF(st.st_nlink == 1, "nlink %lu", (unsigned long)st.st_nlink);
	REQUIRE(st.st_ino != 0);
	REQUIREF(st.st_blksize > 0, "blksize %ld", (long)st.st_blksize);
	REQUIREF(st.st_uid == getuid() && st.st_gid == getgid(), "owner %u:%u", st.st_uid, st.st_gid);
	return 0;
}

static int fstat_matches(void)
{
	struct stat a, b;
	int fd;

	REQUIRE(lt_write_file("f", "abcdef", 6) == 0);
	fd = open("f", O_RDONLY);
	REQUIRE(fd >= 0);
	REQUIRE(stat("f", &a) == 0);
	REQUIRE(fstat(fd, &b) == 0);
	REQUIRE(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	REQUIRE(a.st_size == b.st_size && a.st_mode == b.st_mode);
	REQUIRE_ERR(fstat(999, &b), EBADF);
	/* An unlinked file stays reachable through its descriptor. */
	REQUIRE(unlink("f") == 0);
	REQUIRE(fstat(fd, &b) == 0);
	REQUIREF(b.st_nlink == 0 && b.st_size == 6, "after unlink: nlink %lu size %ld",
		 (unsigned long)b.st_nlink, (long)b.st_size);
	return 0;
}

static int lstat_symlink(void)
{
	struct stat l, s, f;

	REQUIRE(lt_write_file("file", "1234", 4) == 0);
	REQUIRE(symlink("file", "link") == 0);
	REQUIRE(lstat("link", &l) == 0);
	REQUIREF(S_ISLNK(l.st_mode), "lstat mode 0%o", (unsigned)l.st_mode);
	REQUIREF(l.st_size == 4, "link size %ld, want the target's length 4", (long)l.st_size);
	REQUIRE(stat("link", &s) == 0);
	REQUIRE(stat("file", &f) == 0);
	REQUIRE(S_ISREG(s.st_mode) && s.st_ino == f.st_ino && l.st_ino != f.st_ino);
	REQUIRE(fstatat(AT_FDCWD, "link", &s, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(s.st_mode));
	REQUIRE_ERR(fstatat(AT_FDCWD, "link", &s, 0x12345), EINVAL);
	return 0;
}

static int stat_dir(void)
{
	struct stat st;

	REQUIRE(mkdir("d", 0777) == 0);
	REQUIRE(stat("d", &st) == 0);
	REQUIRE(S_ISDIR(st.st_mode));
	REQUIREF((st.st_mode & 0777) == 0755, "mkdir 0777 under umask 022 gave 0%o", (unsigned)(st.st_mode & 0777));
	REQUIRE(stat("d/.", &st) == 0 && S_ISDIR(st.st_mode));
	REQUIRE(stat(".", &st) == 0 && S_ISDIR(st.st_mode));
	return 0;
}

static int umask_applies(void)
{
	struct stat st;
	mode_t old;
	int fd;

	old = umask(027);
	REQUIREF(old == 022, "umask returned 0%o, want the harness's 022", (unsigned)old);
	fd = open("f", O_CREAT | O_WRONLY, 0666);
	REQUIRE(fd >= 0);
	REQUIRE(fstat(fd, &st) == 0);
	REQUIREF((st.st_mode & 0777) == 0640, "file 0666 under 027 is 0%o", (unsigned)(st.st_mode & 0777));
	REQUIRE(mkdir("d", 0777) == 0);
	REQUIRE(stat("d", &st) == 0);
	REQUIREF((st.st_mode & 0777) == 0750, "dir 0777 under 027 is 0%o", (unsigned)(st.st_mode & 0777));
	REQUIRE(umask(0) == 027);
	/* chmod ignores the umask. */
	REQUIRE(umask(077) == 0);
	REQUIRE(chmod("f", 0666) == 0);
	REQUIRE(stat("f", &st) == 0 && (st.st_mode & 0777) == 0666);
	return 0;
}

static int chmod_fchmod(void)
{
	struct stat st;
	int fd;

	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE(chmod("f", 0600) == 0);
	REQUIRE(stat("f", &st) == 0);
	REQUIREF((st.st_mode & 07777) == 0600, "after chmod 0600: 0%o", (unsigned)(st.st_mode & 07777));
	fd = open("f", O_RDONLY);
	REQUIRE(fd >= 0);
	REQUIRE(fchmod(fd, 0444) == 0);
	REQUIRE(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0444);
	REQUIRE(fchmodat(AT_FDCWD, "f", 01755, 0) == 0);
	REQUIRE(stat("f", &st) == 0);
	REQUIREF((st.st_mode & 07777) == 01755, "after fchmodat 01755: 0%o", (unsigned)(st.st_mode & 07777));
	REQUIRE(S_ISREG(st.st_mode));
	REQUIRE_ERR(chmod("missing", 0644), ENOENT);
	return 0;
}

static int utimensat_set(void)
{
	struct timespec ts[2] = { { 1000000000, 123456789 }, { 1100000000, 987654321 } };
	struct stat st;

	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE(utimensat(AT_FDCWD, "f", ts, 0) == 0);
	REQUIRE(stat("f", &st) == 0);
	REQUIREF(st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 123456789, "atime %ld.%09ld",
		 (long)st.st_atim.tv_sec, st.st_atim.tv_nsec);
	REQUIREF(st.st_mtim.tv_sec == 1100000000 && st.st_mtim.tv_nsec == 987654321, "mtime %ld.%09ld",
		 (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	ts[0].tv_nsec = 1000000000;
	REQUIRE_ERR(utimensat(AT_FDCWD, "f", ts, 0), EINVAL);
	REQUIRE_ERR(utimensat(AT_FDCWD, "missing", NULL, 0), ENOENT);
	return 0;
}

static int utimensat_now(void)
{
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	struct stat st;
	time_t t0, t1;

	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE(utimensat(AT_FDCWD, "f", old, 0) == 0);
	t0 = time(NULL);
	REQUIRE(utimensat(AT_FDCWD, "f", now, 0) == 0);
	t1 = time(NULL);
	REQUIRE(stat("f", &st) == 0);
	REQUIREF(st.st_mtime >= t0 - 1 && st.st_mtime <= t1 + 1, "UTIME_NOW gave mtime %ld, now %ld",
		 (long)st.st_mtime, (long)t0);
	REQUIREF(st.st_atime >= t0 - 1 && st.st_atime <= t1 + 1, "UTIME_NOW gave atime %ld, now %ld",
		 (long)st.st_atime, (long)t0);
	/* NULL times mean now too. */
	REQUIRE(utimensat(AT_FDCWD, "f", old, 0) == 0);
	REQUIRE(utimensat(AT_FDCWD, "f", NULL, 0) == 0);
	REQUIRE(stat("f", &st) == 0 && st.st_mtime >= t0 - 1);
	return 0;
}

static int utimensat_omit(void)
{
	struct timespec set[2] = { { 1000000, 5 }, { 2000000, 6 } };
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 3000000, 7 } };
	struct stat st;

	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE(utimensat(AT_FDCWD, "f", set, 0) == 0);
	REQUIRE(utimensat(AT_FDCWD, "f", omit, 0) == 0);
	REQUIRE(stat("f", &st) == 0);
	REQUIREF(st.st_atim.tv_sec == 1000000 && st.st_atim.tv_nsec == 5, "UTIME_OMIT changed atime to %ld.%09ld",
		 (long)st.st_atim.tv_sec, st.st_atim.tv_nsec);
	REQUIREF(st.st_mtim.tv_sec == 3000000 && st.st_mtim.tv_nsec == 7, "mtime %ld.%09ld",
		 (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	return 0;
}

static int utimensat_nofollow(void)
{
	struct timespec ts[2] = { { 1234567, 0 }, { 7654321, 0 } };
	struct stat l, f;

	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE(symlink("f", "l") == 0);
	REQUIRE(stat("f", &f) == 0);
	REQUIRE(utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW) == 0);
	REQUIRE(lstat("l", &l) == 0);
	REQUIREF(l.st_mtime == 7654321, "the link's mtime %ld", (long)l.st_mtime);
	REQUIRE(stat("f", &l) == 0);
	REQUIREF(l.st_mtim.tv_sec == f.st_mtim.tv_sec && l.st_mtim.tv_nsec == f.st_mtim.tv_nsec,
		 "AT_SYMLINK_NOFOLLOW changed the target's mtime to %ld", (long)l.st_mtime);
	return 0;
}

static int futimens_fd(void)
{
	struct timespec ts[2] = { { 1111111111, 1 }, { 1222222222, 2 } };
	struct stat st;
	int fd;

	fd = open("f", O_CREAT | O_RDWR, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(futimens(fd, ts) == 0);
	REQUIRE(fstat(fd, &st) == 0);
	REQUIREF(st.st_mtim.tv_sec == 1222222222 && st.st_mtim.tv_nsec == 2, "mtime %ld.%09ld",
		 (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	REQUIRE(st.st_atim.tv_sec == 1111111111 && st.st_atim.tv_nsec == 1);
	REQUIRE_ERR(futimens(999, ts), EBADF);
	return 0;
}

static int utimes_usec(void)
{
	struct timeval tv[2] = { { 1300000000, 250000 }, { 1400000000, 500001 } };
	struct utimbuf ub = { 1500000000, 1600000000 };
	struct stat st;

	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE(utimes("f", tv) == 0);
	REQUIRE(stat("f", &st) == 0);
	REQUIREF(st.st_mtim.tv_sec == 1400000000 && st.st_mtim.tv_nsec == 500001000, "mtime %ld.%09ld",
		 (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	REQUIRE(utime("f", &ub) == 0);
	REQUIRE(stat("f", &st) == 0 && st.st_atime == 1500000000 && st.st_mtime == 1600000000);
	return 0;
}

static int mtime_on_write(void)
{
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	struct stat st;
	time_t t0;
	int fd;

	fd = open("f", O_CREAT | O_RDWR, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(futimens(fd, old) == 0);
	t0 = time(NULL);
	REQUIRE(write(fd, "data", 4) == 4);
	REQUIRE(fstat(fd, &st) == 0);
	REQUIREF(st.st_mtime >= t0 - 1, "mtime %ld after a write at %ld", (long)st.st_mtime, (long)t0);
	REQUIREF(st.st_ctime >= t0 - 1, "ctime %ld after a write at %ld", (long)st.st_ctime, (long)t0);
	REQUIRE(futimens(fd, old) == 0);
	REQUIRE(ftruncate(fd, 0) == 0);
	REQUIRE(fstat(fd, &st) == 0);
	REQUIREF(st.st_mtime >= t0 - 1, "mtime %ld after ftruncate", (long)st.st_mtime);
	return 0;
}

static int dir_mtime_on_create(void)
{
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	struct stat st;
	time_t t0;

	REQUIRE(mkdir("d", 0755) == 0);
	REQUIRE(utimensat(AT_FDCWD, "d", old, 0) == 0);
	t0 = time(NULL);
	REQUIRE(lt_write_file("d/f", "x", 1) == 0);
	REQUIRE(stat("d", &st) == 0);
	REQUIREF(st.st_mtime >= t0 - 1, "directory mtime %ld after a create at %ld", (long)st.st_mtime, (long)t0);
	return 0;
}

static int st_blocks(void)
{
	static char buf[16384];
	struct stat st;

	memset(buf, 'b', sizeof(buf));
	REQUIRE(lt_write_file("f", buf, sizeof(buf)) == 0);
	REQUIRE(stat("f", &st) == 0);
	REQUIREF(st.st_blocks * 512 >= (long)sizeof(buf), "st_blocks %ld for %zu bytes", (long)st.st_blocks,
		 sizeof(buf));
	return 0;
}

static int statvfs_figures(void)
{
	struct statvfs a, b;
	int fd;

	REQUIRE(statvfs(".", &a) == 0);
	REQUIREF(a.f_bsize > 0 && a.f_frsize > 0, "f_bsize %lu f_frsize %lu", a.f_bsize, a.f_frsize);
	REQUIREF(a.f_namemax >= 255, "f_namemax %lu", a.f_namemax);
	REQUIREF(a.f_bfree <= a.f_blocks, "f_bfree %lu > f_blocks %lu", (unsigned long)a.f_bfree,
		 (unsigned long)a.f_blocks);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	REQUIRE(fd >= 0);
	REQUIRE(fstatvfs(fd, &b) == 0);
	REQUIRE(b.f_bsize == a.f_bsize && b.f_fsid == a.f_fsid);
	REQUIRE_ERR(statvfs("missing", &a), ENOENT);
	return 0;
}

static int stat_errors(void)
{
	struct stat st;
	char longname[300];

	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE_ERR(stat("missing", &st), ENOENT);
	REQUIRE_ERR(stat("f/x", &st), ENOTDIR);
	REQUIRE_ERR(stat("", &st), ENOENT);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	REQUIRE_ERR(stat(longname, &st), ENAMETOOLONG);
	REQUIRE(symlink("loop2", "loop1") == 0 && symlink("loop1", "loop2") == 0);
	REQUIRE_ERR(stat("loop1", &st), ELOOP);
	return 0;
}

static const struct lt_check stat_checks[] = {
	{ "regular", stat_regular },
	{ "fstat", fstat_matches },
	{ "lstat_symlink", lstat_symlink },
	{ "dir", stat_dir },
	{ "umask", umask_applies },
	{ "chmod", chmod_fchmod },
	{ "utimensat_set", utimensat_set },
	{ "utimensat_now", utimensat_now },
	{ "utimensat_omit", utimensat_omit },
	{ "utimensat_nofollow", utimensat_nofollow },
	{ "futimens", futimens_fd },
	{ "utimes", utimes_usec },
	{ "mtime_on_write", mtime_on_write },
	{ "dir_mtime_on_create", dir_mtime_on_create },
	{ "st_blocks", st_blocks },
	{ "statvfs", statvfs_figures },
	{ "errors", stat_errors },
};
LT_AREA(stat);
