/* SPDX-License-Identifier: BSD-2-Clause */
/* libctest: runs every area's checks, each in a fresh directory and descriptor table, and prints the tally. */
#include "harness.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern const struct lt_area lt_area_unistd, lt_area_stat, lt_area_stdio, lt_area_dirent,
	lt_area_stdlib, lt_area_time, lt_area_mman, lt_area_sys, lt_area_pthread, lt_area_signal;

/* Signals last: a kernel that delivers them wrongly may end the process. */
static const struct lt_area *const areas[] = {
	&lt_area_unistd, &lt_area_stat, &lt_area_stdio, &lt_area_dirent, &lt_area_stdlib,
	&lt_area_time, &lt_area_mman, &lt_area_sys, &lt_area_pthread, &lt_area_signal,
};

char lt_root[PATH_MAX];
static char why[512];
static int passed, failed;

/* Descriptors the harness closes after a check: the lowest ones are enough for every check here. */
#define FD_SCAN 256

#define MAX_TRACKED 64
static FILE *tracked[MAX_TRACKED];
static DIR *tracked_dirs[MAX_TRACKED];

int lt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (why[0])
		return -1; /* keep the first reason */
	n = snprintf(why, sizeof(why), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

const char *lt_errname(int err)
{
	static const struct { int e; const char *name; } names[] = {
		{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
		{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" }, { E2BIG, "E2BIG" },
		{ ENOEXEC, "ENOEXEC" }, { EBADF, "EBADF" }, { ECHILD, "ECHILD" }, { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { EXDEV, "EXDEV" }, { ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" },
		{ EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" }, { EMFILE, "EMFILE" },
		{ ENOTTY, "ENOTTY" }, { EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" }, { ESPIPE, "ESPIPE" },
		{ EROFS, "EROFS" }, { EMLINK, "EMLINK" }, { EPIPE, "EPIPE" }, { ERANGE, "ERANGE" },
		{ EDEADLK, "EDEADLK" }, { ENAMETOOLONG, "ENAMETOOLONG" }, { ENOLCK, "ENOLCK" },
		{ ENOSYS, "ENOSYS" }, { ENOTEMPTY, "ENOTEMPTY" }, { ELOOP, "ELOOP" },
		{ EOVERFLOW, "EOVERFLOW" }, { ETIMEDOUT, "ETIMEDOUT" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ ENOTSUP, "ENOTSUP" }, { ECANCELED, "ECANCELED" },
	};
	static char other[4][16];
	static int slot;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == err)
			return names[i].name;
	slot = (slot + 1) % 4;
	snprintf(other[slot], sizeof(other[slot]), "%d", err);
	return other[slot];
}

FILE *lt_track(FILE *f)
{
	for (int i = 0; f && i < MAX_TRACKED; i++)
		if (!tracked[i]) {
			tracked[i] = f;
			break;
		}
	return f;
}

int lt_fclose(FILE *f)
{
	for (int i = 0; i < MAX_TRACKED; i++)
		if (tracked[i] == f)
			tracked[i] = NULL;
	return fclose(f);
}

DIR *lt_track_dir(DIR *d)
{
	for (int i = 0; d && i < MAX_TRACKED; i++)
		if (!tracked_dirs[i]) {
			tracked_dirs[i] = d;
			break;
		}
	return d;
}

int lt_closedir(DIR *d)
{
	for (int i = 0; i < MAX_TRACKED; i++)
		if (tracked_dirs[i] == d)
			tracked_dirs[i] = NULL;
	return closedir(d);
}

int lt_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, len);
	if (close(fd) != 0 || n != (ssize_t)len)
		return -1;
	return 0;
}

long lt_read_file(const char *path, void *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (got < size && (n = read(fd, (char *)buf + got, size - got)) > 0)
		got += (size_t)n;
	close(fd);
	return (long)got;
}

long lt_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

int64_t lt_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t lt_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void lt_busy_ms(int ms)
{
	int64_t end = lt_mono_ns() + (int64_t)ms * 1000000;
	volatile unsigned sink = 0;

	while (lt_mono_ns() < end)
		for (int i = 0; i < 1000; i++)
			sink += (unsigned)i;
}

/* Arguments are name prefixes to run; "!PREFIX" leaves those out. No positive prefix: all the rest. */
static int selected(int argc, char **argv, const char *name)
{
	int any_positive = 0, hit = 0;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '!') {
			if (!strncmp(name, argv[i] + 1, strlen(argv[i] + 1)))
				return 0;
			continue;
		}
		any_positive = 1;
		if (!strncmp(name, argv[i], strlen(argv[i])))
			hit = 1;
	}
	return !any_positive || hit;
}

/* One check: a fresh directory as the working directory, umask 022, the harness's signal mask. */
static void run_check(const char *area, const struct lt_check *c)
{
	char name[128], dir[PATH_MAX + 160];
	unsigned char open_before[FD_SCAN];
	sigset_t mask;
	int rc;

	snprintf(name, sizeof(name), "%s.%s", area, c->name);
	why[0] = 0;
	umask(022);
	sigprocmask(SIG_SETMASK, NULL, &mask);
	for (int fd = 0; fd < FD_SCAN; fd++)
		open_before[fd] = fcntl(fd, F_GETFD) != -1;
	snprintf(dir, sizeof(dir), "%s/%s", lt_root, name);
	if (mkdir(dir, 0755) != 0 || chdir(dir) != 0) {
		rc = lt_fail(__FILE__, __LINE__, "harness: cannot make and enter %s [errno %s]", dir,
			     lt_errname(errno));
	} else {
		errno = 0;
		rc = c->fn();
	}

	for (int i = 0; i < MAX_TRACKED; i++) {
		if (tracked[i])
			fclose(tracked[i]);
		if (tracked_dirs[i])
			closedir(tracked_dirs[i]);
		tracked[i] = NULL;
		tracked_dirs[i] = NULL;
	}
	for (int fd = 0; fd < FD_SCAN; fd++)
		if (!open_before[fd] && fcntl(fd, F_GETFD) != -1)
			close(fd);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	umask(022);
	if (chdir(lt_root) != 0)
		printf("# harness: cannot return to %s\n", lt_root);

	if (rc == 0 && !why[0]) {
		passed++;
		printf("ok %s\n", name);
	} else {
		failed++;
		printf("FAIL %s (%s)\n", name, why[0] ? why : "failed without a reason");
	}
	fflush(stdout);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0; /* what cannot be removed stays; the walk goes on */
}

int main(int argc, char **argv)
{
	char base[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The kernel may start the application with no /tmp. */
	if (mkdir("/tmp", 01777) != 0 && errno != EEXIST)
		printf("# cannot make /tmp [errno %s]\n", lt_errname(errno));
	snprintf(base, sizeof(base), "/tmp/libctest.%d", (int)getpid());
	if (mkdir(base, 0755) != 0 || chdir(base) != 0 || !getcwd(lt_root, sizeof(lt_root))) {
		printf("libctest: cannot make its directory %s [errno %s]\n", base, lt_errname(errno));
		printf("libctest: 0 passed, 1 failed\n");
		return 1;
	}

	for (size_t a = 0; a < sizeof(areas) / sizeof(areas[0]); a++)
		for (size_t i = 0; i < areas[a]->count; i++) {
			char name[128];

			snprintf(name, sizeof(name), "%s.%s", areas[a]->name, areas[a]->checks[i].name);
			if (selected(argc, argv, name))
				run_check(areas[a]->name, &areas[a]->checks[i]);
		}

	if (chdir("/") == 0)
		nftw(lt_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	printf("libctest: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
