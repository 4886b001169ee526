/* SPDX-License-Identifier: BSD-2-Clause */
/* libctest's harness: checks as functions in per-area tables, failure details, tracked streams, helpers. */
#ifndef LIBCTEST_HARNESS_H
#define LIBCTEST_HARNESS_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A check returns 0 when it passed; on failure it returns lt_fail(...), which keeps the detail. */
typedef int (*lt_fn)(void);

struct lt_check {
	const char *name;
	lt_fn fn;
};

struct lt_area {
	const char *name;
	const struct lt_check *checks;
	size_t count;
};

#define LT_AREA(area) \
	const struct lt_area lt_area_##area = { #area, area##_checks, sizeof(area##_checks) / sizeof(area##_checks[0]) }

/* Records why the running check failed; always returns -1. */
int lt_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "ENOENT" for ENOENT, the number for errors it does not know. */
const char *lt_errname(int err);

/* Fails the check unless COND holds; the detail names the condition and errno. */
#define REQUIRE(cond) do {								\
	if (!(cond)) {									\
		int e_ = errno;								\
		return lt_fail(__FILE__, __LINE__, "%s [errno %s]", #cond, lt_errname(e_)); \
	}										\
} while (0)

/* Fails the check unless COND holds, with a detail of its own. */
#define REQUIREF(cond, ...) do {							\
	if (!(cond))									\
		return lt_fail(__FILE__, __LINE__, __VA_ARGS__);			\
} while (0)

/* Fails the check unless EXPR returns -1 with errno ERR. */
#define REQUIRE_ERR(expr, err) do {							\
	errno = 0;									\
	long r_ = (long)(expr);								\
	int e_ = errno;									\
	if (r_ != -1 || e_ != (err))							\
		return lt_fail(__FILE__, __LINE__, "%s returned %ld errno %s, want -1 %s", \
			       #expr, r_, lt_errname(e_), lt_errname(err));		\
} while (0)

/* Fails the check unless EXPR (a function returning an error number, as pthreads do) returns WANT. */
#define REQUIRE_RC(expr, want) do {							\
	int rc_ = (expr);								\
	if (rc_ != (want))								\
		return lt_fail(__FILE__, __LINE__, "%s returned %s, want %s", #expr,	\
			       lt_errname(rc_), lt_errname(want));			\
} while (0)

/*
 * Streams and directory streams opened through these are closed by the harness
 * after the check, so an early return leaves no buffered data behind for a later
 * fflush(NULL) to write into a reused descriptor.
 */
FILE *lt_track(FILE *f);
int lt_fclose(FILE *f);
DIR *lt_track_dir(DIR *d);
int lt_closedir(DIR *d);

/* The run's directory (absolute); each check starts in its own empty directory below it. */
extern char lt_root[];

/* Helpers on the check's directory. */
int lt_write_file(const char *path, const void *data, size_t len);
long lt_read_file(const char *path, void *buf, size_t size);
long lt_file_size(const char *path);

/* Clocks in nanoseconds. */
int64_t lt_mono_ns(void);
int64_t lt_real_ns(void);
/* Spins on the CPU for MS milliseconds of monotonic time. */
void lt_busy_ms(int ms);

#endif
