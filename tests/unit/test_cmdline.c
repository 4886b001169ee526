/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit test for lib/cmdline: tokens, quoting, "--", microvm's appended devices, limits, numbers. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mote/compiler.h>
#include <mote/errno.h>
#include "lib/cmdline.h"
#include "tests/unit/check.h"

static struct cmdline cl;
static char buf[8192];
static const char *err;

/* Parses a copy, as the kernel does with the boot loader's string. */
static int parse(const char *s)
{
	snprintf(buf, sizeof(buf), "%s", s);
	memset(&cl, 0xa5, sizeof(cl));
	err = "not set";
	return cmdline_parse(buf, &cl, &err);
}

/* cl.argc is @n, cl.argv[0..n) are @want in order, and cl.argv[n] is NULL. */
static void check_argv(int line, const char *const *want, int n)
{
	int failures = check_failures;

	CHECK_EQ(cl.argc, n);
	for (int i = 0; i < n; i++)
		CHECK_STR(cl.argv[i] ? cl.argv[i] : "(null)", want[i]);
	CHECK(cl.argv[n] == NULL);
	if (check_failures != failures)
		fprintf(stderr, "  in CHECK_ARGV at line %d\n", line);
}

#define CHECK_ARGV(...)							\
	check_argv(__LINE__, (const char *const[]){ __VA_ARGS__ },	\
		   (int)ARRAY_SIZE(((const char *const[]){ __VA_ARGS__ })))

static void test_basic(void)
{
	CHECK_EQ(parse("console=ttyS0 quiet mem=64M"), 0);
	CHECK(err == NULL);
	CHECK_EQ(cl.nparams, 3);
	CHECK_STR(cl.params[0].key, "console");
	CHECK_STR(cl.params[0].value, "ttyS0");
	CHECK_STR(cl.params[1].key, "quiet");
	CHECK(cl.params[1].value == NULL);
	CHECK_STR(cl.params[2].key, "mem");
	CHECK_STR(cl.params[2].value, "64M");
	CHECK_EQ(cl.argc, 0);
	CHECK(cl.argv[0] == NULL);

	CHECK_STR(cmdline_get(&cl, "console"), "ttyS0");
	CHECK_STR(cmdline_get(&cl, "quiet"), "");
	CHECK(cmdline_get(&cl, "absent") == NULL);
	CHECK(cmdline_get(&cl, "consol") == NULL);
	CHECK(cmdline_get(&cl, "console=ttyS0") == NULL);
	CHECK(cmdline_get(&cl, NULL) == NULL);
	CHECK(cmdline_get(NULL, "quiet") == NULL);

	/* A value containing '=' splits at the first one. */
	CHECK_EQ(parse("opt=a=b=c x== y=  z="), 0);
	CHECK_EQ(cl.nparams, 4);
	CHECK_STR(cmdline_get(&cl, "opt"), "a=b=c");
	CHECK_STR(cmdline_get(&cl, "x"), "=");
	CHECK_STR(cmdline_get(&cl, "y"), "");
	CHECK(cl.params[2].value != NULL);	/* "y=" is an empty value, not a bare key */
	CHECK_STR(cmdline_get(&cl, "z"), "");

	/* The last occurrence wins. */
	CHECK_EQ(parse("a=1 b=2 a=3 a"), 0);
	CHECK_STR(cmdline_get(&cl, "a"), "");
	CHECK_EQ(parse("a=1 b=2 a=3"), 0);
	CHECK_STR(cmdline_get(&cl, "a"), "3");
	CHECK_STR(cmdline_get(&cl, "b"), "2");
}

