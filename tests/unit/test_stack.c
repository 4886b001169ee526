/* SPDX-License-Identifier: BSD-2-Clause */
/* Host test of the initial stack builder: walks the result the way libc start code does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "abi/stack.h"
#include <mote/errno.h>

#define USER_TOP	((vaddr_t)0x7ffffffff000)
#define SIZE		8192

static unsigned char *buf;
static size_t buf_size;
static vaddr_t buf_top;

static bool in_stack(uint64_t ua, size_t len)
{
	return ua >= buf_top - buf_size && ua <= buf_top && len <= buf_top - ua;
}

/* Reads a word at a user address in the buffer, as the program would. */
static uint64_t rd(vaddr_t ua)
{
	uint64_t v = 0;

	CHECK(in_stack(ua, 8));
	if (in_stack(ua, 8))
		memcpy(&v, buf + (ua - (buf_top - buf_size)), 8);
	return v;
}

static const char *str_at(uint64_t ua)
{
	if (!in_stack(ua, 1))
		return "<outside the stack>";
	const char *s = (const char *)buf + (ua - (buf_top - buf_size));
	/* The whole string, terminator included, must be inside the stack. */
	if (!memchr(s, 0, buf_top - ua))
		return "<unterminated>";
	return s;
}

static int test_layout(vaddr_t top, size_t size, bool with_strings)
{
	char *argv[] = { "/app", "-x", "", "a longer argument" };
	char *envp[] = { "HOME=/", "TERM=vt100", "X=1" };
	const uint64_t extra[][2] = {
		{ AT_PHDR, 0x400040 }, { AT_PHENT, 56 }, { AT_PHNUM, 9 },
		{ AT_BASE, 0 }, { AT_ENTRY, 0x401000 }, { AT_HWCAP, 0x178bfbff },
		{ AT_HWCAP2, 2 },
	};
	struct stack_args a = {
		.argc = 4, .argv = argv, .envc = 3, .envp = envp,
		.execfn = with_strings ? "/app" : NULL,
		.platform = with_strings ? "x86_64" : NULL,
		.auxv = extra, .nauxv = 7,
	};
	for (int i = 0; i < 16; i++)
		a.random[i] = (uint8_t)(0xa0 + i);

	buf_size = size;
	buf_top = top;
	/* Garbage first: the builder must not leave stale bytes that look meaningful. */
	buf = malloc(size);
	memset(buf, 0xcc, size);

	vaddr_t sp = 0;
	CHECK_EQ(stack_build(buf, size, top, &a, &sp), 0);
	CHECK_EQ(sp % 16, 0);
	CHECK(in_stack(sp, 8));

	/* musl __libc_start_main: argc = *sp, argv = sp + 1, envp = argv + argc + 1. */
	vaddr_t p = sp;
	CHECK_EQ(rd(p), 4);
	p += 8;
	for (int i = 0; i < 4; i++, p += 8)
		CHECK_STR(str_at(rd(p)), argv[i]);
	CHECK_EQ(rd(p), 0);
	p += 8;
	for (int i = 0; i < 3; i++, p += 8)
		CHECK_STR(str_at(rd(p)), envp[i]);
	CHECK_EQ(rd(p), 0);
	p += 8;

	/* auxv: collect like musl's aux[] array, each type at most once. */
	uint64_t aux[64] = { 0 };
	bool seen[64] = { false };
	int n = 0;
	for (;; p += 16, n++) {
		uint64_t t = rd(p), v = rd(p + 8);
		if (t == AT_NULL) {
			CHECK_EQ(v, 0);
			break;
		}
		CHECK(t < 64);
		if (t >= 64 || n > 40)
			break;
		CHECK(!seen[t]);
		seen[t] = true;
		aux[t] = v;
	}
	CHECK_EQ(n, 7 + 9 + (with_strings ? 2 : 0));
	/* The tables end below the strings, inside the buffer. */
	CHECK(p + 16 <= top);

	CHECK_EQ(aux[AT_PHDR], 0x400040);
	CHECK_EQ(aux[AT_PHENT], 56);
	CHECK_EQ(aux[AT_PHNUM], 9);
	CHECK(seen[AT_BASE] && aux[AT_BASE] == 0);
	CHECK_EQ(aux[AT_ENTRY], 0x401000);
	CHECK_EQ(aux[AT_HWCAP], 0x178bfbff);
	CHECK_EQ(aux[AT_HWCAP2], 2);
	CHECK_EQ(aux[AT_PAGESZ], 4096);
	CHECK_EQ(aux[AT_CLKTCK], 100);
	CHECK(seen[AT_FLAGS] && aux[AT_FLAGS] == 0);
	CHECK(seen[AT_UID] && seen[AT_EUID] && seen[AT_GID] && seen[AT_EGID]);
	CHECK_EQ(aux[AT_UID] | aux[AT_EUID] | aux[AT_GID] | aux[AT_EGID], 0);
	CHECK(seen[AT_SECURE] && aux[AT_SECURE] == 0);
	CHECK(seen[AT_RANDOM]);
	CHECK(in_stack(aux[AT_RANDOM], 16));
	if (in_stack(aux[AT_RANDOM], 16))
		CHECK(memcmp(buf + (aux[AT_RANDOM] - (top - size)), a.random, 16) == 0);
	/* The random bytes sit above the tables, not overlapping them. */
	CHECK(aux[AT_RANDOM] >= p + 16);
	CHECK_EQ(seen[AT_EXECFN], with_strings);
	CHECK_EQ(seen[AT_PLATFORM], with_strings);
	if (with_strings) {
		CHECK_STR(str_at(aux[AT_EXECFN]), "/app");
		CHECK_STR(str_at(aux[AT_PLATFORM]), "x86_64");
	}
	/* Linux leaves a zero word at the very top. */
	CHECK_EQ(rd(top - 8), 0);
	free(buf);
	return 0;
}

