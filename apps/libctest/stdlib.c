/* SPDX-License-Identifier: BSD-2-Clause */
/* libctest, stdlib area: the environment, realpath, temporary files, the allocator's large and aligned blocks, sorting. */
#include "harness.h"

#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static int environ_wellformed(void)
{
	int n = 0;

	REQUIRE(environ != NULL);
	for (char **e = environ; *e; e++) {
		REQUIREF(strchr(*e, '=') != NULL, "environment entry \"%s\" has no '='", *e);
		REQUIRE(++n < 100000);
	}
	if (n) {
		char name[256];
		const char *eq = strchr(environ[0], '=');

		snprintf(name, sizeof(name), "%.*s", (int)(eq - environ[0]), environ[0]);
		REQUIRE(getenv(name) == eq + 1);
	}
	return 0;
}

static int setenv_getenv(void)
{
	const char *v;

	unsetenv("LIBCTEST_V");
	REQUIRE(getenv("LIBCTEST_V") == NULL);
	REQUIRE(setenv("LIBCTEST_V", "one", 1) == 0);
	v = getenv("LIBCTEST_V");
	REQUIRE(v && !strcmp(v, "one"));
	REQUIRE(setenv("LIBCTEST_V", "two", 0) == 0);
	REQUIREF(!strcmp(getenv("LIBCTEST_V"), "one"), "setenv without overwrite replaced the value");
	REQUIRE(setenv("LIBCTEST_V", "two", 1) == 0);
	REQUIRE(!strcmp(getenv("LIBCTEST_V"), "two"));
	REQUIRE_ERR(setenv("A=B", "x", 1), EINVAL);
	REQUIRE_ERR(setenv("", "x", 1), EINVAL);
	REQUIRE(unsetenv("LIBCTEST_V") == 0);
	return 0;
}

static int unsetenv_removes(void)
{
	REQUIRE(setenv("LIBCTEST_U", "x", 1) == 0);
	REQUIRE(unsetenv("LIBCTEST_U") == 0);
	REQUIRE(getenv("LIBCTEST_U") == NULL);
	for (char **e = environ; *e; e++)
		REQUIRE(strncmp(*e, "LIBCTEST_U=", 11));
	REQUIRE(unsetenv("LIBCTEST_U") == 0);
	REQUIRE_ERR(unsetenv("A=B"), EINVAL);
	return 0;
}

static int putenv_shares(void)
{
	static char entry[] = "LIBCTEST_P=x";

	REQUIRE(putenv(entry) == 0);
	REQUIRE(getenv("LIBCTEST_P") && !strcmp(getenv("LIBCTEST_P"), "x"));
	/* The string itself becomes part of the environment. */
	entry[11] = 'y';
	REQUIRE(!strcmp(getenv("LIBCTEST_P"), "y"));
	REQUIRE(unsetenv("LIBCTEST_P") == 0);
	return 0;
}

static int clearenv_restores(void)
{
	char **saved;
	int n = 0, rc = 0;

	for (char **e = environ; e && *e; e++)
		n++;
	saved = calloc((size_t)n + 1, sizeof(*saved));
	REQUIRE(saved != NULL);
	for (int i = 0; i < n; i++)
		saved[i] = strdup(environ[i]);
	if (setenv("LIBCTEST_C", "x", 1) != 0 || clearenv() != 0)
		rc = lt_fail(__FILE__, __LINE__, "setenv or clearenv failed");
	else if (getenv("LIBCTEST_C") != NULL || (environ && environ[0]))
		rc = lt_fail(__FILE__, __LINE__, "clearenv left variables behind");
	else if (setenv("LIBCTEST_C", "y", 1) != 0 || !environ || !environ[0] || environ[1])
		rc = lt_fail(__FILE__, __LINE__, "setenv after clearenv did not make a one-entry environment");
	unsetenv("LIBCTEST_C");
	for (int i = 0; i < n; i++)
		if (saved[i])
			putenv(saved[i]); /* stays in the environment: not freed */
	free(saved);
	return rc;
}

static int realpath_resolves(void)
{
	char cwd[PATH_MAX], want[PATH_MAX + 8], got[PATH_MAX];

	REQUIRE(getcwd(cwd, sizeof(cwd)) == cwd);
	REQUIRE(mkdir("d", 0755) == 0);
	REQUIRE(lt_write_file("d/f", "x", 1) == 0);
	REQUIRE(symlink("d/f", "l") == 0);
	REQUIRE(symlink("d", "ld") == 0);
	snprintf(want, sizeof(want), "%s/d/f", cwd);
	REQUIRE(realpath("d/../d/./f", got) == got);
	REQUIREF(!strcmp(got, want), "realpath gave \"%s\", want \"%s\"", got, want);
	REQUIRE(realpath("l", got) == got);
	REQUIREF(!strcmp(got, want), "realpath of a link gave \"%s\"", got);
	REQUIRE(realpath("ld//f", got) == got);
	REQUIREF(!strcmp(got, want), "realpath through a directory link gave \"%s\"", got);
	errno = 0;
	REQUIREF(realpath("missing", got) == NULL && errno == ENOENT, "missing: errno %s", lt_errname(errno));
	errno = 0;
	REQUIREF(realpath("d/f/x", got) == NULL && errno == ENOTDIR, "through a file: errno %s",
		 lt_errname(errno));
	return 0;
}

