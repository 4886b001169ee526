/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit test for lib/format: agreement with the host's snprintf, plus the documented deviations. */

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mote/errno.h>
#include "lib/format.h"
#include "tests/unit/check.h"
#include "tests/unit/xorshift.h"

static int mismatches_shown;

/* Formats with both engines at the given buffer size; they must agree byte for byte. */
static void vcmp_sized(size_t size, const char *fmt, va_list ap)
{
	char want[4096], got[4096];
	va_list ap2;
	int rw, rg;

	memset(want, 0x55, sizeof(want));
	memset(got, 0x55, sizeof(got));
	va_copy(ap2, ap);
	rw = vsnprintf(size ? want : NULL, size, fmt, ap);
	rg = fmt_vsnprintf(size ? got : NULL, size, fmt, ap2);
	va_end(ap2);

	check_count++;
	if (rw != rg || memcmp(want, got, sizeof(want)) != 0) {
		check_failures++;
		if (mismatches_shown++ < 30)
			fprintf(stderr, "mismatch: fmt \"%s\" size %zu: host %d \"%.200s\", ours %d \"%.200s\"\n",
				fmt, size, rw, size ? want : "", rg, size ? got : "");
	}
}

static void cmp_sized(size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcmp_sized(size, fmt, ap);
	va_end(ap);
}