static void test_errors(void)
{
	char *argv[] = { "/app", NULL };
	const uint64_t bad_aux[][2] = { { AT_NULL, 0 } };
	struct stack_args a = { .argc = 1, .argv = argv, .platform = "x86_64" };
	unsigned char small[512];
	vaddr_t sp = 0x1234;

	/* Find the smallest size that fits, then check one less fails cleanly. */
	size_t fit = 0;
	for (size_t s = 0; s <= sizeof(small); s++) {
		memset(small, 0xcc, sizeof(small));
		int r = stack_build(small, s, 0x10000, &a, &sp);
		if (r == 0) {
			fit = s;
			break;
		}
		CHECK_EQ(r, -E2BIG);
		CHECK_EQ(sp, 0x1234);
	}
	CHECK(fit > 0);
	/* argc, argv[0], NULL, NULL, 10 aux pairs + AT_NULL, "/app", "x86_64", 16 random, 8 top. */
	CHECK(fit >= 4 * 8 + 11 * 16 + 5 + 7 + 16 + 8);
	CHECK(fit < 4 * 8 + 11 * 16 + 5 + 7 + 16 + 8 + 16);

	CHECK_EQ(stack_build(small, 0, 0x10000, &a, &sp), -E2BIG);
	CHECK_EQ(stack_build(small, 100, 0x10000, &a, &sp), -E2BIG);

	a.argc = 2;	/* argv[1] is NULL */
	CHECK_EQ(stack_build(small, sizeof(small), 0x10000, &a, &sp), -EINVAL);
	a.argc = -1;
	CHECK_EQ(stack_build(small, sizeof(small), 0x10000, &a, &sp), -EINVAL);
	a.argc = 1;
	a.auxv = bad_aux;
	a.nauxv = 1;
	CHECK_EQ(stack_build(small, sizeof(small), 0x10000, &a, &sp), -EINVAL);
	a.nauxv = 0;
	/* The buffer may not reach below user address 0. */
	CHECK_EQ(stack_build(small, sizeof(small), 256, &a, &sp), -EINVAL);

	/* An empty argv and envp is legal: argc 0 then two NULLs. */
	struct stack_args e = { 0 };
	CHECK_EQ(stack_build(small, sizeof(small), 0x10000, &e, &sp), 0);
	uint64_t w[3];
	memcpy(w, small + (sp - (0x10000 - sizeof(small))), sizeof(w));
	CHECK_EQ(w[0], 0);
	CHECK_EQ(w[1], 0);
	CHECK_EQ(w[2], 0);
}

int main(void)
{
	test_layout(USER_TOP, SIZE, true);
	test_layout(USER_TOP, SIZE, false);
	/* A top that is not 16-byte aligned must still give an aligned sp. */
	for (vaddr_t off = 1; off < 16; off++)
		test_layout(USER_TOP - off, SIZE, true);
	test_layout(0x20000, 4096, true);
	test_errors();
	return check_done("stack");
}