static void test_empty(void)
{
	CHECK_EQ(parse(""), 0);
	CHECK(err == NULL);
	CHECK_EQ(cl.nparams, 0);
	CHECK_EQ(cl.argc, 0);
	CHECK(cl.argv[0] == NULL);

	CHECK_EQ(parse("   \t\n  \r\n "), 0);
	CHECK_EQ(cl.nparams, 0);
	CHECK_EQ(cl.argc, 0);

	CHECK_EQ(parse("--"), 0);
	CHECK_EQ(cl.nparams, 0);
	CHECK_EQ(cl.argc, 0);
	CHECK(cl.argv[0] == NULL);

	CHECK_EQ(cmdline_parse(NULL, &cl, &err), 0);
	CHECK_EQ(cl.nparams, 0);
	CHECK_EQ(cl.argc, 0);
	CHECK_EQ(cmdline_parse(buf, NULL, &err), -EINVAL);
	CHECK(err != NULL);
	/* err may be NULL when the caller does not want the reason. */
	snprintf(buf, sizeof(buf), "\"open");
	CHECK_EQ(cmdline_parse(buf, &cl, NULL), -EINVAL);
}

static void test_whitespace(void)
{
	CHECK_EQ(parse("\ta=1\n\nb=2\r\n-- \tx\ny\t\t z \n"), 0);
	CHECK_EQ(cl.nparams, 2);
	CHECK_STR(cmdline_get(&cl, "a"), "1");
	CHECK_STR(cmdline_get(&cl, "b"), "2");
	CHECK_ARGV("x", "y", "z");

	/* Inside quotes, tabs and newlines are part of the value. */
	CHECK_EQ(parse("msg=\"a\tb\nc\" -- \"1\t2\""), 0);
	CHECK_STR(cmdline_get(&cl, "msg"), "a\tb\nc");
	CHECK_STR(cl.argv[0], "1\t2");
}

static void test_quotes(void)
{
	CHECK_EQ(parse("key=\"a b\" other=\"\" \"q=x y\" mid=ab\"c d\"ef"), 0);
	CHECK_EQ(cl.nparams, 4);
	CHECK_STR(cmdline_get(&cl, "key"), "a b");
	CHECK_STR(cmdline_get(&cl, "other"), "");
	CHECK_STR(cmdline_get(&cl, "q"), "x y");
	CHECK_STR(cmdline_get(&cl, "mid"), "abc def");

	CHECK_EQ(parse("-- \"x y\" \"\" plain \"a\"\"b\" ab\"\"cd \"-- \""), 0);
	CHECK_EQ(cl.nparams, 0);
	/* "" alone: quotes make an empty word. */
	CHECK_ARGV("x y", "", "plain", "ab", "abcd", "-- ");

	/* Quotes removed, '=' inside them still splits, as on Linux. */
	CHECK_EQ(parse("\"k=v\""), 0);
	CHECK_STR(cmdline_get(&cl, "k"), "v");

	CHECK_EQ(parse("a=1 key=\"never closed"), -EINVAL);
	CHECK_STR(err, "unterminated quote");
	CHECK_EQ(parse("-- x \""), -EINVAL);
	CHECK_STR(err, "unterminated quote");
	CHECK_EQ(parse("\"\"\""), -EINVAL);
	CHECK_STR(err, "unterminated quote");
}

static void test_separator(void)
{
	CHECK_EQ(parse("a=1 -- /bin/app -v --flag=2 -- last=1"), 0);
	CHECK_EQ(cl.nparams, 1);
	CHECK_STR(cmdline_get(&cl, "a"), "1");
	/* Only the first "--" separates. */
	CHECK_ARGV("/bin/app", "-v", "--flag=2", "--", "last=1");
	CHECK(cmdline_get(&cl, "last") == NULL);
}

/* "--" glued to anything is an ordinary token. */
static void test_separator_glued(void)
{
	CHECK_EQ(parse("--x ---"), 0);
	CHECK_EQ(cl.nparams, 2);
	CHECK_STR(cl.params[0].key, "--x");
	CHECK_STR(cl.params[1].key, "---");
	CHECK_EQ(cl.argc, 0);
	CHECK_EQ(parse("--=b"), 0);
	CHECK_STR(cmdline_get(&cl, "--"), "b");
}