/* Full-size comparison plus a truncated one, so both return-value paths are exercised. */
static size_t cmp_trunc_size = 3;
static void cmp(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcmp_sized(4000, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vcmp_sized(cmp_trunc_size, fmt, ap);
	va_end(ap);
}

/* Checks our output against a fixed expectation (for the deviations from C). */
static void expect(const char *want, const char *fmt, ...)
{
	char got[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vsnprintf(got, sizeof(got), fmt, ap);
	va_end(ap);
	CHECK_STR(got, want);
	CHECK_EQ(r, (long long)strlen(want));
}

static const uint64_t interesting[] = {
	0, 1, 2, 7, 8, 9, 10, 15, 16, 99, 100, 127, 128, 255, 256, 999, 1000,
	32767, 32768, 65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff,
	0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
	0xffffffffffffffffull, 0xfffffffffffffffeull, 0xffffffff80000000ull,
	0xffffffffffff8000ull, 0xffffffffffffff80ull, 1000000000000000000ull,
	10000000000000000000ull, 0xdeadbeefcafebabeull, 01234567012345670ull,
};

static uint64_t random_value(void)
{
	uint64_t v;

	if (rnd() % 3 == 0)
		return interesting[rnd() % ARRAY_SIZE(interesting)];
	v = rnd();
	/* Spread over magnitudes, so short numbers are as common as long ones. */
	v >>= rnd() % 64;
	if (rnd() % 4 == 0)
		v = (uint64_t)0 - v;
	return v;
}

static const char *const strings[] = {
	"", "a", "ab", "hello", "hello, world", "with\ttab and\nnewline",
	"%d %s not a format here", "0123456789012345678901234567890123456789012345678901234567890123456789",
};

static void fuzz_one(void)
{
	static const char convs[] = "diuxXocsp";
	static const char *const lens[] = { "", "hh", "h", "l", "ll", "z", "t", "j" };
	char f[128], *q = f;
	char conv = convs[rnd() % (sizeof(convs) - 1)];
	const char *allowed;
	bool width_star = false, prec_star = false, prec_ok, len_ok;
	int wv = 0, pv = 0;
	unsigned li = 0;
	uint64_t v = random_value();

	/* Only combinations C defines; glibc's choices for undefined ones are not a spec. */
	switch (conv) {
	case 'd': case 'i': case 'u':
		allowed = "-0+ ";
		prec_ok = len_ok = true;
		break;
	case 'x': case 'X': case 'o':
		allowed = "-0+ #";
		prec_ok = len_ok = true;
		break;
	case 's':
		allowed = "-+ ";
		prec_ok = true;
		len_ok = false;
		break;
	case 'c':
		allowed = "-+ ";
		prec_ok = len_ok = false;
		break;
	default:	/* p */
		allowed = "-";
		prec_ok = len_ok = false;
		break;
	}

	if (rnd() % 4 == 0)
		q += sprintf(q, "lit%c", (char)('a' + rnd() % 26));
	*q++ = '%';
	for (unsigned n = (unsigned)(rnd() % 4); n > 0; n--)
		*q++ = allowed[rnd() % strlen(allowed)];

	switch (rnd() % 6) {
	case 0:
		break;
	case 1:
		width_star = true;
		*q++ = '*';
		wv = (int)(rnd() % 81) - 40;
		if (rnd() % 50 == 0)
			wv = (int)(rnd() % 600) - 300;
		break;
	default:
		q += sprintf(q, "%d", (int)(rnd() % (rnd() % 20 == 0 ? 300 : 30)));
		break;
	}

	if (prec_ok) {
		switch (rnd() % 6) {
		case 0:
		case 1:
			break;
		case 2:
			*q++ = '.';
			break;
		case 3:
			prec_star = true;
			q += sprintf(q, ".*");
			pv = (int)(rnd() % 51) - 10;
			break;
		default:
			q += sprintf(q, ".%d", (int)(rnd() % (rnd() % 20 == 0 ? 300 : 30)));
			break;
		}
	}

	if (len_ok) {
		li = (unsigned)(rnd() % ARRAY_SIZE(lens));
		q += sprintf(q, "%s", lens[li]);
	}
	*q++ = conv;
	if (rnd() % 4 == 0)
		q += sprintf(q, "|%%%%|%c", (char)('A' + rnd() % 26));
	*q = '\0';
	cmp_trunc_size = (size_t)(rnd() % 12);

#define CALL(val)							\
	do {								\
		if (width_star && prec_star)				\
			cmp(f, wv, pv, val);				\
		else if (width_star)					\
			cmp(f, wv, val);				\
		else if (prec_star)					\
			cmp(f, pv, val);				\
		else							\
			cmp(f, val);					\
	} while (0)

	switch (conv) {
	case 's': {
		const char *s = strings[rnd() % ARRAY_SIZE(strings)];

		CALL(s);
		return;
	}
	case 'c':
		CALL((int)(' ' + v % 95));
		return;
	case 'p':
		if (v == 0)
			v = 1;	/* NULL is a documented deviation, checked separately */
		CALL((void *)(uintptr_t)v);
		return;
	default:
		break;
	}

	/* Pass each length its own argument type, full width, so truncation is ours to do. */
	switch (li) {
	case 0: case 1: case 2:
		CALL((int)v);
		break;
	case 3:
		CALL((long)v);
		break;
	case 4:
		CALL((long long)v);
		break;
	case 5:
		CALL((size_t)v);
		break;
	case 6:
		CALL((ptrdiff_t)v);
		break;
	default:
		CALL((intmax_t)v);
		break;
	}
#undef CALL
}

static void test_table(void)
{
	static const char *const int_fmts[] = {
		"%d", "%i", "%u", "%x", "%X", "%o", "%5d", "%-5d|", "%05d", "%+d", "% d",
		"%+5d", "%-+5d|", "% 05d", "%+05d", "%.0d", "%.0u", "%.0x", "%.0o", "%#.0o",
		"%#o", "%#x", "%#X", "%#5x", "%#05x", "%#-8x|", "%#.3o", "%#8.3o", "%.5d",
		"%8.5d", "%-8.5d|", "%08.5d", "%+.3d", "% .3d", "%.10x", "%#.10X", "%1d",
		"%#1o", "%#-1x|", "%0+8d", "%0-8d|", "%-08d|", "%#0o",
	};
	static const int ints[] = {
		0, 1, -1, 5, -5, 42, -42, 1234, -1234, 99999, -99999, INT_MAX, INT_MIN,
		INT_MAX - 1, INT_MIN + 1, 0x10, 0777,
	};

	for (size_t i = 0; i < ARRAY_SIZE(int_fmts); i++)
		for (size_t j = 0; j < ARRAY_SIZE(ints); j++)
			cmp(int_fmts[i], ints[j]);

	cmp("%lld %lld %llu %llx %llo", LLONG_MIN, LLONG_MAX, ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	cmp("%jd %jd %ju %jX", INTMAX_MIN, INTMAX_MAX, UINTMAX_MAX, UINTMAX_MAX);
	cmp("%ld %li %lu %lx", LONG_MIN, LONG_MIN, ULONG_MAX, ULONG_MAX);
	cmp("%zd %zu %zx %td %tu", (size_t)-1, SIZE_MAX, SIZE_MAX, PTRDIFF_MIN, (ptrdiff_t)-1);
	cmp("%hhd %hhu %hhx %hd %hu %hx", 0x1ff, 0x1ff, 0x1ff, 0x18000, 0x18000, 0x18000);
	cmp("%hhd %hd", -129, -32769);
	cmp("%+lld|% lld|%030lld|%-30lld|%.25lld", LLONG_MIN, LLONG_MIN, LLONG_MIN, LLONG_MIN, LLONG_MIN);
	cmp("%+jd %+jd % jd", (intmax_t)0, INTMAX_MAX, INTMAX_MIN);

	cmp("%s|%5s|%-5s|%.2s|%5.2s|%-5.2s|%.0s|%.10s", "abc", "abc", "abc", "abc", "abc", "abc",
	    "abc", "abc");
	cmp("%s %s", "", "x");
	cmp("%*s|%-*s|%*s|%.*s|%.*s", 6, "ab", 6, "ab", -6, "ab", 1, "ab", -1, "ab");
	cmp("%c%c%c|%3c|%-3c|", 'a', 'b', 0x1c3, 'x', 'y');
	cmp("%*d|%-*d|%*d", 5, 1, 5, 1, -5, 1);
	cmp("%.*d|%.*d|%.*d", 3, 7, -3, 7, 0, 0);
	cmp("%*.*d|%*.*x", -8, 3, 42, 8, -1, 42);
	cmp("%%|%5d%%|%%%d", 1, 2);
	cmp("%p %p %20p %-20p|", (void *)1, (void *)0xffffffff81000000ull, (void *)0x1234,
	    (void *)0x1234);
	cmp("plain text, no conversions");
	cmp("");
	cmp("%s", "leading");
	cmp("trailing %d", 7);
	cmp("%d%d%d%d%d%d%d%d%d%d", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);

	/* Widths and precisions beyond any internal buffer or pad slice. */
	cmp("%1000d|%-1000d|%.1000d|%01000d", 1, -1, 12, -12);
	cmp("%3000s|%-3000s|", "wide", "wide");
	cmp("%*x|%#.*o", 2500, 0xab, 2500, 7);
	cmp("%.3000lld", LLONG_MIN);
}

/* fmt_snprintf without the format attribute: these calls overflow on purpose. */
static int snp(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

static void test_deviations(void)
{
	char small[8];
	char *nonterm;

	/* Unknown conversions print literally and take no argument. */
	expect("%y", "%y");
	expect("a%yb5", "a%yb%d", 5);
	expect("%5y|%-08.3y|7", "%5y|%-08.3y|%d", 7);
	expect("%f %e %g %a %Lf", "%f %e %g %a %Lf");
	expect("%qd", "%qd");
	expect("%", "%");
	expect("abc%", "abc%");
	expect("%-5", "%-5");
	expect("%l", "%l");
	expect("%", "%5%");	/* '%' ignores flags and width */

	/* %n is refused; its pointer is consumed so later arguments stay aligned. */
	{
		int n = 12345;

		expect("ab%n3", "ab%n%d", &n, 3);
		CHECK_EQ(n, 12345);
	}
	expect("%ls|%lc|9", "%ls|%lc|%d", (void *)"x", 'y', 9);

	/* NULL pointers. */
	expect("0x0", "%p", (void *)0);
	expect("  0x0|", "%5p|", (void *)0);
	expect("0xff", "%p", (void *)0xff);
	expect("(null)", "%s", (char *)NULL);
	expect("(nu", "%.3s", (char *)NULL);
	expect("  (null)", "%8s", (char *)NULL);

	/* Precision bounds the read: ASan flags a byte read past the heap block. */
	nonterm = malloc(3);
	memcpy(nonterm, "xyz", 3);
	expect("xyz", "%.3s", nonterm);
	expect("xy", "%.2s", nonterm);
	expect("  xyz", "%5.3s", nonterm);
	expect("xyz", "%.*s", 3, nonterm);
	free(nonterm);

	/* Width digits past INT_MAX saturate instead of wrapping. */
	CHECK_EQ(snp(small, sizeof(small), "%.99999999999999999999d", 0), INT_MAX);
	CHECK_STR(small, "0000000");

	/* Output that cannot be counted in an int is reported, not wrapped. */
	CHECK_EQ(snp(small, sizeof(small), "%*d%*d", INT_MAX, 1, INT_MAX, 1), -EOVERFLOW);
	CHECK_STR(small, "       ");
	CHECK_EQ(snp(NULL, 0, "%*d", INT_MAX, 1), INT_MAX);
	CHECK_EQ(snp(NULL, 0, "%*d%s", INT_MAX, 1, "x"), -EOVERFLOW);
	CHECK_EQ(snp(small, sizeof(small), "%*d", INT_MIN, 1), -EOVERFLOW);
	CHECK_EQ(small[0], '1');

	/* NULL buffer with a size is treated as size 0 rather than written through. */
	CHECK_EQ(snp(NULL, 10, "hello"), 5);
}

static void test_snprintf_bounds(void)
{
	char buf[16];

	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(fmt_snprintf(buf, 0, "hello"), 5);
	CHECK_EQ(buf[0], 'X');
	CHECK_EQ(fmt_snprintf(buf, 1, "hello"), 5);
	CHECK_EQ(buf[0], '\0');
	CHECK_EQ(buf[1], 'X');
	CHECK_EQ(fmt_snprintf(buf, 4, "hello %d", 12), 8);
	CHECK_STR(buf, "hel");
	CHECK_EQ(buf[4], 'X');
	CHECK_EQ(fmt_snprintf(buf, 9, "hello %d", 12), 8);
	CHECK_STR(buf, "hello 12");
	CHECK_EQ(fmt_snprintf(buf, 8, "hello %d", 12), 8);
	CHECK_STR(buf, "hello 1");

	for (size_t size = 0; size < 40; size++) {
		cmp_sized(size, "%s=%-8d|%#x|%c", "key", -77, 0xbeef, 'z');
		cmp_sized(size, "%20s", "right");
	}
}

struct rec {
	int calls;
	size_t total;
	size_t largest;
	char text[8192];
};

static void rec_out(void *ctx, const char *s, size_t n)
{
	struct rec *r = ctx;

	r->calls++;
	CHECK(n > 0);
	if (n > r->largest)
		r->largest = n;
	if (r->total + n < sizeof(r->text)) {
		memcpy(r->text + r->total, s, n);
		r->text[r->total + n] = '\0';
	}
	r->total += n;
}

static int rec_format(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	memset(r, 0, sizeof(*r));
	va_start(ap, fmt);
	n = fmt_vformat(rec_out, r, fmt, ap);
	va_end(ap);
	return n;
}

static void test_chunks(void)
{
	struct rec r;

	/* A run of literal text is one call; a number is one call. */
	CHECK_EQ(rec_format(&r, "hello, world: %d!", 12345), 20);
	CHECK_STR(r.text, "hello, world: 12345!");
	CHECK_EQ(r.calls, 3);
	CHECK_EQ(r.total, 20);

	CHECK_EQ(rec_format(&r, "no conversions at all"), 21);
	CHECK_EQ(r.calls, 1);

	CHECK_EQ(rec_format(&r, "%s", ""), 0);
	CHECK_EQ(r.calls, 0);

	/* Padding arrives in slices, not a call per character. */
	CHECK_EQ(rec_format(&r, "%5000d", 7), 5000);
	CHECK(r.calls < 100);
	CHECK_EQ(r.text[4998], ' ');
	CHECK_EQ(r.text[4999], '7');

	CHECK_EQ(rec_format(&r, "[%-6s][%06x][%+.4d]", "ab", 0xfe, -3), 23);
	CHECK_STR(r.text, "[ab    ][0000fe][-0003]");
}

int main(void)
{
	test_table();
	test_deviations();
	test_snprintf_bounds();
	test_chunks();
	for (int i = 0; i < 200000; i++)
		fuzz_one();
	return check_done("format");
}