static int mkstemp_unique(void)
{
	char a[] = "tmpXXXXXX", b[] = "tmpXXXXXX", bad[] = "tmpXXXXX_";
	struct stat st;
	int fa, fb;

	fa = mkstemp(a);
	REQUIRE(fa >= 0);
	REQUIREF(strcmp(a, "tmpXXXXXX") && strlen(a) == 9, "template became \"%s\"", a);
	fb = mkstemp(b);
	REQUIRE(fb >= 0);
	REQUIREF(strcmp(a, b), "two mkstemp calls gave the same name \"%s\"", a);
	REQUIRE(fstat(fa, &st) == 0);
	REQUIREF((st.st_mode & 0777) == 0600 && S_ISREG(st.st_mode), "mode 0%o", (unsigned)st.st_mode);
	REQUIRE(access(a, F_OK) == 0 && access(b, F_OK) == 0);
	REQUIREF((fcntl(fa, F_GETFL) & O_ACCMODE) == O_RDWR, "not opened read-write");
	REQUIRE_ERR(mkstemp(bad), EINVAL);
	return 0;
}

static int mkostemp_cloexec(void)
{
	char t[] = "oXXXXXXsuffix";
	int fd;

	fd = mkostemps(t, 6, O_CLOEXEC);
	REQUIRE(fd >= 0);
	REQUIRE(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	REQUIREF(!strcmp(t + 7, "suffix") && access(t, F_OK) == 0, "name \"%s\"", t);
	return 0;
}

static int mkdtemp_dir(void)
{
	char t[] = "dXXXXXX";
	struct stat st;

	REQUIRE(mkdtemp(t) == t);
	REQUIRE(stat(t, &st) == 0);
	REQUIREF(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700, "mode 0%o", (unsigned)st.st_mode);
	return 0;
}

static int malloc_large(void)
{
	enum { SIZE = 8 << 20 };
	unsigned char *p, *q;

	p = malloc(SIZE);
	REQUIRE(p != NULL);
	for (size_t i = 0; i < SIZE; i += 4096)
		p[i] = (unsigned char)(i >> 12);
	p[SIZE - 1] = 0x5a;
	for (size_t i = 0; i < SIZE; i += 4096)
		REQUIREF(p[i] == (unsigned char)(i >> 12), "page %zu lost its byte", i >> 12);
	REQUIRE(p[SIZE - 1] == 0x5a);
	free(p);
	/* Freed large blocks go back to the kernel; the next one comes again. */
	q = malloc(SIZE);
	REQUIRE(q != NULL);
	memset(q, 0x11, SIZE);
	REQUIRE(q[SIZE / 2] == 0x11);
	free(q);
	errno = 0;
	p = malloc((size_t)1 << 47);
	REQUIREF(p == NULL && errno == ENOMEM, "a 128 TiB malloc gave %p errno %s", (void *)p, lt_errname(errno));
	return 0;
}

static int realloc_growth(void)
{
	unsigned char *p = NULL, *q;
	size_t size = 0;

	for (size_t next = 64; next <= (8 << 20); next *= 4) {
		q = realloc(p, next);
		if (!q) {
			free(p);
			return lt_fail(__FILE__, __LINE__, "realloc to %zu failed", next);
		}
		p = q;
		for (size_t i = 0; i < size; i++)
			if (p[i] != (unsigned char)(i * 7)) {
				free(p);
				return lt_fail(__FILE__, __LINE__, "byte %zu lost growing to %zu", i, next);
			}
		for (size_t i = size; i < next; i++)
			p[i] = (unsigned char)(i * 7);
		size = next;
	}
	q = realloc(p, 100);
	REQUIRE(q != NULL);
	for (size_t i = 0; i < 100; i++)
		REQUIRE(q[i] == (unsigned char)(i * 7));
	free(q);
	return 0;
}

static int calloc_zero(void)
{
	enum { SIZE = 4 << 20 };
	volatile size_t huge = SIZE_MAX / 2; /* hidden from the compiler, which rejects a constant overflow */
	unsigned char *p;

	for (int round = 0; round < 3; round++) {
		p = malloc(SIZE);
		REQUIRE(p != NULL);
		memset(p, 0xa5, SIZE);
		free(p);
		p = calloc(1, SIZE);
		REQUIRE(p != NULL);
		for (size_t i = 0; i < SIZE; i++)
			if (p[i]) {
				unsigned char bad = p[i];

				free(p);
				return lt_fail(__FILE__, __LINE__, "calloc byte %zu is %02x", i, bad);
			}
		free(p);
	}
	p = calloc(1000, 1000);
	REQUIRE(p != NULL);
	for (size_t i = 0; i < 1000000; i++)
		REQUIRE(p[i] == 0);
	free(p);
	errno = 0;
	p = calloc(huge, 4);
	REQUIREF(p == NULL && errno == ENOMEM, "an overflowing calloc gave %p", (void *)p);
	return 0;
}

static int aligned_blocks(void)
{
	void *p;

	for (size_t al = 16; al <= (2u << 20); al *= 4) {
		p = aligned_alloc(al, al * 2);
		REQUIREF(p != NULL && ((uintptr_t)p & (al - 1)) == 0, "aligned_alloc(%zu) gave %p", al, p);
		memset(p, 1, al * 2);
		free(p);
	}
	REQUIRE_RC(posix_memalign(&p, 4096, 10000), 0);
	REQUIRE(((uintptr_t)p & 4095) == 0);
	memset(p, 2, 10000);
	free(p);
	REQUIRE_RC(posix_memalign(&p, 3, 16), EINVAL);
	REQUIRE_RC(posix_memalign(&p, 4, 16), EINVAL);
	p = memalign(65536, 100);
	REQUIRE(p && ((uintptr_t)p & 65535) == 0);
	free(p);
	return 0;
}

static int malloc_many_small(void)
{
	enum { N = 20000 };
	static unsigned char *blocks[N];
	int rc = 0;

	for (int i = 0; i < N; i++) {
		size_t n = 1 + (size_t)(i * 37) % 256;

		blocks[i] = malloc(n);
		if (!blocks[i]) {
			rc = lt_fail(__FILE__, __LINE__, "malloc %d failed", i);
			break;
		}
		REQUIRE(malloc_usable_size(blocks[i]) >= n);
		memset(blocks[i], i & 0xff, n);
	}
	for (int i = 0; !rc && i < N; i++) {
		size_t n = 1 + (size_t)(i * 37) % 256;

		for (size_t j = 0; j < n; j++)
			if (blocks[i][j] != (i & 0xff)) {
				rc = lt_fail(__FILE__, __LINE__, "block %d was overwritten", i);
				break;
			}
	}
	for (int i = 0; i < N; i++) {
		free(blocks[i]);
		blocks[i] = NULL;
	}
	return rc;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int qsort_bsearch(void)
{
	enum { N = 100000 };
	int *v;
	uint32_t x = 1;

	v = malloc(N * sizeof(*v));
	REQUIRE(v != NULL);
	for (int i = 0; i < N; i++) {
		x = x * 1664525 + 1013904223;
		v[i] = (int)(x >> 1) % 1000000;
	}
	qsort(v, N, sizeof(*v), cmp_int);
	for (int i = 1; i < N; i++)
		if (v[i - 1] > v[i]) {
			free(v);
			return lt_fail(__FILE__, __LINE__, "not sorted at %d", i);
		}
	for (int i = 0; i < N; i += 97) {
		int *hit = bsearch(&v[i], v, N, sizeof(*v), cmp_int);

		if (!hit || *hit != v[i]) {
			free(v);
			return lt_fail(__FILE__, __LINE__, "bsearch missed %d", v[i]);
		}
	}
	{
		int absent = -5;

		REQUIRE(bsearch(&absent, v, N, sizeof(*v), cmp_int) == NULL);
	}
	free(v);
	return 0;
}

static const struct lt_check stdlib_checks[] = {
	{ "environ", environ_wellformed },
	{ "setenv", setenv_getenv },
	{ "unsetenv", unsetenv_removes },
	{ "putenv", putenv_shares },
	{ "clearenv", clearenv_restores },
	{ "realpath", realpath_resolves },
	{ "mkstemp", mkstemp_unique },
	{ "mkostemps", mkostemp_cloexec },
	{ "mkdtemp", mkdtemp_dir },
	{ "malloc_large", malloc_large },
	{ "realloc_growth", realloc_growth },
	{ "calloc_zero", calloc_zero },
	{ "aligned_alloc", aligned_blocks },
	{ "malloc_many_small", malloc_many_small },
	{ "qsort_bsearch", qsort_bsearch },
};
LT_AREA(stdlib);