static void test_microvm(void)
{
	/* QEMU microvm with acpi=off appends its devices after the user's command line. */
	CHECK_EQ(parse("console=ttyS0 -- /app --port 80 "
		       "virtio_mmio.device=512@0xfeb00e00:12 "
		       "virtio_mmio.device=512@0xfeb00c00:11"), 0);
	CHECK_ARGV("/app", "--port", "80");
	CHECK_EQ(cl.nparams, 3);
	CHECK_STR(cl.params[1].key, "virtio_mmio.device");
	CHECK_STR(cl.params[1].value, "512@0xfeb00e00:12");
	CHECK_STR(cl.params[2].value, "512@0xfeb00c00:11");
	CHECK_STR(cmdline_get(&cl, "virtio_mmio.device"), "512@0xfeb00c00:11");

	/* Only with the '=': a bare or differently spelt word stays with the app. */
	CHECK_EQ(parse("-- virtio_mmio.device virtio_mmio.devices=1 x=virtio_mmio.device=1"), 0);
	CHECK_EQ(cl.nparams, 0);
	CHECK_EQ(cl.argc, 3);
}

static void test_limits(void)
{
	static char line[8192];
	char *q;

	/* Exactly the maximum of parameters... */
	q = line;
	for (int i = 0; i < CMDLINE_MAX_PARAMS; i++)
		q += sprintf(q, "p%d=%d ", i, i);
	CHECK_EQ(parse(line), 0);
	CHECK_EQ(cl.nparams, CMDLINE_MAX_PARAMS);
	CHECK_STR(cmdline_get(&cl, "p63"), "63");
	CHECK_STR(cmdline_get(&cl, "p0"), "0");
	/* ...and one more. */
	sprintf(q, "extra");
	CHECK_EQ(parse(line), -E2BIG);
	CHECK_STR(err, "too many kernel parameters (max 64)");
	/* Appended microvm devices count against the same limit. */
	sprintf(q, "-- app virtio_mmio.device=1@2:3");
	CHECK_EQ(parse(line), -E2BIG);
	CHECK_STR(err, "too many kernel parameters (max 64)");

	q = line + sprintf(line, "--");
	for (int i = 0; i < CMDLINE_MAX_ARGS; i++)
		q += sprintf(q, " arg%d", i);
	CHECK_EQ(parse(line), 0);
	CHECK_EQ(cl.argc, CMDLINE_MAX_ARGS);
	CHECK_STR(cl.argv[CMDLINE_MAX_ARGS - 1], "arg63");
	CHECK(cl.argv[CMDLINE_MAX_ARGS] == NULL);
	sprintf(q, " one-more");
	CHECK_EQ(parse(line), -E2BIG);
	CHECK_STR(err, "too many application arguments (max 64)");
	/* A device after a full argv is still a parameter, not an overflow. */
	sprintf(q, " virtio_mmio.device=1@2:3");
	CHECK_EQ(parse(line), 0);
	CHECK_EQ(cl.argc, CMDLINE_MAX_ARGS);
	CHECK_EQ(cl.nparams, 1);
}

static void test_errors(void)
{
	CHECK_EQ(parse("a=1 =value"), -EINVAL);
	CHECK_STR(err, "empty parameter name");
	CHECK_EQ(cl.nparams, 1);	/* what came before is kept */
	CHECK_EQ(parse("="), -EINVAL);
	CHECK_STR(err, "empty parameter name");
	CHECK_EQ(parse("\"\""), -EINVAL);
	CHECK_STR(err, "empty parameter name");
	CHECK_EQ(parse("\"\"=x"), -EINVAL);
	CHECK_STR(err, "empty parameter name");
	/* After "--" an empty word is fine, an "=x" word too. */
	CHECK_EQ(parse("-- =x \"\""), 0);
	CHECK_EQ(cl.argc, 2);
}

