/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit test for lib/string, built under t_-prefixed names so it can sit beside the host libc. */

#include <stdlib.h>
#include <mote/compiler.h>
#include "tests/unit/check.h"

/* After the host headers, so only lib/string's definitions are renamed. */
#define memcpy t_memcpy
#define memmove t_memmove
#define memset t_memset
#define memcmp t_memcmp
#define strlen t_strlen
#define strnlen t_strnlen
#define strcmp t_strcmp
#define strncmp t_strncmp
#define strchr t_strchr
#define strrchr t_strrchr
#define strlcpy t_strlcpy
#define strstr t_strstr
#define memset64 t_memset64
#include "lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strlcpy
#undef strstr
#undef memset64

static void test_strstr_memset64(void)
{
	uint64_t w[5] = { 0, 0, 0, 0, 0 };

	CHECK(t_strstr("hello world", "world") != NULL && strcmp(t_strstr("hello world", "world"), "world") == 0);
	CHECK(t_strstr("hello", "") != NULL && *t_strstr("hello", "") == 'h');
	CHECK(t_strstr("hello", "hellos") == NULL);
	CHECK(t_strstr("", "a") == NULL);
	CHECK(t_strstr("aaab", "aab") != NULL);
	t_memset64(w + 1, 0x0123456789abcdefull, 3);
	CHECK(w[0] == 0 && w[1] == 0x0123456789abcdefull && w[3] == 0x0123456789abcdefull && w[4] == 0);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_mem(void)
{
	unsigned char a[300], b[300], ref[300];

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (unsigned char)(i * 7 + 3);

	for (size_t n = 0; n < 70; n++) {
		memset(b, 0xee, sizeof(b));
		CHECK(t_memcpy(b + 1, a + 3, n) == b + 1);
		CHECK(memcmp(b + 1, a + 3, n) == 0);
		CHECK_EQ(b[0], 0xee);
		CHECK_EQ(b[n + 1], 0xee);

		CHECK(t_memset(b + 2, 0x1c3, n) == b + 2);	/* only the low byte counts */
		for (size_t i = 0; i < n; i++)
			CHECK_EQ(b[2 + i], 0xc3);
		CHECK_EQ(b[n + 2], 0xee);
	}

	/* Overlap in both directions and at every distance. */
	for (size_t n = 0; n < 64; n++) {
		for (int shift = -9; shift <= 9; shift++) {
			memcpy(b, a, sizeof(b));
			memcpy(ref, a, sizeof(ref));
			CHECK(t_memmove(b + 100 + shift, b + 100, n) == b + 100 + shift);
			memmove(ref + 100 + shift, ref + 100, n);
			CHECK(memcmp(b, ref, sizeof(b)) == 0);
		}
	}

	CHECK_EQ(t_memcmp("abc", "abd", 3), -1);
	CHECK_EQ(t_memcmp("abd", "abc", 3), 1);
	CHECK_EQ(t_memcmp("abc", "abd", 2), 0);
	CHECK_EQ(t_memcmp("", "", 0), 0);
	CHECK_EQ(t_memcmp("\x80", "\x01", 1), 1);	/* bytes compare unsigned */
}

static void test_str(void)
{
	static const char *const s[] = {
		"", "a", "b", "ab", "abc", "abd", "\x80", "\x7f", "a\xff", "abcdefghij",
	};
	char buf[8];

	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		CHECK_EQ(t_strlen(s[i]), strlen(s[i]));
		for (size_t m = 0; m < 12; m++)
			CHECK_EQ(t_strnlen(s[i], m), strnlen(s[i], m));
		for (size_t j = 0; j < ARRAY_SIZE(s); j++) {
			CHECK_EQ(sign(t_strcmp(s[i], s[j])), sign(strcmp(s[i], s[j])));
			for (size_t n = 0; n < 5; n++)
				CHECK_EQ(sign(t_strncmp(s[i], s[j], n)), sign(strncmp(s[i], s[j], n)));
		}
		for (int c = 0; c < 256; c++) {
			CHECK(t_strchr(s[i], c) == strchr(s[i], c));
			CHECK(t_strrchr(s[i], c) == strrchr(s[i], c));
		}
	}
	{
		static const char abca[] = "abca";

		CHECK(t_strchr(abca, 'a' + 256) == abca);	/* c is converted to char */
		CHECK(t_strrchr(abca, 'a') == abca + 3);
		CHECK(t_strchr(abca, '\0') == abca + 4);
	}

	/* strnlen must stop at the bound on unterminated memory. */
	{
		char *p = malloc(4);

		t_memcpy(p, "wxyz", 4);
		CHECK_EQ(t_strnlen(p, 4), 4);
		free(p);
	}

	t_memset(buf, 'Q', sizeof(buf));
	CHECK_EQ(t_strlcpy(buf, "hello", 0), 5);
	CHECK_EQ(buf[0], 'Q');
	CHECK_EQ(t_strlcpy(buf, "hello", 1), 5);
	CHECK_STR(buf, "");
	CHECK_EQ(t_strlcpy(buf, "hello", 3), 5);
	CHECK_STR(buf, "he");
	CHECK_EQ(t_strlcpy(buf, "hello", 6), 5);
	CHECK_STR(buf, "hello");
	CHECK_EQ(t_strlcpy(buf, "hello", sizeof(buf)), 5);
	CHECK_STR(buf, "hello");
	CHECK_EQ(t_strlcpy(buf, "", sizeof(buf)), 0);
	CHECK_STR(buf, "");
}

int main(void)
{
	test_strstr_memset64();
	test_mem();
	test_str();
	return check_done("string");
}