static void test_long_tokens(void)
{
	/* Tokens far longer than any fixed buffer a parser might have. */
	static char line[8192];
	size_t n;

	memset(line, 'k', 3000);
	line[3000] = '=';
	memset(line + 3001, 'v', 3000);
	memcpy(line + 6001, " -- ", 4);
	memset(line + 6005, 'w', 2000);
	line[8005] = '\0';
	CHECK_EQ(parse(line), 0);
	CHECK_EQ(cl.nparams, 1);
	CHECK_EQ(strlen(cl.params[0].key), 3000);
	CHECK_EQ(strlen(cl.params[0].value), 3000);
	CHECK_EQ(cl.argc, 1);
	CHECK_EQ(strlen(cl.argv[0]), 2000);

	/* The same with quotes all the way through, which slides every byte left. */
	line[0] = '"';
	n = strlen(line);
	line[n] = '"';
	line[n + 1] = '\0';
	CHECK_EQ(parse(line), 0);
	CHECK_EQ(cl.nparams, 1);
	CHECK_EQ(strlen(cl.params[0].key), 2999);
	CHECK_EQ(strlen(cl.params[0].value), 8005 - 3001);
	CHECK_EQ(cl.argc, 0);

	/* Exactly fills a heap buffer: ASan catches a read or write past it. */
	{
		const char *s = "a=\"x y\" -- b \"c d\"";
		char *heap = malloc(strlen(s) + 1);

		memcpy(heap, s, strlen(s) + 1);
		CHECK_EQ(cmdline_parse(heap, &cl, &err), 0);
		CHECK_STR(cmdline_get(&cl, "a"), "x y");
		CHECK_EQ(cl.argc, 2);
		CHECK_STR(cl.argv[1], "c d");
		free(heap);
	}
}

static void check_u64(const char *value, int want_rc, uint64_t want)
{
	uint64_t got = 0x1234;
	char line[256];
	int rc;

	snprintf(line, sizeof(line), "n=\"%s\"", value);
	CHECK_EQ(parse(line), 0);
	rc = cmdline_get_u64(&cl, "n", &got);
	CHECK_EQ(rc, want_rc);
	if (rc != want_rc || (rc == 0 ? got != want : got != 0x1234))
		fprintf(stderr, "  value \"%s\": rc %d, got %llu\n", value, rc, (unsigned long long)got);
	if (rc == 0)
		CHECK(got == want);
	else
		CHECK(got == 0x1234);	/* untouched on error */
}

static void test_u64(void)
{
	uint64_t v = 7;

	check_u64("0", 0, 0);
	check_u64("42", 0, 42);
	check_u64("010", 0, 10);	/* decimal, not octal */
	check_u64("0x10", 0, 16);
	check_u64("0XfF", 0, 255);
	check_u64("4K", 0, 4096);
	check_u64("4k", 0, 4096);
	check_u64("64M", 0, 64ull << 20);
	check_u64("2G", 0, 2ull << 30);
	check_u64("0x10M", 0, 16ull << 20);
	check_u64("18446744073709551615", 0, UINT64_MAX);
	check_u64("0xffffffffffffffff", 0, UINT64_MAX);
	check_u64("17179869183G", 0, 17179869183ull << 30);

	check_u64("18446744073709551616", -ERANGE, 0);
	check_u64("0x10000000000000000", -ERANGE, 0);
	check_u64("17179869184G", -ERANGE, 0);
	check_u64("18014398509481984K", -ERANGE, 0);

	check_u64("", -EINVAL, 0);
	check_u64("0x", -EINVAL, 0);
	check_u64("K", -EINVAL, 0);
	check_u64("-1", -EINVAL, 0);
	check_u64("+1", -EINVAL, 0);
	check_u64(" 1", -EINVAL, 0);
	check_u64("1 ", -EINVAL, 0);
	check_u64("12x", -EINVAL, 0);
	check_u64("1KB", -EINVAL, 0);
	check_u64("1T", -EINVAL, 0);
	check_u64("0x1g0", -EINVAL, 0);
	check_u64("ab", -EINVAL, 0);

	CHECK_EQ(parse("bare"), 0);
	CHECK_EQ(cmdline_get_u64(&cl, "bare", &v), -EINVAL);
	CHECK_EQ(cmdline_get_u64(&cl, "missing", &v), -ENOENT);
	CHECK_EQ(v, 7);
}

int main(void)
{
	test_basic();
	test_empty();
	test_whitespace();
	test_quotes();
	test_separator();
	test_separator_glued();
	test_microvm();
	test_limits();
	test_errors();
	test_long_tokens();
	test_u64();
	return check_done("cmdline");
}
